#include "virtual/sql_expressions.h"

#include <array>
#include <cmath>

#include "query/expressions/expression.h"
#include "query/expressions/functions.h"
#include "query/expressions/parser.h"
#include "query/expressions/type_checker.h"

namespace parallax {

namespace {

using expressions::Node;
using expressions::NodeKind;

// The SQL of one expression may not grow past this (nested comparisons repeat their operands).
constexpr size_t kMaxSqlBytes = 1 << 20;

constexpr std::array<std::string_view, 7> kWeekdays{
    "1 Sunday", "2 Monday", "3 Tuesday", "4 Wednesday", "5 Thursday", "6 Friday", "7 Saturday"};
constexpr std::array<std::string_view, 12> kMonths{
    "01 January", "02 February", "03 March",     "04 April",   "05 May",      "06 June",
    "07 July",    "08 August",   "09 September", "10 October", "11 November", "12 December"};

// Inside an expression every value but text is a nullable double, as the engine's evaluator
// holds them: numbers and booleans (0/1), dates as days and datetimes as milliseconds since
// the epoch. The result is then read back into the form of a column of its type.
class Translator {
 public:
  Translator(const SqlDialect& d, std::span<const std::string> columns, std::string name)
      : d_(d),
        columns_(columns),
        name_(std::move(name)),
        postgres_(d.flavor() == SqlFlavor::kPostgres) {}

  Result<std::string> column_form(const Node& tree) {
    PX_ASSIGN_OR_RETURN(std::string v, value(tree));
    switch (tree.type) {
      case DataType::kFloat:
        // Non-finite results (0/0, log of a negative) are null, as the engine stores them.
        return "CASE WHEN " + finite(v) + " THEN " + v + " END";
      case DataType::kInteger:
        return "CASE WHEN " + v + " >= -2147483648 AND " + v + " <= 2147483647 THEN " + v + " END";
      case DataType::kBoolean:
        return postgres_ ? "(" + v + " <> 0)" : v;
      case DataType::kDate:
        return date_of_days(v);
      case DataType::kDatetime:
        return postgres_ ? "(to_timestamp(" + v + " / 1000.0) AT TIME ZONE 'UTC')"
                         : "toDateTime(toUInt32(intDiv(toInt64(" + v + "), 1000)))";
      case DataType::kString:
        return v;
    }
    return v;
  }

 private:
  Status unsupported(std::string_view what) const {
    return Status::unsupported("{} in expressions on virtual tables (expression '{}')", what,
                               name_);
  }

  Result<std::string> value(const Node& node) {
    PX_ASSIGN_OR_RETURN(std::string sql, node_value(node));
    if (sql.size() > kMaxSqlBytes) {
      return Status::unsupported(
          "expression '{}' on a virtual table: its SQL would pass {} bytes (nested "
          "comparisons repeat their operands)",
          name_, kMaxSqlBytes);
    }
    return sql;
  }

  Result<std::string> node_value(const Node& node) {
    switch (node.kind) {
      case NodeKind::kNumber:
        if (!std::isfinite(node.number)) return unsupported("a number beyond doubles");
        return num(d_.number(node.number));
      case NodeKind::kString:
        return postgres_ ? "CAST(" + d_.string_literal(node.text) + " AS text)"
                         : d_.string_literal(node.text);
      case NodeKind::kBoolean:
        return num(node.number != 0 ? "1" : "0");
      case NodeKind::kColumn:
        return column(node);
      case NodeKind::kNegate: {
        PX_ASSIGN_OR_RETURN(std::string x, value(*node.children[0]));
        // (x * -1: a Distributed table of ClickHouse 18.16 sends `-(-x)` and
        // `negate(negate(x))` to its shards as `--x`, a comment.)
        return postgres_ ? "(-(" + x + "))" : "(" + x + " * -1)";
      }
      case NodeKind::kArithmetic:
        return arithmetic(node);
      case NodeKind::kCompare:
        return compare(node);
      case NodeKind::kLogical:
        return logical(node);
      case NodeKind::kConditional: {
        PX_ASSIGN_OR_RETURN(std::string condition, value(*node.children[0]));
        PX_ASSIGN_OR_RETURN(std::string then, value(*node.children[1]));
        PX_ASSIGN_OR_RETURN(std::string otherwise, value(*node.children[2]));
        // A null condition takes the first branch, as the engine's evaluator (and the
        // reference): not truth(), where a null is false.
        return "CASE WHEN (" + condition + " IS NULL OR " + condition + " <> 0) THEN " + then +
               " ELSE " + otherwise + " END";
      }
      case NodeKind::kCall:
        return call(node);
      case NodeKind::kBlock:
        // (The parser makes every expression a block of its statements.)
        if (node.children.size() == 1) return value(*node.children[0]);
        [[fallthrough]];
      case NodeKind::kVariable:
      case NodeKind::kDeclare:
      case NodeKind::kAssign:
      case NodeKind::kFor:
      case NodeKind::kWhile:
        return unsupported("variables and statements (var, :=, ';', for, while)");
    }
    return unsupported("this kind of expression");
  }

