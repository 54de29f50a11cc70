#include "query/row_delta.h"

#include <cstring>
#include <utility>

#include "query/aggregate.h"

namespace parallax {

namespace {

// Appends a cell so that two cells encode alike exactly when they are equal (floats by
// their bits: a NaN equals itself here, so it does not count as a change every time).
void append_cell(std::string& out, const Column& column, uint32_t row) {
  const Scalar value = column.scalar_at(row);
  out.push_back(static_cast<char>(value.type));
  out.push_back(value.valid ? 1 : 0);
  if (!value.valid) return;
  char bytes[sizeof(int64_t)];
  if (value.type == DataType::kFloat) {
    std::memcpy(bytes, &value.number, sizeof bytes);
  } else {
    std::memcpy(bytes, &value.integer, sizeof bytes);
  }
  out.append(bytes, sizeof bytes);
  out.append(std::to_string(value.text.size())).push_back(':');
  out.append(value.text);
}

// The key of the frame's `index`-th row: its group path.
std::string row_key(const Frame& frame, size_t index) {
  std::string key;
  if (!frame.row_path) return std::to_string(index);
  const FrameRowPath& path = *frame.row_path;
  const uint8_t depth = path.depths[index];
  key.push_back(static_cast<char>(depth));
  for (size_t level = 0; level < depth && level < path.levels.size(); ++level) {
    append_cell(key, *path.levels[level].column, frame.rows[index]);
  }
  return key;
}

// Whether a column is aggregated by one the reference re-sends whenever a change touches
// its group ("count", "last"; not "last by index").
bool resent_when_touched(const ViewConfig& config, const Schema& schema, const std::string& name) {
  for (const auto& choice : config.aggregates) {
    if (choice.column == name) return choice.name == "count" || choice.name == "last";
  }
  const auto position = schema.find(name);
  return position && default_aggregate(schema.field(*position).type) == AggregateKind::kCount;
}

}  // namespace

RowDelta::RowDelta(const View& view) : view_(&view) {
  if (view.read_changed(ChangeSet{})) return;
  const Frame frame = view.read({}, KeyColumns::kNone);
  for (size_t i = 0; i < frame.rows.size(); ++i) add_row(frame, i, previous_, nullptr);
  touches_ = make_touches(view);
}

std::optional<RowDelta::Touches> RowDelta::make_touches(const View& view) {
  const ViewConfig& config = view.config();
  if (config.group_by.empty()) return std::nullopt;
  // The view compiled the same config, so these cannot fail; if they did, only groups whose
  // cells changed would be sent.
  auto source = ColumnSource::create(view.table(), config.expressions);
  if (!source.is_ok()) return std::nullopt;
  bool needed = false;
  for (const auto& name : config.columns.value_or(std::vector<std::string>{})) {
    needed = needed || resent_when_touched(config, source.value()->schema(), name);
  }
  if (!needed) return std::nullopt;
  auto filter = RowFilter::compile(source.value()->schema(), config.filter,
                                   config.filter_op.value_or(FilterCombinator::kAnd));
  if (!filter.is_ok()) return std::nullopt;
  Touches touches{std::move(source.value()), std::move(filter.value()), {}};
  for (const auto& name : config.group_by) {
    const auto id = touches.source->find(name);
    if (!id) return std::nullopt;
    touches.group_by.push_back(*id);
  }
  return touches;
}

absl::flat_hash_set<std::string> RowDelta::touched_groups(const ChangeSet& changes) const {
  absl::flat_hash_set<std::string> touched;
  if (!touches_) return touched;
  touches_->source->apply(changes);
  std::vector<uint8_t> keep;
  if (!touches_->filter.empty()) keep = touches_->filter.evaluate(*touches_->source);
  for (const auto* rows : {&changes.added_rows, &changes.updated_rows}) {
    for (const uint32_t row : *rows) {
      if (!keep.empty() && !keep[row]) continue;
      // The same key row_key gives the group at each depth, from the totals row down.
      std::string key(1, '\0');
      touched.insert(key);
      for (size_t level = 0; level < touches_->group_by.size(); ++level) {
        key[0] = static_cast<char>(level + 1);
        append_cell(key, touches_->source->column(touches_->group_by[level]), row);
        touched.insert(key);
      }
    }
  }
  return touched;
}

bool RowDelta::add_row(const Frame& frame, size_t index, Snapshot& into, const Snapshot* before) {
  std::string key = row_key(frame, index);
  bool changed = before == nullptr || !before->rows.contains(key);
  const uint32_t row = frame.rows[index];
  for (const FrameColumn& column : frame.columns) {
    if (column.column->is_null(row)) continue;
    std::string cell = key;
    cell.push_back('\0');
    cell.append(column.name).push_back('\0');
    append_cell(cell, *column.column, row);
    if (before != nullptr && !changed) changed = !before->cells.contains(cell);
    into.cells.insert(std::move(cell));
  }
  into.rows.insert(std::move(key));
  return changed;
}

Frame RowDelta::changed_rows(const ChangeSet& changes) {
  std::optional<Frame> changed = view_->read_changed(changes);
  return changed ? std::move(*changed) : compare_with_previous(changes);
}

Frame RowDelta::compare_with_previous(const ChangeSet& changes) {
  const absl::flat_hash_set<std::string> touched = touched_groups(changes);
  Frame frame = view_->read({}, KeyColumns::kNone);
  Snapshot current;
  std::vector<uint32_t> changed_rows;
  for (size_t i = 0; i < frame.rows.size(); ++i) {
    const bool changed = add_row(frame, i, current, &previous_);
    if (changed || touched.contains(row_key(frame, i))) changed_rows.push_back(frame.rows[i]);
  }
  previous_ = std::move(current);
  frame.rows = std::move(changed_rows);
  frame.row_path.reset();  // the reference's deltas carry no "__ROW_PATH__"
  return frame;
}

}  // namespace parallax
