#include "query/expressions/parser.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

namespace parallax::expressions {

namespace {

// Words of the reference's language that Parallax does not support as names.
constexpr std::array<std::string_view, 14> kReserved{
    "case",   "switch", "default", "repeat", "until", "break", "continue",
    "return", "swap",   "null",    "return", "~",     "in",    "like"};

std::string too_deep() {
  return "Expression nested too deeply: more than " + std::to_string(kMaxNesting) +
         " levels of brackets, calls or operators";
}

class Parser {
 public:
  // Counts one level of nesting while it lives; past kMaxNesting the parse fails.
  class Nest {
   public:
    explicit Nest(Parser& parser) : parser_(parser) {
      if (++parser_.depth_ > kMaxNesting) parser_.fail(too_deep());
    }
    ~Nest() { --parser_.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;

   private:
    Parser& parser_;
  };

  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {
    // Which brackets hold a ',' of their own, found in one pass (a scan per `if` was
    // quadratic in the text).
    comma_inside_.assign(tokens_.size(), 0);
    std::vector<size_t> open;
    for (size_t i = 0; i < tokens_.size(); ++i) {
      const Token& token = tokens_[i];
      if (token.kind != TokenKind::kSymbol) continue;
      if (token.text == "(" || token.text == "{" || token.text == "[") open.push_back(i);
      if ((token.text == ")" || token.text == "}" || token.text == "]") && !open.empty()) {
        open.pop_back();
      }
      if (token.text == "," && !open.empty()) comma_inside_[open.back()] = 1;
    }
  }

  NodePointer program(ExpressionError& error) {
    NodePointer tree = block_until(TokenKind::kEnd, "");
    if (tree && peek().kind != TokenKind::kEnd) fail("Unexpected token '" + peek().text + "'");
    if (failed_) {
      error = error_;
      return nullptr;
    }
    return tree;
  }

 private:
  const Token& peek(size_t ahead = 0) const {
    return tokens_[std::min(at_ + ahead, tokens_.size() - 1)];
  }
  const Token& next() {
    const Token& token = peek();
    if (at_ < tokens_.size() - 1) ++at_;
    return token;
  }
  bool is_symbol(std::string_view symbol, size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::kSymbol && peek(ahead).text == symbol;
  }
  bool is_word(std::string_view word) const {
    return peek().kind == TokenKind::kIdentifier && peek().text == word;
  }
  bool accept(std::string_view symbol) {
    if (!is_symbol(symbol)) return false;
    next();
    return true;
  }
  void fail(std::string message) { fail_at(std::move(message), peek().position); }
  void fail_at(std::string message, SourcePosition position) {
    if (failed_) return;
    failed_ = true;
    error_ = {std::move(message), position};
  }
  bool expect(std::string_view symbol) {
    if (accept(symbol)) return true;
    if (peek().kind == TokenKind::kEnd) {
      fail("Premature end of expression, expected '" + std::string(symbol) + "'");
    } else {
      fail("Expected '" + std::string(symbol) + "' instead of '" + peek().text + "'");
    }
    return false;
  }
  NodePointer make(NodeKind kind, const Token& token) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->position = token.position;
    return node;
  }

  // Statements up to `closing` (a symbol, or the end of the text when empty).
  NodePointer block_until(TokenKind end_kind, std::string_view closing) {
    auto block = make(NodeKind::kBlock, peek());
    auto at_end = [&] { return closing.empty() ? peek().kind == end_kind : is_symbol(closing); };
    while (!failed_ && !at_end()) {
      if (accept(";")) continue;
      if (peek().kind == TokenKind::kEnd) {
        fail("Premature end of expression, expected '" + std::string(closing) + "'");
        break;
      }
      NodePointer item = statement();
      if (failed_) break;
      block->children.push_back(std::move(item));
      if (!at_end() && !is_symbol(";") && !is_symbol("}")) {
        // A block-ending statement (if, for, while) may be followed directly by another one.
        const NodeKind kind = block->children.back()->kind;
        if (is_symbol(")") || is_symbol("]")) {
          fail("Mismatched brackets: '" + peek().text + "'");
        } else if (kind != NodeKind::kFor && kind != NodeKind::kWhile &&
                   kind != NodeKind::kConditional) {
          fail("Expected ';' before '" + peek().text + "'");
        }
      }
    }
    if (!failed_ && block->children.empty()) fail("Empty expression");
    return failed_ ? nullptr : std::move(block);
  }

  NodePointer braced_block() {
    Nest nest(*this);
    if (failed_ || !expect("{")) return nullptr;
    NodePointer body = block_until(TokenKind::kEnd, "}");
    if (!failed_) expect("}");
    return failed_ ? nullptr : std::move(body);
  }

  NodePointer statement() {
    const Token& token = peek();
    if (token.kind == TokenKind::kIdentifier) {
      if (token.text == "var") return declaration();
      if (token.text == "for") return for_loop();
      if (token.text == "while") return while_loop();
      if (token.text == "if" && !is_if_function()) return if_statement();
      if (peek(1).kind == TokenKind::kSymbol &&
          (peek(1).text == ":=" || peek(1).text == "+=" || peek(1).text == "-=" ||
           peek(1).text == "*=" || peek(1).text == "/=" || peek(1).text == "%=")) {
        auto node = make(NodeKind::kAssign, next());
        node->text = token.text;
        const Token& op = next();
        node->literals.push_back(op.text);
        node->children.push_back(expression());
        return failed_ ? nullptr : std::move(node);
      }
    }
    return expression();
  }

