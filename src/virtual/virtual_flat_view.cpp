#include "virtual/virtual_flat_view.h"

#include <cmath>

#include "query/filter.h"
#include "query/sort.h"
#include "virtual/sql_compiler.h"
#include "virtual/text_cells.h"

namespace parallax {

Result<std::unique_ptr<VirtualFlatView>> VirtualFlatView::create(const VirtualTable& table,
                                                                 ViewConfig config) {
  std::unique_ptr<VirtualFlatView> view(new VirtualFlatView(table, std::move(config)));
  const Schema& schema = table.source().schema;
  ViewConfig& cfg = view->config_;
  if (cfg.columns) {
    for (const auto& name : *cfg.columns) {
      auto position = schema.find(name);
      if (!position) return Status::invalid("columns names unknown column '{}'", name);
      view->visible_.push_back(*position);
    }
  } else {
    std::vector<std::string> names;
    for (size_t i = 0; i < schema.size(); ++i) {
      view->visible_.push_back(i);
      names.push_back(schema.field(i).name);
    }
    cfg.columns = std::move(names);
  }
  for (const auto& aggregate : cfg.aggregates) {
    if (!schema.find(aggregate.column))
      return Status::invalid("aggregates name unknown column '{}'", aggregate.column);
  }
  const FilterCombinator combinator = cfg.filter_op.value_or(FilterCombinator::kAnd);
  PX_ASSIGN_OR_RETURN(view->where_,
                      sql_where(view->dialect(), schema, table.columns(), cfg.filter, combinator));
  PX_ASSIGN_OR_RETURN(RowFilter filter, RowFilter::compile(schema, cfg.filter, combinator));
  filter.echo_operands(schema, cfg.filter);
  PX_ASSIGN_OR_RETURN(std::vector<CompiledSortKey> sort, compile_sort(schema, cfg.sort));
  std::string order;
  for (const auto& key : sort) {
    const Field& field = schema.field(key.column);
    PX_ASSIGN_OR_RETURN(std::string term, sql_order_term(view->dialect(), table.column(field.name),
                                                         field.type, key.direction));
    order += (order.empty() ? "" : ", ") + term;
  }
  // Ties keep the engine's natural order: by primary key.
  if (const auto& key = table.source().key) {
    const Field& field = schema.field(*schema.find(*key));
    PX_ASSIGN_OR_RETURN(std::string term, sql_order_term(view->dialect(), table.column(*key),
                                                         field.type, SortDirection::kAscending));
    order += (order.empty() ? "" : ", ") + term;
  }
  if (!order.empty()) view->order_by_ = " ORDER BY " + order;
  PX_RETURN_IF_ERROR(view->count());
  return view;
}

Status VirtualFlatView::count() {
  const DataType types[] = {DataType::kFloat, DataType::kFloat};
  PX_ASSIGN_OR_RETURN(std::vector<Column> counts,
                      run("SELECT (SELECT count(*) FROM " + source().from() + where_ +
                              "), (SELECT count(*) FROM " + source().from() + ")",
                          types));
  PX_ASSIGN_OR_RETURN(rows_, row_count(counts[0]));
  PX_ASSIGN_OR_RETURN(table_rows_, row_count(counts[1]));
  return Status::ok();
}

std::vector<Field> VirtualFlatView::schema() const {
  std::vector<Field> fields;
  for (const size_t position : visible_) fields.push_back(source().source().schema.field(position));
  return fields;
}

std::vector<std::string> VirtualFlatView::column_paths() const {
  std::vector<std::string> paths;
  for (const size_t position : visible_)
    paths.push_back(source().source().schema.field(position).name);
  return paths;
}

namespace {
// An aggregate that is null over no rows: a ClickHouse Distributed table answers min and max
// of no rows of a column that is not Nullable as 0 (one node answers no row at all).
std::string none_when_empty(const std::string& aggregate) {
  return "CASE WHEN count(*) = 0 THEN NULL ELSE " + aggregate + " END";
}
}  // namespace

Result<std::pair<Scalar, Scalar>> VirtualFlatView::min_max(const std::string& name) const {
  PX_RETURN_IF_ERROR(error_);
  const Schema& schema = source().source().schema;
  auto position = schema.find(name);
  if (!position) return Status::invalid("min_max names unknown column '{}'", name);
  const DataType type = schema.field(*position).type;
  std::string column = sql_column(name);
  if (type == DataType::kString) column = dialect().bytewise(column);
  // (PostgreSQL has no min or max of booleans: they go by 0 and 1.)
  const DataType read = type == DataType::kBoolean ? DataType::kInteger : type;
  if (type == DataType::kBoolean) column = dialect().boolean_number(column);
  const DataType types[] = {type, type};
  PX_ASSIGN_OR_RETURN(
      std::vector<Column> answer,
      run("SELECT " + dialect().select(none_when_empty("min(" + column + ")"), read) + ", " +
              dialect().select(none_when_empty("max(" + column + ")"), read) + " FROM " +
              source().from() + where_,
          types));
  if (answer[0].size() != 1) return std::make_pair(Scalar::null(type), Scalar::null(type));
  return std::make_pair(answer[0].scalar_at(0), answer[1].scalar_at(0));
}

VirtualFlatView::Window VirtualFlatView::bounds(const ViewWindow& window, bool keys) const {
  Window bounds;
  bounds.start = clamp_window_bound(window.start_row, 0, rows_, false);
  bounds.end = std::max(bounds.start, clamp_window_bound(window.end_row, rows_, rows_, true));
  bounds.start_col = clamp_window_bound(window.start_col, 0, visible_.size(), false);
  bounds.end_col = std::max(
      bounds.start_col, clamp_window_bound(window.end_col, visible_.size(), visible_.size(), true));
  bounds.keys = keys && (window.id || window.index);
  return bounds;
}

Result<const VirtualFlatView::Window*> VirtualFlatView::fetch(Window window) const {
  PX_RETURN_IF_ERROR(error_);
  if (last_ && *last_ == window) return &*last_;
  const Schema& schema = source().source().schema;
  std::string select;
  std::vector<DataType> types;
  auto add = [&](const Field& field) {
    select += (select.empty() ? "" : ", ") + dialect().select(sql_column(field.name), field.type);
    types.push_back(field.type);
  };
  for (size_t i = window.start_col; i < window.end_col; ++i) add(schema.field(visible_[i]));
  if (window.keys) add(schema.field(*schema.find(*source().source().key)));
  if (types.empty() || window.end == window.start) {
    for (const DataType type : types) window.columns.emplace_back(type);
  } else {
    PX_ASSIGN_OR_RETURN(window.columns,
                        run("SELECT " + select + " FROM " + source().from() + where_ + order_by_ +
                                " LIMIT " + std::to_string(window.end - window.start) + " OFFSET " +
                                std::to_string(window.start),
                            types));
  }
  last_ = std::move(window);
  return &*last_;
}

Status VirtualFlatView::check_window(const ViewWindow& window) const {
  if ((window.id || window.index) && !source().source().key) {
    return Status::unsupported(
        "__ID__ and __INDEX__ of virtual table '{}', which has no "
        "one-column primary key",
        source().source().name);
  }
  return fetch(bounds(window, true)).status();
}

bool VirtualFlatView::is_inverted(const ViewWindow& window) const {
  const double start = window.start_row ? std::floor(*window.start_row) : 0;
  return start > static_cast<double>(clamp_window_bound(window.end_row, rows_, rows_, true));
}

Frame VirtualFlatView::read(const ViewWindow& window, KeyColumns keys) const {
  Frame frame;
  auto fetched = fetch(bounds(window, keys != KeyColumns::kNone));
  if (!fetched.is_ok()) return frame;  // check_window gave the error
  const Window& got = *fetched.value();
  const Schema& schema = source().source().schema;
  const size_t shown = got.end_col - got.start_col;
  const size_t count = got.columns.empty() ? 0 : got.columns[0].size();
  for (uint32_t row = 0; row < count; ++row) frame.rows.push_back(row);
  std::vector<FrameColumn> key_columns;
  if (got.keys) {
    const Column& owned = frame.own(got.columns.back());
    if (keys == KeyColumns::kLeading) {
      if (window.id) key_columns.push_back({"__ID__", &owned, true});
      if (window.index) key_columns.push_back({"__INDEX__", &owned, true});
    } else {
      if (window.index) key_columns.push_back({"__INDEX__", &owned, true});
      if (window.id) key_columns.push_back({"__ID__", &owned, true});
    }
  }
  if (keys == KeyColumns::kLeading) {
    for (auto& column : key_columns) frame.columns.push_back(column);
  }
  for (size_t i = 0; i < shown; ++i) {
    frame.columns.push_back(
        {schema.field(visible_[got.start_col + i]).name, &frame.own(got.columns[i])});
  }
  if (keys == KeyColumns::kTrailing) {
    for (auto& column : key_columns) frame.columns.push_back(column);
  }
  if (frame.columns.empty()) frame.rows.clear();
  return frame;
}

Result<bool> VirtualFlatView::rerun() {
  const size_t rows = rows_, table_rows = table_rows_;
  // A view that answered errors answers again: its clients hear of it.
  const bool was_failing = !error_.is_ok();
  error_ = count();
  if (!error_.is_ok()) return error_;
  bool changed = was_failing || rows != rows_ || table_rows != table_rows_;
  if (last_) {
    const Window before = std::move(*last_);
    last_.reset();
    Window again = before;
    again.columns.clear();
    again.end = std::min(again.end, rows_);
    again.start = std::min(again.start, again.end);
    auto fetched = fetch(std::move(again));
    if (!fetched.is_ok()) return error_ = fetched.status();
    const Window& now = *fetched.value();
    changed = changed || now.columns.size() != before.columns.size();
    for (size_t i = 0; !changed && i < now.columns.size(); ++i)
      changed = !same_cells(now.columns[i], before.columns[i]);
  }
  return changed;
}

}  // namespace parallax