  // --- the database's spellings ---------------------------------------------------------

  std::string num(const std::string& x) const { return d_.as_float(x); }
  std::string special(std::string_view which) const {  // "inf", "-inf" or "nan"
    if (!postgres_) return std::string(which);
    const char* text = which == "inf" ? "Infinity" : which == "-inf" ? "-Infinity" : "NaN";
    return std::string("CAST('") + text + "' AS double precision)";
  }
  std::string is_nan(const std::string& x) const {
    return postgres_ ? "(" + x + " = " + special("nan") + ")" : "isNaN(" + x + ")";
  }
  std::string finite(const std::string& x) const {
    if (!postgres_) return "isFinite(" + x + ")";
    return "(" + x + " <> " + special("inf") + " AND " + x + " <> " + special("-inf") + " AND " +
           x + " <> " + special("nan") + ")";
  }
  // a OP b of non-null doubles as IEEE compares them (PostgreSQL holds NaN equal to NaN and
  // above every number).
  std::string ieee(std::string_view op, const std::string& a, const std::string& b) const {
    const std::string plain = "(" + a + " " + std::string(op) + " " + b + ")";
    if (!postgres_) return plain;
    if (op == "<>") return "(" + plain + " OR " + is_nan(a) + " OR " + is_nan(b) + ")";
    return "(" + plain + " AND NOT " + is_nan(a) + " AND NOT " + is_nan(b) + ")";
  }
  // A double as an SQL condition, never null: a null is false (the engine's logic).
  std::string truth(const std::string& x) const { return "(coalesce(" + x + ", 0) <> 0)"; }
  std::string flag(const std::string& condition) const {
    return num("CASE WHEN " + condition + " THEN 1 ELSE 0 END");
  }
  std::string date_of_days(const std::string& days) const {
    return postgres_ ? "(DATE '1970-01-01' + CAST(" + days + " AS integer))"
                     : "toDate(toUInt16(" + days + "))";
  }
  std::string days_of_date(const std::string& date) const {
    return postgres_ ? num("(" + date + " - DATE '1970-01-01')") : num("toUInt16(" + date + ")");
  }

  Result<std::string> column(const Node& node) {
    const std::string& sql = columns_[node.slot];
    switch (node.type) {
      case DataType::kInteger:
      case DataType::kFloat:
        return num(sql);
      case DataType::kBoolean:
        return num(d_.boolean_number(sql));
      case DataType::kDate:
        return days_of_date(sql);
      case DataType::kDatetime:
        return num(d_.epoch_millis(sql));
      case DataType::kString:
        return sql;
    }
    return sql;
  }

  static bool integral(const Node& node) {
    if (node.kind == NodeKind::kNumber)
      return node.number == std::trunc(node.number) && std::fabs(node.number) < 9e15;
    return node.type == DataType::kInteger;
  }

  Result<std::string> arithmetic(const Node& node) {
    PX_ASSIGN_OR_RETURN(std::string a, value(*node.children[0]));
    PX_ASSIGN_OR_RETURN(std::string b, value(*node.children[1]));
    const std::string& op = node.text;
    if (op == "+" || op == "-" || op == "*") return "(" + a + " " + op + " " + b + ")";
    if (op == "/") return arithmetic_sql(op, a, b);  // PostgreSQL: the IEEE answer for 0
    if (op == "^") {
      if (!postgres_) return "pow(" + a + ", " + b + ")";
      // PostgreSQL refuses 0 to a negative power and negatives to fractional ones.
      return "CASE WHEN " + a + " IS NULL OR " + b + " IS NULL THEN NULL WHEN " + a + " = 0 AND " +
             b + " < 0 THEN " + special("inf") + " WHEN " + a + " < 0 AND NOT " + is_nan(b) +
             " AND " + b + " <> trunc(" + b + ") THEN " + special("nan") + " ELSE power(" + a +
             ", " + b + ") END";
    }
    if (op == "%") {
      // The engine's fmod; the databases' remainders of doubles differ (ClickHouse truncates
      // both to integers, PostgreSQL has none): exact for whole numbers only.
      if (!integral(*node.children[0]) || !integral(*node.children[1]))
        return unsupported(
            "'%' of numbers that may not be whole (integer columns and whole "
            "literals only)");
      const std::string safe_a = "CASE WHEN " + finite(a) + " THEN " + a + " ELSE 0 END";
      const std::string safe_b =
          "CASE WHEN " + finite(b) + " AND " + b + " <> 0 THEN " + b + " ELSE 1 END";
      const std::string remainder =
          postgres_ ? num("CAST(" + safe_a + " AS bigint) % CAST(" + safe_b + " AS bigint)")
                    : num("toInt64(" + safe_a + ") % toInt64(" + safe_b + ")");
      return "CASE WHEN " + a + " IS NULL OR " + b + " IS NULL THEN NULL WHEN NOT " + finite(a) +
             " OR " + b + " = 0 OR " + is_nan(b) + " THEN " + special("nan") + " WHEN NOT " +
             finite(b) + " THEN " + a + " ELSE " + remainder + " END";
    }
    return unsupported("operator '" + op + "'");
  }

