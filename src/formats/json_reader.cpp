#include "formats/json_reader.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <simdjson.h>

#include "formats/json_columns.h"
#include "formats/json_split.h"

namespace parallax {

namespace {

using simdjson::dom::element;

// Below this, an input is read in one piece: a task would cost more than it saves.
constexpr size_t kMinRunBytes = 1 << 20;

// The rows of one document, as columns in the order their keys first appear.
class RowCollector {
 public:
  RowCollector(bool fixed_keys, size_t max_cells = SIZE_MAX)
      : fixed_keys_(fixed_keys), max_cells_(max_cells) {}

  Status add_row(element row) {
    simdjson::dom::object object;
    if (row.get(object) != simdjson::SUCCESS) {
      return Status::invalid("row {} is not an object: {}", num_rows_, simdjson::minify(row));
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
        PendingJsonColumn column{std::string(key)};
        column.cells.resize(num_rows_);
        column.present.resize(num_rows_, false);
        column.all_present = num_rows_ == 0;
        columns_.push_back(std::move(column));
      }
      PendingJsonColumn& column = columns_[position];
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

  // Moves the rows into `part`.
  void finish(JsonPart& part) {
    part.columns = std::move(columns_);
    part.num_rows = num_rows_;
  }

 private:
  bool fixed_keys_;
  size_t max_cells_;
  size_t num_rows_ = 0;
  std::vector<PendingJsonColumn> columns_;
  absl::flat_hash_map<std::string, size_t> positions_;
};

Result<JsonInput> read_column_object(simdjson::dom::object object, JsonPart part) {
  std::optional<size_t> num_rows;
  for (auto field : object) {
    simdjson::dom::array values;
    if (field.value.get(values) != simdjson::SUCCESS) {
      return Status::invalid("column '{}' is not a list of values", field.key);
    }
    PendingJsonColumn column{std::string(field.key)};
    for (element value : values) column.cells.push_back(value);
    if (num_rows && *num_rows != column.cells.size()) {
      return Status::invalid("column '{}' has {} values, but an earlier column has {}", field.key,
                             column.cells.size(), *num_rows);
    }
    num_rows = column.cells.size();
    column.present.resize(column.cells.size(), true);
    part.columns.push_back(std::move(column));
  }
  part.num_rows = num_rows.value_or(0);
  return one_json_part(std::move(part));
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
// `padded`: SIMDJSON_PADDING bytes follow the text, so simdjson reads it without a copy.
simdjson::error_code parse_json(simdjson::dom::parser& parser, std::string_view json,
                                element& document, bool padded = false) {
  auto error = parser.parse(json.data(), json.size(), !padded).get(document);
  if (error != simdjson::NUMBER_ERROR) return error;
  const std::string rewritten = with_long_integers_as_floats(json);
  return parser.parse(rewritten).get(document);
}

constexpr std::string_view kNotRowsOrColumns =
    "JSON data must be a list of row objects or an object of columns";

// Collects the rows of `document` into `part`; `not_a_list` when it is no list.
Status collect_list(element document, std::string_view not_a_list, bool fixed_keys,
                    size_t max_cells, JsonPart& part) {
  simdjson::dom::array list;
  if (document.get(list) != simdjson::SUCCESS) return Status::invalid("{}", not_a_list);
  RowCollector collector(fixed_keys, max_cells);
  for (element row : list) PX_RETURN_IF_ERROR(collector.add_row(row));
  collector.finish(part);
  return Status::ok();
}

// Parses `rows` (the text of a JSON list of row objects, padded) and collects them into `part`.
Status collect_rows(std::string_view rows, bool fixed_keys, size_t max_cells, JsonPart& part) {
  element document;
  if (auto error = parse_json(*part.parser, rows, document, /*padded=*/true)) {
    return Status::invalid("invalid JSON: {}", simdjson::error_message(error));
  }
  return collect_list(document, kNotRowsOrColumns, fixed_keys, max_cells, part);
}

// NDJSON lines joined into one JSON list ("[line,line]"), padded for simdjson.
Result<simdjson::padded_string> ndjson_as_list(std::string_view text) {
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
  return simdjson::padded_string(rows);
}

// Collects runs of the input, a run per task, each into its own part; nullopt when a run
// fails (the caller then reads the input in one piece, for one pass's error) or when
// `fixed_keys` and a later run names a column the first row lacks.
std::optional<JsonInput> collect_runs(const std::vector<std::string_view>& runs, bool ndjson,
                                      bool fixed_keys, size_t max_cells, TaskPool* pool) {
  JsonInput input;
  input.parts.resize(runs.size());
  std::vector<Status> results(runs.size());
  TaskPool::run_on(pool, runs.size(), [&](size_t i) {
    simdjson::padded_string rows;
    if (ndjson) {
      auto joined = ndjson_as_list(runs[i]);
      if (!joined.is_ok()) {
        results[i] = joined.status();
        return;
      }
      rows = std::move(*joined);
    } else {
      rows = simdjson::padded_string(runs[i].size() + 2);
      rows.data()[0] = '[';
      std::memcpy(rows.data() + 1, runs[i].data(), runs[i].size());
      rows.data()[runs[i].size() + 1] = ']';
    }
    // Later runs may add columns (which the merge then refuses when the keys are fixed).
    results[i] = collect_rows(rows, fixed_keys && i == 0, max_cells, input.parts[i]);
  });
  for (const auto& status : results) {
    if (!status.is_ok()) return std::nullopt;
  }
  if (!merge_json_parts(input, fixed_keys)) return std::nullopt;
  return input;
}

// How many runs to cut `size` bytes into for `pool`, or 1 (in one piece).
size_t run_count(size_t size, TaskPool* pool) {
  // simdjson parses at most 4 GiB at once: a larger input is refused in one piece as in many.
  if (size >= simdjson::SIMDJSON_MAXSIZE_BYTES) return 1;
  return TaskPool::pieces(pool, size, kMinRunBytes);
}

}  // namespace

Result<RowBatch> read_json(std::string_view json, const Schema* schema, size_t max_decoded_bytes,
                           TaskPool* pool) {
  const size_t max_cells = max_decoded_bytes / kDecodedCellBytes;
  const bool fixed_keys = schema == nullptr;
  if (const size_t count = run_count(json.size(), pool); count > 1) {
    const auto runs = split_json_rows(json, count, pool);
    // Each run bounded by its share of the cells, so all of them by the whole bound; past it
    // (or on any error), one pass decides.
    if (runs.size() > 1) {
      auto input = collect_runs(runs, false, fixed_keys,
                                max_cells == SIZE_MAX ? max_cells : max_cells / runs.size(), pool);
      if (input && input->num_rows * input->columns.size() <= max_cells) {
        return convert_json_input(*input, schema, JsonLayout::kRows, pool);
      }
    }
  }
  JsonPart part;
  element document;
  if (auto error = parse_json(*part.parser, json, document)) {
    return Status::invalid("invalid JSON: {}", simdjson::error_message(error));
  }
  if (document.is_object()) {
    PX_ASSIGN_OR_RETURN(JsonInput input,
                        read_column_object(document.get_object().value(), std::move(part)));
    return convert_json_input(input, schema, JsonLayout::kColumns, pool);
  }
  PX_RETURN_IF_ERROR(collect_list(document, kNotRowsOrColumns, fixed_keys, max_cells, part));
  return convert_json_input(one_json_part(std::move(part)), schema, JsonLayout::kRows, pool);
}

Result<RowBatch> read_ndjson(std::string_view text, const Schema* schema, TaskPool* pool) {
  const bool fixed_keys = schema == nullptr;
  if (const size_t count = run_count(text.size(), pool); count > 1) {
    const auto runs = split_lines(text, count);
    if (runs.size() > 1) {
      if (auto input = collect_runs(runs, true, fixed_keys, SIZE_MAX, pool)) {
        return convert_json_input(*input, schema, JsonLayout::kNdjson, pool);
      }
    }
  }
  // One row object per line: joined into a single JSON list, parsed once.
  PX_ASSIGN_OR_RETURN(simdjson::padded_string rows, ndjson_as_list(text));
  JsonPart part;
  element document;
  if (auto error = parse_json(*part.parser, rows, document, /*padded=*/true)) {
    return Status::invalid("invalid NDJSON: {}", simdjson::error_message(error));
  }
  PX_RETURN_IF_ERROR(collect_list(document, "invalid NDJSON", fixed_keys, SIZE_MAX, part));
  return convert_json_input(one_json_part(std::move(part)), schema, JsonLayout::kNdjson, pool);
}

}  // namespace parallax
