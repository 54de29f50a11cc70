#include "virtual/virtual_grouped_view.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "query/aggregate_rows.h"
#include "query/filter.h"
#include "query/group_key.h"
#include "query/traversal_order.h"
#include "virtual/sql_compiler.h"
#include "virtual/virtual_percentages.h"

namespace parallax {

namespace {

bool is_row_direction(SortDirection direction) {
  return direction != SortDirection::kNone && !is_column_direction(direction);
}

// Orders two cells of one column as the engine's grouped views (group_key.h).
int compare_cells(const Column& column, uint32_t a, uint32_t b, bool abs = false) {
  return parallax::compare_cells(column, a, column, b, abs);
}

// After every GROUP BY: ClickHouse drops constant keys (an expression column such as 'x'),
// and a GROUP BY of constants only is then an aggregation without keys, which answers one row
// even when no row passes the filter (seen on 18.16 through a Distributed table); the engine
// has no such group.
constexpr const char* kGroupsWithRows = " HAVING count(*) > 0";

void append_from(Column& out, const Column& in, size_t row) {
  out.resize(out.size() + 1);
  out.set_from(out.size() - 1, in, row);
}

}  // namespace

Result<VirtualGroupedView::Measure> VirtualGroupedView::measure(const std::string& name) const {
  const Schema& schema = source().source().schema;
  auto position = schema.find(name);
  if (!position) return Status::invalid("unknown column '{}'", name);
  const DataType type = schema.field(*position).type;
  AggregateKind kind = default_aggregate(type);
  std::string spelled = kind == AggregateKind::kSum ? "sum" : "count";
  std::string argument;
  for (const auto& choice : config_.aggregates) {
    if (choice.column != name) continue;
    PX_ASSIGN_OR_RETURN(kind, aggregate_for(choice.name, type));
    spelled = choice.name;
    if (!aggregate_takes_argument(kind)) continue;
    // As the engine checks it (grouped_view.cpp).
    if (!choice.argument)
      return Status::invalid("aggregate '{}' of '{}' needs a column", choice.name, name);
    auto found = schema.find(*choice.argument);
    if (!found) return Status::invalid("aggregates name unknown column '{}'", *choice.argument);
    const DataType argument_type = schema.field(*found).type;
    if (argument_type != DataType::kFloat && argument_type != DataType::kInteger)
      return Status::invalid("'{}' takes a numeric column, not '{}'", choice.name,
                             *choice.argument);
    argument = sql_column(*choice.argument);
  }
  const DataType result = aggregate_result_type(kind, type);
  // The engine's tree order: groups by their keys (text byte-wise), rows by primary key.
  std::vector<std::string> tree_keys;
  for (const size_t position : group_by_) {
    const Field& field = schema.field(position);
    const std::string column = sql_column(field.name);
    tree_keys.push_back(field.type == DataType::kString    ? dialect().bytewise(column)
                        : field.type == DataType::kBoolean ? dialect().boolean_number(column)
                                                           : column);
  }
  PX_ASSIGN_OR_RETURN(std::string sql,
                      sql_aggregate(dialect(), kind, spelled, sql_column(name), type,
                                    source().order_key(), argument, tree_keys));
  return Measure{name, type, kind, result, spelled, dialect().select(sql, result)};
}

// A "col" sort: at each split level, the siblings under one parent by their total (the
// value's aggregate over their rows), ties in key order, as the engine's column traversal.
Status VirtualGroupedView::order_combos(std::vector<Combo>& combos) const {
  if (!column_sort_ || combos.empty()) return Status::ok();
  const Measure& value = values_[column_sort_->first];
  const SortDirection direction = column_sort_->second;
  const Schema& schema = source().source().schema;
  // totals[level]: prefix key -> the total, in `total_cells[level]`.
  std::vector<absl::flat_hash_map<std::string, uint32_t>> totals(split_by_.size());
  std::vector<Column> total_cells;
  std::string keys, group_by;
  std::vector<DataType> types;
  for (size_t level = 0; level < split_by_.size(); ++level) {
    const Field& field = schema.field(split_by_[level]);
    const std::string column = sql_column(field.name);
    keys += dialect().select(column, field.type) + ", ";
    group_by += std::string(level ? ", " : " GROUP BY ") + column;
    types.push_back(field.type);
    std::vector<DataType> all = types;
    all.push_back(value.result);
    PX_ASSIGN_OR_RETURN(
        std::vector<Column> answer,
        run("SELECT " + keys + value.sql + " FROM " + source().from() + where_ + group_by +
                kGroupsWithRows + " LIMIT " + std::to_string(kMaxSplitColumns + 1),
            all));
    for (uint32_t row = 0; row < answer.back().size(); ++row) {
      std::string key;
      for (size_t k = 0; k <= level; ++k) append_split_key(key, answer[k], row);
      totals[level].emplace(std::move(key), row);
    }
    total_cells.push_back(std::move(answer.back()));
  }
  std::vector<Combo> ordered;
  // Orders the combinations [begin, end) (one parent's, in key order) from `level` down.
  std::function<void(size_t, size_t, size_t)> order_range = [&](size_t begin, size_t end,
                                                                size_t level) {
    if (level == split_by_.size()) {
      for (size_t i = begin; i < end; ++i) ordered.push_back(std::move(combos[i]));
      return;
    }
    std::vector<std::pair<size_t, size_t>> children;  // runs of one prefix
    for (size_t i = begin; i < end; ++i) {
      if (i == begin || combos[i].prefixes[level] != combos[i - 1].prefixes[level])
        children.emplace_back(i, i);
      children.back().second = i + 1;
    }
    Column values(value.result);
    for (const auto& [first, last] : children) {
      auto found = totals[level].find(combos[first].prefixes[level]);
      if (found == totals[level].end()) {
        values.append_null();
      } else {
        append_from(values, total_cells[level], found->second);
      }
    }
    std::vector<uint32_t> index(children.size());
    std::iota(index.begin(), index.end(), 0);
    std::stable_sort(index.begin(), index.end(), [&](uint32_t a, uint32_t b) {
      const int order = compare_cells(values, a, b, is_abs(direction));
      return (is_descending(direction) ? -order : order) < 0;
    });
    for (const uint32_t i : index) order_range(children[i].first, children[i].second, level + 1);
  };
  order_range(0, combos.size(), 0);
  combos = std::move(ordered);
  return Status::ok();
}

Result<std::unique_ptr<VirtualGroupedView>> VirtualGroupedView::create(const VirtualTable& table,
                                                                       ViewConfig config) {
  std::unique_ptr<VirtualGroupedView> view(new VirtualGroupedView(table, std::move(config)));
  const Schema& schema = table.source().schema;
  ViewConfig& cfg = view->config_;
  PX_ASSIGN_OR_RETURN(PivotColumns pivot, resolve_pivot(schema, cfg));
  view->group_by_ = std::move(pivot.group_by);
  view->split_by_ = std::move(pivot.split_by);
  for (const auto& name : *cfg.columns) {
    auto value = view->measure(name);
    if (!value.is_ok()) {
      if (value.status().code() == StatusCode::kUnsupported) return value.status();
      return Status::invalid("columns: {}", value.status().message());
    }
    view->values_.push_back(std::move(*value));
  }
  for (const auto& key : cfg.sort) {
    if (is_column_direction(key.direction) && !cfg.split_by.empty() && !view->column_sort_) {
      auto found = std::find_if(view->values_.begin(), view->values_.end(),
                                [&](const Measure& value) { return value.name == key.column; });
      if (found == view->values_.end())
        return Status::invalid("sort names column '{}', which the view does not show", key.column);
      view->column_sort_ = {static_cast<size_t>(found - view->values_.begin()), key.direction};
      continue;
    }
    if (!is_row_direction(key.direction)) continue;  // "none", and "col" sorts without split_by
    const bool shown =
        std::find(cfg.columns->begin(), cfg.columns->end(), key.column) != cfg.columns->end();
    if (!shown &&
        std::find(cfg.group_by.begin(), cfg.group_by.end(), key.column) != cfg.group_by.end()) {
      return Status::unsupported(
          "sorting a virtual table's groups by group_by column '{}' that the view does not show",
          key.column);
    }
    auto value = view->measure(key.column);
    if (!value.is_ok()) {
      if (value.status().code() == StatusCode::kUnsupported) return value.status();
      return Status::invalid("sort: {}", value.status().message());
    }
    if (is_abs(key.direction) && value->result != DataType::kInteger &&
        value->result != DataType::kFloat && value->result != DataType::kString) {
      return Status::unsupported("abs sorts of {} columns on virtual tables",
                                 type_name(value->result));
    }
    view->row_sort_.emplace_back(std::move(*value), key.direction);
  }
  std::erase_if(cfg.sort, [](const SortKey& key) { return is_column_direction(key.direction); });
  const FilterCombinator combinator = cfg.filter_op.value_or(FilterCombinator::kAnd);
  PX_ASSIGN_OR_RETURN(view->where_,
                      sql_where(view->dialect(), schema, table.columns(), cfg.filter, combinator));
  PX_ASSIGN_OR_RETURN(RowFilter filter, RowFilter::compile(schema, cfg.filter, combinator));
  filter.echo_operands(schema, cfg.filter);
  PX_ASSIGN_OR_RETURN(view->tree_, view->query_tree());
  PX_ASSIGN_OR_RETURN(view->table_rows_, table.num_rows());
  view->settle_new_groups();
  view->layout_rows();
  return view;
}

Result<VirtualGroupedView::Tree> VirtualGroupedView::query_tree() const {
  const Schema& schema = source().source().schema;
  Tree tree;
  const bool split = !split_by_.empty();
  absl::flat_hash_map<std::string, uint32_t> combo_of_key;
  if (split) {
    PX_ASSIGN_OR_RETURN(tree.combos, query_split_combos(source(), split_by_, where_));
    PX_RETURN_IF_ERROR(order_combos(tree.combos));
    for (uint32_t combo = 0; combo < tree.combos.size(); ++combo)
      combo_of_key.emplace(tree.combos[combo].key, combo);
  }
  const size_t combos = split ? tree.combos.size() : 1;
  for (const size_t position : group_by_) tree.levels.emplace_back(schema.field(position).type);
  for (size_t combo = 0; combo < combos; ++combo) {
    for (const auto& value : values_) tree.cells.emplace_back(value.result);
  }
  for (const auto& [value, direction] : row_sort_) tree.sort_cells.emplace_back(value.result);
  // What each group's query selects after its keys: the cells (in the split query instead
  // with split_by), the row sort's cells, the group's rows.
  std::string measures, cells;
  std::vector<DataType> measure_types, cell_types;
  for (const auto& value : values_) {
    cells += ", " + value.sql;
    cell_types.push_back(value.result);
  }
  if (!split) {
    measures = cells.substr(2) + ", ";
    measure_types = cell_types;
  }
  for (const auto& [value, direction] : row_sort_) {
    measures += value.sql + ", ";
    measure_types.push_back(value.result);
  }
  measures += "count(*)";  // 0 only for the totals row of a filter that keeps no row
  measure_types.push_back(DataType::kFloat);
  std::vector<DataType> split_types;
  std::string split_columns;
  for (const size_t position : split_by_) {
    split_types.push_back(schema.field(position).type);
    split_columns += ", " + sql_column(schema.field(position).name);
  }
  absl::flat_hash_map<std::string, uint32_t> node_of_path;
  std::string keys, group_by;
  std::vector<DataType> key_types;
  size_t split_rows = 0;
  for (size_t level = 0; level <= group_by_.size(); ++level) {
    if (level > 0) {
      const Field& field = schema.field(group_by_[level - 1]);
      const std::string column = sql_column(field.name);
      keys += dialect().select(column, field.type) + ", ";
      group_by += std::string(level > 1 ? ", " : " GROUP BY ") + column;
      key_types.push_back(field.type);
    }
    std::vector<DataType> types = key_types;
    types.insert(types.end(), measure_types.begin(), measure_types.end());
    const size_t room = kMaxGroups - tree.nodes.size();
    PX_ASSIGN_OR_RETURN(
        std::vector<Column> answer,
        run("SELECT " + keys + measures + " FROM " + source().from() + where_ + group_by +
                (level > 0 ? kGroupsWithRows : "") + " LIMIT " + std::to_string(room + 1),
            types));
    const size_t rows = answer[0].size();
    if (rows > room) {
      return Status::invalid(
          "the view of virtual table '{}' has more than {} groups: filter it or group by "
          "fewer or coarser columns",
          source().source().name, kMaxGroups);
    }
    for (uint32_t row = 0; row < rows; ++row) {
      Node node;
      node.depth = static_cast<uint32_t>(level);
      std::string parent_path;
      for (size_t k = 0; k < level; ++k) {
        if (k + 1 == level) parent_path = node.path;
        append_split_key(node.path, answer[k], row);
      }
      if (level > 0) {
        auto parent = node_of_path.find(parent_path);
        if (parent == node_of_path.end()) continue;  // changed between the queries
        node.parent = parent->second;
      }
      const auto index = static_cast<uint32_t>(tree.nodes.size());
      if (level > 0) tree.nodes[node.parent].children.push_back(index);
      node_of_path.emplace(node.path, index);
      // Row paths: the node's own keys, null past its depth.
      for (size_t k = 0; k < tree.levels.size(); ++k) {
        if (k < level) {
          append_from(tree.levels[k], answer[k], row);
        } else {
          tree.levels[k].append_null();
        }
      }
      size_t column = level;
      for (auto& cells : tree.cells) {
        // With split_by, a group without rows in a combination shows null there, as the
        // engine: the split query below fills the others.
        if (split) {
          cells.append_null();
        } else {
          append_from(cells, answer[column++], row);
        }
      }
      for (auto& cells : tree.sort_cells) append_from(cells, answer[column++], row);
      if (answer.back().value<double>(row) == 0) {
        // A group without rows shows what the engine's aggregates give one (zeros, nulls).
        for (size_t v = 0; !split && v < values_.size(); ++v)
          aggregate_rows(values_[v].kind, Column(values_[v].input), nullptr, {}, tree.cells[v],
                         index);
        for (size_t k = 0; k < row_sort_.size(); ++k)
          aggregate_rows(row_sort_[k].first.kind, Column(row_sort_[k].first.input), nullptr, {},
                         tree.sort_cells[k], index);
      }
      tree.nodes.push_back(std::move(node));
    }
    if (!split || values_.empty() || tree.combos.empty()) continue;
    // The level's cells per group and combination, pivoted into the combinations' columns.
    std::vector<DataType> split_answer_types = key_types;
    split_answer_types.insert(split_answer_types.end(), split_types.begin(), split_types.end());
    split_answer_types.insert(split_answer_types.end(), cell_types.begin(), cell_types.end());
    const size_t cell_room = kMaxSplitCells - split_rows;
    PX_ASSIGN_OR_RETURN(std::vector<Column> pivot,
                        run("SELECT " + keys + split_select(source(), split_by_) + cells +
                                " FROM " + source().from() + where_ +
                                (group_by.empty() ? " GROUP BY " + split_columns.substr(2)
                                                  : group_by + split_columns) +
                                kGroupsWithRows + " LIMIT " + std::to_string(cell_room + 1),
                            split_answer_types));
    if (pivot[0].size() > cell_room) {
      return Status::invalid(
          "the view of virtual table '{}' has more than {} groups in its split columns: filter "
          "it or group or split by fewer or coarser columns",
          source().source().name, kMaxSplitCells);
    }
    split_rows += pivot[0].size();
    for (uint32_t row = 0; row < pivot[0].size(); ++row) {
      std::string path, key;
      for (size_t k = 0; k < level; ++k) append_split_key(path, pivot[k], row);
      for (size_t k = 0; k < split_by_.size(); ++k) append_split_key(key, pivot[level + k], row);
      auto node = node_of_path.find(path);
      auto combo = combo_of_key.find(key);
      if (node == node_of_path.end() || combo == combo_of_key.end()) continue;  // changed since
      for (size_t v = 0; v < values_.size(); ++v) {
        tree.cells[combo->second * values_.size() + v].set_from(
            node->second, pivot[level + split_by_.size() + v], row);
      }
    }
  }
  place_percentages(tree);
  order_children(tree);
  return tree;
}

void VirtualGroupedView::place_percentages(Tree& tree) const {
  const bool split = !split_by_.empty();
  std::vector<uint32_t> parents(tree.nodes.size()), column_parents;
  for (uint32_t node = 0; node < tree.nodes.size(); ++node) parents[node] = tree.nodes[node].parent;
  // A combination's parent column: the combinations that share its split values but the last.
  absl::flat_hash_map<std::string, uint32_t> parent_of_prefix;
  for (const Combo& combo : tree.combos) {
    const std::string prefix = split_by_.size() < 2 ? "" : combo.prefixes[split_by_.size() - 2];
    column_parents.push_back(
        parent_of_prefix.try_emplace(prefix, static_cast<uint32_t>(parent_of_prefix.size()))
            .first->second);
  }
  const size_t combos = split ? tree.combos.size() : 1;
  for (size_t v = 0; v < values_.size(); ++v) {
    if (!is_percentage(values_[v].kind)) continue;
    std::vector<Column*> cells;
    for (size_t combo = 0; combo < combos; ++combo)
      cells.push_back(&tree.cells[combo * values_.size() + v]);
    write_percentages(values_[v].kind, split, parents, column_parents, cells);
  }
}

void VirtualGroupedView::order_children(Tree& tree) const {
  for (auto& node : tree.nodes) {
    auto& children = node.children;
    if (children.empty()) continue;
    const Column& keys = tree.levels[tree.nodes[children[0]].depth - 1];
    std::stable_sort(children.begin(), children.end(),
                     [&](uint32_t a, uint32_t b) { return compare_cells(keys, a, b) < 0; });
    if (row_sort_.empty()) continue;
    std::stable_sort(children.begin(), children.end(), [&](uint32_t a, uint32_t b) {
      for (size_t k = 0; k < row_sort_.size(); ++k) {
        const SortDirection direction = row_sort_[k].second;
        int order = compare_cells(tree.sort_cells[k], a, b, is_abs(direction));
        if (is_descending(direction)) order = -order;
        if (order != 0) return order < 0;
      }
      return false;
    });
  }
}

void VirtualGroupedView::settle_new_groups() {
  for (const auto& node : tree_.nodes) {
    if (!known_paths_.insert(node.path).second) continue;
    const bool collapse = !node.children.empty() &&
                          (new_groups_ == NewGroups::kCollapsed ||
                           (new_groups_ == NewGroups::kToDepth && node.depth >= new_groups_depth_));
    if (collapse) collapsed_.insert(node.path);
  }
}

void VirtualGroupedView::layout_rows() {
  visible_.clear();
  std::vector<uint32_t> stack{0};
  while (!stack.empty() && !tree_.nodes.empty()) {
    const uint32_t node = stack.back();
    stack.pop_back();
    visible_.push_back(node);
    if (is_collapsed(node)) continue;
    const auto& children = tree_.nodes[node].children;
    for (auto child = children.rbegin(); child != children.rend(); ++child) stack.push_back(*child);
  }
}

std::vector<Field> VirtualGroupedView::schema() const {
  std::vector<Field> fields;
  // A split view without any split column (no rows pass) lists no columns unless it sorts
  // rows, as the engine.
  if (!split_by_.empty() && tree_.combos.empty() && row_sort_.empty()) return fields;
  auto add = [&](const Measure& value) {
    for (const auto& field : fields) {
      if (field.name == value.name) return;
    }
    fields.push_back({value.name, aggregate_schema_type(value.kind, value.input)});
  };
  for (const auto& value : values_) add(value);
  for (const auto& [value, direction] : row_sort_) add(value);
  return fields;
}

std::vector<std::string> VirtualGroupedView::column_paths() const {
  std::vector<std::string> paths;
  for (size_t combo = 0; combo < num_combos(); ++combo) {
    for (const auto& value : values_)
      paths.push_back((split_by_.empty() ? "" : tree_.combos[combo].path) + value.name);
  }
  return paths;
}

Result<std::pair<Scalar, Scalar>> VirtualGroupedView::min_max(const std::string& name) const {
  PX_RETURN_IF_ERROR(error_);
  std::optional<size_t> v;
  for (size_t i = 0; i < values_.size(); ++i) {
    if (values_[i].name == name) v = i;
  }
  if (!v) return Status::invalid("min_max names unknown column '{}'", name);
  // Over every group below the totals row, in every split combination.
  std::optional<std::pair<const Column*, uint32_t>> low, high;
  for (size_t combo = 0; combo < num_combos(); ++combo) {
    const Column& column = tree_.cells[combo * values_.size() + *v];
    for (uint32_t node = 1; node < tree_.nodes.size(); ++node) {
      if (column.is_null(node)) continue;
      if (!low || parallax::compare_cells(column, node, *low->first, low->second) < 0)
        low = {{&column, node}};
      if (!high || parallax::compare_cells(column, node, *high->first, high->second) > 0)
        high = {{&column, node}};
    }
  }
  auto scalar = [&](const auto& at) {
    return at ? at->first->scalar_at(at->second) : Scalar::null(values_[*v].result);
  };
  return std::make_pair(scalar(low), scalar(high));
}

bool VirtualGroupedView::is_inverted(const ViewWindow& window) const {
  const double start = window.start_row ? std::floor(*window.start_row) : 0;
  return start > static_cast<double>(
                     clamp_window_bound(window.end_row, visible_.size(), visible_.size(), true));
}

Status VirtualGroupedView::check_window(const ViewWindow& window) const {
  if (window.index) return Status::unsupported("the index option of grouped views");
  return error_;
}

Frame VirtualGroupedView::read(const ViewWindow& window, KeyColumns keys) const {
  Frame frame;
  if (!error_.is_ok()) return frame;
  const bool leaves_only = window.leaves_only && keys != KeyColumns::kNone;
  const size_t start_row = clamp_window_bound(window.start_row, 0, visible_.size(), false);
  const size_t end_row = std::max(
      start_row, clamp_window_bound(window.end_row, visible_.size(), visible_.size(), true));
  const std::span<const uint32_t> window_rows(visible_.data() + start_row, end_row - start_row);
  frame.rows.assign(window_rows.begin(), window_rows.end());
  if (leaves_only) {
    std::erase_if(frame.rows,
                  [&](uint32_t node) { return tree_.nodes[node].depth != leaf_depth(); });
  }
  FrameRowPath path;
  for (size_t level = 0; level < group_by_.size(); ++level) {
    path.levels.push_back(
        {config_.group_by[level] + " (Group by " + std::to_string(level + 1) + ")",
         &tree_.levels[level]});
  }
  for (const uint32_t node : frame.rows)
    path.depths.push_back(static_cast<uint8_t>(tree_.nodes[node].depth));
  path.with_id = window.id && keys != KeyColumns::kNone;
  if (path.with_id && leaves_only) {
    path.id_rows.emplace();
    for (const uint32_t node : window_rows)
      path.id_rows->emplace_back(node, static_cast<uint8_t>(tree_.nodes[node].depth));
  }
  frame.row_path = std::move(path);
  size_t hidden = 0;
  for (const auto& sort : config_.sort) {
    const bool shown = std::any_of(values_.begin(), values_.end(),
                                   [&](const Measure& value) { return value.name == sort.column; });
    if (!shown) ++hidden;
  }
  const auto [start_col, end_col] =
      split_column_window(window, num_columns(), values_.size(), hidden);
  const std::vector<std::string> paths = column_paths();
  for (size_t index = start_col; index < end_col; ++index)
    frame.columns.push_back({paths[index], &tree_.cells[index]});
  return frame;
}

Frame VirtualGroupedView::read_changed(const ChangeSet&) const {
  // The database says nothing of which groups changed: every visible row is sent again.
  return read(ViewWindow{}, KeyColumns::kNone);
}

void VirtualGroupedView::collapse_below(uint32_t node) {
  std::vector<uint32_t> stack{node};
  while (!stack.empty()) {
    const uint32_t next = stack.back();
    stack.pop_back();
    if (tree_.nodes[next].children.empty()) continue;
    collapsed_.insert(tree_.nodes[next].path);
    for (const uint32_t child : tree_.nodes[next].children) stack.push_back(child);
  }
}

// With split_by, as the engine: a row past the end answers 0 and a leaf row its own index,
// both changing nothing.
Result<int64_t> VirtualGroupedView::expand(size_t row) {
  if (!split_by_.empty()) {
    if (row >= visible_.size()) return int64_t{0};
    if (tree_.nodes[visible_[row]].depth >= leaf_depth()) return static_cast<int64_t>(row);
  }
  new_groups_ = NewGroups::kCollapsed;
  if (row >= visible_.size()) return int64_t{0};
  const uint32_t node = visible_[row];
  if (tree_.nodes[node].children.empty() || !is_collapsed(node)) return int64_t{0};
  collapse_below(node);
  collapsed_.erase(tree_.nodes[node].path);
  layout_rows();
  return static_cast<int64_t>(tree_.nodes[node].children.size());
}

Result<int64_t> VirtualGroupedView::collapse(size_t row) {
  if (!split_by_.empty() && row >= visible_.size()) return int64_t{0};
  new_groups_ = NewGroups::kCollapsed;
  if (row >= visible_.size()) return int64_t{0};
  const uint32_t node = visible_[row];
  if (is_collapsed(node) || (node != 0 && tree_.nodes[node].children.empty())) return int64_t{0};
  const size_t before = visible_.size();
  collapsed_.insert(tree_.nodes[node].path);
  collapse_below(node);
  layout_rows();
  return static_cast<int64_t>(before - visible_.size());
}

Status VirtualGroupedView::set_depth(size_t depth) {
  if (depth > leaf_depth()) return Status::ok();
  new_groups_ = NewGroups::kToDepth;
  new_groups_depth_ = std::min(depth, leaf_depth() - 1) + 1;
  collapsed_.clear();
  for (const auto& node : tree_.nodes) {
    if (node.depth >= new_groups_depth_ && !node.children.empty()) collapsed_.insert(node.path);
  }
  layout_rows();
  return Status::ok();
}

Result<bool> VirtualGroupedView::rerun() {
  auto tree = query_tree();
  if (!tree.is_ok()) return error_ = tree.status();
  auto table_rows = source().num_rows();
  if (!table_rows.is_ok()) return error_ = table_rows.status();
  table_rows_ = *table_rows;
  const bool was_failing = !error_.is_ok();
  error_ = Status::ok();
  Tree before = std::move(tree_);
  tree_ = std::move(tree).value();
  // Groups that are gone and come back are new again, as in the engine.
  absl::flat_hash_set<std::string> paths;
  for (const auto& node : tree_.nodes) paths.insert(node.path);
  absl::erase_if(known_paths_, [&](const std::string& path) { return !paths.contains(path); });
  absl::erase_if(collapsed_, [&](const std::string& path) { return !paths.contains(path); });
  settle_new_groups();
  const std::vector<uint32_t> shown = visible_;
  layout_rows();
  bool changed = was_failing || before.nodes.size() != tree_.nodes.size() || shown != visible_ ||
                 before.cells.size() != tree_.cells.size();
  for (size_t i = 0; !changed && i < tree_.combos.size(); ++i)
    changed = tree_.combos[i].path != before.combos[i].path;
  for (size_t i = 0; !changed && i < tree_.nodes.size(); ++i)
    changed = tree_.nodes[i].path != before.nodes[i].path;
  for (size_t i = 0; !changed && i < tree_.cells.size(); ++i)
    changed = !same_cells(tree_.cells[i], before.cells[i]);
  return changed;
}

}  // namespace parallax
