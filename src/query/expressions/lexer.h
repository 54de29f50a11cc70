// Splits expression text into tokens, each with the 0-based line and column where it starts
// (the positions the reference reports errors at).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace parallax::expressions {

struct SourcePosition {
  uint32_t line = 0;
  uint32_t column = 0;
};

enum class TokenKind {
  kNumber,      // 1, 2.5, 1e3
  kString,      // 'text' (single quotes)
  kColumn,      // "column name" (double quotes)
  kIdentifier,  // names of functions, variables and keywords
  kSymbol,      // operators and punctuation: + - * / % ^ == != < <= > >= := += ( ) { } , ; ? :
  kEnd,
};

struct Token {
  TokenKind kind;
  std::string text;  // the symbol, name, or the unquoted string/column
  double number = 0;
  SourcePosition position;
};

// An error with the position it refers to, as validate_expressions answers it.
struct ExpressionError {
  std::string message;
  SourcePosition position;
};

// Tokens of `text`, ending with one kEnd token; `//` and `/* */` comments are skipped.
// Fails on an unterminated quote or a character that starts no token.
bool tokenize(std::string_view text, std::vector<Token>& tokens, ExpressionError& error);

}  // namespace parallax::expressions
