#include "formats/json_columns.h"

#include <algorithm>
#include <optional>

#include "formats/column_pieces.h"
#include "formats/json_values.h"

namespace parallax {

namespace {

constexpr size_t kMinPieceRows = 16'384;

// Rows [begin, end) of part `part`, the input's rows from `first_row`: what one task types.
struct Piece {
  size_t part, begin, end, first_row;
};

// The input's rows cut into pieces for `pool`'s tasks (without a pool, a piece per part).
std::vector<Piece> cut_pieces(const JsonInput& input, TaskPool* pool) {
  const size_t wanted = TaskPool::pieces(pool, input.num_rows, kMinPieceRows);
  const size_t size = std::max<size_t>(1, (input.num_rows + wanted - 1) / wanted);
  std::vector<Piece> pieces;
  size_t first_row = 0;
  for (size_t part = 0; part < input.parts.size(); ++part) {
    const size_t rows = input.parts[part].num_rows;
    for (size_t begin = 0; begin < rows; begin += size) {
      pieces.push_back({part, begin, std::min(begin + size, rows), first_row + begin});
    }
    first_row += rows;
  }
  if (pieces.empty()) pieces.push_back({0, 0, 0, 0});
  return pieces;
}

bool has_value(const PendingJsonColumn* cells, size_t row) {
  return cells != nullptr && cells->present.is_valid(row) && !cells->cells[row].is_null();
}

// The input's first row where `column` has a non-null value, or num_rows.
size_t first_value_row(const JsonInput& input, const JsonInputColumn& column) {
  size_t first_row = 0;
  for (size_t part = 0; part < input.parts.size(); ++part) {
    for (size_t row = 0; row < input.parts[part].num_rows; ++row) {
      if (has_value(column.parts[part], row)) return first_row + row;
    }
    first_row += input.parts[part].num_rows;
  }
  return input.num_rows;
}

// What a piece's cells say of their column's type: the first non-null value's type, and
// whether any value is a float, or text that is not a number. Enough to fold the pieces in
// order into the type one pass over the cells infers (infer_type).
struct TypeHints {
  std::optional<DataType> first;
  bool any_float = false;
  bool any_text = false;
};

TypeHints type_hints(const PendingJsonColumn* cells, const Piece& piece) {
  TypeHints hints;
  if (cells == nullptr) return hints;
  for (size_t row = piece.begin; row < piece.end; ++row) {
    if (!cells->present.is_valid(row)) continue;
    const auto cell = classify_value(cells->cells[row]);
    if (!cell) continue;
    if (!hints.first) hints.first = *cell;
    hints.any_float = hints.any_float || *cell == DataType::kFloat;
    hints.any_text = hints.any_text || (cells->cells[row].is_string() &&
                                        *cell != DataType::kInteger && *cell != DataType::kFloat);
  }
  return hints;
}

// The type of a column from its pieces' hints: the first non-null value decides, then an
// integer column becomes float when a float follows and string when text follows.
DataType infer_type(const TypeHints* hints, size_t count) {
  std::optional<DataType> type;
  for (size_t i = 0; i < count; ++i) {
    if (!type) type = hints[i].first;
    if (type == DataType::kInteger || type == DataType::kFloat) {
      if (hints[i].any_text) return DataType::kString;
      if (type == DataType::kInteger && hints[i].any_float) type = DataType::kFloat;
    }
  }
  return type.value_or(DataType::kString);
}

}  // namespace

bool merge_json_parts(JsonInput& input, bool fixed_keys) {
  absl::flat_hash_map<std::string_view, size_t> positions;
  input.num_rows = 0;
  for (size_t part = 0; part < input.parts.size(); ++part) {
    for (const PendingJsonColumn& cells : input.parts[part].columns) {
      auto [found, added] = positions.emplace(cells.name, input.columns.size());
      if (added) {
        if (fixed_keys && part > 0) return false;
        input.columns.push_back(
            {cells.name, std::vector<const PendingJsonColumn*>(input.parts.size())});
      }
      input.columns[found->second].parts[part] = &cells;
    }
    input.num_rows += input.parts[part].num_rows;
  }
  return true;
}

JsonInput one_json_part(JsonPart part) {
  JsonInput input;
  input.parts.push_back(std::move(part));
  merge_json_parts(input, false);
  return input;
}

Result<RowBatch> convert_json_input(const JsonInput& input, const Schema* schema, JsonLayout layout,
                                    TaskPool* pool) {
  const std::vector<Piece> pieces = cut_pieces(input, pool);
  const size_t num_pieces = pieces.size();
  std::vector<const JsonInputColumn*> columns;
  std::vector<DataType> types;
  for (const auto& column : input.columns) {
    DataType type = DataType::kString;
    if (schema != nullptr) {
      auto position = schema->find(column.name);
      if (!position) continue;  // the reference ignores columns the table lacks
      type = schema->field(*position).type;
    }
    columns.push_back(&column);
    types.push_back(type);
  }
  if (schema == nullptr && layout == JsonLayout::kNdjson) {
    // Every type from the first line (the first part's, unless that part has no rows).
    size_t part = 0;
    while (part + 1 < input.parts.size() && input.parts[part].num_rows == 0) ++part;
    const Piece first_line{part, 0, std::min<size_t>(input.parts[part].num_rows, 1), 0};
    for (size_t i = 0; i < columns.size(); ++i) {
      const TypeHints hints = type_hints(columns[i]->parts[part], first_line);
      types[i] = infer_type(&hints, 1);
    }
  } else if (schema == nullptr) {
    std::vector<TypeHints> hints(columns.size() * num_pieces);
    TaskPool::run_on(pool, hints.size(), [&](size_t task) {
      const Piece& piece = pieces[task % num_pieces];
      hints[task] = type_hints(columns[task / num_pieces]->parts[piece.part], piece);
    });
    for (size_t i = 0; i < columns.size(); ++i) {
      types[i] = infer_type(hints.data() + i * num_pieces, num_pieces);
    }
  }
  std::vector<Column> converted;
  converted.reserve(columns.size() * num_pieces);
  for (const DataType type : types) {
    for (size_t i = 0; i < num_pieces; ++i) converted.emplace_back(type);
  }
  std::vector<Status> results(converted.size());
  TaskPool::run_on(pool, converted.size(), [&](size_t task) {
    const Piece& piece = pieces[task % num_pieces];
    const JsonInputColumn& column = *columns[task / num_pieces];
    const PendingJsonColumn* cells = column.parts[piece.part];
    Column& out = converted[task];
    out.reserve(piece.end - piece.begin);
    for (size_t row = piece.begin; row < piece.end; ++row) {
      if (cells == nullptr || !cells->present.is_valid(row)) {
        out.append_null();  // absent: the table keeps its value (see `present`)
        continue;
      }
      results[task] =
          append_value(out, cells->cells[row], column.name, piece.first_row + row - piece.begin);
      if (!results[task].is_ok()) return;
    }
  });
  for (const auto& status : results) PX_RETURN_IF_ERROR(status);
  std::vector<std::optional<BatchColumn>> made(columns.size());
  TaskPool::run_on(pool, columns.size(), [&](size_t i) {
    std::vector<Column> column_pieces(
        std::make_move_iterator(converted.begin() + i * num_pieces),
        std::make_move_iterator(converted.begin() + (i + 1) * num_pieces));
    made[i].emplace(BatchColumn{columns[i]->name, join_pieces(column_pieces), std::nullopt});
    bool all_present = true;
    for (const PendingJsonColumn* cells : columns[i]->parts) {
      all_present = all_present && cells != nullptr && cells->all_present;
    }
    if (all_present) return;
    ValidityBitmap present;
    present.reserve(input.num_rows);
    for (size_t part = 0; part < input.parts.size(); ++part) {
      const PendingJsonColumn* cells = columns[i]->parts[part];
      if (cells == nullptr) {
        present.append_run(false, input.parts[part].num_rows);
      } else {
        append_bitmap(present, cells->present);
      }
    }
    made[i]->present = std::move(present);
  });
  RowBatch batch;
  batch.num_rows = input.num_rows;
  // Inferred columns that were null in the first row, with the row of their first value.
  std::vector<std::pair<size_t, BatchColumn>> late;
  for (size_t i = 0; i < columns.size(); ++i) {
    const size_t first_value =
        schema == nullptr && layout != JsonLayout::kColumns && input.num_rows > 0
            ? first_value_row(input, *columns[i])
            : 0;
    if (first_value == 0) {
      batch.columns.push_back(std::move(*made[i]));
    } else {
      late.emplace_back(layout == JsonLayout::kRows ? first_value : 1, std::move(*made[i]));
    }
  }
  // Late columns join in the order their first value appears, as the reference discovers
  // them; columns with no value at all come last.
  std::stable_sort(late.begin(), late.end(),
                   [&](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [first_value, column] : late) batch.columns.push_back(std::move(column));
  return batch;
}

}  // namespace parallax