  // `if (c, a, b)` is the function form, `if (c) {...}` the statement form.
  bool is_if_function() const { return is_symbol("(", 1) && comma_inside_[at_ + 1]; }

  NodePointer declaration() {
    next();  // var
    if (peek().kind != TokenKind::kIdentifier) {
      fail("Expected a variable name after 'var'");
      return nullptr;
    }
    auto node = make(NodeKind::kDeclare, peek());
    node->text = next().text;
    if (accept(":=")) node->children.push_back(expression());
    return failed_ ? nullptr : std::move(node);
  }

  NodePointer for_loop() {
    Nest nest(*this);  // its first and third parts are statements: `for (for (...`
    if (failed_) return nullptr;
    auto node = make(NodeKind::kFor, next());
    if (!expect("(")) return nullptr;
    node->children.push_back(statement());
    if (failed_ || !expect(";")) return nullptr;
    node->children.push_back(expression());
    if (failed_ || !expect(";")) return nullptr;
    node->children.push_back(statement());
    if (failed_ || !expect(")")) return nullptr;
    node->children.push_back(braced_block());
    return failed_ ? nullptr : std::move(node);
  }

  NodePointer while_loop() {
    auto node = make(NodeKind::kWhile, next());
    if (!expect("(")) return nullptr;
    node->children.push_back(expression());
    if (failed_ || !expect(")")) return nullptr;
    node->children.push_back(braced_block());
    return failed_ ? nullptr : std::move(node);
  }

  NodePointer if_statement() {
    Nest nest(*this);  // else if ... chains nest
    if (failed_) return nullptr;
    auto node = make(NodeKind::kConditional, next());
    if (!expect("(")) return nullptr;
    node->children.push_back(expression());
    if (failed_ || !expect(")")) return nullptr;
    node->children.push_back(braced_block());
    if (failed_) return nullptr;
    if (is_word("else")) {
      next();
      node->children.push_back(is_word("if") ? if_statement() : braced_block());
    }
    return failed_ ? nullptr : std::move(node);
  }

  NodePointer expression() { return conditional(); }

  NodePointer conditional() {
    NodePointer condition = logical_or();
    if (failed_ || !is_symbol("?")) return condition;
    Nest nest(*this);
    if (failed_) return nullptr;
    auto node = make(NodeKind::kConditional, next());
    node->position = condition->position;
    node->children.push_back(std::move(condition));
    node->children.push_back(conditional());
    if (failed_ || !expect(":")) return nullptr;
    node->children.push_back(conditional());
    return failed_ ? nullptr : std::move(node);
  }

  NodePointer logical_or() {
    NodePointer left = logical_and();
    while (!failed_ && (is_word("or") || is_word("xor") || is_word("nor") || is_symbol("||"))) {
      auto node = make(NodeKind::kLogical, peek());
      node->text = next().text == "||" ? "or" : tokens_[at_ - 1].text;
      node->children.push_back(std::move(left));
      node->children.push_back(logical_and());
      left = std::move(node);
    }
    return failed_ ? nullptr : std::move(left);
  }

  NodePointer logical_and() {
    NodePointer left = comparison();
    while (!failed_ && (is_word("and") || is_word("nand") || is_symbol("&&"))) {
      auto node = make(NodeKind::kLogical, peek());
      node->text = next().text == "&&" ? "and" : tokens_[at_ - 1].text;
      node->children.push_back(std::move(left));
      node->children.push_back(comparison());
      left = std::move(node);
    }
    return failed_ ? nullptr : std::move(left);
  }

  NodePointer comparison() {
    NodePointer left = additive();
    static constexpr std::string_view kOperators[] = {"==", "=", "!=", "<>", "<", "<=", ">", ">="};
    while (!failed_ && peek().kind == TokenKind::kSymbol &&
           std::find(std::begin(kOperators), std::end(kOperators), peek().text) !=
               std::end(kOperators)) {
      auto node = make(NodeKind::kCompare, peek());
      const std::string op = next().text;
      node->text = op == "=" ? "==" : op == "<>" ? "!=" : op;
      node->children.push_back(std::move(left));
      node->children.push_back(additive());
      left = std::move(node);
    }
    return failed_ ? nullptr : std::move(left);
  }

  NodePointer additive() {
    NodePointer left = multiplicative();
    while (!failed_ && (is_symbol("+") || is_symbol("-"))) {
      auto node = make(NodeKind::kArithmetic, peek());
      node->text = next().text;
      node->children.push_back(std::move(left));
      node->children.push_back(multiplicative());
      left = std::move(node);
    }
    return failed_ ? nullptr : std::move(left);
  }

