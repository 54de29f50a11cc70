// Serpent encoding: PyValue to the Python literals serpent 1.41 writes.
#include <cmath>

#include <fmt/format.h>

#include "scripting/serpent.h"
#include "scripting/utf8.h"

namespace parallax {

namespace {

constexpr std::string_view kHeader = "# serpent utf-8 python3.2\n";

// What Python could not read back (ast.literal_eval refuses {[1]: 2}) is not written.
Status check_hashable(const PyValue& key) {
  if (key.hashable()) return Status::ok();
  return Status::invalid("serpent: a {} cannot be a dict key or set item (unhashable)",
                         py_type_name(key.kind));
}

void append_escaped(std::string& out, std::string_view text, bool is_bytes) {
  out += is_bytes ? "b'" : "'";
  for (unsigned char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F || (is_bytes && c >= 0x80)) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '\'';
}

class Encoder {
 public:
  Status encode(const PyValue& value, int depth) {
    if (depth > kSerpentMaxDepth)
      return Status::invalid("value nested deeper than {} levels", kSerpentMaxDepth);
    switch (value.kind) {
      case PyKind::kNone:
        out_ += "None";
        break;
      case PyKind::kBool:
        out_ += value.integer ? "True" : "False";
        break;
      case PyKind::kInt:
        out_ += fmt::format("{}", value.integer);
        break;
      case PyKind::kBigInt:
        out_ += value.text;
        break;
      case PyKind::kFloat:
        append_python_float(out_, value.number);
        break;
      case PyKind::kStr:
        if (auto bad = find_invalid_utf8(value.text)) {
          return Status::invalid("string is not valid UTF-8 (byte {})", *bad);
        }
        append_escaped(out_, value.text, false);
        break;
      case PyKind::kBytes:
        append_escaped(out_, value.text, true);
        break;
      case PyKind::kList:
        return sequence(value.items, "[", "]", depth);
      case PyKind::kTuple:
        if (value.items.size() == 1) {
          out_ += '(';
          PX_RETURN_IF_ERROR(encode(value.items[0], depth + 1));
          out_ += ",)";
          return Status::ok();
        }
        return sequence(value.items, "(", ")", depth);
      case PyKind::kSet:
        // An empty set has no literal; serpent sends an empty tuple.
        if (value.items.empty()) return sequence(value.items, "(", ")", depth);
        for (const auto& item : value.items) PX_RETURN_IF_ERROR(check_hashable(item));
        return sequence(value.items, "{", "}", depth);
      case PyKind::kDict:
        out_ += '{';
        for (size_t i = 0; i < value.entries.size(); ++i) {
          if (i) out_ += ',';
          PX_RETURN_IF_ERROR(check_hashable(value.entries[i].first));
          PX_RETURN_IF_ERROR(encode(value.entries[i].first, depth + 1));
          out_ += ':';
          PX_RETURN_IF_ERROR(encode(value.entries[i].second, depth + 1));
        }
        out_ += '}';
        break;
    }
    return Status::ok();
  }
  std::string take() { return std::move(out_); }
  void raw(std::string_view text) { out_ += text; }

 private:
  Status sequence(const std::vector<PyValue>& items, const char* open, const char* close,
                  int depth) {
    out_ += open;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out_ += ',';
      PX_RETURN_IF_ERROR(encode(items[i], depth + 1));
    }
    out_ += close;
    return Status::ok();
  }

  std::string out_;
};

}  // namespace

void append_python_float(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "{'__class__':'float','value':'nan'}";
  } else if (std::isinf(value)) {
    out += value > 0 ? "1e30000" : "-1e30000";
  } else {
    const size_t start = out.size();
    fmt::format_to(std::back_inserter(out), "{}", value);
    // "1" would read back as an int.
    if (out.find_first_of(".e", start) == std::string::npos) out += ".0";
  }
}

Result<std::string> serpent_encode(const PyValue& value) {
  Encoder encoder;
  encoder.raw(kHeader);
  PX_RETURN_IF_ERROR(encoder.encode(value, 0));
  return encoder.take();
}

}  // namespace parallax