  static bool holds(std::string_view op, int x, int y) {
    if (op == "==") return x == y;
    if (op == "!=") return x != y;
    if (op == "<") return x < y;
    if (op == "<=") return x <= y;
    if (op == ">") return x > y;
    return x >= y;
  }

  Result<std::string> compare(const Node& node) {
    PX_ASSIGN_OR_RETURN(std::string a, value(*node.children[0]));
    PX_ASSIGN_OR_RETURN(std::string b, value(*node.children[1]));
    const std::string& op = node.text;
    const std::string sql_op = op == "==" ? "=" : op == "!=" ? "<>" : op;
    if (node.children[0]->type != DataType::kString) {
      // A null is below every value (-inf) and equal to a null, as the engine compares.
      return flag(ieee(sql_op, "coalesce(" + a + ", " + special("-inf") + ")",
                       "coalesce(" + b + ", " + special("-inf") + ")"));
    }
    auto constant = [&](int x, int y) { return std::string(holds(op, x, y) ? "1" : "0"); };
    return num("CASE WHEN " + a + " IS NULL AND " + b + " IS NULL THEN " + constant(0, 0) +
               " WHEN " + a + " IS NULL THEN " + constant(-1, 0) + " WHEN " + b + " IS NULL THEN " +
               constant(0, -1) + " WHEN " + d_.bytewise(a) + " " + sql_op + " " + d_.bytewise(b) +
               " THEN 1 ELSE 0 END");
  }

  Result<std::string> logical(const Node& node) {
    PX_ASSIGN_OR_RETURN(std::string a, value(*node.children[0]));
    PX_ASSIGN_OR_RETURN(std::string b, value(*node.children[1]));
    const std::string x = truth(a), y = truth(b), &op = node.text;
    if (op == "and") return flag("(" + x + " AND " + y + ")");
    if (op == "or") return flag("(" + x + " OR " + y + ")");
    if (op == "xor") return flag("(" + x + " <> " + y + ")");
    if (op == "nand") return flag("NOT (" + x + " AND " + y + ")");
    if (op == "nor") return flag("NOT (" + x + " OR " + y + ")");
    return unsupported("operator '" + op + "'");
  }

  // --- functions ----------------------------------------------------------------------------

