// Serpent decoding: a recursive-descent reader of Python literals (any of the kinds PyValue
// holds; everything else is refused with a clear error).
#include <charconv>

#include <fmt/format.h>

#include "scripting/serpent.h"
#include "scripting/text_cursor.h"
#include "scripting/utf8.h"

namespace parallax {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_identifier_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Decoder : TextCursor {
 public:
  explicit Decoder(std::string_view text) : TextCursor(text, "serpent") {}

  Result<PyValue> document() {
    PX_RETURN_IF_ERROR(check_text());
    skip_space();
    if (at_end()) return error("no value (only a comment)");
    PX_ASSIGN_OR_RETURN(PyValue value, parse_value(0));
    skip_space();
    if (!at_end()) return error("unexpected text after the value");
    return value;
  }

 private:
  // Whitespace, comments (the header line is one) and explicit line joins.
  void skip_space() {
    while (!at_end()) {
      const char c = peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        ++pos_;
      } else if (c == '#') {
        while (!at_end() && peek() != '\n') ++pos_;
      } else if (c == '\\' && (peek(1) == '\n' || (peek(1) == '\r' && peek(2) == '\n'))) {
        pos_ += peek(1) == '\n' ? 2 : 3;
      } else {
        break;
      }
    }
  }

  Result<PyValue> parse_value(int depth) {
    if (depth > kSerpentMaxDepth) return error("value nested too deeply");
    skip_space();
    if (at_end()) return error("unexpected end of text");
    const char c = peek();
    if (c == '[') return parse_sequence(depth, ']', PyKind::kList);
    if (c == '(') return parse_parenthesised(depth);
    if (c == '{') return parse_braces(depth);
    if (c == '-' || c == '+') {
      ++pos_;
      skip_space();
      if (!is_digit(peek()) && peek() != '.' && peek() != '-' && peek() != '+') {
        return error("a sign must be followed by a number");
      }
      PX_ASSIGN_OR_RETURN(PyValue operand, parse_value(depth + 1));
      if (c == '+') return operand;
      return negate(std::move(operand));
    }
    if (is_digit(c) || (c == '.' && is_digit(peek(1)))) return parse_number();
    if (c == '\'' || c == '"') return parse_strings();
    if (is_identifier_char(c)) {
      size_t end = pos_;
      while (end < text_.size() && is_identifier_char(text_[end])) ++end;
      const std::string_view word = text_.substr(pos_, end - pos_);
      if (end < text_.size() && (text_[end] == '\'' || text_[end] == '"') &&
          is_string_prefix(word)) {
        return parse_strings();
      }
      if (word == "None" || word == "True" || word == "False") {
        pos_ = end;
        if (word == "None") return PyValue::none();
        return PyValue::boolean(word == "True");
      }
      return error(fmt::format("'{}' is not a literal", word));
    }
    return error(fmt::format("unexpected character '{}'", c));
  }

  Result<PyValue> negate(PyValue value) {
    switch (value.kind) {
      case PyKind::kInt:
        if (value.integer == INT64_MIN) {
          value.kind = PyKind::kBigInt;
          value.text = "9223372036854775808";
        } else {
          value.integer = -value.integer;
          return value;
        }
        [[fallthrough]];
      case PyKind::kBigInt:
        if (value.text.starts_with('-')) {
          value.text.erase(0, 1);
        } else if (value.text == "9223372036854775808") {
          return PyValue::of_int(INT64_MIN);
        } else {
          value.text.insert(0, "-");
        }
        return value;
      case PyKind::kFloat:
        value.number = -value.number;
        return value;
      case PyKind::kBool:
        return PyValue::of_int(-value.integer);
      default:
        return error("a sign applies to numbers only");
    }
  }

