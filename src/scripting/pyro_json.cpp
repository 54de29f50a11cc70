#include "scripting/pyro_json.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "formats/json_writer.h"
#include "scripting/text_cursor.h"
#include "scripting/utf8.h"

namespace parallax {

namespace {

constexpr int kMaxDepth = 200;

void append_json_float(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "Infinity" : "-Infinity";
  } else {
    const size_t start = out.size();
    fmt::format_to(std::back_inserter(out), "{}", value);
    if (out.find_first_of(".e", start) == std::string::npos) out += ".0";
  }
}

Status encode(std::string& out, const PyValue& value, int depth) {
  if (depth > kMaxDepth) return Status::invalid("value nested deeper than {} levels", kMaxDepth);
  switch (value.kind) {
    case PyKind::kNone:
      out += "null";
      return Status::ok();
    case PyKind::kBool:
      out += value.integer ? "true" : "false";
      return Status::ok();
    case PyKind::kInt:
      fmt::format_to(std::back_inserter(out), "{}", value.integer);
      return Status::ok();
    case PyKind::kBigInt:
      out += value.text;
      return Status::ok();
    case PyKind::kFloat:
      append_json_float(out, value.number);
      return Status::ok();
    case PyKind::kStr:
      if (auto bad = find_invalid_utf8(value.text)) {
        return Status::invalid("string is not valid UTF-8 (byte {})", *bad);
      }
      append_json_string(out, value.text);
      return Status::ok();
    case PyKind::kBytes:
      return Status::invalid("bytes cannot be sent with the json serializer");
    case PyKind::kList:
    case PyKind::kTuple:
    case PyKind::kSet:
      out += '[';
      for (size_t i = 0; i < value.items.size(); ++i) {
        if (i) out += ',';
        PX_RETURN_IF_ERROR(encode(out, value.items[i], depth + 1));
      }
      out += ']';
      return Status::ok();
    case PyKind::kDict:
      out += '{';
      for (size_t i = 0; i < value.entries.size(); ++i) {
        if (i) out += ',';
        const PyValue& key = value.entries[i].first;
        if (key.kind == PyKind::kStr) {
          PX_RETURN_IF_ERROR(encode(out, key, depth + 1));
        } else if (key.kind == PyKind::kInt || key.kind == PyKind::kBigInt ||
                   key.kind == PyKind::kFloat || key.kind == PyKind::kBool ||
                   key.kind == PyKind::kNone) {
          std::string text;
          PX_RETURN_IF_ERROR(encode(text, key, depth + 1));
          append_json_string(out, text);
        } else {
          return Status::invalid("json dict keys must be strings, not {}", py_type_name(key.kind));
        }
        out += ':';
        PX_RETURN_IF_ERROR(encode(out, value.entries[i].second, depth + 1));
      }
      out += '}';
      return Status::ok();
  }
  return Status::ok();
}

class Decoder : TextCursor {
 public:
  explicit Decoder(std::string_view text) : TextCursor(text, "json") {}

  Result<PyValue> document() {
    PX_RETURN_IF_ERROR(check_text());
    skip_space();
    PX_ASSIGN_OR_RETURN(PyValue value, parse_value(0));
    skip_space();
    if (!at_end()) return error("unexpected text after the value");
    return value;
  }

