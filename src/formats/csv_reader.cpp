#include "formats/csv_reader.h"

#include <algorithm>
#include <cstring>
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
  std::string_view input;  // the caller's text (fields point into it when it has no quotes)
  std::string unescaped;   // a copy with quoted fields unescaped, when the text has quotes
  std::string_view buffer() const { return unescaped.empty() ? input : unescaped; }
  std::vector<std::string> header;
  std::vector<std::vector<FieldRef>> columns;
};

// Where a run of records ends: the position after it, and the line after its last record.
struct RecordsEnd {
  size_t pos;
  size_t line;
};

// Splits data[pos, end) into fields, record by record, appending each field to its column in
// `columns` (the header's count of them); with `header`, reads only the first record, into it.
// Quoted fields are unescaped in place: the result is never longer than its source.
Result<RecordsEnd> tokenize_records(char* data, size_t pos, size_t end, size_t line,
                                    std::vector<std::string>* header,
                                    std::vector<std::vector<FieldRef>>& columns) {
  std::vector<FieldRef> record;
  while (pos < end) {
    record.clear();
    bool quoted = false;  // a record of one quoted empty field ("") is a row, not a blank line
    // One record.
    while (true) {
      FieldRef field{static_cast<uint32_t>(pos), 0};
      if (pos < end && data[pos] == '"') {
        quoted = true;
        size_t write = pos;
        field.offset = static_cast<uint32_t>(write);
        ++pos;
        while (true) {
          if (pos >= end) return Status::invalid("CSV line {}: unterminated quoted field", line);
          const char c = data[pos];
          if (c == '"') {
            if (pos + 1 < end && data[pos + 1] == '"') {
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
        if (pos < end && data[pos] != ',' && data[pos] != '\n' && data[pos] != '\r') {
          return Status::invalid("CSV line {}: unexpected text after a closing quote", line);
        }
      } else {
        const size_t start = pos;
        while (pos < end && data[pos] != ',' && data[pos] != '\n' && data[pos] != '\r') ++pos;
        field.length = static_cast<uint32_t>(pos - start);
      }
      record.push_back(field);
      if (pos < end && data[pos] == ',') {
        ++pos;
        continue;
      }
      // End of record: \n, \r\n, or end of input.
      if (pos < end && data[pos] == '\r') ++pos;
      if (pos < end && data[pos] == '\n') ++pos;
      break;
    }
    const size_t record_line = line++;
    if (record.size() == 1 && record[0].length == 0 && !quoted) continue;  // blank line
    if (header != nullptr) {
      for (const auto& field : record) header->emplace_back(data + field.offset, field.length);
      columns.resize(record.size());
      return RecordsEnd{pos, line};
    }
    if (record.size() != columns.size()) {
      return Status::invalid("CSV line {}: expected {} fields, found {}", record_line,
                             columns.size(), record.size());
    }
    for (size_t i = 0; i < record.size(); ++i) columns[i].push_back(record[i]);
  }
  return RecordsEnd{pos, line};
}

// Splits the text into fields. Text without quotes is not copied, and when large it is split
// at line breaks into a chunk per thread of `pool`, tokenized at once and joined in order (a
// quote could hide a line break, so text with quotes takes one pass).
Result<Tokenized> tokenize(std::string_view text, TaskPool* pool) {
  Tokenized out;
  if (text.size() >= 3 && std::memcmp(text.data(), "\xEF\xBB\xBF", 3) == 0) text.remove_prefix(3);
  if (text.size() > UINT32_MAX) return Status::invalid("CSV input over 4 GiB is not supported");
  const bool quoted = std::memchr(text.data(), '"', text.size()) != nullptr;
  // Without quotes nothing is written: the input is only read through `data`.
  char* data = const_cast<char*>(text.data());
  if (quoted) {
    out.unescaped.assign(text);
    data = out.unescaped.data();
  }
  out.input = text;
  const size_t size = text.size();
  std::vector<std::vector<FieldRef>> columns;
  PX_ASSIGN_OR_RETURN(RecordsEnd header_end,
                      tokenize_records(data, 0, size, 1, &out.header, columns));
  if (out.header.empty()) return Status::invalid("CSV input has no header row");
  out.columns.resize(out.header.size());
  const size_t begin = header_end.pos;
  constexpr size_t kChunkBytes = 1 << 19;
  const size_t threads = pool != nullptr ? pool->threads() : 1;
  const size_t num_chunks = quoted ? 1 : std::min(threads, (size - begin) / kChunkBytes);
  if (num_chunks > 1) {
    // Chunk boundaries: just past a line break near each equal share of the text.
    std::vector<size_t> bounds{begin};
    for (size_t i = 1; i < num_chunks; ++i) {
      const size_t at = begin + (size - begin) * i / num_chunks;
      const void* line_end = std::memchr(data + at, '\n', size - at);
      const size_t next = line_end ? static_cast<const char*>(line_end) - data + 1 : size;
      if (next > bounds.back() && next < size) bounds.push_back(next);
    }
    bounds.push_back(size);
    const size_t chunks = bounds.size() - 1;
    // The first chunk's fields go straight into the output, the others' are appended after.
    std::vector<std::vector<std::vector<FieldRef>>> parts(chunks);
    std::vector<Status> results(chunks);
    pool->run(chunks, [&](size_t chunk) {
      auto& lists = chunk == 0 ? out.columns : parts[chunk];
      lists.resize(out.header.size());
      // Reserve by a line count, so the field lists grow without copies.
      const size_t lines = std::count(data + bounds[chunk], data + bounds[chunk + 1], '\n') + 1;
      for (auto& list : lists) list.reserve(chunk == 0 ? lines * chunks + chunks : lines);
      results[chunk] = tokenize_records(data, bounds[chunk], bounds[chunk + 1],
                                        chunk == 0 ? header_end.line : 0, nullptr, lists)
                           .status();
    });
    if (std::all_of(results.begin(), results.end(), [](const Status& s) { return s.is_ok(); })) {
      pool->run(out.columns.size(), [&](size_t i) {
        for (size_t chunk = 1; chunk < chunks; ++chunk) {
          out.columns[i].insert(out.columns[i].end(), parts[chunk][i].begin(),
                                parts[chunk][i].end());
        }
      });
      return out;
    }
    for (auto& list : out.columns) list.clear();
    // An error: tokenize again in one pass, for the message with the right line number.
  }
  PX_RETURN_IF_ERROR(
      tokenize_records(data, begin, size, header_end.line, nullptr, out.columns).status());
  return out;
}

// The cells Apache Arrow's CSV reader (the reference's) reads as null in non-string columns.
bool is_null_text(std::string_view text) {
  static constexpr std::string_view kNullTexts[] = {
      "",        "#N/A", "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
      "1.#QNAN", "N/A",  "NA",       "NULL", "NaN",     "n/a",      "nan",  "null"};
  if (text.empty()) return true;
  // Every null text starts with one of these; most cells are rejected on their first byte.
  const char first = text[0];
  if (text.size() > 8 ||
      (first != '#' && first != '-' && first != '1' && first != 'N' && first != 'n')) {
    return false;
  }
  for (const auto candidate : kNullTexts) {
    if (text == candidate) return true;
  }
  return false;
}

// A column's type, inferred from every cell (nullopt when every cell is null), and, when all
// its values were of that one type, the column already converted: inference appends each value
// as it reads it, as long as the cells keep the first one's type.
struct InferredColumn {
  std::optional<DataType> type;
  std::optional<Column> converted;
};

InferredColumn infer_column(std::string_view buffer, const std::vector<FieldRef>& fields) {
  std::optional<DataType> type;
  std::optional<Column> converted;
  bool converting = true;
  size_t leading_nulls = 0;
  for (const auto& field : fields) {
    const std::string_view text(buffer.data() + field.offset, field.length);
    if (is_null_text(text)) {
      if (converted && converting) {
        converted->append_null();
      } else {
        ++leading_nulls;
      }
      continue;
    }
    bool appended = false;
    DataType cell;
    if (!type) {
      cell = classify_text(text, TextDialect::kCsv);
      if (cell != DataType::kString) {
        converted.emplace(cell);
        converted->reserve(fields.size());
        for (size_t i = 0; i < leading_nulls; ++i) converted->append_null();
        appended = append_text(*converted, text, TextDialect::kCsv);
      }
    } else if (converting) {
      cell = classify_and_append(text, TextDialect::kCsv, *converted, appended);
    } else {
      cell = classify_text(text, TextDialect::kCsv);
    }
    if (!appended) converting = false;
    type = type ? widen(*type, cell) : cell;
    if (*type == DataType::kString) break;
  }
  if (!converting || !type || *type == DataType::kString) converted.reset();
  return {type, std::move(converted)};
}

// String columns keep every cell verbatim ("" and "NA" included), as Arrow does, unless the
// column held nothing but nulls; other types read the null texts as null.
Status convert_column(std::string_view buffer, const std::vector<FieldRef>& fields,
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

Result<RowBatch> read_csv(std::string_view text, const Schema* schema, TaskPool* pool) {
  PX_ASSIGN_OR_RETURN(Tokenized tokens, tokenize(text, pool));
  const size_t num_columns = tokens.header.size();
  RowBatch batch;
  batch.num_rows = num_columns > 0 ? tokens.columns[0].size() : 0;
  Schema seen;
  std::vector<const std::vector<FieldRef>*> sources;  // the fields of each batch column
  std::vector<std::optional<DataType>> schema_types;  // nullopt: inferred from the cells
  for (size_t i = 0; i < num_columns; ++i) {
    // A repeated header is renamed "a*", "a**", ... as the reference does.
    std::string& name = tokens.header[i];
    while (!seen.add({name, DataType::kString})) name += '*';
    std::optional<DataType> type;
    if (schema != nullptr) {
      auto position = schema->find(name);
      if (!position) continue;  // the reference ignores columns the table lacks
      type = schema->field(*position).type;
    }
    batch.columns.push_back({name, Column(type.value_or(DataType::kString)), std::nullopt});
    sources.push_back(&tokens.columns[i]);
    schema_types.push_back(type);
  }
  // Columns infer and convert independently: a task per column on the pool's threads when
  // the input is large (inference reads every cell, so it is half the work).
  const size_t num_converted = batch.columns.size();
  std::vector<Status> results(num_converted);
  auto convert_column_at = [&](size_t i) {
    bool all_null = false;
    if (!schema_types[i]) {
      InferredColumn inferred = infer_column(tokens.buffer(), *sources[i]);
      if (inferred.converted) {
        batch.columns[i].values = std::move(*inferred.converted);
        return;
      }
      all_null = !inferred.type;
      batch.columns[i].values = Column(inferred.type.value_or(DataType::kString));
    }
    results[i] = convert_column(tokens.buffer(), *sources[i], batch.columns[i].name, all_null,
                                batch.columns[i].values);
  };
  if (pool != nullptr && batch.num_rows * num_converted > 200'000) {
    pool->run(num_converted, convert_column_at);
  } else {
    for (size_t i = 0; i < num_converted; ++i) convert_column_at(i);
  }
  for (const auto& status : results) PX_RETURN_IF_ERROR(status);
  return batch;
}

}  // namespace parallax