  NodePointer multiplicative() {
    NodePointer left = unary();
    while (!failed_ && (is_symbol("*") || is_symbol("/") || is_symbol("%"))) {
      auto node = make(NodeKind::kArithmetic, peek());
      node->text = next().text;
      node->children.push_back(std::move(left));
      node->children.push_back(unary());
      left = std::move(node);
    }
    return failed_ ? nullptr : std::move(left);
  }

  NodePointer unary() {
    if (is_symbol("-") || is_symbol("+")) {
      Nest nest(*this);
      if (failed_) return nullptr;
      if (accept("+")) return unary();
      auto node = make(NodeKind::kNegate, next());
      node->children.push_back(unary());
      return failed_ ? nullptr : std::move(node);
    }
    return power();
  }

  NodePointer power() {
    NodePointer base = primary();
    if (failed_ || !is_symbol("^")) return base;
    Nest nest(*this);
    if (failed_) return nullptr;
    auto node = make(NodeKind::kArithmetic, peek());
    node->text = next().text;  // "^"
    node->children.push_back(std::move(base));
    node->children.push_back(unary());
    return failed_ ? nullptr : std::move(node);
  }

  NodePointer primary() {
    const Token& token = peek();
    switch (token.kind) {
      case TokenKind::kNumber: {
        auto node = make(NodeKind::kNumber, next());
        node->number = token.number;
        return node;
      }
      case TokenKind::kString: {
        auto node = make(NodeKind::kString, next());
        node->text = token.text;
        return node;
      }
      case TokenKind::kColumn: {
        auto node = make(NodeKind::kColumn, next());
        node->text = token.text;
        return node;
      }
      case TokenKind::kEnd:
        fail("Premature end of expression");
        return nullptr;
      case TokenKind::kSymbol:
        if (token.text == "(") {
          Nest nest(*this);
          if (failed_) return nullptr;
          next();
          NodePointer inner = expression();
          if (failed_ || !expect(")")) return nullptr;
          return inner;
        }
        if (token.text == "{") return braced_block();
        if (token.text == ")" || token.text == "}" || token.text == "]") {
          fail("Mismatched brackets: '" + token.text + "'");
        } else {
          fail("Unexpected token '" + token.text + "'");
        }
        return nullptr;
      case TokenKind::kIdentifier:
        break;
    }
    if (std::find(kReserved.begin(), kReserved.end(), token.text) != kReserved.end()) {
      fail("Invalid use of reserved symbol '" + token.text + "'");
      return nullptr;
    }
    if (token.text == "true" || token.text == "false") {
      auto node = make(NodeKind::kBoolean, next());
      node->number = token.text == "true" ? 1 : 0;
      return node;
    }
    if (token.text == "var" || token.text == "for" || token.text == "while" ||
        token.text == "else") {
      fail("Unexpected keyword '" + token.text + "'");
      return nullptr;
    }
    if (token.text == "if" && !is_if_function()) return if_statement();
    if (!is_symbol("(", 1)) {
      if (token.text == "not") {
        fail("Expected a '(' at start of function call to 'not'");
        return nullptr;
      }
      auto node = make(NodeKind::kVariable, next());
      node->text = token.text;
      return node;
    }
    Nest nest(*this);
    if (failed_) return nullptr;
    auto node = make(NodeKind::kCall, next());
    node->text = token.text;
    next();  // (
    if (!accept(")")) {
      do {
        node->children.push_back(expression());
      } while (!failed_ && accept(","));
      if (failed_ || !expect(")")) return nullptr;
    }
    if (node->text == "if") {
      // if (c, a, b) is c ? a : b.
      if (node->children.size() != 3) {
        fail_at("if(...) takes three arguments", node->position);
        return nullptr;
      }
      node->kind = NodeKind::kConditional;
    }
    return failed_ ? nullptr : std::move(node);
  }

  std::vector<Token> tokens_;
  size_t at_ = 0;
  size_t depth_ = 0;                   // levels of Nest
  std::vector<uint8_t> comma_inside_;  // by token: a bracket with a ',' directly inside
  bool failed_ = false;
  ExpressionError error_;
};

// The depth of the tree (a lone node is 1), walked with a work list: the tree may be far
// deeper than the stack allows, which is what this checks.
size_t tree_depth(const Node& tree) {
  size_t deepest = 0;
  std::vector<std::pair<const Node*, size_t>> pending{{&tree, 1}};
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    deepest = std::max(deepest, depth);
    for (const auto& child : node->children) pending.emplace_back(child.get(), depth + 1);
  }
  return deepest;
}

}  // namespace

bool parse(std::string_view text, NodePointer& tree, ExpressionError& error) {
  if (text.size() > kMaxTextBytes) {
    error = {"Expression too long: " + std::to_string(text.size()) + " bytes (the limit is " +
                 std::to_string(kMaxTextBytes) + ")",
             {}};
    return false;
  }
  std::vector<Token> tokens;
  if (!tokenize(text, tokens, error)) return false;
  Parser parser(std::move(tokens));
  tree = parser.program(error);
  if (tree && tree_depth(*tree) > kMaxNesting) {
    error = {too_deep(), tree->position};
    tree.reset();
  }
  return tree != nullptr;
}

}  // namespace parallax::expressions
