#include <bit>
#include <charconv>
#include <cstring>
#include <deque>
#include <optional>
#include <unordered_map>

#include "scripting/pickle.h"
#include "scripting/utf8.h"

namespace parallax {

namespace {

constexpr int kMaxDepth = 512;

// Values while unpickling are shared nodes: the memo and the stack may name the same list,
// which is filled after it was memoized. They become a PyValue tree at STOP. The unpickler
// owns every node (an arena) and nodes only point at each other, so a pickle that makes a
// cycle (a list appended to itself, an object whose state holds it) cannot leak it.
struct Node;
using NodePtr = Node*;
struct Node {
  PyValue value;  // scalars; for containers only `kind`
  std::vector<NodePtr> items;
  std::vector<std::pair<NodePtr, NodePtr>> entries;
  std::string global;              // "module.name" of a GLOBAL / STACK_GLOBAL
  NodePtr object_args = nullptr;   // an object made by REDUCE / NEWOBJ: its class is `global`
  NodePtr object_state = nullptr;  // ... and what BUILD gave it
  bool is_object = false;          // made by REDUCE / NEWOBJ
};

// Decimal text (INT, LONG) as an int when it fits int64, else as digits (kBigInt is for values
// beyond int64 only); nullopt when it is not a decimal integer as Python's int(text, 0) reads
// it: no leading zeros but in zero itself.
std::optional<PyValue> integer_from_text(std::string_view text) {
  const std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  if (digits.find_first_not_of('0') == std::string_view::npos) return PyValue::of_int(0);
  if (digits.front() == '0') return std::nullopt;
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc() && end == text.data() + text.size()) return PyValue::of_int(value);
  return PyValue::of_text(PyKind::kBigInt, std::string(text));
}

// Little-endian two's complement of any length, as int64 or as decimal digits.
PyValue integer_from_bytes(std::string_view bytes) {
  if (bytes.empty()) return PyValue::of_int(0);
  const bool negative = static_cast<unsigned char>(bytes.back()) & 0x80;
  if (bytes.size() <= 8) {
    uint64_t value = 0;
    for (size_t i = 0; i < bytes.size(); ++i) {
      value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
    }
    if (negative && bytes.size() < 8) value |= ~uint64_t{0} << (8 * bytes.size());
    return PyValue::of_int(static_cast<int64_t>(value));
  }
  // The magnitude in base 2^32 words (most significant first), then divided down by 10^9.
  std::string data(bytes);
  if (negative) {  // two's complement negation
    bool carry = true;
    for (auto& byte : data) {
      const unsigned sum = static_cast<unsigned char>(~byte) + (carry ? 1u : 0u);
      byte = static_cast<char>(sum & 0xFF);
      carry = sum > 0xFF;
    }
  }
  std::vector<uint32_t> words((data.size() + 3) / 4, 0);
  for (size_t i = 0; i < data.size(); ++i) {
    words[words.size() - 1 - i / 4] |= static_cast<uint32_t>(static_cast<unsigned char>(data[i]))
                                       << (8 * (i % 4));
  }
  std::string digits;
  while (!words.empty()) {
    uint64_t remainder = 0;
    for (auto& word : words) {
      const uint64_t current = (remainder << 32) | word;
      word = static_cast<uint32_t>(current / 1'000'000'000);
      remainder = current % 1'000'000'000;
    }
    while (!words.empty() && words.front() == 0) words.erase(words.begin());
    std::string chunk = std::to_string(remainder);
    if (!words.empty()) chunk.insert(0, 9 - chunk.size(), '0');
    digits.insert(0, chunk);
  }
  if (digits.empty()) digits = "0";
  if (negative) digits.insert(0, "-");
  // A long spelled with more bytes than it needs (LONG1 with padding) may still fit.
  return *integer_from_text(digits);
}

class Unpickler {
 public:
  // Memo references repeat a value for a few bytes each, so a crafted pickle could expand
  // exponentially. Values made from the input's own bytes take at least a byte each: the
  // tree may hold about as many values as the input has bytes, and bounded text.
  explicit Unpickler(std::string_view data)
      : data_(data),
        values_left_(data.size() + 65536),
        text_left_(64 * data.size() + (64u << 20)) {}

  NodePtr new_node() { return &nodes_.emplace_back(); }
  NodePtr scalar(PyValue value) {
    NodePtr node = new_node();
    node->value = std::move(value);
    return node;
  }
  NodePtr container(PyKind kind) { return scalar(PyValue::of_kind(kind)); }

  Result<PyValue> run() {
    while (true) {
      if (pos_ >= data_.size()) return error("truncated (no STOP)");
      const size_t opcode_at = pos_;
      const unsigned char opcode = static_cast<unsigned char>(data_[pos_++]);
      if (opcode == '.') {  // STOP
        if (stack_.size() != 1 || !marks_.empty()) return error("STOP with a bad stack");
        return materialise(stack_.back(), 0);
      }
      const Status step = apply(opcode);
      if (!step.is_ok()) {
        return Status::invalid("pickle: {} (opcode 0x{:02x} at offset {})", step.message(), opcode,
                               opcode_at);
      }
    }
  }

 private:
  Status error(std::string_view what) const {
    return Status::invalid("pickle: {} at offset {}", what, pos_);
  }

  Result<std::string_view> take(uint64_t count) {
    if (count > data_.size() - pos_) return Status::invalid("truncated");
    const std::string_view bytes = data_.substr(pos_, count);
    pos_ += count;
    return bytes;
  }
  Result<uint64_t> little_endian(int bytes) {
    PX_ASSIGN_OR_RETURN(std::string_view raw, take(bytes));
    uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) {
      value |= static_cast<uint64_t>(static_cast<unsigned char>(raw[i])) << (8 * i);
    }
    return value;
  }
  Result<std::string_view> line() {
    const size_t end = data_.find('\n', pos_);
    if (end == std::string_view::npos) return Status::invalid("truncated line");
    const std::string_view text = data_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return text;
  }
  Result<NodePtr> pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) {
      return Status::invalid("stack underflow");
    }
    NodePtr node = std::move(stack_.back());
    stack_.pop_back();
    return node;
  }
  Result<NodePtr> top() {
    if (stack_.empty()) return Status::invalid("stack underflow");
    return stack_.back();
  }
  // The items above the last MARK, which is removed.
  Result<std::vector<NodePtr>> pop_mark() {
    if (marks_.empty()) return Status::invalid("no MARK");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<NodePtr> items(std::make_move_iterator(stack_.begin() + mark),
                               std::make_move_iterator(stack_.end()));
    stack_.resize(mark);
    return items;
  }
  Status push_text(PyKind kind, std::string_view bytes) {
    if (kind == PyKind::kStr) {
      if (auto bad = find_invalid_utf8(bytes)) {
        return Status::invalid("text is not valid UTF-8 (byte {})", *bad);
      }
    }
    stack_.push_back(scalar(PyValue::of_text(kind, std::string(bytes))));
    return Status::ok();
  }
  Status push_integer_text(std::string_view text) {
    auto value = integer_from_text(text);
    if (!value) return Status::invalid("bad integer text");
    stack_.push_back(scalar(std::move(*value)));
    return Status::ok();
  }
  // Bytes are Latin-1 code points except \uXXXX and \UXXXXXXXX escapes.
  static Result<std::string> utf8_of_raw_unicode_escape(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
      uint32_t code = static_cast<unsigned char>(text[i]);
      if (code == '\\' && i + 1 < text.size() && (text[i + 1] == 'u' || text[i + 1] == 'U')) {
        const size_t digits = text[i + 1] == 'u' ? 4 : 8;
        if (i + 2 + digits > text.size()) return Status::invalid("truncated \\u escape");
        const std::string_view hex = text.substr(i + 2, digits);
        const auto [end, failed] = std::from_chars(hex.data(), hex.data() + hex.size(), code, 16);
        if (failed != std::errc() || end != hex.data() + hex.size() || code > 0x10FFFF ||
            (code >= 0xD800 && code <= 0xDFFF)) {
          return Status::invalid("bad \\u escape");
        }
        i += 1 + digits;
      }
      append_utf8(out, code);
    }
    return out;
  }
  Status push_sized_text(PyKind kind, int length_bytes) {
    PX_ASSIGN_OR_RETURN(uint64_t length, little_endian(length_bytes));
    PX_ASSIGN_OR_RETURN(std::string_view bytes, take(length));
    return push_text(kind, bytes);
  }
  Status memo_put(uint64_t key) {
    PX_ASSIGN_OR_RETURN(NodePtr node, top());
    memo_[key] = std::move(node);
    return Status::ok();
  }
  Status memo_get(uint64_t key) {
    auto found = memo_.find(key);
    if (found == memo_.end()) return Status::invalid("memo {} was never stored", key);
    stack_.push_back(found->second);
    return Status::ok();
  }
  static Status add_items(Node& target, std::vector<NodePtr> items) {
    const PyKind kind = target.value.kind;
    if (kind != PyKind::kList && kind != PyKind::kSet) {
      return Status::invalid("appending to something that is not a list or set");
    }
    for (auto& item : items) target.items.push_back(std::move(item));
    return Status::ok();
  }
  static Status set_items(Node& target, std::vector<NodePtr> items) {
    if (target.value.kind != PyKind::kDict) return Status::invalid("SETITEMS on a non-dict");
    if (items.size() % 2) return Status::invalid("SETITEMS with an odd number of items");
    for (size_t i = 0; i < items.size(); i += 2)
      target.entries.emplace_back(items[i], items[i + 1]);
    return Status::ok();
  }
  Status push_global(std::string module, std::string_view name) {
    if (module == "__builtin__" || module == "exceptions") module = "builtins";  // protocol < 3
    auto node = new_node();
    node->global = std::move(module) + "." + std::string(name);
    stack_.push_back(std::move(node));
    return Status::ok();
  }
  // `callable(*args)`: sets and bytes are rebuilt; anything else is described, not made.
  Status reduce(NodePtr callable, NodePtr args) {
    if (callable->global.empty()) return Status::invalid("REDUCE of something that is no class");
    if (args->value.kind != PyKind::kTuple) return Status::invalid("REDUCE arguments not a tuple");
    const std::string& name = callable->global;
    if ((name == "builtins.set" || name == "builtins.frozenset") && args->items.size() <= 1) {
      auto set = container(PyKind::kSet);
      if (!args->items.empty()) set->items = args->items.front()->items;
      stack_.push_back(std::move(set));
      return Status::ok();
    }
    if ((name == "builtins.bytearray" || name == "builtins.bytes") &&
        args->items.size() <= 2) {  // protocols < 5 (and b'' before protocol 3)
      if (args->items.empty()) {
        stack_.push_back(scalar(PyValue::bytes("")));
        return Status::ok();
      }
      const PyValue& data = args->items[0]->value;
      if (data.kind == PyKind::kBytes) {
        stack_.push_back(scalar(PyValue::bytes(data.text)));
        return Status::ok();
      }
      if (data.kind == PyKind::kStr) {
        std::string bytes;
        PX_RETURN_IF_ERROR(latin1_of_utf8(data.text, bytes));
        stack_.push_back(scalar(PyValue::bytes(std::move(bytes))));
        return Status::ok();
      }
    }
    if (name == "_codecs.encode" && args->items.size() == 2 &&
        args->items[0]->value.kind == PyKind::kStr) {  // protocol 2 bytes: latin-1 text
      std::string bytes;
      PX_RETURN_IF_ERROR(latin1_of_utf8(args->items[0]->value.text, bytes));
      stack_.push_back(scalar(PyValue::bytes(std::move(bytes))));
      return Status::ok();
    }
    auto object = new_node();
    object->is_object = true;
    object->global = name;
    object->object_args = std::move(args);
    stack_.push_back(std::move(object));
    return Status::ok();
  }
  static Status latin1_of_utf8(std::string_view text, std::string& out) {
    for (size_t i = 0; i < text.size(); ++i) {
      const auto byte = static_cast<unsigned char>(text[i]);
      if (byte < 0x80) {
        out += static_cast<char>(byte);
      } else if ((byte == 0xC2 || byte == 0xC3) && i + 1 < text.size()) {
        out += static_cast<char>(((byte & 0x03) << 6) | (text[++i] & 0x3F));
      } else {
        return Status::invalid("bytes text beyond latin-1");
      }
    }
    return Status::ok();
  }

  Status apply(unsigned char opcode) {
    switch (opcode) {
      case 0x80:  // PROTO
        return take(1).status();
      case 0x95:  // FRAME: a hint only
        return take(8).status();
      case 'N':
        stack_.push_back(scalar(PyValue::none()));
        return Status::ok();
      case 0x88:
      case 0x89:
        stack_.push_back(scalar(PyValue::boolean(opcode == 0x88)));
        return Status::ok();
      case 'I': {  // INT: decimal text; 00 / 01 are False / True
        PX_ASSIGN_OR_RETURN(std::string_view text, line());
        if (text == "00" || text == "01") {
          stack_.push_back(scalar(PyValue::boolean(text == "01")));
          return Status::ok();
        }
        return push_integer_text(text);
      }
      case 'L': {  // LONG: decimal text with an optional L
        PX_ASSIGN_OR_RETURN(std::string_view text, line());
        if (text.ends_with('L')) text.remove_suffix(1);
        return push_integer_text(text);
      }
      case 'J': {
        PX_ASSIGN_OR_RETURN(uint64_t value, little_endian(4));
        stack_.push_back(scalar(PyValue::of_int(static_cast<int32_t>(value))));
        return Status::ok();
      }
      case 'K':
      case 'M': {
        PX_ASSIGN_OR_RETURN(uint64_t value, little_endian(opcode == 'K' ? 1 : 2));
        stack_.push_back(scalar(PyValue::of_int(static_cast<int64_t>(value))));
        return Status::ok();
      }
      case 0x8a:
      case 0x8b: {  // LONG1, LONG4
        PX_ASSIGN_OR_RETURN(uint64_t length, little_endian(opcode == 0x8a ? 1 : 4));
        PX_ASSIGN_OR_RETURN(std::string_view bytes, take(length));
        stack_.push_back(scalar(integer_from_bytes(bytes)));
        return Status::ok();
      }
      case 'G': {
        PX_ASSIGN_OR_RETURN(uint64_t bits, little_endian(8));
        stack_.push_back(scalar(PyValue::of_float(std::bit_cast<double>(__builtin_bswap64(bits)))));
        return Status::ok();
      }
      case 'F': {
        PX_ASSIGN_OR_RETURN(std::string_view text, line());
        double value = 0;
        const auto [end, failed] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (failed != std::errc() || end != text.data() + text.size()) {
          return Status::invalid("bad FLOAT text");
        }
        stack_.push_back(scalar(PyValue::of_float(value)));
        return Status::ok();
      }
      case 'V': {  // UNICODE (protocol 0): raw-unicode-escape text
        PX_ASSIGN_OR_RETURN(std::string_view text, line());
        PX_ASSIGN_OR_RETURN(std::string utf8, utf8_of_raw_unicode_escape(text));
        return push_text(PyKind::kStr, utf8);
      }
      case 'X':
        return push_sized_text(PyKind::kStr, 4);
      case 0x8c:
        return push_sized_text(PyKind::kStr, 1);
      case 0x8d:
        return push_sized_text(PyKind::kStr, 8);
      case 'B':
        return push_sized_text(PyKind::kBytes, 4);
      case 'C':
        return push_sized_text(PyKind::kBytes, 1);
      case 0x8e:
      case 0x96:  // BINBYTES8, BYTEARRAY8
        return push_sized_text(PyKind::kBytes, 8);
      case ']':
        stack_.push_back(container(PyKind::kList));
        return Status::ok();
      case ')':
        stack_.push_back(container(PyKind::kTuple));
        return Status::ok();
      case '}':
        stack_.push_back(container(PyKind::kDict));
        return Status::ok();
      case 0x8f:
        stack_.push_back(container(PyKind::kSet));
        return Status::ok();
      case '(':
        marks_.push_back(stack_.size());
        return Status::ok();
      case 'l':
      case 't':
      case 0x91: {  // LIST, TUPLE, FROZENSET: from the items above the mark
        PX_ASSIGN_OR_RETURN(std::vector<NodePtr> items, pop_mark());
        auto node = container(opcode == 'l' ? PyKind::kList
                                            : (opcode == 't' ? PyKind::kTuple : PyKind::kSet));
        node->items = std::move(items);
        stack_.push_back(std::move(node));
        return Status::ok();
      }
      case 'd': {
        PX_ASSIGN_OR_RETURN(std::vector<NodePtr> items, pop_mark());
        auto node = container(PyKind::kDict);
        PX_RETURN_IF_ERROR(set_items(*node, std::move(items)));
        stack_.push_back(std::move(node));
        return Status::ok();
      }
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        const size_t count = opcode - 0x84;
        std::vector<NodePtr> items(count);
        for (size_t i = count; i-- > 0;) {
          PX_ASSIGN_OR_RETURN(items[i], pop());
        }
        auto node = container(PyKind::kTuple);
        node->items = std::move(items);
        stack_.push_back(std::move(node));
        return Status::ok();
      }
      case 'a': {
        PX_ASSIGN_OR_RETURN(NodePtr item, pop());
        PX_ASSIGN_OR_RETURN(NodePtr target, top());
        return add_items(*target, {std::move(item)});
      }
      case 'e':
      case 0x90: {  // APPENDS, ADDITEMS
        PX_ASSIGN_OR_RETURN(std::vector<NodePtr> items, pop_mark());
        PX_ASSIGN_OR_RETURN(NodePtr target, top());
        return add_items(*target, std::move(items));
      }
      case 's': {
        PX_ASSIGN_OR_RETURN(NodePtr item, pop());
        PX_ASSIGN_OR_RETURN(NodePtr key, pop());
        PX_ASSIGN_OR_RETURN(NodePtr target, top());
        return set_items(*target, {std::move(key), std::move(item)});
      }
      case 'u': {
        PX_ASSIGN_OR_RETURN(std::vector<NodePtr> items, pop_mark());
        PX_ASSIGN_OR_RETURN(NodePtr target, top());
        return set_items(*target, std::move(items));
      }
      case '0':
        return pop().status();
      case '1':
        return pop_mark().status();
      case '2': {
        PX_ASSIGN_OR_RETURN(NodePtr node, top());
        stack_.push_back(std::move(node));
        return Status::ok();
      }
      case 'p': {
        PX_ASSIGN_OR_RETURN(std::string_view text, line());
        const auto key = integer_from_text(text);
        if (!key || key->kind != PyKind::kInt) return Status::invalid("bad PUT key");
        return memo_put(static_cast<uint64_t>(key->integer));
      }
      case 'q':
      case 'r': {
        PX_ASSIGN_OR_RETURN(uint64_t key, little_endian(opcode == 'q' ? 1 : 4));
        return memo_put(key);
      }
      case 0x94:  // MEMOIZE
        return memo_put(memo_.size());
      case 'g': {
        PX_ASSIGN_OR_RETURN(std::string_view text, line());
        const auto key = integer_from_text(text);
        if (!key || key->kind != PyKind::kInt) return Status::invalid("bad GET key");
        return memo_get(static_cast<uint64_t>(key->integer));
      }
      case 'h':
      case 'j': {
        PX_ASSIGN_OR_RETURN(uint64_t key, little_endian(opcode == 'h' ? 1 : 4));
        return memo_get(key);
      }
      case 'c': {  // GLOBAL module\nname\n
        PX_ASSIGN_OR_RETURN(std::string_view module, line());
        PX_ASSIGN_OR_RETURN(std::string_view name, line());
        return push_global(std::string(module), name);
      }
      case 0x93: {  // STACK_GLOBAL
        PX_ASSIGN_OR_RETURN(NodePtr name, pop());
        PX_ASSIGN_OR_RETURN(NodePtr module, pop());
        if (!name->value.is_str() || !module->value.is_str()) {
          return Status::invalid("STACK_GLOBAL needs two strings");
        }
        return push_global(module->value.text, name->value.text);
      }
      case 'R': {
        PX_ASSIGN_OR_RETURN(NodePtr args, pop());
        PX_ASSIGN_OR_RETURN(NodePtr callable, pop());
        return reduce(std::move(callable), std::move(args));
      }
      case 0x81: {  // NEWOBJ: cls.__new__(cls, *args)
        PX_ASSIGN_OR_RETURN(NodePtr args, pop());
        PX_ASSIGN_OR_RETURN(NodePtr cls, pop());
        return reduce(std::move(cls), std::move(args));
      }
      case 'b': {  // BUILD: the object's state (its __dict__, or (dict, slots))
        PX_ASSIGN_OR_RETURN(NodePtr state, pop());
        PX_ASSIGN_OR_RETURN(NodePtr target, top());
        if (!target->is_object) return Status::invalid("BUILD on something that is no object");
        target->object_state = std::move(state);
        return Status::ok();
      }
      default:
        return Status::invalid("unsupported opcode");
    }
  }

  Result<PyValue> materialise(const NodePtr& node, int depth) {
    if (depth > kMaxDepth) return Status::invalid("pickle: nested too deeply (or a cycle)");
    if (values_left_ == 0 || node->value.text.size() > text_left_) {
      return Status::invalid("pickle: the value expands far beyond its input's size");
    }
    --values_left_;
    text_left_ -= node->value.text.size();
    if (!node->global.empty() && !node->is_object) {
      return Status::invalid("pickle: a bare class or function '{}' is not a value", node->global);
    }
    if (node->is_object) {
      PyValue object = PyValue::dict();
      object.set("__class__", PyValue::str(node->global));
      PX_ASSIGN_OR_RETURN(PyValue args, materialise(node->object_args, depth + 1));
      object.set("args", std::move(args));
      PyValue attributes = PyValue::dict();
      if (node->object_state) {
        PX_ASSIGN_OR_RETURN(PyValue state, materialise(node->object_state, depth + 1));
        // A tuple state is kept whole too (numpy's dtype keeps its byte order and unit there).
        if (state.kind == PyKind::kTuple) object.set("state", state);
        if (state.kind == PyKind::kTuple && !state.items.empty()) state = state.items.front();
        if (state.is_dict()) attributes = std::move(state);
      }
      object.set("attributes", std::move(attributes));
      return object;
    }
    PyValue value = node->value;
    for (const auto& item : node->items) {
      PX_ASSIGN_OR_RETURN(PyValue converted, materialise(item, depth + 1));
      value.items.push_back(std::move(converted));
    }
    for (const auto& [key, item] : node->entries) {
      PX_ASSIGN_OR_RETURN(PyValue converted_key, materialise(key, depth + 1));
      PX_ASSIGN_OR_RETURN(PyValue converted, materialise(item, depth + 1));
      value.entries.emplace_back(std::move(converted_key), std::move(converted));
    }
    return value;
  }

  std::string_view data_;
  size_t pos_ = 0;
  std::deque<Node> nodes_;  // every node made (a deque: their addresses stay put)
  std::vector<NodePtr> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, NodePtr> memo_;
  size_t values_left_;
  size_t text_left_;
};

}  // namespace

Result<PyValue> pickle_decode(std::string_view data) {
  return Unpickler(data).run();
}

}  // namespace parallax