  Result<std::string> call(const Node& node) {
    std::vector<std::string> args;
    for (const auto& child : node.children) {
      PX_ASSIGN_OR_RETURN(std::string arg, value(*child));
      args.push_back(std::move(arg));
    }
    const std::string& f = node.text;
    const DataType first = node.children.empty() ? DataType::kFloat : node.children[0]->type;
    auto nulls_to_null = [&](const std::string& sql) {  // null when any argument is
      std::string any;
      for (const auto& arg : args) any += (any.empty() ? "" : " OR ") + arg + " IS NULL";
      return "CASE WHEN " + any + " THEN NULL ELSE " + sql + " END";
    };
    const std::string& x = args.empty() ? f : args[0];
    if (f == "abs" || f == "ceil" || f == "floor") return f + "(" + x + ")";
    if (f == "trunc") return "trunc(" + x + ")";
    if (f == "frac") return "(" + x + " - trunc(" + x + "))";
    if (f == "round") {
      // Half away from zero (std::round); ClickHouse's own round is banker's in current
      // releases. x - trunc(x) is exact.
      const std::string t = "trunc(" + x + ")", rest = "(" + x + " - trunc(" + x + "))";
      return "CASE WHEN " + rest + " >= 0.5 THEN " + t + " + 1 WHEN " + rest + " <= -0.5 THEN " +
             t + " - 1 ELSE " + t + " END";
    }
    if (f == "sgn") {
      return "CASE WHEN " + x + " IS NULL THEN NULL WHEN " + is_nan(x) + " THEN " + num("0") +
             " WHEN " + x + " > 0 THEN " + num("1") + " WHEN " + x + " < 0 THEN " + num("-1") +
             " ELSE " + num("0") + " END";
    }
    if (f == "sqrt") {
      if (!postgres_) return "sqrt(" + x + ")";
      return "CASE WHEN " + x + " < 0 AND NOT " + is_nan(x) + " THEN " + special("nan") +
             " ELSE sqrt(" + x + ") END";
    }
    if (f == "log" || f == "log10") {
      if (!postgres_) return f + "(" + x + ")";
      return "CASE WHEN " + x + " = 0 THEN " + special("-inf") + " WHEN " + x + " < 0 AND NOT " +
             is_nan(x) + " THEN " + special("nan") + " ELSE " + (f == "log" ? "ln(" : "log(") + x +
             ") END";
    }
    if (f == "exp") {
      if (!postgres_) return "exp(" + x + ")";
      // PostgreSQL refuses results past doubles (both ways) instead of inf and 0.
      return "CASE WHEN " + x + " > 709.78 AND NOT " + is_nan(x) + " THEN " + special("inf") +
             " WHEN " + x + " <= -745.1332191019412 THEN " + num("0") + " ELSE exp(" + x + ") END";
    }
    if (f == "sin" || f == "cos" || f == "tan") {
      if (!postgres_) return f + "(" + x + ")";
      return "CASE WHEN NOT " + finite(x) + " THEN " + special("nan") + " ELSE " + f + "(" + x +
             ") END";
    }
    if (f == "sum" || f == "avg") {
      std::string total;
      for (const auto& arg : args) total += (total.empty() ? "(" : " + ") + arg;
      total += ")";
      if (f == "avg") total = "(" + total + " / " + num(std::to_string(args.size())) + ")";
      return total;
    }
    if (f == "percent_of") {
      const std::string sql = arithmetic_sql("/", args[0], args[1]);
      return "(" + sql + " * 100)";
    }
    if (f == "inrange") {
      return nulls_to_null(
          flag("(" + ieee("<=", args[0], args[1]) + " AND " + ieee("<=", args[1], args[2]) + ")"));
    }
    if (f == "is_null" || f == "is_not_null")
      return flag(x + (f == "is_null" ? " IS NULL" : " IS NOT NULL"));
    if (f == "not") return flag("NOT " + truth(x));
    if (f == "boolean") {
      if (first == DataType::kString) return flag("(" + x + " IS NOT NULL AND " + x + " <> '')");
      if (first == DataType::kDate || first == DataType::kDatetime)
        return unsupported("boolean() of dates and datetimes");
      return flag(truth(x));
    }
    if (f == "float") {
      if (first == DataType::kString || first == DataType::kDate)
        return unsupported("float() of " + std::string(type_name(first)) + "s");
      return x;
    }
    if (f == "integer") {
      if (first == DataType::kString) return unsupported("integer() of strings");
      const std::string t = "trunc(" + x + ")";
      return "CASE WHEN " + t + " >= -2147483648 AND " + t + " <= 2147483647 THEN " + t + " END";
    }
    if (f == "concat") {
      if (args.size() == 1) return x;
      std::string joined;
      for (const auto& arg : args)
        joined += (joined.empty() ? "" : postgres_ ? " || " : ", ") + arg;
      return postgres_ ? "(" + joined + ")" : "concat(" + joined + ")";
    }
    if (f == "upper" || f == "lower") {
      // ASCII letters only, as the engine (PostgreSQL: in the C collation).
      return f + "(" + d_.bytewise(x) + ")";
    }
    if (f == "length") return num((postgres_ ? "octet_length(" : "length(") + x + ")");
    if (f == "bucket") return bucket(node, args);
    if (f == "hour_of_day") {
      if (first == DataType::kDate) return nulls_to_null(num("0"));
      return "floor((" + x + " - floor(" + x + " / 86400000) * 86400000) / 3600000)";
    }
    if (f == "day_of_week") {
      const std::string days = first == DataType::kDate ? x : "floor(" + x + " / 86400000)";
      const std::string index = "(" + days + " + 4 - 7 * floor((" + days + " + 4) / 7))";
      std::string sql = "CASE";
      for (size_t i = 0; i < kWeekdays.size(); ++i)
        sql += " WHEN " + index + " = " + std::to_string(i) + " THEN " +
               d_.string_literal(kWeekdays[i]);
      return sql + " END";
    }
    if (f == "month_of_year") {
      const std::string date = date_of(x, first);
      const std::string month =
          postgres_ ? "extract(month from " + date + ")" : "toMonth(" + date + ")";
      std::string sql = "CASE";
      for (size_t i = 0; i < kMonths.size(); ++i)
        sql += " WHEN " + month + " = " + std::to_string(i + 1) + " THEN " +
               d_.string_literal(kMonths[i]);
      return sql + " END";
    }
    if (f == "today" || f == "now" || f == "random" || f == "index")
      return unsupported("function '" + f + "' (it depends on the moment or the engine's rows)");
    return unsupported("function '" + f + "'");
  }