  Result<PyValue> parse_number() {
    const size_t start = pos_;
    std::string digits;
    bool is_float = false;
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X' || peek(1) == 'o' || peek(1) == 'O' ||
                          peek(1) == 'b' || peek(1) == 'B')) {
      const char base_letter = static_cast<char>(peek(1) | 0x20);
      const int base = base_letter == 'x' ? 16 : base_letter == 'o' ? 8 : 2;
      pos_ += 2;
      while (!at_end() && (is_identifier_char(peek()))) {
        if (peek() != '_') digits += peek();
        ++pos_;
      }
      uint64_t value = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
      if (digits.empty() || end != digits.data() + digits.size()) {
        return Status::invalid("serpent: malformed number at offset {}", start);
      }
      if (ec != std::errc() || value > uint64_t{INT64_MAX}) {
        return Status::invalid("serpent: integer at offset {} is too large", start);
      }
      return PyValue::of_int(static_cast<int64_t>(value));
    }
    while (!at_end()) {
      const char c = peek();
      if (is_digit(c)) {
        digits += c;
      } else if (c == '_') {
        // digit separators
      } else if (c == '.') {
        is_float = true;
        digits += c;
      } else if (c == 'e' || c == 'E') {
        is_float = true;
        digits += 'e';
        if (peek(1) == '+' || peek(1) == '-') digits += text_[++pos_];
      } else {
        break;
      }
      ++pos_;
    }
    if (peek() == 'j' || peek() == 'J') return error("complex numbers are not supported");
    if (is_identifier_char(peek())) return error("malformed number");
    if (is_float) {
      if (digits.ends_with('e') || digits.ends_with('+') || digits.ends_with('-')) {
        return Status::invalid("serpent: malformed number at offset {}", start);
      }
      double value = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (end != digits.data() + digits.size()) {
        return Status::invalid("serpent: malformed number at offset {}", start);
      }
      // Out of range: Python reads 1e30000 as infinity and 1e-400 as 0.
      if (ec == std::errc::result_out_of_range) {
        value = digits.find("e-") != std::string::npos ? 0.0 : INFINITY;
      }
      return PyValue::of_float(value);
    }
    if (digits.size() > 1 && digits[0] == '0' &&
        digits.find_first_not_of('0') != std::string::npos) {
      return Status::invalid("serpent: leading zeros in an integer at offset {}", start);
    }
    int64_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec == std::errc::result_out_of_range) {
      const size_t first = digits.find_first_not_of('0');
      PyValue big = PyValue::of_kind(PyKind::kBigInt);
      big.text = digits.substr(first);
      return big;
    }
    if (end != digits.data() + digits.size()) {
      return Status::invalid("serpent: malformed number at offset {}", start);
    }
    return PyValue::of_int(value);
  }

  static bool is_string_prefix(std::string_view word) {
    if (word.size() > 2) return false;
    bool bytes = false, raw = false, unicode = false;
    for (char c : word) {
      const char lower = static_cast<char>(c | 0x20);
      if (lower == 'b' && !bytes && !unicode) {
        bytes = true;
      } else if (lower == 'r' && !raw && !unicode) {
        raw = true;
      } else if (lower == 'u' && word.size() == 1) {
        unicode = true;
      } else {
        return false;
      }
    }
    return true;
  }

  // One or more adjacent string literals ('a' 'b' is 'ab'); str and bytes do not mix.
  Result<PyValue> parse_strings() {
    std::optional<PyValue> joined;
    while (true) {
      skip_space();
      const size_t start = pos_;
      size_t end = pos_;
      while (end < text_.size() && is_identifier_char(text_[end])) ++end;
      const std::string_view prefix = text_.substr(pos_, end - pos_);
      if (end >= text_.size() || (text_[end] != '\'' && text_[end] != '"') ||
          !is_string_prefix(prefix)) {
        break;
      }
      bool bytes = false, raw = false;
      for (char c : prefix) {
        bytes |= (c | 0x20) == 'b';
        raw |= (c | 0x20) == 'r';
      }
      pos_ = end;
      PX_ASSIGN_OR_RETURN(std::string content, parse_string_body(bytes, raw));
      const PyKind kind = bytes ? PyKind::kBytes : PyKind::kStr;
      if (!joined) {
        joined = PyValue::of_text(kind, std::move(content));
      } else if (joined->kind != kind) {
        return Status::invalid("serpent: cannot mix bytes and str literals at offset {}", start);
      } else {
        joined->text += content;
      }
    }
    if (!joined) return error("expected a string");
    return *std::move(joined);
  }

  Result<std::string> parse_string_body(bool bytes, bool raw) {
    const size_t start = pos_;
    const char quote = peek();
    const bool triple = peek(1) == quote && peek(2) == quote;
    pos_ += triple ? 3 : 1;
    std::string out;
    while (true) {
      if (at_end()) return Status::invalid("serpent: unterminated string starting at {}", start);
      const char c = peek();
      if (c == quote && (!triple || (peek(1) == quote && peek(2) == quote))) {
        pos_ += triple ? 3 : 1;
        return out;
      }
      if ((c == '\n' || c == '\r') && !triple) {
        return Status::invalid("serpent: line break inside a string starting at {}", start);
      }
      if (bytes && static_cast<unsigned char>(c) >= 0x80) {
        return error("bytes literals may contain only ASCII characters");
      }
      if (c != '\\') {
        // A run of plain characters at once (long base64 text is one run).
        size_t end = pos_ + 1;
        while (end < text_.size()) {
          const char next = text_[end];
          if (next == quote || next == '\\' || next == '\n' || next == '\r' ||
              (bytes && static_cast<unsigned char>(next) >= 0x80)) {
            break;
          }
          ++end;
        }
        out.append(text_.data() + pos_, end - pos_);
        pos_ = end;
        continue;
      }
      if (pos_ + 1 >= text_.size()) {
        return Status::invalid("serpent: unterminated string starting at {}", start);
      }
      if (raw) {
        // A raw string keeps the backslash; it only stops the next quote ending the string.
        out += c;
        out += text_[pos_ + 1];
        pos_ += 2;
        continue;
      }
      PX_RETURN_IF_ERROR(parse_escape(out, bytes));
    }
  }

  Status parse_escape(std::string& out, bool bytes) {
    const char kind = peek(1);
    pos_ += 2;
    switch (kind) {
      case '\n':
        return Status::ok();
      case '\r':
        if (peek() == '\n') ++pos_;
        return Status::ok();
      case '\\':
      case '\'':
      case '"':
        out += kind;
        return Status::ok();
      case 'n':
        out += '\n';
        return Status::ok();
      case 'r':
        out += '\r';
        return Status::ok();
      case 't':
        out += '\t';
        return Status::ok();
      case 'a':
        out += '\a';
        return Status::ok();
      case 'b':
        out += '\b';
        return Status::ok();
      case 'f':
        out += '\f';
        return Status::ok();
      case 'v':
        out += '\v';
        return Status::ok();
      case 'x':
        return append_hex_escape(out, 2, bytes);
      case 'u':
      case 'U':
        if (bytes) break;
        return append_hex_escape(out, kind == 'u' ? 4 : 8, bytes);
      case 'N':
        if (bytes) break;
        return error("named unicode escapes (\\N{...}) are not supported");
      default:
        if (kind >= '0' && kind <= '7') {
          uint32_t code = kind - '0';
          for (int i = 0; i < 2 && peek() >= '0' && peek() <= '7'; ++i) {
            code = code * 8 + (text_[pos_++] - '0');
          }
          return append_code(out, code, bytes);
        }
    }
    // An unknown escape keeps its backslash, as Python does.
    out += '\\';
    out += kind;
    return Status::ok();
  }

  Status append_hex_escape(std::string& out, int count, bool bytes) {
    uint32_t code = 0;
    for (int i = 0; i < count; ++i) {
      const int digit = hex_value(peek());
      if (digit < 0)
        return error(fmt::format("truncated \\x/\\u escape (needs {} hex digits)", count));
      code = code * 16 + static_cast<uint32_t>(digit);
      ++pos_;
    }
    return append_code(out, code, bytes);
  }

  Status append_code(std::string& out, uint32_t code, bool bytes) {
    if (bytes) {
      if (code > 0xFF) return error("byte escape out of range");
      out += static_cast<char>(code);
      return Status::ok();
    }
    if (code > 0x10FFFF) return error("escape beyond the last Unicode code point");
    if (code >= 0xD800 && code <= 0xDFFF) return error("escape of a lone surrogate");
    append_utf8(out, code);
    return Status::ok();
  }

  Result<PyValue> parse_sequence(int depth, char close, PyKind kind) {
    ++pos_;  // the opening bracket
    return sequence_rest(depth, close, PyValue::of_kind(kind));
  }

  // The rest of a list, tuple or set whose first items (if any) are in `value` and whose
  // separator after them was read: the text is read once, never again from its start (a
  // reread at each level of "((((1,),),),)" took 2^depth steps).
  Result<PyValue> sequence_rest(int depth, char close, PyValue value) {
    while (true) {
      skip_space();
      if (at_end()) return error("unterminated list, tuple or set");
      if (peek() == close) {
        ++pos_;
        return value;
      }
      PX_ASSIGN_OR_RETURN(PyValue item, parse_value(depth + 1));
      PX_RETURN_IF_ERROR(add_item(value, std::move(item), close));
    }
  }

  // Appends an item and reads the ',' after it (or sees the closing bracket).
  Status add_item(PyValue& sequence, PyValue item, char close) {
    if (sequence.kind == PyKind::kSet) PX_RETURN_IF_ERROR(check_key(item));
    sequence.items.push_back(std::move(item));
    skip_space();
    if (peek() == ',') {
      ++pos_;
    } else if (peek() != close) {
      return error(fmt::format("expected ',' or '{}'", close));
    }
    return Status::ok();
  }

  // "(x)" is x; "(x,)", "()" and "(x, y)" are tuples.
  Result<PyValue> parse_parenthesised(int depth) {
    ++pos_;
    skip_space();
    if (peek() == ')') {
      ++pos_;
      return PyValue::tuple();
    }
    PX_ASSIGN_OR_RETURN(PyValue first, parse_value(depth + 1));
    skip_space();
    if (peek() == ')') {
      ++pos_;
      return first;
    }
    PyValue tuple = PyValue::tuple();
    PX_RETURN_IF_ERROR(add_item(tuple, std::move(first), ')'));
    return sequence_rest(depth, ')', std::move(tuple));
  }

  Result<PyValue> parse_braces(int depth) {
    ++pos_;
    skip_space();
    if (peek() == '}') {
      ++pos_;
      return PyValue::dict();
    }
    PX_ASSIGN_OR_RETURN(PyValue first_key, parse_value(depth + 1));
    skip_space();
    if (peek() != ':') {
      PyValue set = PyValue::of_kind(PyKind::kSet);
      PX_RETURN_IF_ERROR(add_item(set, std::move(first_key), '}'));
      return sequence_rest(depth, '}', std::move(set));
    }
    PyValue dict = PyValue::dict();
    std::optional<PyValue> key = std::move(first_key);
    while (true) {
      skip_space();
      if (peek() != ':') return error("expected ':' in a dict");
      ++pos_;
      PX_ASSIGN_OR_RETURN(PyValue value, parse_value(depth + 1));
      PX_RETURN_IF_ERROR(check_key(*key));
      dict.entries.emplace_back(std::move(*key), std::move(value));
      skip_space();
      if (peek() == ',') {
        ++pos_;
        skip_space();
      } else if (peek() != '}') {
        return error("expected ',' or '}' in a dict");
      }
      if (peek() == '}') {
        ++pos_;
        return nan_marker(dict) ? PyValue::of_float(NAN) : dict;
      }
      PX_ASSIGN_OR_RETURN(PyValue next_key, parse_value(depth + 1));
      key = std::move(next_key);
    }
  }

  Status check_key(const PyValue& key) const {
    if (!key.hashable()) {
      return error(fmt::format("a {} cannot be a dict key or set item (unhashable)",
                               py_type_name(key.kind)));
    }
    return Status::ok();
  }

  static bool nan_marker(const PyValue& dict) {
    if (dict.entries.size() != 2) return false;
    const PyValue* cls = dict.get("__class__");
    const PyValue* value = dict.get("value");
    return cls && value && cls->is_str() && cls->text == "float" && value->is_str() &&
           value->text == "nan";
  }
};

}  // namespace

Result<PyValue> serpent_decode(std::string_view text) {
  return Decoder(text).document();
}

}  // namespace parallax