 private:
  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
      ++pos_;
    }
  }
  bool consume_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Result<PyValue> parse_value(int depth) {
    if (depth > kMaxDepth) return error("value nested too deeply");
    skip_space();
    const char c = peek();
    if (c == '{') return parse_object(depth);
    if (c == '[') return parse_array(depth);
    if (c == '"') {
      PX_ASSIGN_OR_RETURN(std::string text, parse_string());
      return PyValue::str(std::move(text));
    }
    if (consume_word("null")) return PyValue::none();
    if (consume_word("true")) return PyValue::boolean(true);
    if (consume_word("false")) return PyValue::boolean(false);
    if (consume_word("NaN")) return PyValue::of_float(NAN);
    if (consume_word("Infinity")) return PyValue::of_float(INFINITY);
    if (consume_word("-Infinity")) return PyValue::of_float(-INFINITY);
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
    if (at_end()) return error("unexpected end of text");
    return error(fmt::format("unexpected character '{}'", c));
  }

  Result<PyValue> parse_number() {
    const size_t start = pos_;
    bool is_float = false;
    if (peek() == '-') ++pos_;
    if (!(peek() >= '0' && peek() <= '9')) return error("malformed number");
    if (peek() == '0' && peek(1) >= '0' && peek(1) <= '9') return error("leading zero in a number");
    while (peek() >= '0' && peek() <= '9') ++pos_;
    if (peek() == '.') {
      is_float = true;
      ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) return error("malformed number");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      is_float = true;
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) return error("malformed number");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    const std::string_view digits = text_.substr(start, pos_ - start);
    if (is_float) {
      double value = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (ec == std::errc::result_out_of_range) {
        value = digits.find("e-") != std::string_view::npos ? 0.0
                : digits.starts_with('-')                   ? -INFINITY
                                                            : INFINITY;
      }
      return PyValue::of_float(value);
    }
    int64_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec == std::errc::result_out_of_range) {
      PyValue big = PyValue::of_kind(PyKind::kBigInt);
      big.text = std::string(digits);
      return big;
    }
    return PyValue::of_int(value);
  }

  Result<uint32_t> parse_hex4() {
    uint32_t code = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = peek();
      int digit = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
      if (digit < 0) return error("truncated \\u escape");
      code = code * 16 + static_cast<uint32_t>(digit);
      ++pos_;
    }
    return code;
  }

  Result<std::string> parse_string() {
    const size_t start = pos_;
    ++pos_;
    std::string out;
    while (true) {
      if (at_end()) return Status::invalid("json: unterminated string starting at {}", start);
      const char c = peek();
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) return error("control character in a string");
      if (c != '\\') {
        // A run of plain characters at once (long base64 text is one run).
        size_t end = pos_ + 1;
        while (end < text_.size() && text_[end] != '"' && text_[end] != '\\' &&
               static_cast<unsigned char>(text_[end]) >= 0x20) {
          ++end;
        }
        out.append(text_.data() + pos_, end - pos_);
        pos_ = end;
        continue;
      }
      const char kind = peek(1);
      pos_ += 2;
      switch (kind) {
        case '"':
        case '\\':
        case '/':
          out += kind;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          PX_ASSIGN_OR_RETURN(uint32_t code, parse_hex4());
          if (code >= 0xD800 && code <= 0xDBFF && peek() == '\\' && peek(1) == 'u') {
            pos_ += 2;
            PX_ASSIGN_OR_RETURN(uint32_t low, parse_hex4());
            if (low < 0xDC00 || low > 0xDFFF) return error("unpaired surrogate escape");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xD800 && code <= 0xDFFF) {
            return error("unpaired surrogate escape");
          }
          append_utf8(out, code);
          break;
        }
        default:
          return error("invalid escape in a string");
      }
    }
  }

  Result<PyValue> parse_array(int depth) {
    ++pos_;
    PyValue list = PyValue::list();
    skip_space();
    if (peek() == ']') {
      ++pos_;
      return list;
    }
    while (true) {
      PX_ASSIGN_OR_RETURN(PyValue item, parse_value(depth + 1));
      list.items.push_back(std::move(item));
      skip_space();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() == ']') {
        ++pos_;
        return list;
      } else {
        return error("expected ',' or ']'");
      }
    }
  }

  Result<PyValue> parse_object(int depth) {
    ++pos_;
    PyValue dict = PyValue::dict();
    skip_space();
    if (peek() == '}') {
      ++pos_;
      return dict;
    }
    while (true) {
      skip_space();
      if (peek() != '"') return error("expected a string key");
      PX_ASSIGN_OR_RETURN(std::string key, parse_string());
      skip_space();
      if (peek() != ':') return error("expected ':'");
      ++pos_;
      PX_ASSIGN_OR_RETURN(PyValue value, parse_value(depth + 1));
      dict.entries.emplace_back(PyValue::str(std::move(key)), std::move(value));
      skip_space();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() == '}') {
        ++pos_;
        return dict;
      } else {
        return error("expected ',' or '}'");
      }
    }
  }
};

}  // namespace

Result<std::string> json_encode(const PyValue& value) {
  std::string out;
  PX_RETURN_IF_ERROR(encode(out, value, 0));
  return out;
}

Result<PyValue> json_decode(std::string_view text) {
  return Decoder(text).document();
}

}  // namespace parallax
