// Filters: each term is read against its column's type once, when the view is made, then
// evaluated a column at a time over the table's rows.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/table.h"
#include "query/column_source.h"
#include "query/view_config.h"

namespace parallax {

// A term whose operands are typed for its column.
struct CompiledFilterTerm {
  size_t column;
  FilterOp op;
  // Numeric operands (booleans as 0/1, dates and datetimes as epoch milliseconds).
  std::vector<double> numbers;
  // String operands (string columns); lower-cased for the case-insensitive pattern ops.
  std::vector<std::string> texts;
  // The operand was null: it compares above nothing and below every value.
  bool null_operand = false;
};

class RowFilter {
 public:
  static Result<RowFilter> compile(const Schema& schema, const std::vector<FilterTerm>& terms,
                                   FilterCombinator combinator);

  bool empty() const { return terms_.empty(); }
  // Rewrites the config's datetime operands as the epoch milliseconds they compiled to, as
  // the reference's get_config echoes them. `terms` are the ones this filter compiled.
  void echo_operands(const Schema& schema, std::vector<FilterTerm>& terms) const;
  // One per FilterTerm, in order.
  const std::vector<CompiledFilterTerm>& terms() const { return terms_; }
  // One byte per table row: 1 when the row passes. Column ids are the source's.
  std::vector<uint8_t> evaluate(const ColumnSource& source) const;
  // One byte per listed row, in the list's order.
  std::vector<uint8_t> evaluate_rows(const ColumnSource& source,
                                     std::span<const uint32_t> rows) const;

 private:
  std::vector<uint8_t> evaluate(const ColumnSource& source, const std::span<const uint32_t>* rows,
                                size_t count) const;

  std::vector<CompiledFilterTerm> terms_;
  FilterCombinator combinator_ = FilterCombinator::kAnd;
};

}  // namespace parallax
