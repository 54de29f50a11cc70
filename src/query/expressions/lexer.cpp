#include "query/expressions/lexer.h"

#include <cctype>
#include <cstdlib>

namespace parallax::expressions {

namespace {

bool is_name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Symbols of two characters are tried before those of one.
constexpr std::string_view kTwoCharSymbols[] = {
    "==", "!=", "<>", "<=", ">=", ":=", "+=", "-=", "*=", "/=", "%=", "&&", "||"};
constexpr std::string_view kOneCharSymbols = "+-*/%^=<>(){}[],;?:!&|";

}  // namespace

bool tokenize(std::string_view text, std::vector<Token>& tokens, ExpressionError& error) {
  size_t at = 0;
  SourcePosition position;
  auto advance = [&](size_t count) {
    for (size_t i = 0; i < count && at < text.size(); ++i, ++at) {
      if (text[at] == '\n') {
        ++position.line;
        position.column = 0;
      } else {
        ++position.column;
      }
    }
  };
  while (at < text.size()) {
    const char c = text[at];
    if (std::isspace(static_cast<unsigned char>(c))) {
      advance(1);
      continue;
    }
    if (text.substr(at, 2) == "//" || c == '#') {
      while (at < text.size() && text[at] != '\n') advance(1);
      continue;
    }
    if (text.substr(at, 2) == "/*") {
      const size_t end = text.find("*/", at + 2);
      if (end == std::string_view::npos) {
        error = {"Unterminated comment", position};
        return false;
      }
      advance(end + 2 - at);
      continue;
    }
    Token token{TokenKind::kSymbol, {}, 0, position};
    if (c == '\'' || c == '"') {
      // Quoted text; a backslash escapes the next character.
      std::string value;
      size_t end = at + 1;
      while (end < text.size() && text[end] != c) {
        if (text[end] == '\\' && end + 1 < text.size()) ++end;
        value += text[end++];
      }
      if (end >= text.size()) {
        error = {c == '"' ? "Unterminated column name" : "Unterminated string literal", position};
        return false;
      }
      token.kind = c == '"' ? TokenKind::kColumn : TokenKind::kString;
      token.text = std::move(value);
      advance(end + 1 - at);
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && at + 1 < text.size() &&
                std::isdigit(static_cast<unsigned char>(text[at + 1])))) {
      const std::string rest(text.substr(at, 64));
      char* end = nullptr;
      token.number = std::strtod(rest.c_str(), &end);
      const size_t length = static_cast<size_t>(end - rest.c_str());
      token.kind = TokenKind::kNumber;
      token.text = rest.substr(0, length);
      advance(length);
    } else if (is_name_start(c)) {
      size_t end = at;
      while (end < text.size() && is_name_char(text[end])) ++end;
      token.kind = TokenKind::kIdentifier;
      token.text = std::string(text.substr(at, end - at));
      advance(end - at);
    } else {
      std::string_view symbol;
      for (auto candidate : kTwoCharSymbols) {
        if (text.substr(at, 2) == candidate) symbol = candidate;
      }
      if (symbol.empty() && kOneCharSymbols.find(c) != std::string_view::npos) {
        symbol = text.substr(at, 1);
      }
      if (symbol.empty()) {
        error = {"Invalid character '" + std::string(1, c) + "'", position};
        return false;
      }
      token.text = std::string(symbol);
      advance(symbol.size());
    }
    tokens.push_back(std::move(token));
  }
  tokens.push_back({TokenKind::kEnd, {}, 0, position});
  return true;
}

}  // namespace parallax::expressions