  // a OP b; PostgreSQL refuses to divide by zero: the IEEE answer then.
  std::string arithmetic_sql(const std::string& op, const std::string& a, const std::string& b) {
    if (!postgres_ || op != "/") return "(" + a + " " + op + " " + b + ")";
    return "CASE WHEN " + b + " = 0 THEN CASE WHEN " + a + " IS NULL THEN NULL WHEN " + is_nan(a) +
           " OR " + a + " = 0 THEN " + special("nan") + " WHEN " + a + " > 0 THEN " +
           special("inf") + " ELSE " + special("-inf") + " END ELSE " + a + " / " + b + " END";
  }

  // A date or datetime value (days or milliseconds) as the database's date.
  std::string date_of(const std::string& x, DataType type) const {
    return date_of_days(type == DataType::kDate ? x : "floor(" + x + " / 86400000)");
  }

  Result<std::string> bucket(const Node& node, const std::vector<std::string>& args) {
    const std::string& x = args[0];
    const DataType from = node.children[0]->type;
    if (node.type == DataType::kFloat)
      return "(floor(" + arithmetic_sql("/", x, args[1]) + ") * " + args[1] + ")";
    const std::string& unit = node.literals[0];
    const char letter = unit.back();
    const int multiple = unit.size() > 1 ? std::stoi(unit.substr(0, unit.size() - 1)) : 1;
    const bool from_date = from == DataType::kDate;
    if (letter == 's' || letter == 'm' || letter == 'h') {
      const double size = multiple * (letter == 's'   ? 1000.0
                                      : letter == 'm' ? 60'000.0
                                                      : 3'600'000.0);
      const std::string millis = from_date ? "(" + x + " * 86400000)" : x;
      const std::string floored =
          "(floor(" + millis + " / " + num(d_.number(size)) + ") * " + num(d_.number(size)) + ")";
      return from_date ? "floor(" + floored + " / 86400000)" : floored;
    }
    const std::string days = from_date ? x : "floor(" + x + " / 86400000)";
    if (letter == 'D') return days;
    if (letter == 'W') return "(7 * floor((" + days + " + 3) / 7) - 3)";
    const std::string date = date_of_days(days);
    const std::string m = std::to_string(multiple);
    std::string start;
    if (postgres_) {
      const std::string year = "CAST(extract(year from " + date + ") AS integer)";
      const std::string month = "CAST(extract(month from " + date + ") AS integer)";
      start = letter == 'M'
                  ? "make_date(" + year + ", (" + month + " - 1) / " + m + " * " + m + " + 1, 1)"
                  : "make_date(" + year + " / " + m + " * " + m + ", 1, 1)";
      // (make_date of a null is null.)
    } else {
      start = letter == 'M' ? "addMonths(toStartOfYear(" + date + "), intDiv(toMonth(" + date +
                                  ") - 1, " + m + ") * " + m + ")"
                            : "addYears(toStartOfYear(" + date + "), (toYear(" + date + ") % " + m +
                                  ") * -1)";
    }
    return days_of_date(start);
  }

  const SqlDialect& d_;
  std::span<const std::string> columns_;
  std::string name_;
  bool postgres_;
};

}  // namespace

Result<SqlExpression> sql_expression(const SqlDialect& dialect, const Schema& schema,
                                     std::span<const std::string> columns, const std::string& name,
                                     const std::string& text) {
  // The engine's own checks first, so that an invalid expression fails with its message.
  PX_ASSIGN_OR_RETURN(Expression compiled, Expression::compile(name, text, schema));
  expressions::NodePointer tree;
  expressions::ExpressionError error;
  size_t variables = 0;
  if (!expressions::parse(text, tree, error) ||
      !expressions::check_types(*tree, schema, variables, error)) {
    return Status::invalid("expression '{}': {}", name, error.message);
  }
  Translator translator(dialect, columns, name);
  PX_ASSIGN_OR_RETURN(std::string sql, translator.column_form(*tree));
  return SqlExpression{std::move(sql), compiled.type()};
}

}  // namespace parallax
