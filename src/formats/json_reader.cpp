#include "formats/json_reader.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <simdjson.h>

#include <fmt/format.h>

#include "common/number_format.h"
#include "core/temporal.h"
#include "core/value_parsing.h"
#include "formats/type_inference.h"

namespace parallax {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// The cells of one input column, before they are typed.
struct PendingColumn {
  std::string name;
  std::vector<element> cells;  // not to be read where `present` is clear
  ValidityBitmap present;
  bool all_present = true;
};

bool is_int32(double value) {
  return value == std::trunc(value) && value >= std::numeric_limits<int32_t>::min() &&
         value <= std::numeric_limits<int32_t>::max();
}

// The type one JSON value suggests, or nullopt for null.
std::optional<DataType> classify_value(element value) {
  switch (value.type()) {
    case element_type::NULL_VALUE:
      return std::nullopt;
    case element_type::BOOL:
      return DataType::kBoolean;
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return is_int32(double(value)) ? DataType::kInteger : DataType::kFloat;
    case element_type::STRING:
      return classify_text(std::string_view(value), TextDialect::kJson);
    case element_type::ARRAY:
    case element_type::OBJECT:
      break;
  }
  return DataType::kString;
}

std::string describe(element value) {
  return simdjson::minify(value);
}

bool is_number(element_type kind) {
  return kind == element_type::INT64 || kind == element_type::UINT64 ||
         kind == element_type::DOUBLE;
}

// A number as the reference writes it into a string column: integral values without a
// fraction, others with six decimals (C's "%f").
std::string number_as_text(double number) {
  if (number == 0) return "0";  // -0 too
  if (number == std::trunc(number) && std::abs(number) < 1e300) {
    return fmt::format("{:.0f}", number);
  }
  return fmt::format("{:f}", number);
}

// Reads one JSON value as `type`; false when it cannot be (the reference's coercions, minus
// the ones that silently corrupt data: see docs/differences.md).
bool append_coerced(Column& column, element value) {
  const element_type kind = value.type();
  const bool number = is_number(kind);
  const bool text = kind == element_type::STRING;
  const std::string_view string = text ? std::string_view(value) : std::string_view();
  switch (column.type()) {
    case DataType::kBoolean:
      if (kind == element_type::BOOL) return column.append<uint8_t>(bool(value)), true;
      if (number && double(value) == std::trunc(double(value))) {
        return column.append<uint8_t>(double(value) != 0), true;
      }
      if (text) {
        if (auto parsed = parse_boolean(string)) return column.append<uint8_t>(*parsed), true;
      }
      return false;
    case DataType::kInteger: {
      std::optional<double> parsed;
      if (number) parsed = double(value);
      if (text && string.empty()) return column.append_null(), true;
      if (text) parsed = parse_float(string);
      if (!parsed || !(*parsed > -2147483649.0 && *parsed < 2147483648.0)) return false;
      return column.append<int32_t>(static_cast<int32_t>(*parsed)), true;
    }
    case DataType::kFloat:
      if (number) return column.append<double>(double(value)), true;
      if (text && string.empty()) return column.append_null(), true;
      if (text) {
        if (auto parsed = parse_float(string)) return column.append<double>(*parsed), true;
      }
      return false;
    case DataType::kString:
      if (text) return column.append_string(string), true;
      if (number) return column.append_string(number_as_text(double(value))), true;
      if (kind == element_type::BOOL)
        return column.append_string(bool(value) ? "true" : "false"), true;
      return false;
    case DataType::kDate:
      if (number && double(value) == std::trunc(double(value))) {
        const auto millis = double_to_int64(double(value));
        if (!millis) return false;
        return column.append<int32_t>(millis_to_days(*millis)), true;
      }
      if (text && !has_numeric_offset(string)) {
        if (auto days = parse_compact_date(string)) return column.append<int32_t>(*days), true;
        return append_text(column, string, TextDialect::kJson);
      }
      return false;
    case DataType::kDatetime:
      if (number) {
        const auto millis = double_to_int64(double(value));
        if (!millis) return false;
        return column.append<int64_t>(*millis), true;
      }
      if (text) {
        if (auto days = parse_compact_date(string))
          return column.append<int64_t>(date_to_millis(*days)), true;
        return append_text(column, string, TextDialect::kJson);
      }
      return false;
  }
  return false;
}

Status append_value(Column& column, element value, const std::string& name, size_t row) {
  if (value.is_null()) {
    column.append_null();
    return Status::ok();
  }
  if (!append_coerced(column, value)) {
    return Status::invalid("row {}, column '{}': cannot read {} as {}", row, name, describe(value),
                           type_name(column.type()));
  }
  return Status::ok();
}

// The type of a column whose values are `cells`: the first non-null value decides, then an
// integer column becomes float when a float follows and string when text follows.
DataType infer_type(const PendingColumn& input, size_t num_rows) {
  std::optional<DataType> type;
  for (size_t row = 0; row < num_rows; ++row) {
    if (!input.present.is_valid(row)) continue;
    const auto cell = classify_value(input.cells[row]);
    if (!cell) continue;
    if (!type) {
      type = *cell;
    } else if (*type == DataType::kInteger && *cell == DataType::kFloat) {
      type = DataType::kFloat;
    } else if ((*type == DataType::kInteger || *type == DataType::kFloat) &&
               input.cells[row].is_string() && *cell != DataType::kInteger &&
               *cell != DataType::kFloat) {
      return DataType::kString;
    }
  }
  return type.value_or(DataType::kString);
}

// Types (from the schema, or inferred) and converts the pending columns into a batch.
// How the input was laid out, which changes inference as in the reference: a JSON list of
// rows moves columns that are null in the first row to the end, in the order their first
// values appear; NDJSON takes every type from its first line and moves the columns null
// there to the end in their own order.
enum class Layout { kRows, kColumns, kNdjson };

Result<RowBatch> finish(std::vector<PendingColumn>& pending, size_t num_rows, const Schema* schema,
                        Layout layout) {
  RowBatch batch;
  batch.num_rows = num_rows;
  // Inferred columns that were null in the first row, with the row of their first value.
  std::vector<std::pair<size_t, BatchColumn>> late;
  for (auto& input : pending) {
    DataType type = DataType::kString;
    bool null_at_first = false;
    if (schema != nullptr) {
      auto position = schema->find(input.name);
      if (!position) continue;  // the reference ignores columns the table lacks
      type = schema->field(*position).type;
    } else {
      null_at_first = layout != Layout::kColumns && num_rows > 0 &&
                      (!input.present.is_valid(0) || input.cells[0].is_null());
      type =
          infer_type(input, layout == Layout::kNdjson ? std::min<size_t>(num_rows, 1) : num_rows);
    }
    BatchColumn column{input.name, Column(type), std::nullopt};
    column.values.reserve(num_rows);
    for (size_t row = 0; row < num_rows; ++row) {
      if (!input.present.is_valid(row)) {
        column.values.append_null();  // absent: the table keeps its value (see `present`)
        continue;
      }
      PX_RETURN_IF_ERROR(append_value(column.values, input.cells[row], input.name, row));
    }
    // Read `present` before it moves into the column.
    size_t first_value_row = 1;
    while (null_at_first && layout == Layout::kRows && first_value_row < num_rows &&
           (!input.present.is_valid(first_value_row) || input.cells[first_value_row].is_null())) {
      ++first_value_row;
    }
    if (!input.all_present) column.present = std::move(input.present);
    if (null_at_first) {
      late.emplace_back(first_value_row, std::move(column));
    } else {
      batch.columns.push_back(std::move(column));
    }
  }
  // Late columns join in the order their first value appears, as the reference discovers
  // them; columns with no value at all come last.
  std::stable_sort(late.begin(), late.end(),
                   [&](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [first_value_row, column] : late) batch.columns.push_back(std::move(column));
  return batch;
}

class RowCollector {
 public:
  RowCollector(bool fixed_keys, Layout layout, size_t max_cells = SIZE_MAX)
      : fixed_keys_(fixed_keys), layout_(layout), max_cells_(max_cells) {}

  Status add_row(element row) {
    simdjson::dom::object object;
    if (row.get(object) != simdjson::SUCCESS) {
      return Status::invalid("row {} is not an object: {}", num_rows_, describe(row));
    }
    for (auto field : object) {
      const std::string_view key = field.key;
      auto found = positions_.find(absl::string_view(key.data(), key.size()));
      size_t position;
      if (found != positions_.end()) {
        position = found->second;
      } else {
        if (fixed_keys_ && num_rows_ > 0) {
          return Status::invalid("row {} has column '{}', which the first row lacks", num_rows_,
                                 key);
        }
        position = columns_.size();
        // A new column has a cell for every row so far: checked before it is made.
        if ((columns_.size() + 1) * (num_rows_ + 1) > max_cells_)
          return decoded_size_exceeded(max_cells_ * kDecodedCellBytes);
        positions_.emplace(std::string(key), position);
        PendingColumn column{std::string(key)};
        column.cells.resize(num_rows_);
        column.present.resize(num_rows_, false);
        column.all_present = num_rows_ == 0;
        columns_.push_back(std::move(column));
      }
      PendingColumn& column = columns_[position];
      if (column.cells.size() > num_rows_) {
        return Status::invalid("row {} names column '{}' twice", num_rows_, key);
      }
      column.cells.push_back(field.value);
      column.present.push_back(true);
    }
    ++num_rows_;
    if (num_rows_ * columns_.size() > max_cells_)
      return decoded_size_exceeded(max_cells_ * kDecodedCellBytes);
    for (auto& column : columns_) {
      if (column.cells.size() < num_rows_) {
        column.cells.emplace_back();
        column.present.push_back(false);
        column.all_present = false;
      }
    }
    return Status::ok();
  }

  Result<RowBatch> finish(const Schema* schema) {
    return parallax::finish(columns_, num_rows_, schema, layout_);
  }

 private:
  bool fixed_keys_;
  Layout layout_;
  size_t max_cells_;
  size_t num_rows_ = 0;
  std::vector<PendingColumn> columns_;
  absl::flat_hash_map<std::string, size_t> positions_;
};

Result<RowBatch> read_column_object(simdjson::dom::object object, const Schema* schema) {
  std::vector<PendingColumn> pending;
  std::optional<size_t> num_rows;
  for (auto field : object) {
    simdjson::dom::array values;
    if (field.value.get(values) != simdjson::SUCCESS) {
      return Status::invalid("column '{}' is not a list of values", field.key);
    }
    PendingColumn column{std::string(field.key)};
    for (element value : values) column.cells.push_back(value);
    if (num_rows && *num_rows != column.cells.size()) {
      return Status::invalid("column '{}' has {} values, but an earlier column has {}", field.key,
                             column.cells.size(), *num_rows);
    }
    num_rows = column.cells.size();
    column.present.resize(column.cells.size(), true);
    pending.push_back(std::move(column));
  }
  return finish(pending, num_rows.value_or(0), schema, Layout::kColumns);
}

// `json` with every integer literal too long for 64 bits written as a float ("...0.0"):
// simdjson refuses such integers, while JavaScript writes numbers from 1e21 down this way
// (JSON.stringify(1e20) is "100000000000000000000") and the reference reads them as floats.
std::string with_long_integers_as_floats(std::string_view json) {
  std::string out;
  out.reserve(json.size() + 16);
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string || c == '"') {
      out += c;
      if (c == '\\' && i + 1 < json.size()) {
        out += json[++i];
      } else if (c == '"') {
        in_string = !in_string;
      }
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) {
      out += c;
      continue;
    }
    // A number token outside strings.
    size_t end = i;
    bool integral = true;
    while (end < json.size() &&
           std::string_view("-+.eE0123456789").find(json[end]) != std::string_view::npos) {
      integral = integral && json[end] != '.' && json[end] != 'e' && json[end] != 'E';
      ++end;
    }
    const std::string_view token = json.substr(i, end - i);
    out += token;
    if (integral && token.size() - (token[0] == '-') > 19) out += ".0";
    i = end - 1;
  }
  return out;
}

