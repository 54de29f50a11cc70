#include "virtual/split_combos.h"

#include <algorithm>
#include <numeric>

#include "query/group_key.h"

namespace parallax {

void append_split_key(std::string& path, const Column& column, size_t row) {
  if (column.is_null(row)) {
    path += '\0';
    return;
  }
  path += '\1';
  const Scalar value = column.scalar_at(row);
  path.append(reinterpret_cast<const char*>(&value.integer), sizeof value.integer);
  path.append(reinterpret_cast<const char*>(&value.number), sizeof value.number);
  path += std::to_string(value.text.size()) + ":" + value.text;
}

std::string split_select(const VirtualTable& table, std::span<const size_t> split_by) {
  const SqlDialect& d = table.backend().dialect();
  std::string keys;
  for (const size_t position : split_by) {
    const Field& field = table.source().schema.field(position);
    keys += (keys.empty() ? "" : ", ") + d.select(table.column(position), field.type);
  }
  return keys;
}

Result<std::vector<SplitCombo>> query_split_combos(const VirtualTable& table,
                                                   std::span<const size_t> split_by,
                                                   const std::string& where) {
  std::vector<DataType> types;
  for (const size_t position : split_by)
    types.push_back(table.source().schema.field(position).type);
  PX_ASSIGN_OR_RETURN(std::vector<Column> answer,
                      table.backend().query("SELECT DISTINCT " + split_select(table, split_by) +
                                                " FROM " + table.from() + where + " LIMIT " +
                                                std::to_string(kMaxSplitColumns + 1),
                                            types));
  const size_t rows = answer[0].size();
  if (rows > kMaxSplitColumns) {
    return Status::invalid(
        "the split_by of a view of virtual table '{}' makes more than {} column groups: filter "
        "it or split by fewer or coarser columns",
        table.source().name, kMaxSplitColumns);
  }
  std::vector<uint32_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    for (const Column& level : answer) {
      const int by = compare_cells(level, a, level, b);
      if (by != 0) return by < 0;
    }
    return false;
  });
  std::vector<SplitCombo> combos;
  for (const uint32_t row : order) {
    SplitCombo combo;
    for (const Column& level : answer) {
      combo.path += value_text(level, row) + "|";
      append_split_key(combo.key, level, row);
      combo.prefixes.push_back(combo.key);
    }
    combos.push_back(std::move(combo));
  }
  return combos;
}

}  // namespace parallax
