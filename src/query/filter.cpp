#include "query/filter.h"

#include <algorithm>
#include <cmath>
#include <span>

#include "core/temporal.h"
#include "core/value_parsing.h"

namespace parallax {

namespace {

// Filter values may spell dates the ISO way or the US way ("01/02/2024").
constexpr TemporalSyntax kFilterDates{.us_slashed_dates = true, .iso_slashed_dates = true};

bool is_text_op(FilterOp op) {
  return op == FilterOp::kBeginsWith || op == FilterOp::kContains || op == FilterOp::kEndsWith;
}

// Reads a filter operand as a number comparable with the column's cells, as the reference
// does: a null operand is 0, integer columns truncate it, boolean columns read any string
// as false, dates keep only the day.
Result<double> numeric_operand(const FilterValue& value, DataType type, const std::string& column) {
  using Kind = FilterValue::Kind;
  auto invalid = [&] {
    return Status::invalid("filter value for column '{}' cannot be read as {}", column,
                           type_name(type));
  };
  if (value.kind == Kind::kNull) return 0.0;
  switch (type) {
    case DataType::kBoolean:
      if (value.kind == Kind::kBoolean) return value.boolean ? 1.0 : 0.0;
      if (value.kind == Kind::kNumber) return value.number != 0 ? 1.0 : 0.0;
      return 0.0;
    case DataType::kInteger:
    case DataType::kFloat: {
      double number = value.number;
      if (value.kind == Kind::kBoolean) number = value.boolean ? 1 : 0;
      if (value.kind == Kind::kString) {
        auto parsed = parse_float(value.text);
        if (!parsed) return invalid();
        number = *parsed;
      }
      return type == DataType::kInteger ? std::trunc(number) : number;
    }
    case DataType::kDate:
    case DataType::kDatetime: {
      double millis = 0;
      if (value.kind == Kind::kNumber) {
        millis = value.number;
      } else if (value.kind != Kind::kString) {
        return invalid();
      } else if (has_numeric_offset(value.text)) {
        return invalid();  // the reference refuses offsets in filter values
      } else if (auto parsed = parse_datetime(value.text, kFilterDates)) {
        millis = static_cast<double>(*parsed);
      } else if (auto days = parse_date(value.text, kFilterDates)) {
        millis = static_cast<double>(date_to_millis(*days));
      } else {
        return invalid();
      }
      if (type == DataType::kDate) {
        // Past the days a date holds (or NaN), the cast to int64 would be undefined.
        if (!(std::fabs(millis) < 2147483648.0 * kMillisPerDay)) return invalid();
        millis = static_cast<double>(date_to_millis(millis_to_days(static_cast<int64_t>(millis))));
      }
      return millis;
    }
    case DataType::kString:
      break;
  }
  return invalid();
}

bool compare(FilterOp op, double cell, double operand) {
  switch (op) {
    case FilterOp::kEqual:
      return cell == operand;
    case FilterOp::kNotEqual:
      return cell != operand;
    case FilterOp::kLess:
      return cell < operand;
    case FilterOp::kGreater:
      return cell > operand;
    case FilterOp::kLessEqual:
      return cell <= operand;
    case FilterOp::kGreaterEqual:
      return cell >= operand;
    default:
      return false;
  }
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// `texts` holds the operands; for the pattern ops they are lower-cased at compile time.
bool matches_text(const CompiledFilterTerm& term, std::string_view cell) {
  if (term.null_operand) {
    // A null operand on a string column: nothing equals or is below it, everything is above.
    return term.op == FilterOp::kGreater || term.op == FilterOp::kGreaterEqual ||
           term.op == FilterOp::kNotEqual;
  }
  switch (term.op) {
    case FilterOp::kEqual:
      return cell == term.texts[0];
    case FilterOp::kNotEqual:
      return cell != term.texts[0];
    case FilterOp::kLess:
      return cell < term.texts[0];
    case FilterOp::kGreater:
      return cell > term.texts[0];
    case FilterOp::kLessEqual:
      return cell <= term.texts[0];
    case FilterOp::kGreaterEqual:
      return cell >= term.texts[0];
    case FilterOp::kBeginsWith:
      return lower(cell).starts_with(term.texts[0]);
    case FilterOp::kContains:
      return lower(cell).find(term.texts[0]) != std::string::npos;
    case FilterOp::kEndsWith:
      return lower(cell).ends_with(term.texts[0]);
    case FilterOp::kIn:
      return std::find(term.texts.begin(), term.texts.end(), cell) != term.texts.end();
    case FilterOp::kNotIn:
      return std::find(term.texts.begin(), term.texts.end(), cell) == term.texts.end();
    default:
      return false;
  }
}

bool matches_number(const CompiledFilterTerm& term, double cell) {
  if (term.null_operand) {
    // A null operand on a date column: as for strings.
    return term.op == FilterOp::kGreater || term.op == FilterOp::kGreaterEqual ||
           term.op == FilterOp::kNotEqual;
  }
  if (term.op == FilterOp::kIn || term.op == FilterOp::kNotIn) {
    const bool found =
        std::find(term.numbers.begin(), term.numbers.end(), cell) != term.numbers.end();
    return found == (term.op == FilterOp::kIn);
  }
  return compare(term.op, cell, term.numbers[0]);
}

// Evaluates one term into `out`: out[i] for table row rows[i], or for row i without `rows`.
void evaluate_term(const CompiledFilterTerm& term, const Column& column,
                   const std::span<const uint32_t>* rows, std::vector<uint8_t>& out) {
  const size_t count = out.size();
  auto row_at = [&](size_t i) -> uint32_t { return rows ? (*rows)[i] : static_cast<uint32_t>(i); };
  if (term.op == FilterOp::kIsNull || term.op == FilterOp::kIsNotNull) {
    const bool want_null = term.op == FilterOp::kIsNull;
    for (size_t i = 0; i < count; ++i) out[i] = column.is_null(row_at(i)) == want_null;
    return;
  }
  if (is_text_op(term.op) && column.type() != DataType::kString) {
    std::fill(out.begin(), out.end(), 0);  // the reference matches nothing here
    return;
  }
  // Null cells are unequal to everything and in no list.
  const uint8_t null_cells_match = term.op == FilterOp::kNotEqual || term.op == FilterOp::kNotIn;
  visit_type(column.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    const auto& values = column.values<Storage>();
    if constexpr (std::is_same_v<Storage, uint32_t>) {
      const StringDictionary& dictionary = column.dictionary();
      if (rows) {
        // A few rows: match their texts directly rather than the whole dictionary.
        for (size_t i = 0; i < count; ++i) {
          const uint32_t row = row_at(i);
          out[i] = column.is_valid(row) ? matches_text(term, dictionary.at(values[row]))
                                        : null_cells_match;
        }
        return;
      }
      // Decide once per distinct string, then look codes up.
      std::vector<uint8_t> code_matches(dictionary.size());
      for (uint32_t code = 0; code < dictionary.size(); ++code) {
        code_matches[code] = matches_text(term, dictionary.at(code));
      }
      for (size_t row = 0; row < count; ++row) {
        out[row] = column.is_valid(row) ? code_matches[values[row]] : null_cells_match;
      }
    } else {
      const bool is_date = tag.kType == DataType::kDate;
      for (size_t i = 0; i < count; ++i) {
        const uint32_t row = row_at(i);
        if (!column.is_valid(row)) {
          out[i] = null_cells_match;
          continue;
        }
        const double cell =
            is_date ? static_cast<double>(date_to_millis(static_cast<int32_t>(values[row])))
                    : static_cast<double>(values[row]);
        out[i] = matches_number(term, cell);
      }
    }
  });
}

}  // namespace

Result<RowFilter> RowFilter::compile(const Schema& schema, const std::vector<FilterTerm>& terms,
                                     FilterCombinator combinator) {
  RowFilter filter;
  filter.combinator_ = combinator;
  for (const auto& term : terms) {
    auto position = schema.find(term.column);
    if (!position) return Status::invalid("filter names unknown column '{}'", term.column);
    const DataType type = schema.field(*position).type;
    CompiledFilterTerm compiled{*position, term.op, {}, {}};
    const bool is_list_op = term.op == FilterOp::kIn || term.op == FilterOp::kNotIn;
    const bool needs_operand = term.op != FilterOp::kIsNull && term.op != FilterOp::kIsNotNull;
    if (type == DataType::kString) {
      for (const auto& value : term.values) {
        if (value.kind != FilterValue::Kind::kString && value.kind != FilterValue::Kind::kNull) {
          return Status::invalid("filter value for string column '{}' must be a string",
                                 term.column);
        }
      }
    }
    if (needs_operand && (type == DataType::kString || !is_text_op(term.op))) {
      // A missing operand reads as null; in lists, null entries match nothing.
      std::vector<FilterValue> values = term.values;
      if (values.empty() && !is_list_op) values.emplace_back();
      for (const auto& value : values) {
        const bool is_null = value.kind == FilterValue::Kind::kNull;
        if (is_list_op && is_null) continue;
        if (type == DataType::kString) {
          compiled.null_operand = is_null && !is_list_op;
          compiled.texts.push_back(is_text_op(term.op) ? lower(value.text) : value.text);
        } else if (is_null && (type == DataType::kDate || type == DataType::kDatetime)) {
          compiled.null_operand = true;
          compiled.numbers.push_back(0);
        } else {
          PX_ASSIGN_OR_RETURN(double number, numeric_operand(value, type, term.column));
          compiled.numbers.push_back(number);
        }
        if (!is_list_op) break;
      }
    }
    filter.terms_.push_back(std::move(compiled));
  }
  return filter;
}

void RowFilter::echo_operands(const Schema& schema, std::vector<FilterTerm>& terms) const {
  // Compiled numbers skip null operands, so walk both in step.
  for (size_t i = 0; i < terms.size(); ++i) {
    FilterTerm& term = terms[i];
    const CompiledFilterTerm& compiled = terms_[i];
    if (schema.field(compiled.column).type != DataType::kDatetime || compiled.null_operand)
      continue;
    size_t next_number = 0;
    for (auto& value : term.values) {
      if (next_number >= compiled.numbers.size()) break;
      if (value.kind == FilterValue::Kind::kNull) continue;
      const double millis = compiled.numbers[next_number++];
      if (value.kind == FilterValue::Kind::kString) {
        value = {FilterValue::Kind::kNumber, false, millis, {}};
      }
    }
  }
}

std::vector<uint8_t> RowFilter::evaluate(const ColumnSource& source) const {
  return evaluate(source, nullptr, source.num_rows());
}

std::vector<uint8_t> RowFilter::evaluate_rows(const ColumnSource& source,
                                              std::span<const uint32_t> rows) const {
  return evaluate(source, &rows, rows.size());
}

std::vector<uint8_t> RowFilter::evaluate(const ColumnSource& source,
                                         const std::span<const uint32_t>* rows,
                                         size_t count) const {
  const bool all = combinator_ == FilterCombinator::kAnd;
  std::vector<uint8_t> result(count, all ? 1 : 0);
  std::vector<uint8_t> term_result(count);
  for (const auto& term : terms_) {
    evaluate_term(term, source.column(term.column), rows, term_result);
    for (size_t i = 0; i < count; ++i) {
      result[i] = all ? (result[i] & term_result[i]) : (result[i] | term_result[i]);
    }
  }
  return result;
}

}  // namespace parallax
