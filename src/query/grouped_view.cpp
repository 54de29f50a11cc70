#include "query/grouped_view.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <utility>

#include "common/check.h"
#include "query/group_key.h"
#include "query/traversal_order.h"

namespace parallax {

Result<GroupedView::ValueColumn> GroupedView::value_column(const std::string& name) const {
  const Schema& schema = source_->schema();
  auto position = schema.find(name);
  if (!position) return Status::invalid("unknown column '{}'", name);
  const DataType type = schema.field(*position).type;
  // Without group_by every row is its own group, and the reference shows its values as they
  // are (a null as the type's zero), whatever aggregate the config names.
  if (config_.group_by.empty()) {
    return ValueColumn{name, *position, {AggregateKind::kAny, std::nullopt}, type};
  }
  Aggregate aggregate{default_aggregate(type), std::nullopt};
  for (const auto& choice : config_.aggregates) {
    if (choice.column != name) continue;
    PX_ASSIGN_OR_RETURN(aggregate.kind, aggregate_for(choice.name, type));
    if (aggregate_takes_argument(aggregate.kind)) {
      if (!choice.argument)
        return Status::invalid("aggregate '{}' of '{}' needs a column", choice.name, name);
      auto argument = schema.find(*choice.argument);
      if (!argument)
        return Status::invalid("aggregates name unknown column '{}'", *choice.argument);
      const DataType argument_type = schema.field(*argument).type;
      if (argument_type != DataType::kFloat && argument_type != DataType::kInteger)
        return Status::invalid("'{}' takes a numeric column, not '{}'", choice.name,
                               *choice.argument);
      aggregate.argument = *argument;
    }
  }
  return ValueColumn{name, *position, aggregate, aggregate_result_type(aggregate.kind, type)};
}

Result<std::unique_ptr<GroupedView>> GroupedView::create(const Table& table, ViewConfig config,
                                                         TaskPool* pool) {
  std::unique_ptr<GroupedView> view(new GroupedView(table, std::move(config)));
  view->pool_ = pool;
  // Columns are named through the source: the table's and the view's expression columns.
  PX_ASSIGN_OR_RETURN(view->source_, ColumnSource::create(table, view->config_.expressions,
                                                          view->config_.expression_limits));
  const Schema& schema = view->source_->schema();
  ViewConfig& cfg = view->config_;
  PX_ASSIGN_OR_RETURN(PivotColumns pivot, resolve_pivot(schema, cfg));
  view->group_by_ = std::move(pivot.group_by);
  view->split_by_ = std::move(pivot.split_by);
  std::vector<ValueColumn> values;
  GroupedMeasures::RowSort row_sort;
  for (const auto& name : *cfg.columns) {
    auto column = view->value_column(name);
    if (!column.is_ok()) return Status::invalid("columns: {}", column.status().message());
    values.push_back(std::move(*column));
  }
  for (const auto& key : cfg.sort) {
    if (key.direction == SortDirection::kNone) continue;
    if (is_column_direction(key.direction)) {
      if (cfg.split_by.empty() || view->column_sort_) continue;
      auto found = std::find_if(values.begin(), values.end(),
                                [&](const ValueColumn& v) { return v.name == key.column; });
      if (found == values.end())
        return Status::invalid("sort names column '{}', which the view does not show", key.column);
      view->column_sort_ = {static_cast<size_t>(found - values.begin()), key.direction};
      continue;
    }
    auto column = view->value_column(key.column);
    if (!column.is_ok()) return Status::invalid("sort: {}", column.status().message());
    // The reference sorts by a group_by column that the view does not show through its
    // "unique" value (null where a group holds several), whatever its aggregate.
    const bool shown =
        std::find(cfg.columns->begin(), cfg.columns->end(), key.column) != cfg.columns->end();
    if (!shown &&
        std::find(cfg.group_by.begin(), cfg.group_by.end(), key.column) != cfg.group_by.end()) {
      column->aggregate = {AggregateKind::kUnique, std::nullopt};
      column->result_type =
          aggregate_result_type(AggregateKind::kUnique, schema.field(column->position).type);
    }
    row_sort.emplace_back(std::move(*column), key.direction);
  }
  // The reference leaves "col ..." sorts out of the config it echoes.
  std::erase_if(cfg.sort, [](const SortKey& key) { return is_column_direction(key.direction); });
  PX_ASSIGN_OR_RETURN(
      view->filter_,
      RowFilter::compile(schema, cfg.filter, cfg.filter_op.value_or(FilterCombinator::kAnd)));
  view->filter_.echo_operands(schema, cfg.filter);
  view->table_was_empty_ = table.num_rows() == 0;
  // The parts, each reading those made before it.
  view->tree_ = GroupTree(table, *view->source_, view->group_by_);
  view->splits_ = SplitColumns(*view->source_, view->split_by_);
  view->measures_ = std::make_unique<GroupedMeasures>(
      table, *view->source_, view->tree_, view->splits_, std::move(values), std::move(row_sort));
  view->layout_ = GroupedLayout(!view->group_by_.empty());
  view->marks_ = std::make_unique<ChangeMarks>(table, view->tree_, view->splits_, *view->measures_);
  return view;
}

void GroupedView::refresh() {
  if (is_current()) return;
  // Upserts of existing keys keep the natural order: checking it is one pass, sorting is not.
  // Unfiltered, the totals row's rows are that order: no copy of 4 bytes a row is kept (they
  // are taken from the tree, rebuilt below, and given back to it).
  if (filter_.empty() && tree_.size() > 0) natural_ = std::move(tree_.node(0).rows);
  if (!table_->is_natural_order(natural_)) natural_ = table_->rows_in_natural_order();
  // (Unfiltered: the rows in natural order as they are, not a copy of 4 bytes a row.)
  std::vector<uint32_t> passing;
  if (!filter_.empty()) {
    const std::vector<uint8_t> keep = filter_.evaluate(*source_);
    passing.reserve(natural_.size());
    for (const uint32_t row : natural_) {
      if (keep[row]) passing.push_back(row);
    }
  }
  // The rows become the totals row's rows (not copied: 4 bytes a row).
  if (filter_.empty()) {
    tree_.build(std::move(natural_), pool_);
  } else {
    tree_.build(std::move(passing), pool_);
  }
  const std::span<const uint32_t> rows = std::as_const(tree_).node(0).rows;
  splits_.build(rows, table_->num_rows());
  measures_->aggregate_all(pool_);
  for (uint32_t node = 0; node < tree_.size(); ++node) order_children_of(node, 0);
  order_combos();
  layout_.forget_vanished_groups(tree_);
  std::vector<uint32_t> all(tree_.size());
  std::iota(all.begin(), all.end(), 0);
  lay_out(all);
  // Kept for the next rebuild only when the tree cannot tell it and it takes a sort.
  if (filter_.empty() || !table_->index_position()) std::vector<uint32_t>().swap(natural_);
  version_ = table_->version();
  if (marks_->tree_remembered()) marks_->mark_rebuilt();
  PX_DCHECK_OK(check_invariants());
}

Status GroupedView::check_invariants() const {
  PX_RETURN_IF_ERROR(tree_.check(table_->num_rows()));
  PX_RETURN_IF_ERROR(splits_.check(table_->num_rows(), tree_.node(0).rows.size()));
  PX_RETURN_IF_ERROR(measures_->check());
  return layout_.check(tree_);
}

void GroupedView::table_changed(const ChangeSet& changes) {
  // A clear empties the reference's traversal: every group is new (its collapse state
  // forgotten), and so is the first change after the table was empty (the totals row
  // expanded again).
  layout_.start_afresh(changes.cleared, changes.cleared || table_was_empty_);
  table_was_empty_ = table_->num_rows() == 0;
  const bool source_followed = source_->apply(changes);
  const bool was_current = version_ && *version_ + 1 == table_->version();
  const size_t nodes_before = tree_.size();
  // For read_changed: the groups the updated and the removed rows were in.
  std::vector<uint32_t> left, gone;
  const bool tracking = marks_->tracking();
  if (tracking && was_current) {
    for (const uint32_t row : changes.updated_rows) left.push_back(tree_.leaf_of(row));
    for (const uint32_t row : changes.removed) gone.push_back(tree_.leaf_of(row));
  }
  if (follow_changes_ && source_followed && follow(changes)) return;
  // follow() leaves the groups that existed with their paths and cells when it gives up.
  if (tracking && was_current && !marks_->tree_remembered())
    marks_->remember_tree(changes, nodes_before, left, gone);
  version_.reset();
  // Views collapsed by hand rebuild now rather than at their next refresh: a group that
  // empties in this change and comes back in a later one is new then.
  if (layout_.new_groups() == GroupedLayout::NewGroups::kCollapsed) refresh();
}

Frame GroupedView::read_changed(const ChangeSet& changes) const {
  Frame frame = read({}, KeyColumns::kNone);
  frame.row_path.reset();  // the reference's deltas carry no "__ROW_PATH__"
  if (changes.empty()) {
    frame.rows.clear();
    return frame;
  }
  // Not tracked yet, or a change this view was not told of: every row may have changed.
  if (!marks_->tracking() || !marks_->current()) return frame;
  std::erase_if(frame.rows, [&](uint32_t node) { return !marks_->changed(node); });
  return frame;
}

size_t GroupedView::num_rows() const {
  PX_DCHECK(is_current());
  return layout_.visible().size();
}

size_t GroupedView::num_columns() const {
  PX_DCHECK(is_current());
  return measures_->num_combos() * values().size();
}

std::vector<Field> GroupedView::schema() const {
  std::vector<Field> fields;
  // A split view without any split column (no rows pass) lists no columns unless it sorts
  // rows, as the reference.
  PX_DCHECK(is_current());
  if (!split_by_.empty() && splits_.size() == 0 && measures_->row_sort().empty()) return fields;
  auto add = [&](const ValueColumn& value) {
    for (const auto& field : fields) {
      if (field.name == value.name) return;
    }
    const DataType input = source_->schema().field(value.position).type;
    fields.push_back({value.name, aggregate_schema_type(value.aggregate.kind, input)});
  };
  for (const auto& value : values()) add(value);
  // The reference's schema also lists the hidden columns that rows are sorted by.
  for (const auto& [value, direction] : measures_->row_sort()) add(value);
  return fields;
}

std::pair<size_t, size_t> GroupedView::column_at(size_t index) const {
  return {index / values().size(), index % values().size()};
}

std::vector<std::string> GroupedView::column_paths() const {
  PX_DCHECK(is_current());
  std::vector<std::string> paths;
  for (size_t index = 0; index < num_columns(); ++index) {
    const auto [combo, v] = column_at(index);
    paths.push_back(splits_.path(combo) + values()[v].name);
  }
  return paths;
}

Result<std::pair<Scalar, Scalar>> GroupedView::min_max(const std::string& name) const {
  PX_DCHECK(is_current());
  std::optional<size_t> v;
  for (size_t i = 0; i < values().size(); ++i) {
    if (values()[i].name == name) v = i;
  }
  if (!v) return Status::invalid("min_max names unknown column '{}'", name);
  // Over every group below the totals row, in every split combination.
  std::vector<Column> percentages;
  if (is_percentage(values()[*v].aggregate.kind) && !measures_->percentages_current()) {
    std::vector<uint32_t> all(tree_.size());
    std::iota(all.begin(), all.end(), 0u);
    percentages = measures_->percentages(*v, all);
  }
  auto cells = [&](size_t combo) -> const Column& {
    return percentages.empty() ? measures_->cells(combo, *v) : percentages[combo];
  };
  std::optional<std::pair<size_t, uint32_t>> low, high;
  for (size_t combo = 0; combo < measures_->num_combos(); ++combo) {
    const Column& column = cells(combo);
    for (uint32_t node = 1; node < tree_.size(); ++node) {
      if (tree_.node(node).gone || column.is_null(node)) continue;
      if (!low || compare_cells(column, node, cells(low->first), low->second) < 0)
        low = {{combo, node}};
      if (!high || compare_cells(column, node, cells(high->first), high->second) > 0)
        high = {{combo, node}};
    }
  }
  const DataType type = values()[*v].result_type;
  auto scalar = [&](const auto& at) {
    return at ? cells(at->first).scalar_at(at->second) : Scalar::null(type);
  };
  return std::make_pair(scalar(low), scalar(high));
}

bool GroupedView::is_inverted(const ViewWindow& window) const {
  PX_DCHECK(is_current());
  const double start = window.start_row ? std::floor(*window.start_row) : 0;
  return start > static_cast<double>(clamp_window_bound(window.end_row, layout_.visible().size(),
                                                        layout_.visible().size(), true));
}

Status GroupedView::check_window(const ViewWindow& window) const {
  if (window.index) return Status::unsupported("the index option of grouped views");
  return Status::ok();
}

std::pair<size_t, size_t> GroupedView::column_window(const ViewWindow& window) const {
  size_t hidden = 0;  // sort entries on columns the view does not show
  for (const auto& sort : config_.sort) {
    const bool shown = std::any_of(values().begin(), values().end(), [&](const ValueColumn& value) {
      return value.name == sort.column;
    });
    if (!shown) ++hidden;
  }
  return split_column_window(window, num_columns(), values().size(), hidden);
}

Frame GroupedView::read(const ViewWindow& window, KeyColumns keys) const {
  PX_DCHECK(is_current());
  // The row window counts every visible row; leaves_only then keeps the deepest ones of it
  // (as the reference, whose "__ID__" still lists the whole window: see below). Only the
  // JSON reads honour leaves_only there: CSV and Arrow (read without key columns) show all.
  const bool leaves_only = window.leaves_only && keys != KeyColumns::kNone;
  const size_t start_row = clamp_window_bound(window.start_row, 0, layout_.visible().size(), false);
  const size_t end_row = std::max(
      start_row,
      clamp_window_bound(window.end_row, layout_.visible().size(), layout_.visible().size(), true));
  const std::span<const uint32_t> window_rows(layout_.visible().data() + start_row,
                                              end_row - start_row);
  const auto [start_col, end_col] = column_window(window);
  Frame frame;
  frame.rows.assign(window_rows.begin(), window_rows.end());
  if (leaves_only) {
    const size_t leaf_depth = tree_.leaf_depth();
    std::erase_if(frame.rows, [&](uint32_t node) { return tree_.node(node).depth != leaf_depth; });
  }
  if (!group_by_.empty()) {
    FrameRowPath path;
    for (size_t level = 0; level < group_by_.size(); ++level) {
      path.levels.push_back(
          {config_.group_by[level] + " (Group by " + std::to_string(level + 1) + ")",
           &tree_.levels()[level]});
    }
    for (const uint32_t node : frame.rows)
      path.depths.push_back(static_cast<uint8_t>(tree_.node(node).depth));
    path.with_id = window.id && keys != KeyColumns::kNone;
    if (path.with_id && leaves_only) {
      // The reference's "__ID__" lists the window's rows as if leaves_only were not set.
      path.id_rows.emplace();
      for (const uint32_t node : window_rows)
        path.id_rows->emplace_back(node, static_cast<uint8_t>(tree_.node(node).depth));
    }
    frame.row_path = std::move(path);
  }
  // Split-only rows are table rows: "__ID__" holds each one's primary key, ahead of the data
  // columns in to_columns too (where the reference puts it). Not the reference's values:
  // docs/differences.md, "__ID__ of split-only views".
  if (group_by_.empty() && window.id && keys != KeyColumns::kNone) {
    std::vector<uint32_t> key_rows;
    for (const uint32_t node : frame.rows) key_rows.push_back(tree_.node(node).key_row);
    frame.columns.push_back(
        {"__ID__", &frame.own(primary_keys(*table_, frame.rows, key_rows, tree_.size())), true});
  }
  const std::vector<std::string> paths = column_paths();
  // Percentages a change moved: the frame's rows only, from the sums (a view of 1,000 groups
  // per parent would rewrite them all on every change otherwise).
  std::vector<std::vector<Column>> percentages(values().size());
  for (size_t index = start_col; index < end_col; ++index) {
    const auto [combo, v] = column_at(index);
    if (!is_percentage(values()[v].aggregate.kind) || measures_->percentages_current()) {
      frame.columns.push_back({paths[index], &measures_->cells(combo, v)});
      continue;
    }
    if (percentages[v].empty()) percentages[v] = measures_->percentages(v, frame.rows);
    frame.columns.push_back({paths[index], &frame.own(std::move(percentages[v][combo]))});
  }
  return frame;
}

// As the reference: expand answers how many child groups it showed (0 for a row already
// expanded, or a leaf). With split_by, a row past the end answers 0 and a leaf row answers
// its own index, both leaving the tree as it was; otherwise any expand or collapse makes
// groups that appear later start collapsed.
Result<int64_t> GroupedView::expand(size_t row) {
  refresh();
  const std::optional<uint32_t> node = layout_.node_at_row(row);
  if (!split_by_.empty()) {
    if (!node) return int64_t{0};
    if (tree_.node(*node).depth >= tree_.leaf_depth()) return static_cast<int64_t>(row);
  }
  layout_.new_groups_collapse();
  if (!node || tree_.node(*node).children.empty() || !layout_.is_collapsed(tree_, *node))
    return int64_t{0};
  layout_.expand(tree_, *node);
  // The reference orders the children of a group it expands afresh.
  order_children_of(*node, 0);
  layout_.lay_out(tree_);
  return static_cast<int64_t>(tree_.node(*node).children.size());
}

// Answers how many rows it hid; with split_by, a row past the end changes nothing.
Result<int64_t> GroupedView::collapse(size_t row) {
  refresh();
  const std::optional<uint32_t> node = layout_.node_at_row(row);
  if (!split_by_.empty() && !node) return int64_t{0};
  layout_.new_groups_collapse();
  // (The totals row collapses even without groups: those that arrive later stay hidden.)
  if (!node || layout_.is_collapsed(tree_, *node) ||
      (*node != 0 && tree_.node(*node).children.empty())) {
    return int64_t{0};
  }
  const size_t before = layout_.visible().size();
  layout_.collapse(tree_, *node);
  layout_.lay_out(tree_);
  return static_cast<int64_t>(before - layout_.visible().size());
}

// As the reference: groups at depth `depth` and above are expanded (the totals row at 0),
// deeper ones collapsed, now and after each change; a depth past the group_by levels
// changes nothing.
Status GroupedView::set_depth(size_t depth) {
  refresh();
  const size_t leaf_depth = tree_.leaf_depth();
  if (depth > leaf_depth) return Status::ok();
  const std::vector<uint8_t> was_expanded = layout_.expanded_nodes(tree_, tree_.size());
  layout_.set_depth(tree_, static_cast<uint32_t>(std::min(depth, leaf_depth - 1) + 1));
  // Groups this expands have their children ordered afresh, as expand.
  const std::vector<uint8_t> expanded = layout_.expanded_nodes(tree_, tree_.size());
  for (uint32_t node = 0; node < tree_.size(); ++node) {
    if (expanded[node] && !was_expanded[node]) order_children_of(node, 0);
  }
  layout_.lay_out(tree_);
  return Status::ok();
}

}  // namespace parallax