// Parses JSON text, retrying once with long integers as floats when simdjson refuses them.
simdjson::error_code parse_json(simdjson::dom::parser& parser, std::string_view json,
                                element& document) {
  auto error = parser.parse(json.data(), json.size()).get(document);
  if (error != simdjson::NUMBER_ERROR) return error;
  const std::string rewritten = with_long_integers_as_floats(json);
  return parser.parse(rewritten).get(document);
}

}  // namespace

Result<RowBatch> read_json(std::string_view json, const Schema* schema, size_t max_decoded_bytes) {
  simdjson::dom::parser parser;
  element document;
  if (auto error = parse_json(parser, json, document)) {
    return Status::invalid("invalid JSON: {}", simdjson::error_message(error));
  }
  if (document.is_object()) return read_column_object(document.get_object().value(), schema);
  simdjson::dom::array rows;
  if (document.get(rows) != simdjson::SUCCESS) {
    return Status::invalid("JSON data must be a list of row objects or an object of columns");
  }
  RowCollector collector(/*fixed_keys=*/schema == nullptr, Layout::kRows,
                         max_decoded_bytes / kDecodedCellBytes);
  for (element row : rows) PX_RETURN_IF_ERROR(collector.add_row(row));
  return collector.finish(schema);
}

Result<RowBatch> read_ndjson(std::string_view text, const Schema* schema) {
  // One row object per line: joined into a single JSON list, parsed once.
  std::string rows = "[";
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (line.find_first_not_of(" \t") != std::string_view::npos &&
        line[line.find_first_not_of(" \t")] != '{') {
      return Status::invalid("NDJSON line {} is not a JSON object", line_number);
    }
    if (rows.size() > 1) rows += ',';
    rows += line;
  }
  rows += ']';
  simdjson::dom::parser parser;
  element document;
  simdjson::dom::array parsed_rows;
  if (auto error = parse_json(parser, rows, document)) {
    return Status::invalid("invalid NDJSON: {}", simdjson::error_message(error));
  }
  if (document.get(parsed_rows) != simdjson::SUCCESS) return Status::invalid("invalid NDJSON");
  RowCollector collector(/*fixed_keys=*/schema == nullptr, Layout::kNdjson);
  for (element row : parsed_rows) PX_RETURN_IF_ERROR(collector.add_row(row));
  return collector.finish(schema);
}

}  // namespace parallax
