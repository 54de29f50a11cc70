#include "virtual/virtual_split_view.h"

#include <algorithm>
#include <cmath>

#include "query/aggregate_rows.h"
#include "query/filter.h"
#include "query/group_key.h"
#include "query/traversal_order.h"
#include "virtual/sql_compiler.h"
#include "virtual/text_cells.h"

namespace parallax {

namespace {

// A shown cell as the engine's split-only rows show it ("any" of one row: a null as the
// type's zero), in a form SQL can order by. Dates need no zero: the engine's (year 0) sorts
// below every date a database holds, as a null does.
std::string shown_cell(const SqlDialect& d, const Field& field, const std::string& column) {
  switch (field.type) {
    case DataType::kString:
      return "coalesce(" + column + ", '')";
    case DataType::kDate:
      return column;
    case DataType::kDatetime:
    case DataType::kBoolean:
      return "coalesce(" + d.select(column, field.type) + ", 0)";
    default:
      return "coalesce(" + column + ", 0)";
  }
}

// The cell of `column` at `row` as the engine shows it in a split-only row.
void write_shown(const Column& column, uint32_t row, Column& out, uint32_t position) {
  const uint32_t rows[] = {row};
  aggregate_rows(AggregateKind::kAny, column, nullptr, rows, out, position);
}

}  // namespace

Result<std::unique_ptr<VirtualSplitView>> VirtualSplitView::create(const VirtualTable& table,
                                                                   ViewConfig config) {
  std::unique_ptr<VirtualSplitView> view(new VirtualSplitView(table, std::move(config)));
  const Schema& schema = table.source().schema;
  const SqlDialect& d = table.backend().dialect();
  ViewConfig& cfg = view->config_;
  PX_ASSIGN_OR_RETURN(PivotColumns pivot, resolve_pivot(schema, cfg));
  view->split_by_ = std::move(pivot.split_by);
  for (const auto& name : *cfg.columns) {
    auto position = schema.find(name);
    if (!position) return Status::invalid("columns: unknown column '{}'", name);
    view->values_.push_back(*position);
  }
  std::string order;
  for (const auto& key : cfg.sort) {
    if (key.direction == SortDirection::kNone) continue;
    auto position = schema.find(key.column);
    if (!position) return Status::invalid("sort: unknown column '{}'", key.column);
    if (is_column_direction(key.direction)) {
      if (std::find(view->values_.begin(), view->values_.end(), *position) == view->values_.end())
        return Status::invalid("sort names column '{}', which the view does not show", key.column);
      return Status::unsupported("\"col\" sorts of split_by without group_by on virtual tables");
    }
    view->row_sorted_ = true;
    if (std::find(view->values_.begin(), view->values_.end(), *position) == view->values_.end() &&
        std::find(view->sort_only_.begin(), view->sort_only_.end(), *position) ==
            view->sort_only_.end())
      view->sort_only_.push_back(*position);
    const Field& field = schema.field(*position);
    const DataType type = field.type == DataType::kString ? DataType::kString
                          : field.type == DataType::kDate ? DataType::kDate
                                                          : DataType::kFloat;
    PX_ASSIGN_OR_RETURN(
        std::string term,
        sql_order_term(d, shown_cell(d, field, table.column(*position)), type, key.direction));
    order += (order.empty() ? "" : ", ") + term;
  }
  // Ties keep the engine's natural order: by primary key.
  if (!table.order_key().empty()) {
    order += (order.empty() ? "" : ", ") + table.order_key() + " ASC";
  }
  if (!order.empty()) view->order_by_ = " ORDER BY " + order;
  std::erase_if(cfg.sort, [](const SortKey& key) { return is_column_direction(key.direction); });
  const FilterCombinator combinator = cfg.filter_op.value_or(FilterCombinator::kAnd);
  PX_ASSIGN_OR_RETURN(view->where_, sql_where(d, schema, table.columns(), cfg.filter, combinator));
  PX_ASSIGN_OR_RETURN(RowFilter filter, RowFilter::compile(schema, cfg.filter, combinator));
  filter.echo_operands(schema, cfg.filter);
  PX_RETURN_IF_ERROR(view->count());
  return view;
}

Status VirtualSplitView::count() {
  PX_ASSIGN_OR_RETURN(std::vector<SplitCombo> combos,
                      query_split_combos(source(), split_by_, where_));
  const DataType types[] = {DataType::kFloat, DataType::kFloat};
  PX_ASSIGN_OR_RETURN(std::vector<Column> counts,
                      run("SELECT (SELECT count(*) FROM " + source().from() + where_ +
                              "), (SELECT count(*) FROM " + source().from() + ")",
                          types));
  PX_ASSIGN_OR_RETURN(rows_, row_count(counts[0]));
  PX_ASSIGN_OR_RETURN(table_rows_, row_count(counts[1]));
  combos_ = std::move(combos);
  combo_of_key_.clear();
  for (uint32_t combo = 0; combo < combos_.size(); ++combo)
    combo_of_key_.emplace(combos_[combo].key, combo);
  return Status::ok();
}

std::vector<Field> VirtualSplitView::schema() const {
  std::vector<Field> fields;
  // Without any split column (no rows pass) no columns, unless it sorts rows, as the engine.
  const Schema& schema = source().source().schema;
  if (combos_.empty() && !row_sorted_) return fields;
  auto add = [&](size_t position) {
    const Field& field = schema.field(position);
    for (const auto& known : fields) {
      if (known.name == field.name) return;
    }
    fields.push_back(field);
  };
  for (const size_t position : values_) add(position);
  for (const size_t position : sort_only_) add(position);
  return fields;
}

std::vector<std::string> VirtualSplitView::column_paths() const {
  std::vector<std::string> paths;
  for (const auto& combo : combos_) {
    for (const size_t position : values_)
      paths.push_back(combo.path + source().source().schema.field(position).name);
  }
  return paths;
}

Result<std::pair<Scalar, Scalar>> VirtualSplitView::min_max(const std::string& name) const {
  PX_RETURN_IF_ERROR(error_);
  const Schema& schema = source().source().schema;
  auto position = schema.find(name);
  if (!position || std::find(values_.begin(), values_.end(), *position) == values_.end())
    return Status::invalid("min_max names unknown column '{}'", name);
  const Field& field = schema.field(*position);
  if (rows_ == 0 || combos_.empty())
    return std::make_pair(Scalar::null(field.type), Scalar::null(field.type));
  // Every row shows its cell once (a null as the zero): the lowest and highest value, and
  // the zero when a cell is null.
  std::string column = sql_column(field.name);
  if (field.type == DataType::kString) column = dialect().bytewise(column);
  const DataType read = field.type == DataType::kBoolean ? DataType::kInteger : field.type;
  if (field.type == DataType::kBoolean) column = dialect().boolean_number(column);
  const DataType types[] = {field.type, field.type, DataType::kFloat};
  PX_ASSIGN_OR_RETURN(std::vector<Column> answer,
                      run("SELECT " + dialect().select("min(" + column + ")", read) + ", " +
                              dialect().select("max(" + column + ")", read) +
                              ", count(*) - count(" + column + ") FROM " + source().from() + where_,
                          types));
  if (answer[0].size() != 1)
    return std::make_pair(Scalar::null(field.type), Scalar::null(field.type));
  Column candidates(field.type);
  if (!answer[0].is_null(0)) {
    candidates.resize(2);
    write_shown(answer[0], 0, candidates, 0);
    write_shown(answer[1], 0, candidates, 1);
  }
  if (answer[0].is_null(0) || answer[2].value<double>(0) > 0) {
    Column null_cell(field.type);  // a null row shows the zero
    null_cell.append_null();
    candidates.resize(candidates.size() + 1);
    write_shown(null_cell, 0, candidates, static_cast<uint32_t>(candidates.size() - 1));
  }
  uint32_t low = 0, high = 0;
  for (uint32_t i = 1; i < candidates.size(); ++i) {
    if (compare_cells(candidates, i, candidates, low) < 0) low = i;
    if (compare_cells(candidates, i, candidates, high) > 0) high = i;
  }
  return std::make_pair(candidates.scalar_at(low), candidates.scalar_at(high));
}

std::pair<size_t, size_t> VirtualSplitView::rows_of(const ViewWindow& window) const {
  const size_t rows = num_rows();
  const size_t start = clamp_window_bound(window.start_row, 0, rows, false);
  return {start, std::max(start, clamp_window_bound(window.end_row, rows, rows, true))};
}

std::pair<size_t, size_t> VirtualSplitView::columns_of(const ViewWindow& window) const {
  size_t hidden = 0;
  for (const auto& sort : config_.sort) {
    auto position = source().source().schema.find(sort.column);
    if (!position || std::find(values_.begin(), values_.end(), *position) == values_.end())
      ++hidden;
  }
  return split_column_window(window, num_columns(), values_.size(), hidden);
}

Result<const VirtualSplitView::Window*> VirtualSplitView::fetch(size_t start, size_t end,
                                                                bool keys) const {
  PX_RETURN_IF_ERROR(error_);
  if (last_ && last_->start == start && last_->end == end && last_->keys == keys) return &*last_;
  const Schema& schema = source().source().schema;
  Window window;
  window.start = start, window.end = end, window.keys = keys;
  std::string select = split_select(source(), split_by_);
  std::vector<DataType> types;
  for (const size_t position : split_by_) types.push_back(schema.field(position).type);
  for (const size_t position : values_) {
    const Field& field = schema.field(position);
    select += ", " + dialect().select(sql_column(field.name), field.type);
    types.push_back(field.type);
  }
  if (keys) {
    const Field& field = schema.field(*schema.find(*source().source().key));
    select += ", " + dialect().select(sql_column(field.name), field.type);
    types.push_back(field.type);
  }
  std::vector<Column> answer;
  if (end > start) {
    PX_ASSIGN_OR_RETURN(answer, run("SELECT " + select + " FROM " + source().from() + where_ +
                                        order_by_ + " LIMIT " + std::to_string(end - start) +
                                        " OFFSET " + std::to_string(start),
                                    types));
  } else {
    for (const DataType type : types) answer.emplace_back(type);
  }
  const size_t rows = answer[0].size();
  for (size_t combo = 0; combo < combos_.size(); ++combo) {
    for (const size_t position : values_) {
      window.cells.emplace_back(schema.field(position).type);
      window.cells.back().resize(rows);  // null but in the row's own combination
    }
  }
  for (uint32_t row = 0; row < rows; ++row) {
    std::string key;
    for (size_t level = 0; level < split_by_.size(); ++level)
      append_split_key(key, answer[level], row);
    auto combo = combo_of_key_.find(key);
    if (combo == combo_of_key_.end()) continue;  // (changed since the combinations were read)
    for (size_t v = 0; v < values_.size(); ++v) {
      write_shown(answer[split_by_.size() + v], row,
                  window.cells[combo->second * values_.size() + v], row);
    }
  }
  if (keys) window.key = std::move(answer.back());
  last_ = std::move(window);
  return &*last_;
}

Status VirtualSplitView::check_window(const ViewWindow& window) const {
  if (window.index) return Status::unsupported("the index option of grouped views");
  if (window.id && !source().source().key) {
    return Status::unsupported("__ID__ of virtual table '{}', which has no one-column primary key",
                               source().source().name);
  }
  const auto [start, end] = rows_of(window);
  return fetch(start, end, window.id).status();
}

bool VirtualSplitView::is_inverted(const ViewWindow& window) const {
  const double start = window.start_row ? std::floor(*window.start_row) : 0;
  return start >
         static_cast<double>(clamp_window_bound(window.end_row, num_rows(), num_rows(), true));
}

Frame VirtualSplitView::read(const ViewWindow& window, KeyColumns keys) const {
  Frame frame;
  const auto [start, end] = rows_of(window);
  const bool with_id = window.id && keys != KeyColumns::kNone && source().source().key;
  auto fetched = fetch(start, end, with_id);
  if (!fetched.is_ok()) return frame;  // check_window gave the error
  const Window& got = *fetched.value();
  const size_t count = got.cells.empty() ? (got.key ? got.key->size() : 0) : got.cells[0].size();
  for (uint32_t row = 0; row < count; ++row) frame.rows.push_back(row);
  // Split-only rows are table rows: "__ID__" holds each one's primary key, first.
  if (with_id) frame.columns.push_back({"__ID__", &frame.own(*got.key), true});
  const std::vector<std::string> paths = column_paths();
  const auto [start_col, end_col] = columns_of(window);
  for (size_t index = start_col; index < end_col; ++index)
    frame.columns.push_back({paths[index], &got.cells[index]});
  return frame;
}

// As the engine's split-only views: row 0 names the hidden totals row (expand answers how
// many rows it showed again, collapse how many it hid), rows 1..n the table rows (leaves:
// expand answers their index, collapse 0), rows past them 0.
Result<int64_t> VirtualSplitView::expand(size_t row) {
  if (row == 0) {
    if (!collapsed_) return int64_t{0};
    collapsed_ = false;
    return static_cast<int64_t>(rows_);
  }
  return static_cast<int64_t>(row <= num_rows() ? row : 0);
}

Result<int64_t> VirtualSplitView::collapse(size_t row) {
  if (row != 0 || collapsed_) return int64_t{0};
  collapsed_ = true;
  return static_cast<int64_t>(rows_);
}

Status VirtualSplitView::set_depth(size_t depth) {
  if (depth <= 1) collapsed_ = false;
  return Status::ok();
}

Result<bool> VirtualSplitView::rerun() {
  const size_t rows = rows_, table_rows = table_rows_;
  std::vector<std::string> paths = column_paths();
  const bool was_failing = !error_.is_ok();
  error_ = count();
  if (!error_.is_ok()) return error_;
  bool changed =
      was_failing || rows != rows_ || table_rows != table_rows_ || paths != column_paths();
  if (last_) {
    const Window before = std::move(*last_);
    last_.reset();
    const size_t end = std::min(before.end, num_rows());
    auto fetched = fetch(std::min(before.start, end), end, before.keys);
    if (!fetched.is_ok()) return error_ = fetched.status();
    const Window& now = *fetched.value();
    changed = changed || now.cells.size() != before.cells.size();
    for (size_t i = 0; !changed && i < now.cells.size(); ++i)
      changed = !same_cells(now.cells[i], before.cells[i]);
  }
  return changed;
}

}  // namespace parallax
