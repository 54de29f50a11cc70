// View configs to SQL: the filter as a WHERE clause, sort keys as ORDER BY terms and the
// aggregates as SQL aggregates, each written so the database answers exactly what the
// in-memory engine answers (nulls, empty groups, byte-wise text order). Operands are read
// by the engine's own filter compiler first, so both read them alike.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/schema.h"
#include "query/aggregate.h"
#include "query/view_config.h"
#include "virtual/sql_dialect.h"

namespace parallax {

// " WHERE ..." for the filter (empty without one); `columns` reads each schema column.
Result<std::string> sql_where(const SqlDialect& dialect, const Schema& schema,
                              std::span<const std::string> columns,
                              const std::vector<FilterTerm>& filter, FilterCombinator combinator);

// One ORDER BY term ordering `expr` (of `type`) as the engine sorts (nulls below every value,
// text byte-wise; abs directions by magnitude with null as 0). Row directions only.
Result<std::string> sql_order_term(const SqlDialect& dialect, const std::string& expr,
                                   DataType type, SortDirection direction);

// `kind` over column `expr` of `type`, as the engine's aggregate_rows computes it; an
// aggregate the compiler has no SQL for is refused by name (Status unsupported): those that
// depend on the reference's walk of its tree (any, last) and join. pct sum parent
// and pct sum total answer the group's sum, which the caller must turn into shares
// (virtual_percentages.h): a share depends on other groups. first, last by index, last minus first,
// min by and max by need `key`, the primary key as SQL (the engine's row order); weighted mean, min
// by and max by take `argument`, the SQL of their numeric second column; min by and max by break
// ties in the engine's tree order: by `tree_keys` (the group_by columns, as they order groups),
// then `key`. `name` is how the config spelled it, for the error.
Result<std::string> sql_aggregate(const SqlDialect& dialect, AggregateKind kind,
                                  std::string_view name, const std::string& expr, DataType type,
                                  const std::string& key = "", const std::string& argument = "",
                                  std::span<const std::string> tree_keys = {});

}  // namespace parallax
