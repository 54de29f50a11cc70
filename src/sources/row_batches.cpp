#include "sources/row_batches.h"

#include <numeric>

namespace parallax {

Result<RowBatch> concat_batches(std::vector<RowBatch> batches) {
  if (batches.size() == 1) return std::move(batches.front());
  RowBatch out;
  for (const auto& batch : batches) {
    for (const auto& column : batch.columns) {
      const BatchColumn* known = out.find(column.name);
      if (known == nullptr) {
        out.columns.push_back({column.name, Column(column.values.type()), ValidityBitmap()});
      } else if (known->values.type() != column.values.type()) {
        return Status::invalid("column '{}' is {} in one message and {} in another", column.name,
                               type_name(known->values.type()), type_name(column.values.type()));
      }
    }
  }
  size_t total = 0;
  for (const auto& batch : batches) total += batch.num_rows;
  for (auto& column : out.columns) {
    column.values.reserve(total);
    size_t filled = 0;
    for (const auto& batch : batches) {
      const BatchColumn* source = batch.find(column.name);
      column.values.resize(filled + batch.num_rows);
      for (size_t row = 0; row < batch.num_rows; ++row) {
        const bool present = source != nullptr && source->is_present(row);
        if (present && source->values.is_valid(row)) {
          column.values.set_from(filled + row, source->values, row);
        }
        column.present->push_back(present);
      }
      filled += batch.num_rows;
    }
  }
  out.num_rows = total;
  return out;
}

RowBatch table_rows(const Table& table, std::span<const uint32_t> rows) {
  RowBatch out;
  out.num_rows = rows.size();
  for (size_t i = 0; i < table.schema().size(); ++i) {
    out.columns.push_back({table.schema().field(i).name, table.column(i).gathered(rows), {}});
  }
  return out;
}

RowBatch all_table_rows(const Table& table) {
  std::vector<uint32_t> rows(table.num_rows());
  std::iota(rows.begin(), rows.end(), 0);
  return table_rows(table, rows);
}

}  // namespace parallax
