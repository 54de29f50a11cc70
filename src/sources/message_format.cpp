#include "sources/message_format.h"

#include <string>

#include "formats/arrow_reader.h"
#include "formats/csv_reader.h"
#include "formats/decode_limits.h"
#include "formats/json_reader.h"

namespace parallax {

std::optional<MessageFormat> message_format_from_name(std::string_view name) {
  if (name == "json") return MessageFormat::kJson;
  if (name == "csv") return MessageFormat::kCsv;
  if (name == "arrow") return MessageFormat::kArrow;
  return std::nullopt;
}

namespace {

Result<RowBatch> decode_json(std::string_view text, const Schema* schema, size_t max_bytes) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return Status::invalid("an empty message");
  if (text[first] == '[') return read_json(text, schema, max_bytes);
  // One row object; the JSON reader would take an object as columns, so it is listed.
  if (text[first] != '{')
    return Status::invalid("a JSON message is a row object or a list of them");
  std::string listed;
  listed.reserve(text.size() + 2);
  listed += '[';
  listed += text;
  listed += ']';
  return read_json(listed, schema, max_bytes);
}

}  // namespace

size_t batch_bytes(const RowBatch& batch) {
  size_t bytes = 0;
  for (const auto& column : batch.columns) {
    bytes += column.values.memory_bytes();
    if (column.present) bytes += column.present->size() / 8;
  }
  return bytes;
}

Result<RowBatch> decode_message(std::string_view bytes, MessageFormat format, const Schema* schema,
                                size_t max_decoded_bytes) {
  Result<RowBatch> rows = Status::invalid("no data");
  switch (format) {
    case MessageFormat::kJson:
      rows = decode_json(bytes, schema, max_decoded_bytes);
      break;
    case MessageFormat::kCsv:
      rows = read_csv(bytes, schema);
      break;
    case MessageFormat::kArrow:
      rows = read_arrow(bytes, schema, max_decoded_bytes);
      break;
  }
  if (rows.is_ok() && rows->columns.empty()) {
    return Status::invalid("the message has none of the table's columns");
  }
  if (rows.is_ok() && batch_bytes(*rows) > max_decoded_bytes)
    return decoded_size_exceeded(max_decoded_bytes);
  return rows;
}

}  // namespace parallax
