#include "virtual/virtual_grouped_view.h"

#include <algorithm>
#include <cmath>

#include "query/aggregate_rows.h"
#include "query/filter.h"
#include "virtual/sql_compiler.h"

namespace parallax {

namespace {

bool is_descending(SortDirection direction) {
  return direction == SortDirection::kDescending || direction == SortDirection::kDescendingAbs;
}
bool is_abs(SortDirection direction) {
  return direction == SortDirection::kAscendingAbs || direction == SortDirection::kDescendingAbs;
}
bool is_row_direction(SortDirection direction) {
  return direction == SortDirection::kAscending || direction == SortDirection::kDescending ||
         is_abs(direction);
}

// Orders two cells of one column as the engine's grouped views: null first, text byte-wise,
// numbers by value (by magnitude for abs, a null counting as 0).
int compare_cells(const Column& column, uint32_t a, uint32_t b, bool abs = false) {
  const bool a_null = column.is_null(a), b_null = column.is_null(b);
  const bool numbers = column.type() != DataType::kString;
  if ((a_null || b_null) && !(abs && numbers)) return a_null == b_null ? 0 : (a_null ? -1 : 1);
  return visit_type(column.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    if constexpr (std::is_same_v<Storage, uint32_t>) {
      const int order = column.string_at(a).compare(column.string_at(b));
      return order < 0 ? -1 : order > 0 ? 1 : 0;
    } else {
      double x = a_null ? 0.0 : static_cast<double>(column.value<Storage>(a));
      double y = b_null ? 0.0 : static_cast<double>(column.value<Storage>(b));
      if (abs) x = std::fabs(x), y = std::fabs(y);
      return x < y ? -1 : x > y ? 1 : 0;
    }
  });
}

void append_from(Column& out, const Column& in, size_t row) {
  out.resize(out.size() + 1);
  out.set_from(out.size() - 1, in, row);
}

// A key cell as bytes that name it in a group's path.
void append_key(std::string& path, const Column& column, size_t row) {
  if (column.is_null(row)) {
    path += '\0';
    return;
  }
  path += '\1';
  const Scalar value = column.scalar_at(row);
  path.append(reinterpret_cast<const char*>(&value.integer), sizeof value.integer);
  path.append(reinterpret_cast<const char*>(&value.number), sizeof value.number);
  path += std::to_string(value.text.size()) + ":" + value.text;
}

}  // namespace

Result<VirtualGroupedView::Measure> VirtualGroupedView::measure(const std::string& name) const {
  const Schema& schema = source().source().schema;
  auto position = schema.find(name);
  if (!position) return Status::invalid("unknown column '{}'", name);
  const DataType type = schema.field(*position).type;
  AggregateKind kind = default_aggregate(type);
  std::string spelled = kind == AggregateKind::kSum ? "sum" : "count";
  for (const auto& choice : config_.aggregates) {
    if (choice.column != name) continue;
    PX_ASSIGN_OR_RETURN(kind, aggregate_for(choice.name, type));
    spelled = choice.name;
  }
  PX_ASSIGN_OR_RETURN(std::string sql,
                      sql_aggregate(dialect(), kind, spelled, dialect().identifier(name), type));
  const DataType result = aggregate_result_type(kind, type);
  return Measure{name, type, kind, result, dialect().select(sql, result)};
}

