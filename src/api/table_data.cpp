#include "api/table_data.h"

#include "formats/arrow_reader.h"
#include "formats/csv_reader.h"
#include "formats/json_reader.h"

namespace parallax {

std::optional<DataFormat> data_format_from_name(std::string_view name) {
  if (name == "csv") return DataFormat::kCsv;
  if (name == "json") return DataFormat::kJson;
  if (name == "columns") return DataFormat::kColumns;
  if (name == "ndjson") return DataFormat::kNdjson;
  if (name == "arrow") return DataFormat::kArrow;
  return std::nullopt;
}

Result<RowBatch> read_table_data(const TableData& data, const Schema* schema, TaskPool* pool) {
  Result<RowBatch> batch = Status::invalid("no data");
  switch (data.format) {
    case DataFormat::kCsv:
      batch = read_csv(data.text, schema, pool);
      break;
    case DataFormat::kJson:
    case DataFormat::kColumns:
      batch = read_json(data.text, schema, SIZE_MAX, pool);
      break;
    case DataFormat::kNdjson:
      batch = read_ndjson(data.text, schema, pool);
      break;
    case DataFormat::kArrow:
      batch = read_arrow(data.text, schema, SIZE_MAX, pool);
      break;
  }
  return batch;
}

}  // namespace parallax
