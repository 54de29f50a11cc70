#include "formats/csv_reader.h"

#include <atomic>
#include <cstring>
#include <future>
#include <string>
#include <vector>

#include "formats/type_inference.h"

namespace parallax {

namespace {

// Where one field's (unescaped) text lies in the parse buffer.
struct FieldRef {
  uint32_t offset;
  uint32_t length;
};

struct Tokenized {
  std::string buffer;  // the input, with quoted fields unescaped in place
  std::vector<std::string> header;
  std::vector<std::vector<FieldRef>> columns;
};

// Splits the text into fields, one pass. Quoted fields are unescaped in place: the result
// is never longer than its source.
Result<Tokenized> tokenize(std::string_view text) {
  Tokenized out;
  if (text.size() >= 3 && std::memcmp(text.data(), "\xEF\xBB\xBF", 3) == 0) text.remove_prefix(3);
  if (text.size() > UINT32_MAX) return Status::invalid("CSV input over 4 GiB is not supported");
  out.buffer.assign(text);
  char* data = out.buffer.data();
  const size_t size = out.buffer.size();
  size_t pos = 0;
  size_t line = 1;
  std::vector<FieldRef> record;
  bool header_done = false;

  while (pos < size) {
    record.clear();
    bool quoted = false;  // a record of one quoted empty field ("") is a row, not a blank line
    // One record.
    while (true) {
      FieldRef field{static_cast<uint32_t>(pos), 0};
      if (pos < size && data[pos] == '"') {
        quoted = true;
        size_t write = pos;
        field.offset = static_cast<uint32_t>(write);
        ++pos;
        while (true) {
          if (pos >= size) return Status::invalid("CSV line {}: unterminated quoted field", line);
          const char c = data[pos];
          if (c == '"') {
            if (pos + 1 < size && data[pos + 1] == '"') {
              data[write++] = '"';
              pos += 2;
              continue;
            }
            ++pos;
            break;
          }
          if (c == '\n') ++line;
          data[write++] = c;
          ++pos;
        }
        field.length = static_cast<uint32_t>(write - field.offset);
        if (pos < size && data[pos] != ',' && data[pos] != '\n' && data[pos] != '\r') {
          return Status::invalid("CSV line {}: unexpected text after a closing quote", line);
        }
      } else {
        const size_t start = pos;
        while (pos < size && data[pos] != ',' && data[pos] != '\n' && data[pos] != '\r') ++pos;
        field.length = static_cast<uint32_t>(pos - start);
      }
      record.push_back(field);
      if (pos < size && data[pos] == ',') {
        ++pos;
        continue;
      }
      // End of record: \n, \r\n, or end of input.
      if (pos < size && data[pos] == '\r') ++pos;
      if (pos < size && data[pos] == '\n') ++pos;
      break;
    }
    const size_t record_line = line++;
    if (record.size() == 1 && record[0].length == 0 && !quoted) continue;  // blank line
    if (!header_done) {
      for (const auto& field : record) out.header.emplace_back(data + field.offset, field.length);
      out.columns.resize(record.size());
      header_done = true;
      continue;
    }
    if (record.size() != out.header.size()) {
      return Status::invalid("CSV line {}: expected {} fields, found {}", record_line,
                             out.header.size(), record.size());
    }
    for (size_t i = 0; i < record.size(); ++i) out.columns[i].push_back(record[i]);
  }
  if (!header_done) return Status::invalid("CSV input has no header row");
  return out;
}

// The cells Apache Arrow's CSV reader (the reference's) reads as null in non-string columns.
bool is_null_text(std::string_view text) {
  static constexpr std::string_view kNullTexts[] = {
      "",        "#N/A", "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
      "1.#QNAN", "N/A",  "NA",       "NULL", "NaN",     "n/a",      "nan",  "null"};
  if (text.size() > 8) return false;
  for (const auto candidate : kNullTexts) {
    if (text == candidate) return true;
  }
  return false;
}

// nullopt when every cell is null.
std::optional<DataType> infer_column(const std::string& buffer,
                                     const std::vector<FieldRef>& fields) {
  std::optional<DataType> type;
  for (const auto& field : fields) {
    const std::string_view text(buffer.data() + field.offset, field.length);
    if (is_null_text(text)) continue;
    const DataType cell = classify_text(text, TextDialect::kCsv);
    type = type ? widen(*type, cell) : cell;
    if (*type == DataType::kString) break;
  }
  return type;
}

// String columns keep every cell verbatim ("" and "NA" included), as Arrow does, unless the
// column held nothing but nulls; other types read the null texts as null.
Status convert_column(const std::string& buffer, const std::vector<FieldRef>& fields,
                      const std::string& name, bool all_null, Column& column) {
  column.reserve(fields.size());
  const bool verbatim = column.type() == DataType::kString && !all_null;
  for (size_t row = 0; row < fields.size(); ++row) {
    const FieldRef field = fields[row];
    const std::string_view text(buffer.data() + field.offset, field.length);
    if (verbatim) {
      column.append_string(text);
      continue;
    }
    if (all_null || is_null_text(text)) {
      column.append_null();
      continue;
    }
    if (!append_text(column, text, TextDialect::kCsv)) {
      return Status::invalid("CSV row {}, column '{}': cannot read '{}' as {}", row + 1, name, text,
                             type_name(column.type()));
    }
  }
  return Status::ok();
}

}  // namespace

Result<RowBatch> read_csv(std::string_view text, const Schema* schema) {
  PX_ASSIGN_OR_RETURN(Tokenized tokens, tokenize(text));
  const size_t num_columns = tokens.header.size();
  RowBatch batch;
  batch.num_rows = num_columns > 0 ? tokens.columns[0].size() : 0;
  Schema seen;
  std::vector<const std::vector<FieldRef>*> sources;  // the fields of each batch column
  std::vector<uint8_t> inferred;                      // whether the column's type is inferred
  for (size_t i = 0; i < num_columns; ++i) {
    // A repeated header is renamed "a*", "a**", ... as the reference does.
    std::string& name = tokens.header[i];
    while (!seen.add({name, DataType::kString})) name += '*';
    DataType type = DataType::kString;  // decided by inference below when there is no schema
    if (schema != nullptr) {
      auto position = schema->find(name);
      if (!position) continue;  // the reference ignores columns the table lacks
      type = schema->field(*position).type;
    }
    batch.columns.push_back({name, Column(type), std::nullopt});
    sources.push_back(&tokens.columns[i]);
    inferred.push_back(schema == nullptr);
  }
  // Columns infer and convert independently: spread them over two threads when the input is
  // large (inference reads every cell, so it is worth sharing out too).
  const size_t num_converted = batch.columns.size();
  std::vector<Status> results(num_converted);
  std::atomic<size_t> next_column{0};  // columns differ in cost: each thread takes the next
  auto convert_columns = [&] {
    for (size_t i = next_column++; i < num_converted; i = next_column++) {
      bool all_null = false;
      if (inferred[i]) {
        const auto type = infer_column(tokens.buffer, *sources[i]);
        all_null = !type;
        batch.columns[i].values = Column(type.value_or(DataType::kString));
      }
      results[i] = convert_column(tokens.buffer, *sources[i], batch.columns[i].name, all_null,
                                  batch.columns[i].values);
    }
  };
  if (batch.num_rows * num_converted > 200'000 && num_converted > 1) {
    auto other = std::async(std::launch::async, convert_columns);
    convert_columns();
    other.get();
  } else {
    convert_columns();
  }
  for (const auto& status : results) PX_RETURN_IF_ERROR(status);
  return batch;
}

}  // namespace parallax