Result<std::unique_ptr<VirtualGroupedView>> VirtualGroupedView::create(const VirtualTable& table,
                                                                       ViewConfig config) {
  std::unique_ptr<VirtualGroupedView> view(new VirtualGroupedView(table, std::move(config)));
  const Schema& schema = table.source().schema;
  ViewConfig& cfg = view->config_;
  for (const auto& name : cfg.group_by) {
    auto position = schema.find(name);
    if (!position) return Status::invalid("group_by names unknown column '{}'", name);
    view->group_by_.push_back(*position);
  }
  for (const auto& choice : cfg.aggregates) {
    if (!schema.find(choice.column))
      return Status::invalid("aggregates name unknown column '{}'", choice.column);
  }
  if (!cfg.columns) {
    std::vector<std::string> names;
    for (const auto& field : schema.fields()) names.push_back(field.name);
    cfg.columns = std::move(names);
  }
  for (const auto& name : *cfg.columns) {
    auto value = view->measure(name);
    if (!value.is_ok()) {
      if (value.status().code() == StatusCode::kUnsupported) return value.status();
      return Status::invalid("columns: {}", value.status().message());
    }
    view->values_.push_back(std::move(*value));
  }
  for (const auto& key : cfg.sort) {
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
  std::erase_if(cfg.sort, [](const SortKey& key) {
    return key.direction == SortDirection::kColumnAscending ||
           key.direction == SortDirection::kColumnDescending ||
           key.direction == SortDirection::kColumnAscendingAbs ||
           key.direction == SortDirection::kColumnDescendingAbs;
  });
  const FilterCombinator combinator = cfg.filter_op.value_or(FilterCombinator::kAnd);
  PX_ASSIGN_OR_RETURN(view->where_, sql_where(view->dialect(), schema, cfg.filter, combinator));
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
  for (const size_t position : group_by_) tree.levels.emplace_back(schema.field(position).type);
  for (const auto& value : values_) tree.cells.emplace_back(value.result);
  for (const auto& [value, direction] : row_sort_) tree.sort_cells.emplace_back(value.result);
  absl::flat_hash_map<std::string, uint32_t> node_of_path;
  std::string keys, group_by;
  std::vector<DataType> key_types;
  for (size_t level = 0; level <= group_by_.size(); ++level) {
    if (level > 0) {
      const Field& field = schema.field(group_by_[level - 1]);
      const std::string column = dialect().identifier(field.name);
      keys += dialect().select(column, field.type) + ", ";
      group_by += std::string(level > 1 ? ", " : " GROUP BY ") + column;
      key_types.push_back(field.type);
    }
    std::string select = keys;
    std::vector<DataType> types = key_types;
    for (const auto* measures : {&values_}) {
      for (const auto& value : *measures) {
        select += value.sql + ", ";
        types.push_back(value.result);
      }
    }
    for (const auto& [value, direction] : row_sort_) {
      select += value.sql + ", ";
      types.push_back(value.result);
    }
    select += "count(*)";  // 0 only for the totals row of a filter that keeps no row
    types.push_back(DataType::kFloat);
    const size_t room = kMaxGroups - tree.nodes.size();
    PX_ASSIGN_OR_RETURN(std::vector<Column> answer,
                        run("SELECT " + select + " FROM " + source().from() + where_ + group_by +
                                " LIMIT " + std::to_string(room + 1),
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
        append_key(node.path, answer[k], row);
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
      for (auto& cells : tree.cells) append_from(cells, answer[column++], row);
      for (auto& cells : tree.sort_cells) append_from(cells, answer[column++], row);
      if (answer.back().value<double>(row) == 0) {
        // A group without rows shows what the engine's aggregates give one (zeros, nulls).
        for (size_t v = 0; v < values_.size(); ++v)
          aggregate_rows(values_[v].kind, Column(values_[v].input), nullptr, {}, tree.cells[v],
                         index);
        for (size_t k = 0; k < row_sort_.size(); ++k)
          aggregate_rows(row_sort_[k].first.kind, Column(row_sort_[k].first.input), nullptr, {},
                         tree.sort_cells[k], index);
      }
      tree.nodes.push_back(std::move(node));
    }
  }
  order_children(tree);
  return tree;
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
  for (const auto& value : values_) paths.push_back(value.name);
  return paths;
}

Result<std::pair<Scalar, Scalar>> VirtualGroupedView::min_max(const std::string& name) const {
  PX_RETURN_IF_ERROR(error_);
  std::optional<size_t> v;
  for (size_t i = 0; i < values_.size(); ++i) {
    if (values_[i].name == name) v = i;
  }
  if (!v) return Status::invalid("min_max names unknown column '{}'", name);
  const Column& column = tree_.cells[*v];
  std::optional<uint32_t> low, high;
  for (uint32_t node = 1; node < tree_.nodes.size(); ++node) {
    if (column.is_null(node)) continue;
    if (!low || compare_cells(column, node, *low) < 0) low = node;
    if (!high || compare_cells(column, node, *high) > 0) high = node;
  }
  auto scalar = [&](std::optional<uint32_t> at) {
    return at ? column.scalar_at(*at) : Scalar::null(values_[*v].result);
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

// As the engine's grouped views (GroupedView::column_window): sort entries on columns the
// view does not show count as hidden columns after the shown ones.
std::pair<size_t, size_t> VirtualGroupedView::column_window(const ViewWindow& window) const {
  const size_t columns = num_columns();
  size_t hidden = 0;
  for (const auto& sort : config_.sort) {
    const bool shown = std::any_of(values_.begin(), values_.end(),
                                   [&](const Measure& value) { return value.name == sort.column; });
    if (!shown) ++hidden;
  }
  const size_t per_combo = values_.size() + hidden;
  if (hidden == 0 || values_.empty()) {
    const size_t start = clamp_window_bound(window.start_col, 0, columns, false);
    return {start, std::max(start, clamp_window_bound(window.end_col, columns, columns, true))};
  }
  auto shown_before = [&](size_t at) {
    return std::min(columns,
                    at / per_combo * values_.size() + std::min(at % per_combo, values_.size()));
  };
  const size_t all = columns / values_.size() * per_combo;
  const size_t first = clamp_window_bound(window.start_col, 0, all, false);
  const size_t start = shown_before(first);
  size_t end = columns;
  if (window.end_col) {
    const size_t asked = clamp_window_bound(window.end_col, all, all, true);
    end = asked <= first ? start : shown_before(std::min(all, (hidden + 1) * asked + hidden));
  }
  return {start, std::max(start, end)};
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
  const auto [start_col, end_col] = column_window(window);
  for (size_t index = start_col; index < end_col; ++index)
    frame.columns.push_back({values_[index].name, &tree_.cells[index]});
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

Result<int64_t> VirtualGroupedView::expand(size_t row) {
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
  bool changed = was_failing || before.nodes.size() != tree_.nodes.size() || shown != visible_;
  for (size_t i = 0; !changed && i < tree_.nodes.size(); ++i)
    changed = tree_.nodes[i].path != before.nodes[i].path;
  for (size_t i = 0; !changed && i < tree_.cells.size(); ++i)
    changed = !same_cells(tree_.cells[i], before.cells[i]);
  return changed;
}

}  // namespace parallax
