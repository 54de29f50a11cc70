#include "virtual/sql_compiler.h"

#include <cmath>

#include "core/temporal.h"
#include "query/filter.h"

namespace parallax {

namespace {

constexpr const char* kTrue = "(1 = 1)";
constexpr const char* kFalse = "(1 = 0)";

bool is_text_op(FilterOp op) {
  return op == FilterOp::kBeginsWith || op == FilterOp::kContains || op == FilterOp::kEndsWith;
}

const char* comparison(FilterOp op) {
  switch (op) {
    case FilterOp::kEqual:
      return "=";
    case FilterOp::kNotEqual:
      return "<>";
    case FilterOp::kLess:
      return "<";
    case FilterOp::kGreater:
      return ">";
    case FilterOp::kLessEqual:
      return "<=";
    case FilterOp::kGreaterEqual:
      return ">=";
    default:
      return nullptr;
  }
}

// A null operand compares above nothing and below every value; null cells still pass "!=".
std::string null_operand_term(FilterOp op, const std::string& column) {
  if (op == FilterOp::kGreater || op == FilterOp::kGreaterEqual) return column + " IS NOT NULL";
  return op == FilterOp::kNotEqual ? kTrue : kFalse;
}

// cell OP operand over the non-null cells; null cells pass only "!=" and "not in", as the
// engine's filter.
std::string with_nulls(FilterOp op, const std::string& column, const std::string& test) {
  if (op == FilterOp::kNotEqual || op == FilterOp::kNotIn)
    return "(" + column + " IS NULL OR " + test + ")";
  return "(" + test + ")";
}

Result<std::string> term_sql(const SqlDialect& d, const Field& field, const std::string& column,
                             const FilterTerm& term, const CompiledFilterTerm& compiled) {
  const FilterOp op = compiled.op;
  if (op == FilterOp::kIsNull) return column + " IS NULL";
  if (op == FilterOp::kIsNotNull) return column + " IS NOT NULL";
  const bool list = op == FilterOp::kIn || op == FilterOp::kNotIn;
  if (field.type == DataType::kString) {
    if (compiled.null_operand) return null_operand_term(op, column);
    if (is_text_op(op)) {
      const std::string lowered = d.lower_ascii(column),
                        literal = d.string_literal(compiled.texts[0]);
      if (op == FilterOp::kBeginsWith) return d.starts_with(lowered, literal);
      if (op == FilterOp::kEndsWith) return d.ends_with(lowered, literal);
      return d.contains(lowered, literal);
    }
    if (list) {
      if (compiled.texts.empty()) return std::string(op == FilterOp::kIn ? kFalse : kTrue);
      std::string items;
      for (const auto& text : compiled.texts)
        items += (items.empty() ? "" : ", ") + d.string_literal(text);
      return with_nulls(op, column,
                        column + (op == FilterOp::kIn ? " IN (" : " NOT IN (") + items + ")");
    }
    return with_nulls(
        op, column,
        d.bytewise(column) + " " + comparison(op) + " " + d.string_literal(compiled.texts[0]));
  }
  if (is_text_op(op)) return std::string(kFalse);  // the engine matches nothing here
  if (compiled.null_operand) return null_operand_term(op, column);
  // The cell as the number the engine compares, and each operand in the column's terms.
  std::string cell = column;
  auto operand = [&](double number) -> Result<std::string> {
    if (!std::isfinite(number))
      return Status::unsupported("a filter value of {} on a virtual table", number);
    if (field.type == DataType::kDate) {
      const double days = number / 86400000.0;
      if (days != std::floor(days)) return Status::invalid("filter value is not a whole day");
      return d.date_literal(static_cast<int32_t>(days));
    }
    return d.number(number);
  };
  if (field.type == DataType::kDatetime) cell = d.epoch_millis(column);
  if (field.type == DataType::kBoolean) cell = d.boolean_number(column);
  if (list) {
    if (compiled.numbers.empty()) return std::string(op == FilterOp::kIn ? kFalse : kTrue);
    std::string items;
    for (const double number : compiled.numbers) {
      PX_ASSIGN_OR_RETURN(std::string item, operand(number));
      items += (items.empty() ? "" : ", ") + item;
    }
    return with_nulls(op, column,
                      cell + (op == FilterOp::kIn ? " IN (" : " NOT IN (") + items + ")");
  }
  PX_ASSIGN_OR_RETURN(std::string value, operand(compiled.numbers[0]));
  return with_nulls(op, column, cell + " " + comparison(op) + " " + value);
}

}  // namespace

Result<std::string> sql_where(const SqlDialect& dialect, const Schema& schema,
                              std::span<const std::string> columns,
                              const std::vector<FilterTerm>& filter, FilterCombinator combinator) {
  if (filter.empty()) return std::string();
  PX_ASSIGN_OR_RETURN(RowFilter compiled, RowFilter::compile(schema, filter, combinator));
  std::string where;
  for (size_t i = 0; i < filter.size(); ++i) {
    const CompiledFilterTerm& term = compiled.terms()[i];
    PX_ASSIGN_OR_RETURN(std::string sql, term_sql(dialect, schema.field(term.column),
                                                  columns[term.column], filter[i], term));
    if (!where.empty()) where += combinator == FilterCombinator::kAnd ? " AND " : " OR ";
    where += "(" + sql + ")";
  }
  return " WHERE " + where;
}

Result<std::string> sql_order_term(const SqlDialect& dialect, const std::string& expr,
                                   DataType type, SortDirection direction) {
  const bool abs =
      direction == SortDirection::kAscendingAbs || direction == SortDirection::kDescendingAbs;
  const bool descending =
      direction == SortDirection::kDescending || direction == SortDirection::kDescendingAbs;
  std::string key = expr;
  if (type == DataType::kString) {
    key = dialect.bytewise(expr);  // abs does nothing to text
  } else if (abs) {
    if (type != DataType::kInteger && type != DataType::kFloat)
      return Status::unsupported("abs sorts of {} columns on virtual tables", type_name(type));
    key = "abs(coalesce(" + expr + ", 0))";
  } else if (type == DataType::kBoolean) {
    key = dialect.boolean_number(expr);
  }
  return key + (descending ? " DESC NULLS LAST" : " ASC NULLS FIRST");
}

namespace {

// median, q1, q3 (`quarters` 2, 1, 3) as the engine's quantile kernel: the value at index
// I = min(floor(q * n), n - 1) of the group's n cells sorted with the nulls first, null when
// that is a null; for floats at a whole q * n (I > 0), the mean of the cells at I - 1 and I.
std::string quantile_sql(const SqlDialect& d, int quarters, const std::string& expr,
                         DataType type) {
  const std::string n = "count(*)", nulls = "(count(*) - count(" + expr + "))";
  const std::string scaled = std::to_string(quarters) + " * " + n;
  const std::string at = "least(" + d.int_div(scaled, "4") + ", " + n + " - 1)";
  // The I-th cell is the (I - nulls + 1)-th smallest non-null one.
  auto cell = [&](const std::string& offset) {
    return d.nth_smallest(expr, at + " - " + nulls + offset, type);
  };
  std::string sql = "CASE WHEN " + n + " = 0 THEN NULL";
  if (type == DataType::kFloat) {
    sql += " WHEN (" + scaled + ") % 4 = 0 AND " + at + " > 0 THEN CASE WHEN " + at + " - 1 < " +
           nulls + " THEN NULL ELSE (" + cell("") + " + " + cell(" + 1") + ") / 2 END";
  }
  return sql + " WHEN " + at + " < " + nulls + " THEN NULL ELSE " + cell(" + 1") + " END";
}

}  // namespace

Result<std::string> sql_aggregate(const SqlDialect& d, AggregateKind kind, std::string_view name,
                                  const std::string& expr, DataType type, const std::string& key,
                                  const std::string& argument,
                                  std::span<const std::string> tree_keys) {
  using K = AggregateKind;
  const std::string value = type == DataType::kString ? d.bytewise(expr) : expr;
  // The engine's aggregates skip null cells, but a group with any null has a null minimum,
  // counts null as one distinct value, and an empty group (the totals row of a filter that
  // keeps nothing) sums to null.
  const std::string any_null = "count(" + expr + ") < count(*)";
  const bool number = type == DataType::kInteger || type == DataType::kFloat;
  auto by_key = [&](bool last) -> Result<std::string> {
    if (key.empty())
      return Status::unsupported(
          "aggregate '{}' on a virtual table without a one-column "
          "primary key (it orders the rows)",
          name);
    return d.value_by_key(expr, key, last);
  };
  switch (kind) {
    case K::kCount:
      return std::string("count(*)");
    case K::kSum:
      return "CASE WHEN count(*) = 0 THEN NULL ELSE coalesce(sum(" + expr + "), 0) END";
    case K::kSumNotNull:
      return "coalesce(sum(" + expr + "), 0)";
    case K::kAbsSum:
      return "abs(coalesce(sum(" + expr + "), 0))";
    case K::kSumAbs:
      return "coalesce(sum(abs(" + expr + ")), 0)";
    case K::kAvg:
      return "CASE WHEN count(" + expr + ") = 0 THEN NULL ELSE " + d.as_float("sum(" + expr + ")") +
             " / count(" + expr + ") END";
    case K::kVar:
    case K::kStddev:
      return "CASE WHEN count(" + expr + ") < 2 THEN NULL ELSE " +
             (kind == K::kVar ? d.variance(expr) : d.deviation(expr)) + " END";
    case K::kMin:
      return "CASE WHEN " + any_null + " THEN NULL ELSE min(" + value + ") END";
    case K::kMax:
      return "max(" + value + ")";
    // high and low: a null counts as 0 (dates' zero is the reference's own: refused).
    case K::kHigh:
    case K::kLow: {
      if (!number) break;
      const std::string extreme = (kind == K::kHigh ? "max(" : "min(") + expr + ")";
      return "CASE WHEN count(*) = 0 THEN NULL WHEN count(" + expr + ") = 0 THEN 0 WHEN " +
             any_null + " AND 0 " + (kind == K::kHigh ? ">" : "<") + " " + extreme +
             " THEN 0 ELSE " + extreme + " END";
    }
    case K::kHighMinusLow:
      return "CASE WHEN count(" + expr + ") = 0 OR " + any_null + " THEN NULL ELSE max(" + expr +
             ") - min(" + expr + ") END";
    case K::kDistinctCount:
      // (ClickHouse answers null for count(DISTINCT) over nulls only.)
      return "coalesce(count(DISTINCT " + value + "), 0) + CASE WHEN " + any_null +
             " THEN 1 ELSE 0 END";
    case K::kUnique: {
      // The value when every cell holds it (a null makes two runs: null).
      const std::string cell = type == DataType::kBoolean ? d.boolean_number(expr) : value;
      const std::string one = "min(" + cell + ")";
      return "CASE WHEN " + any_null + " OR " + one + " <> max(" + cell + ") THEN NULL ELSE " +
             (type == DataType::kBoolean ? "(" + one + " = 1)" : one) + " END";
    }
    case K::kMedian:
      return quantile_sql(d, 2, expr, type);
    case K::kQ1:
      return quantile_sql(d, 1, expr, type);
    case K::kQ3:
      return quantile_sql(d, 3, expr, type);
    case K::kFirst:
      return by_key(false);
    case K::kLastByIndex:
      return by_key(true);
    case K::kWeightedMean: {
      // Over the rows where both are non-null; null when their weights add up to 0.
      if (!number || argument.empty()) break;
      const std::string x = d.as_float(expr), w = d.as_float(argument);
      const std::string weights = "sum(CASE WHEN " + expr + " IS NOT NULL THEN " + w + " END)";
      return "CASE WHEN coalesce(" + weights + ", 0) = 0 THEN NULL ELSE sum(CASE WHEN " + argument +
             " IS NOT NULL THEN " + x + " * " + w + " END) / " + weights + " END";
    }
    case K::kDominant:
      // The most frequent value, ties to the smallest; each null is a value seen once, the
      // smallest of all: null when a null ties with the most frequent value (or no cell
      // holds one), as the engine's runs.
      return "CASE WHEN count(" + expr + ") = 0 OR (" + any_null + " AND " +
             d.top_frequency(expr, type) + " <= 1) THEN NULL ELSE " + d.most_frequent(expr, type) +
             " END";
    case K::kPctSumParent:
    case K::kPctSumTotal:
      // The group's own sum (0 without a non-null cell, as the engine's running sum): the view
      // divides it by another group's (virtual_percentages.h). Row and "col" sorts by a
      // percentage order by this sum, as the engine's do.
      if (!number) break;
      return "coalesce(sum(" + expr + "), 0)";
    case K::kMinBy:
    case K::kMaxBy: {
      // The first row (in key order) with the lowest argument, a null lowest of all (max by:
      // the highest, skipping nulls; the first row when all are null).
      if (argument.empty()) break;
      if (key.empty())
        return Status::unsupported(
            "aggregate '{}' on a virtual table without a one-column primary key (it orders "
            "the rows)",
            name);
      std::vector<std::string> order(tree_keys.begin(), tree_keys.end());
      order.push_back(key);
      return d.value_by_order(expr, argument, order, kind == K::kMaxBy);
    }
    case K::kLastMinusFirst: {
      PX_ASSIGN_OR_RETURN(std::string last, by_key(true));
      PX_ASSIGN_OR_RETURN(std::string first, by_key(false));
      return "(" + last + " - " + first + ")";
    }
    default:
      break;
  }
  return Status::unsupported("aggregate '{}' of {} columns on virtual tables", name,
                             type_name(type));
}

}  // namespace parallax
