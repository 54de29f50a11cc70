#include <bit>
#include <cstring>

#include "scripting/pickle.h"
#include "scripting/utf8.h"

namespace parallax {

namespace {

constexpr int kMaxDepth = 512;

void append_le(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

// What Python's unpickler would refuse ({[1]: 2} raises TypeError) is not written.
Status check_hashable(const PyValue& key) {
  if (key.hashable()) return Status::ok();
  return Status::invalid("pickle: a {} cannot be a dict key or set item (unhashable)",
                         py_type_name(key.kind));
}

Status encode(std::string& out, const PyValue& value, int depth) {
  if (depth > kMaxDepth) return Status::invalid("pickle: value nested too deeply");
  switch (value.kind) {
    case PyKind::kNone:
      out += 'N';
      return Status::ok();
    case PyKind::kBool:
      out += value.integer ? '\x88' : '\x89';  // NEWTRUE / NEWFALSE
      return Status::ok();
    case PyKind::kInt:
      if (value.integer >= INT32_MIN && value.integer <= INT32_MAX) {
        out += 'J';  // BININT
        append_le(out, static_cast<uint32_t>(value.integer), 4);
      } else {
        out += "\x8a\x08";  // LONG1, 8 bytes of two's complement
        append_le(out, static_cast<uint64_t>(value.integer), 8);
      }
      return Status::ok();
    case PyKind::kBigInt:
      out += 'L' + value.text + "L\n";  // LONG: decimal text, read by every protocol
      return Status::ok();
    case PyKind::kFloat: {
      out += 'G';  // BINFLOAT: big-endian
      append_le(out, __builtin_bswap64(std::bit_cast<uint64_t>(value.number)), 8);
      return Status::ok();
    }
    case PyKind::kStr:
      if (auto bad = find_invalid_utf8(value.text)) {
        return Status::invalid("pickle: text is not valid UTF-8 (byte {})", *bad);
      }
      out += 'X';  // BINUNICODE
      append_le(out, value.text.size(), 4);
      out += value.text;
      return Status::ok();
    case PyKind::kBytes:
      out += 'B';  // BINBYTES
      append_le(out, value.text.size(), 4);
      out += value.text;
      return Status::ok();
    case PyKind::kList:
    case PyKind::kTuple:
    case PyKind::kSet: {
      if (value.kind == PyKind::kList) out += ']';                  // EMPTY_LIST
      if (value.kind == PyKind::kSet) out += "cbuiltins\nset\n(]";  // set([...])
      out += '(';                                                   // MARK
      for (const auto& item : value.items) {
        if (value.kind == PyKind::kSet) PX_RETURN_IF_ERROR(check_hashable(item));
        PX_RETURN_IF_ERROR(encode(out, item, depth + 1));
      }
      if (value.kind == PyKind::kTuple) out += 't';  // TUPLE
      if (value.kind != PyKind::kTuple) out += 'e';  // APPENDS
      if (value.kind == PyKind::kSet) out += "tR";   // (list,) then REDUCE
      return Status::ok();
    }
    case PyKind::kDict:
      out += "}(";  // EMPTY_DICT MARK
      for (const auto& [key, item] : value.entries) {
        PX_RETURN_IF_ERROR(check_hashable(key));
        PX_RETURN_IF_ERROR(encode(out, key, depth + 1));
        PX_RETURN_IF_ERROR(encode(out, item, depth + 1));
      }
      out += 'u';  // SETITEMS
      return Status::ok();
  }
  return Status::invalid("pickle: unknown value kind");
}

}  // namespace

Result<std::string> pickle_encode(const PyValue& value) {
  std::string out = "\x80\x03";  // PROTO 3
  PX_RETURN_IF_ERROR(encode(out, value, 0));
  out += '.';  // STOP
  return out;
}

}  // namespace parallax
