#include "query/grouped_view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <span>
#include <tuple>

#include <absl/container/flat_hash_map.h>

#include "core/temporal.h"
#include "query/aggregate_rows.h"
#include "query/group_key.h"

namespace parallax {

namespace {

bool is_column_direction(SortDirection direction) {
  return direction == SortDirection::kColumnAscending ||
         direction == SortDirection::kColumnDescending ||
         direction == SortDirection::kColumnAscendingAbs ||
         direction == SortDirection::kColumnDescendingAbs;
}

bool is_descending(SortDirection direction) {
  return direction == SortDirection::kDescending || direction == SortDirection::kDescendingAbs ||
         direction == SortDirection::kColumnDescending ||
         direction == SortDirection::kColumnDescendingAbs;
}

bool is_abs(SortDirection direction) {
  return direction == SortDirection::kAscendingAbs || direction == SortDirection::kDescendingAbs ||
         direction == SortDirection::kColumnAscendingAbs ||
         direction == SortDirection::kColumnDescendingAbs;
}

// Orders two cells of one column: null first, strings by text, numbers by value (by
// magnitude for the abs directions, where a null counts as 0, as the reference). Negative,
// zero or positive.
int compare_cells(const Column& a_column, uint32_t a, const Column& b_column, uint32_t b,
                  bool abs = false) {
  const bool a_null = a_column.is_null(a), b_null = b_column.is_null(b);
  const bool numbers = a_column.type() != DataType::kString;
  if ((a_null || b_null) && !(abs && numbers))
    return int(b_null) - int(a_null) == 0 ? 0 : (a_null ? -1 : 1);
  return visit_type(a_column.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    if constexpr (std::is_same_v<Storage, uint32_t>) {
      const int order = a_column.string_at(a).compare(b_column.string_at(b));
      return order < 0 ? -1 : order > 0 ? 1 : 0;
    } else {
      double x = a_null ? 0.0 : static_cast<double>(a_column.value<Storage>(a));
      double y = b_null ? 0.0 : static_cast<double>(b_column.value<Storage>(b));
      if (abs) x = std::fabs(x), y = std::fabs(y);
      return x < y ? -1 : x > y ? 1 : 0;
    }
  });
}

// The reference's traversal showing new children among those it shows: `kept` stay in their
// order and each of `added`, in key order, goes after as many kept ones as have a smaller key.
// (The j-th added lands at its count of smaller kept keys plus j: later ones go after it.)
template <typename KeyLess>
std::vector<uint32_t> insert_by_key(std::vector<uint32_t> kept, std::vector<uint32_t> added,
                                    KeyLess key_less) {
  std::sort(added.begin(), added.end(), key_less);
  std::vector<uint32_t> kept_by_key = kept;
  std::sort(kept_by_key.begin(), kept_by_key.end(), key_less);
  std::vector<uint32_t> merged;
  merged.reserve(kept.size() + added.size());
  size_t next_kept = 0;
  for (const uint32_t child : added) {
    const auto smaller = std::lower_bound(kept_by_key.begin(), kept_by_key.end(), child, key_less);
    while (next_kept < static_cast<size_t>(smaller - kept_by_key.begin()))
      merged.push_back(kept[next_kept++]);
    merged.push_back(child);
  }
  merged.insert(merged.end(), kept.begin() + static_cast<std::ptrdiff_t>(next_kept), kept.end());
  return merged;
}

}  // namespace

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

Result<std::unique_ptr<GroupedView>> GroupedView::create(const Table& table, ViewConfig config) {
  std::unique_ptr<GroupedView> view(new GroupedView(table, std::move(config)));
  // Columns are named through the source: the table's and the view's expression columns.
  PX_ASSIGN_OR_RETURN(view->source_, ColumnSource::create(table, view->config_.expressions,
                                                          view->config_.expression_limits));
  const Schema& schema = view->source_->schema();
  ViewConfig& cfg = view->config_;
  for (const auto& name : cfg.group_by) {
    auto position = schema.find(name);
    if (!position) return Status::invalid("group_by names unknown column '{}'", name);
    view->group_by_.push_back(*position);
  }
  for (const auto& name : cfg.split_by) {
    auto position = schema.find(name);
    if (!position) return Status::invalid("split_by names unknown column '{}'", name);
    view->split_by_.push_back(*position);
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
    auto column = view->value_column(name);
    if (!column.is_ok()) return Status::invalid("columns: {}", column.status().message());
    view->values_.push_back(std::move(*column));
  }
  for (const auto& key : cfg.sort) {
    if (key.direction == SortDirection::kNone) continue;
    if (is_column_direction(key.direction)) {
      if (cfg.split_by.empty() || view->column_sort_) continue;
      auto found = std::find_if(view->values_.begin(), view->values_.end(),
                                [&](const ValueColumn& v) { return v.name == key.column; });
      if (found == view->values_.end())
        return Status::invalid("sort names column '{}', which the view does not show", key.column);
      view->column_sort_ = {static_cast<size_t>(found - view->values_.begin()), key.direction};
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
    view->row_sort_.emplace_back(std::move(*column), key.direction);
  }
  // The reference leaves "col ..." sorts out of the config it echoes.
  std::erase_if(cfg.sort, [](const SortKey& key) { return is_column_direction(key.direction); });
  PX_ASSIGN_OR_RETURN(
      view->filter_,
      RowFilter::compile(schema, cfg.filter, cfg.filter_op.value_or(FilterCombinator::kAnd)));
  view->filter_.echo_operands(schema, cfg.filter);
  view->table_was_empty_ = table.num_rows() == 0;
  return view;
}

void GroupedView::refresh() const {
  if (version_ == table_->version()) return;
  // Upserts of existing keys keep the natural order: checking it is one pass, sorting is not.
  if (!table_->is_natural_order(natural_)) natural_ = table_->rows_in_natural_order();
  std::vector<uint32_t> rows = natural_;
  if (!filter_.empty()) {
    const std::vector<uint8_t> keep = filter_.evaluate(*source_);
    std::erase_if(rows, [&](uint32_t row) { return !keep[row]; });
  }
  build_tree(rows);
  build_combos(rows);
  aggregate_nodes();
  for (uint32_t node = 0; node < nodes_.size(); ++node) order_children_of(node, 0);
  order_combos();
  forget_vanished_groups();
  std::vector<uint32_t> all(nodes_.size());
  std::iota(all.begin(), all.end(), 0);
  settle_new_groups(all);
  layout_rows();
  version_ = table_->version();
}

void GroupedView::table_changed(const ChangeSet& changes) {
  // A clear empties the reference's traversal: every group is new (its collapse state
  // forgotten), and so is the first change after the table was empty (the totals row
  // expanded again).
  if (changes.cleared) {
    collapsed_.clear();
    known_paths_.clear();
  }
  if (changes.cleared || table_was_empty_) collapsed_.erase(std::string());
  table_was_empty_ = table_->num_rows() == 0;
  const bool source_followed = source_->apply(changes);
  const bool was_current = version_ && *version_ + 1 == table_->version();
  const size_t nodes_before = nodes_.size();
  // For read_changed: the groups the updated and the removed rows were in.
  std::vector<uint32_t> left, gone;
  if (tracking_ && was_current) {
    auto leaf = [&](uint32_t row) {
      return row < leaf_of_row_.size() ? leaf_of_row_[row] : kNoNode;
    };
    for (const uint32_t row : changes.updated_rows) left.push_back(leaf(row));
    for (const uint32_t row : changes.removed) gone.push_back(leaf(row));
  }
  if (follow_changes_ && source_followed && follow(changes)) return;
  // follow() leaves the groups that existed with their paths and cells when it gives up.
  if (tracking_ && was_current && !marks_.tree_remembered)
    remember_tree(changes, nodes_before, left, gone);
  version_.reset();
  // Views collapsed by hand rebuild now rather than at their next read: a group that empties
  // in this change and comes back in a later one is new then.
  if (new_groups_ == NewGroups::kCollapsed) refresh();
}

void GroupedView::build_tree(const std::vector<uint32_t>& rows) const {
  nodes_.assign(1, Node{});
  nodes_[0].rows = rows;
  child_index_.clear();
  leaf_of_row_.assign(table_->num_rows(), kNoNode);
  // Each level's key, per node (null for the totals row), filled in as groups are made.
  levels_.clear();
  for (const size_t position : group_by_) {
    levels_.emplace_back(source_->column(position).type()).resize(1);
  }
  find_leaves(rows);
  fill_group_rows(rows);
  // Children in key order once, here: what needs key order later (aggregation_order, and
  // order_children_of without a row sort) then only checks it.
  if (!group_by_.empty()) {
    for (Node& node : nodes_) sort_by_key(node.children);
  }
}

void GroupedView::sort_by_key(std::vector<uint32_t>& siblings) const {
  if (siblings.size() < 2) return;
  const Column& keys = levels_[nodes_[siblings[0]].depth - 1];
  if (keys.type() != DataType::kString) {
    std::stable_sort(siblings.begin(), siblings.end(),
                     [&](uint32_t a, uint32_t b) { return compare_cells(keys, a, keys, b) < 0; });
    return;
  }
  // Siblings' keys differ, so any sort gives one order: the null key first, then by text,
  // each text looked up once rather than per comparison.
  std::vector<std::pair<std::string_view, uint32_t>> texts;
  texts.reserve(siblings.size());
  size_t out = 0;
  for (const uint32_t node : siblings) {
    if (keys.is_null(node)) {
      siblings[out++] = node;
    } else {
      texts.emplace_back(keys.string_at(node), node);
    }
  }
  std::sort(texts.begin(), texts.end());
  for (const auto& [text, node] : texts) siblings[out++] = node;
}

void GroupedView::find_leaves(const std::vector<uint32_t>& rows) const {
  const Column* codes = nullptr;
  if (group_by_.size() == 1 && source_->column(group_by_[0]).type() == DataType::kString)
    codes = &source_->column(group_by_[0]);
  if (codes == nullptr) {
    for (const uint32_t row : rows) leaf_of_row_[row] = find_or_add_leaf(row, nullptr);
    return;
  }
  // One string level: its groups are dictionary codes (nulls in the last slot), so a row
  // finds its leaf by indexing; only a row with a new key hashes its way in.
  const std::vector<uint32_t>& values = codes->values<uint32_t>();
  const uint32_t null_slot = static_cast<uint32_t>(codes->dictionary().size());
  std::vector<uint32_t> leaf_of_code(null_slot + 1, kNoNode);
  for (const uint32_t row : rows) {
    uint32_t& leaf = leaf_of_code[codes->is_valid(row) ? values[row] : null_slot];
    if (leaf == kNoNode) leaf = find_or_add_leaf(row, nullptr);
    leaf_of_row_[row] = leaf;
  }
}

void GroupedView::fill_group_rows(const std::vector<uint32_t>& rows) const {
  // Level by level from the leaves up: a counting sort of the rows by their group at that
  // level into one array (stable: each group's rows stay in natural order), copied out per
  // group. Growing tens of thousands of lists a row at a time costs more than the grouping.
  const size_t num_nodes = nodes_.size();
  std::vector<uint32_t> parents(num_nodes);
  for (size_t node = 0; node < num_nodes; ++node) parents[node] = nodes_[node].parent;
  std::vector<uint32_t> group(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) group[i] = leaf_of_row_[rows[i]];
  std::vector<uint32_t> starts(num_nodes + 1), sorted(rows.size());
  for (size_t level = leaf_depth(); level >= 1; --level) {
    std::fill(starts.begin(), starts.end(), 0);
    for (const uint32_t node : group) ++starts[node + 1];
    for (size_t node = 0; node < num_nodes; ++node) starts[node + 1] += starts[node];
    for (size_t i = 0; i < rows.size(); ++i) sorted[starts[group[i]]++] = rows[i];
    // (Each start has moved to its group's end: the group's rows end there.)
    uint32_t begin = 0;
    for (size_t node = 0; node < num_nodes; ++node) {
      const uint32_t end = starts[node];
      if (end > begin) nodes_[node].rows.assign(sorted.begin() + begin, sorted.begin() + end);
      begin = end;
    }
    if (level > 1) {
      for (uint32_t& node : group) node = parents[node];
    }
  }
}

uint32_t GroupedView::find_or_add_leaf(uint32_t row,
                                       absl::flat_hash_map<uint32_t, size_t>* new_children) const {
  uint32_t node = 0;
  const size_t depth = group_by_.empty() ? 1 : group_by_.size();
  for (size_t level = 0; level < depth; ++level) {
    ChildKey key{node, true, row};
    if (!group_by_.empty()) {
      const Column& column = source_->column(group_by_[level]);
      const bool valid = column.is_valid(row);
      key = {node, valid, valid ? group_key_bits(column, row) : 0};
    }
    auto [found, inserted] = child_index_.try_emplace(key, static_cast<uint32_t>(nodes_.size()));
    if (inserted) {
      Node child;
      child.parent = node;
      child.depth = static_cast<uint32_t>(level + 1);
      child.key_row = row;
      child.path = nodes_[node].path;
      if (!group_by_.empty()) append_group_key(child.path, source_->column(group_by_[level]), row);
      nodes_[node].children.push_back(found->second);
      if (new_children) ++(*new_children)[node];
      const uint32_t added = static_cast<uint32_t>(nodes_.size());
      nodes_.push_back(std::move(child));
      // The new group's row path: its ancestors' keys, then its own.
      for (size_t key_level = 0; key_level < levels_.size(); ++key_level) {
        Column& keys = levels_[key_level];
        keys.resize(nodes_.size());
        if (key_level < level) {
          keys.set_from(added, keys, node);
        } else if (key_level == level) {
          keys.set_from(added, source_->column(group_by_[level]), row);
        }
      }
    }
    node = found->second;
  }
  return node;
}

std::string GroupedView::combo_key(uint32_t row) const {
  std::string key;
  for (const size_t position : split_by_) append_group_key(key, source_->column(position), row);
  return key;
}

void GroupedView::build_combos(const std::vector<uint32_t>& rows) const {
  combo_rows_.clear();
  combo_index_.clear();
  combo_of_row_.assign(table_->num_rows(), 0);
  if (split_by_.empty()) {
    combo_rows_.push_back(0);
    combo_sizes_.assign(1, rows.size());
    return;
  }
  // Each row's combination. With one or two split levels, each level's (valid, key bits) gets
  // a 32-bit code and the codes pack into one integer, so a row costs integer lookups and the
  // combination's text key is made once per combination (deeper splits: once per row).
  const size_t depth = split_by_.size();
  if (depth <= 2) {
    const int shift = 32;
    std::vector<absl::flat_hash_map<std::pair<bool, int64_t>, uint64_t>> level_codes(depth);
    absl::flat_hash_map<uint64_t, uint32_t> combo_of_codes;
    for (const uint32_t row : rows) {
      uint64_t packed = 0;
      for (size_t level = 0; level < depth; ++level) {
        const Column& column = source_->column(split_by_[level]);
        const bool valid = column.is_valid(row);
        auto& codes = level_codes[level];
        const uint64_t code =
            codes.try_emplace({valid, valid ? group_key_bits(column, row) : 0}, codes.size())
                .first->second;
        packed = (packed << shift) | code;
      }
      auto [found, inserted] =
          combo_of_codes.try_emplace(packed, static_cast<uint32_t>(combo_rows_.size()));
      if (inserted) {
        combo_index_.emplace(combo_key(row), found->second);
        combo_rows_.push_back(row);
      }
      combo_of_row_[row] = found->second;
    }
  } else {
    for (const uint32_t row : rows) {
      auto [found, inserted] =
          combo_index_.try_emplace(combo_key(row), static_cast<uint32_t>(combo_rows_.size()));
      if (inserted) combo_rows_.push_back(row);
      combo_of_row_[row] = found->second;
    }
  }
  // Combinations in order of their values, level by level, null first.
  std::vector<uint32_t> order(combo_rows_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    for (const size_t position : split_by_) {
      const Column& column = source_->column(position);
      const int order = compare_cells(column, combo_rows_[a], column, combo_rows_[b]);
      if (order != 0) return order < 0;
    }
    return false;
  });
  std::vector<uint32_t> rank(order.size());
  for (uint32_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  std::vector<uint32_t> sorted_rows(order.size());
  for (uint32_t i = 0; i < order.size(); ++i) sorted_rows[i] = combo_rows_[order[i]];
  combo_rows_ = std::move(sorted_rows);
  for (auto& [key, combo] : combo_index_) combo = rank[combo];
  combo_sizes_.assign(combo_rows_.size(), 0);
  for (const uint32_t row : rows) {
    combo_of_row_[row] = rank[combo_of_row_[row]];
    ++combo_sizes_[combo_of_row_[row]];
  }
}

GroupedView::Measure GroupedView::measure(size_t index, uint32_t combo) const {
  if (index < values_.size()) {
    return {values_[index], cells_[combo][index], totals_[combo][index],
            split_by_.empty() ? std::nullopt : std::optional<uint32_t>(combo)};
  }
  const size_t key = index - values_.size();
  return {row_sort_[key].first, sort_cells_[key], sort_totals_[key], std::nullopt};
}

void GroupedView::fill(const Measure& measure, std::span<const uint32_t> rows, uint32_t node,
                       bool keep_order) const {
  const Aggregate& aggregate = measure.value.aggregate;
  const Column& input = source_->column(measure.value.position);
  const Column* argument = aggregate.argument ? &source_->column(*aggregate.argument) : nullptr;
  if (!is_retractable(aggregate.kind)) {
    if (keep_order && fill_ordered(measure, rows, node)) return;
    return aggregate_rows(aggregate.kind, input, argument, rows, measure.cells, node);
  }
  RunningTotals& totals = measure.totals[node];
  totals = RunningTotals{};
  totals.add_rows(aggregate.kind, input, argument, rows);
  totals.write(aggregate.kind, measure.cells, node, false);
}

bool GroupedView::sums_in_tree_order(const Measure& measure) const {
  if (measure.combo) return false;  // a split cell: primary-key order
  return descriptor(measure.value.aggregate.kind).tree_order;
}

int GroupedView::compare_leaves(uint32_t a, uint32_t b) const {
  for (const Column& keys : levels_) {
    if (const int order = compare_cells(keys, a, keys, b); order != 0) return order;
  }
  return 0;
}

std::span<const uint32_t> GroupedView::aggregation_order(uint32_t node,
                                                         std::vector<uint32_t>& out) const {
  // (Split-only rows hold one row each; their totals row is never sorted.)
  if (group_by_.empty() || (split_by_.empty() && nodes_[node].children.empty()))
    return nodes_[node].rows;
  out.clear();
  // The rows of each leaf below `node`, leaves in key order (depth first); with split_by,
  // each leaf's rows by split combination (in key order), as the reference's row tree goes
  // on into the split levels.
  std::vector<uint32_t> stack{node};
  std::vector<uint32_t> children;
  while (!stack.empty()) {
    const uint32_t next = stack.back();
    stack.pop_back();
    if (nodes_[next].children.empty()) {
      const size_t start = out.size();
      out.insert(out.end(), nodes_[next].rows.begin(), nodes_[next].rows.end());
      if (!split_by_.empty()) {
        std::stable_sort(out.begin() + start, out.end(), [&](uint32_t a, uint32_t b) {
          return combo_of_row_[a] < combo_of_row_[b];
        });
      }
      continue;
    }
    children = nodes_[next].children;
    const Column& keys = levels_[nodes_[next].depth];
    if (!std::is_sorted(children.begin(), children.end(), [&](uint32_t a, uint32_t b) {
          return compare_cells(keys, a, keys, b) < 0;
        })) {
      sort_by_key(children);
    }
    stack.insert(stack.end(), children.rbegin(), children.rend());
  }
  return out;
}

void GroupedView::recompute(const Measure& measure, uint32_t node,
                            std::vector<uint32_t>& scratch) const {
  const std::vector<uint32_t>& rows = nodes_[node].rows;
  if (!measure.combo) {
    if (!sums_in_tree_order(measure)) return fill(measure, rows, node, true);
    return fill(measure, aggregation_order(node, scratch), node, true);
  }
  scratch.clear();
  for (const uint32_t row : rows) {
    if (combo_of_row_[row] == *measure.combo) scratch.push_back(row);
  }
  // A group without rows in a combination is not aggregated there.
  if (scratch.empty()) {
    if (is_retractable(measure.value.aggregate.kind)) measure.totals[node] = RunningTotals{};
    return measure.cells.set_null(node);
  }
  fill(measure, scratch, node, true);
}

void GroupedView::aggregate_nodes() const {
  const size_t num_nodes = nodes_.size();
  auto new_column = [&](DataType type) {
    Column column(type);
    column.resize(num_nodes);
    return column;
  };
  auto new_totals = [&](const ValueColumn& value) {
    return std::vector<RunningTotals>(is_retractable(value.aggregate.kind) ? num_nodes : 0);
  };
  cells_.clear();
  totals_.clear();
  ordered_.clear();
  for (size_t combo = 0; combo < combo_rows_.size(); ++combo) {
    std::vector<Column> columns;
    std::vector<std::vector<RunningTotals>> totals;
    for (const auto& value : values_) {
      columns.push_back(new_column(value.result_type));
      totals.push_back(new_totals(value));
    }
    cells_.push_back(std::move(columns));
    totals_.push_back(std::move(totals));
  }
  sort_cells_.clear();
  sort_totals_.clear();
  for (const auto& [value, direction] : row_sort_) {
    sort_cells_.push_back(new_column(value.result_type));
    sort_totals_.push_back(new_totals(value));
  }
  // The totals row of an empty table has no values at all but for pct sum parent's 100 (a
  // filter that keeps no row still aggregates, to 0 for a sum).
  if (table_->num_rows() == 0) return finish_percentages();
  std::vector<uint32_t> by_combo, summing_order;
  std::vector<size_t> combo_starts;
  for (uint32_t node = 0; node < num_nodes; ++node) {
    const std::vector<uint32_t>& rows = nodes_[node].rows;
    std::optional<std::span<const uint32_t>> in_tree_order;
    auto rows_for = [&](const Measure& slot) -> std::span<const uint32_t> {
      if (!sums_in_tree_order(slot)) return rows;
      if (!in_tree_order) in_tree_order = aggregation_order(node, summing_order);
      return *in_tree_order;
    };
    for (size_t k = 0; k < row_sort_.size(); ++k) {
      const Measure slot = measure(values_.size() + k, 0);
      fill(slot, rows_for(slot), node);
    }
    if (split_by_.empty()) {
      for (size_t v = 0; v < values_.size(); ++v) {
        const Measure slot = measure(v, 0);
        fill(slot, rows_for(slot), node);
      }
      continue;
    }
    // The node's rows by split combination (stable, so each run keeps primary-key order):
    // a counting sort when there are fewer combinations than rows, a sort otherwise.
    const size_t num_combos = combo_rows_.size();
    if (num_combos <= rows.size()) {
      combo_starts.assign(num_combos + 1, 0);
      for (const uint32_t row : rows) ++combo_starts[combo_of_row_[row] + 1];
      for (size_t combo = 0; combo < num_combos; ++combo)
        combo_starts[combo + 1] += combo_starts[combo];
      by_combo.resize(rows.size());
      for (const uint32_t row : rows) by_combo[combo_starts[combo_of_row_[row]]++] = row;
    } else {
      by_combo = rows;
      std::stable_sort(by_combo.begin(), by_combo.end(),
                       [&](uint32_t a, uint32_t b) { return combo_of_row_[a] < combo_of_row_[b]; });
    }
    for (size_t start = 0; start < by_combo.size();) {
      const uint32_t combo = combo_of_row_[by_combo[start]];
      size_t end = start;
      while (end < by_combo.size() && combo_of_row_[by_combo[end]] == combo) ++end;
      const std::span<const uint32_t> run(by_combo.data() + start, end - start);
      for (size_t v = 0; v < values_.size(); ++v) fill(measure(v, combo), run, node);
      start = end;
    }
  }
  finish_percentages();
}

void GroupedView::finish_percentages() const {
  // Without split_by: each group's sum over its parent's (or the totals row's) sum. With
  // split_by, as the reference: each cell's sum over its group's sum in the parent column, the
  // columns that share the cell's split values but the last (with one split level, every
  // column) for pct sum parent; over the totals row's sum across every column for pct sum total.
  const size_t num_nodes = nodes_.size();
  std::vector<uint32_t> column_parent(cells_.size(), 0);
  size_t num_parents = 1;
  if (split_by_.size() > 1) {
    absl::flat_hash_map<std::string, uint32_t> parents;
    for (size_t combo = 0; combo < cells_.size(); ++combo) {
      std::string key;
      for (size_t level = 0; level + 1 < split_by_.size(); ++level)
        append_group_key(key, source_->column(split_by_[level]), combo_rows_[combo]);
      column_parent[combo] =
          parents.try_emplace(std::move(key), static_cast<uint32_t>(parents.size())).first->second;
    }
    num_parents = parents.size();
  }
  std::vector<double> across;  // [parent column][node] for pct sum parent, [0][node] for total
  for (size_t v = 0; v < values_.size(); ++v) {
    const AggregateKind kind = values_[v].aggregate.kind;
    if (!is_percentage(kind)) continue;
    const bool parent = descriptor(kind).percentage == Percentage::kOfParent;
    if (!split_by_.empty()) {
      across.assign(num_parents * num_nodes, 0);
      for (size_t combo = 0; combo < cells_.size(); ++combo) {
        double* sums = across.data() + (parent ? column_parent[combo] : 0) * num_nodes;
        for (uint32_t node = 0; node < num_nodes; ++node) {
          if (totals_[combo][v][node].rows > 0) sums[node] += totals_[combo][v][node].sum;
        }
      }
    }
    for (size_t combo = 0; combo < cells_.size(); ++combo) {
      const std::vector<RunningTotals>& sums = totals_[combo][v];
      Column& out = cells_[combo][v];
      for (uint32_t node = 0; node < num_nodes; ++node) {
        double denominator = 0;
        if (!split_by_.empty()) {
          if (sums[node].rows == 0) continue;  // not aggregated in this combination
          denominator = parent ? across[column_parent[combo] * num_nodes + node] : across[0];
        } else {
          denominator = sums[parent && node != 0 ? nodes_[node].parent : 0].sum;
        }
        // Over a zero sum: null, never an infinity (as the reference).
        if (denominator == 0) {
          out.set_null(node);
        } else {
          write_number(out, node, sums[node].sum / denominator * 100.0);
        }
        // The totals row is 100% of its parent without split_by, even of a zero sum, and with
        // split_by when it has no rows (as the reference).
        if (node == 0 && parent && (split_by_.empty() || sums[node].rows == 0))
          write_number(out, node, 100);
      }
    }
  }
}

std::vector<uint8_t> GroupedView::expanded_nodes(size_t count) const {
  std::vector<uint8_t> expanded(count, 0);
  for (uint32_t node = 0; node < count; ++node) {
    const bool parent_expanded = node == 0 || expanded[nodes_[node].parent];
    expanded[node] = parent_expanded && !collapsed_.contains(nodes_[node].path);
  }
  return expanded;
}

void GroupedView::order_children_of(uint32_t node, size_t kept) const {
  auto& children = nodes_[node].children;
  if (children.empty()) return;
  // By key (split-only rows: natural order), as a fresh view's tree holds them.
  auto natural = [&](uint32_t a, uint32_t b) {
    return table_->natural_less(nodes_[a].rows[0], nodes_[b].rows[0]);
  };
  const Column* keys = group_by_.empty() ? nullptr : &levels_[nodes_[children[0]].depth - 1];
  auto by_key = [&](uint32_t a, uint32_t b) {
    return keys ? compare_cells(*keys, a, *keys, b) < 0 : natural(a, b);
  };
  if (row_sort_.empty()) {
    // Without a sort the children stay in key order: only the new ones need a place.
    const auto split = children.begin() + static_cast<std::ptrdiff_t>(kept);
    if (kept > 0 && kept < children.size()) {
      children = insert_by_key({children.begin(), split}, {split, children.end()}, by_key);
    } else if (kept == 0 && !std::is_sorted(children.begin(), children.end(), by_key)) {
      std::sort(children.begin(), children.end(), by_key);
    }
    return;
  }
  // By the row sort, ties by key: the order depends on the rows only, never on the order
  // they came in (the reference's live views keep the tie order they showed before).
  std::sort(children.begin(), children.end(), [&](uint32_t a, uint32_t b) {
    for (size_t k = 0; k < row_sort_.size(); ++k) {
      const SortDirection direction = row_sort_[k].second;
      const Column& column = sort_cells_[k];
      int order = compare_cells(column, a, column, b, is_abs(direction));
      if (is_descending(direction)) order = -order;
      if (order != 0) return order < 0;
    }
    return by_key(a, b);
  });
}

std::vector<uint32_t> GroupedView::column_order() const {
  // Each combination's key, level by level, and its prefixes: the column tree's nodes.
  const size_t num_combos = combo_rows_.size(), depth = split_by_.size();
  std::vector<std::string> keys(num_combos);
  for (const auto& [key, combo] : combo_index_) keys[combo] = key;
  auto prefix = [&](uint32_t combo, size_t level) {
    return std::string_view(keys[combo]).substr(0, (level + 1) * kGroupKeySize);
  };
  // rank[combo * depth + level]: the rank of the combination's node at `level`.
  std::vector<uint32_t> rank(num_combos * depth, 0);
  // (Not a structured binding: clang 14, which builds the fuzz targets, cannot capture one.)
  const size_t v = column_sort_->first;
  const auto direction = column_sort_->second;
  for (size_t level = 0; level < depth; ++level) {
    // Combinations are in key order: a parent's combinations are contiguous, and so are
    // each child's. Runs of one parent, then the first combination of each child.
    for (uint32_t start = 0; start < num_combos;) {
      const std::string_view parent = prefix(start, level).substr(0, level * kGroupKeySize);
      std::vector<uint32_t> children;  // first combination of each, in key order
      uint32_t end = start;
      for (; end < num_combos && prefix(end, level).substr(0, parent.size()) == parent; ++end) {
        if (end == start || prefix(end, level) != prefix(end - 1, level)) children.push_back(end);
      }
      // Siblings by the column's total, ties in key order.
      const Column values = node_totals(v, level, children, end);
      std::vector<uint32_t> index(children.size());
      std::iota(index.begin(), index.end(), 0);
      std::stable_sort(index.begin(), index.end(), [&](uint32_t a, uint32_t b) {
        int order = compare_cells(values, a, values, b, is_abs(direction));
        return (is_descending(direction) ? -order : order) < 0;
      });
      std::vector<uint32_t> ordered;
      for (const uint32_t i : index) ordered.push_back(children[i]);
      for (uint32_t position = 0; position < ordered.size(); ++position) {
        const uint32_t child = ordered[position];
        for (uint32_t combo = child; combo < end && prefix(combo, level) == prefix(child, level);
             ++combo) {
          rank[combo * depth + level] = position;
        }
      }
      start = end;
    }
  }
  std::vector<uint32_t> order(num_combos);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return std::lexicographical_compare(rank.begin() + a * depth, rank.begin() + (a + 1) * depth,
                                        rank.begin() + b * depth, rank.begin() + (b + 1) * depth);
  });
  return order;
}

Column GroupedView::node_totals(size_t v, size_t level, const std::vector<uint32_t>& nodes,
                                uint32_t end) const {
  Column values(values_[v].result_type);
  values.resize(nodes.size());
  if (level + 1 == split_by_.size()) {
    // A combination: its totals row cell; for a percentage, the sum it is a percentage of (as
    // the reference, which sorts by it: a negative total turns the order of the percentages).
    for (uint32_t i = 0; i < nodes.size(); ++i) {
      const RunningTotals& sum =
          totals_[nodes[i]][v].empty() ? RunningTotals{} : totals_[nodes[i]][v][0];
      if (is_percentage(values_[v].aggregate.kind) && sum.rows > 0) {
        write_number(values, i, sum.sum);
      } else {
        values.set_from(i, cells_[nodes[i]][v], 0);
      }
    }
    return values;
  }
  // A node above the combinations: its aggregate over the rows of the combinations below it
  // (node i's run from nodes[i] to the next node's first combination).
  std::vector<uint32_t> node_of_combo(combo_rows_.size(), kNoNode);
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    const uint32_t last = i + 1 < nodes.size() ? nodes[i + 1] : end;
    for (uint32_t combo = nodes[i]; combo < last; ++combo) node_of_combo[combo] = i;
  }
  std::vector<std::vector<uint32_t>> rows(nodes.size());
  for (const uint32_t row : nodes_[0].rows) {
    const uint32_t node = node_of_combo[combo_of_row_[row]];
    if (node != kNoNode) rows[node].push_back(row);
  }
  std::vector<RunningTotals> totals(nodes.size());
  const Measure slot{values_[v], values, totals, std::nullopt};
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    // In the reference's column tree the node's rows come leaf by leaf (combinations in key
    // order), which decides "any", "last", "max by" ... as for the row tree.
    if (sums_in_tree_order(slot)) {
      std::stable_sort(rows[i].begin(), rows[i].end(),
                       [&](uint32_t a, uint32_t b) { return combo_of_row_[a] < combo_of_row_[b]; });
    }
    fill(slot, rows[i], i);
  }
  return values;
}

void GroupedView::order_combos() const {
  combo_paths_.clear();
  // "col asc/desc": split columns as the reference's column traversal shows them.
  if (column_sort_) {
    const std::vector<uint32_t> order = column_order();
    std::vector<uint32_t> rank(order.size());
    for (uint32_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
    auto permute = [&](auto& items) {
      std::remove_reference_t<decltype(items)> sorted;
      for (const uint32_t i : order) sorted.push_back(std::move(items[i]));
      items = std::move(sorted);
    };
    permute(cells_);
    permute(totals_);
    permute(combo_rows_);
    permute(combo_sizes_);
    for (auto& [key, combo] : combo_index_) combo = rank[combo];
    // (Rows in no combination hold 0, which means nothing; with no combination at all,
    // there is nothing to renumber.)
    if (!rank.empty()) {
      for (uint32_t& combo : combo_of_row_) combo = rank[combo];
    }
  }
  for (const uint32_t row : combo_rows_) {
    std::string path;
    for (const size_t position : split_by_) {
      path += value_text(source_->column(position), row);
      path += '|';
    }
    combo_paths_.push_back(std::move(path));
  }
}

void GroupedView::forget_vanished_groups() const {
  absl::flat_hash_set<std::string_view> paths;
  for (const Node& node : nodes_) {
    if (!node.children.empty()) paths.insert(node.path);
  }
  const auto vanished = [&](const std::string& path) {
    return !path.empty() && !paths.contains(path);
  };
  absl::erase_if(known_paths_, vanished);
  absl::erase_if(collapsed_, vanished);
}

void GroupedView::settle_new_groups(std::span<const uint32_t> nodes) const {
  for (const uint32_t node : nodes) {
    const Node& group = nodes_[node];
    // The totals row is never new: only collapse, expand, set_depth and a fresh start move it.
    if (node == 0 || group.children.empty() || !known_paths_.insert(group.path).second) continue;
    if (new_groups_ == NewGroups::kCollapsed ||
        (new_groups_ == NewGroups::kToDepth && group.depth >= new_groups_depth_)) {
      collapsed_.insert(group.path);
    }
  }
}

void GroupedView::layout_rows() const {
  visible_.clear();
  // Depth-first, skipping the children of collapsed groups; no totals row without group_by.
  std::vector<uint32_t> stack{0};
  while (!stack.empty()) {
    const uint32_t node = stack.back();
    stack.pop_back();
    if (node != 0 || !group_by_.empty()) visible_.push_back(node);
    if (is_collapsed(node)) continue;
    const auto& children = nodes_[node].children;
    for (auto child = children.rbegin(); child != children.rend(); ++child) stack.push_back(*child);
  }
}

size_t GroupedView::num_rows() const {
  refresh();
  return visible_.size();
}

size_t GroupedView::num_columns() const {
  refresh();
  return cells_.size() * values_.size();
}

std::vector<Field> GroupedView::schema() const {
  std::vector<Field> fields;
  // A split view without any split column (no rows pass) lists no columns unless it sorts
  // rows, as the reference.
  refresh();
  if (!split_by_.empty() && combo_rows_.empty() && row_sort_.empty()) return fields;
  auto add = [&](const ValueColumn& value) {
    for (const auto& field : fields) {
      if (field.name == value.name) return;
    }
    const DataType input = source_->schema().field(value.position).type;
    fields.push_back({value.name, aggregate_schema_type(value.aggregate.kind, input)});
  };
  for (const auto& value : values_) add(value);
  // The reference's schema also lists the hidden columns that rows are sorted by.
  for (const auto& [value, direction] : row_sort_) add(value);
  return fields;
}

std::pair<size_t, size_t> GroupedView::column_at(size_t index) const {
  return {index / values_.size(), index % values_.size()};
}

std::vector<std::string> GroupedView::column_paths() const {
  refresh();
  std::vector<std::string> paths;
  for (size_t index = 0; index < num_columns(); ++index) {
    const auto [combo, v] = column_at(index);
    paths.push_back(combo_paths_[combo] + values_[v].name);
  }
  return paths;
}

Result<std::pair<Scalar, Scalar>> GroupedView::min_max(const std::string& name) const {
  refresh();
  std::optional<size_t> v;
  for (size_t i = 0; i < values_.size(); ++i) {
    if (values_[i].name == name) v = i;
  }
  if (!v) return Status::invalid("min_max names unknown column '{}'", name);
  // Over every group below the totals row, in every split combination.
  std::optional<std::pair<size_t, uint32_t>> low, high;
  for (size_t combo = 0; combo < cells_.size(); ++combo) {
    const Column& column = cells_[combo][*v];
    for (uint32_t node = 1; node < nodes_.size(); ++node) {
      if (nodes_[node].gone || column.is_null(node)) continue;
      if (!low || compare_cells(column, node, cells_[low->first][*v], low->second) < 0)
        low = {{combo, node}};
      if (!high || compare_cells(column, node, cells_[high->first][*v], high->second) > 0)
        high = {{combo, node}};
    }
  }
  const DataType type = values_[*v].result_type;
  auto scalar = [&](const auto& at) {
    return at ? cells_[at->first][*v].scalar_at(at->second) : Scalar::null(type);
  };
  return std::make_pair(scalar(low), scalar(high));
}

bool GroupedView::is_inverted(const ViewWindow& window) const {
  refresh();
  const double start = window.start_row ? std::floor(*window.start_row) : 0;
  return start > static_cast<double>(
                     clamp_window_bound(window.end_row, visible_.size(), visible_.size(), true));
}

Status GroupedView::check_window(const ViewWindow& window) const {
  if (window.index) return Status::unsupported("the index option of grouped views");
  return Status::ok();
}

std::pair<size_t, size_t> GroupedView::column_window(const ViewWindow& window) const {
  const size_t columns = num_columns();
  // Sort entries on columns the view does not show: the reference adds a hidden column for
  // each after the shown ones of every split combination (or of the single group without
  // split_by), and counts a window's columns among all of them, its end as (H + 1) * end + H
  // (probed: cases/grouped_hidden_sort_window.jsonl). Such a window shows more columns than
  // it asks for.
  size_t hidden = 0;
  for (const auto& sort : config_.sort) {
    const bool shown = std::any_of(values_.begin(), values_.end(), [&](const ValueColumn& value) {
      return value.name == sort.column;
    });
    if (!shown) ++hidden;
  }
  const size_t per_combo = values_.size() + hidden;
  if (hidden == 0 || values_.empty()) {
    const size_t start = clamp_window_bound(window.start_col, 0, columns, false);
    return {start, std::max(start, clamp_window_bound(window.end_col, columns, columns, true))};
  }
  // The shown columns before position `at` of the reference's columns.
  auto shown_before = [&](size_t at) {
    return std::min(columns,
                    at / per_combo * values_.size() + std::min(at % per_combo, values_.size()));
  };
  const size_t all = columns / values_.size() * per_combo;
  const size_t first = clamp_window_bound(window.start_col, 0, all, false);
  const size_t start = shown_before(first);
  size_t end = columns;
  if (window.end_col) {
    // (The bound is stretched before it is compared with the start: start_col 2, end_col 2
    // shows the columns from 2 to 5 with one hidden column.)
    const size_t asked = clamp_window_bound(window.end_col, all, all, true);
    const size_t bound = std::min(all, (hidden + 1) * asked + hidden);
    end = bound <= first ? start : shown_before(bound);
  }
  return {start, std::max(start, end)};
}

Frame GroupedView::read(const ViewWindow& window, KeyColumns keys) const {
  refresh();
  // The row window counts every visible row; leaves_only then keeps the deepest ones of it
  // (as the reference, whose "__ID__" still lists the whole window: see below). Only the
  // JSON reads honour leaves_only there: CSV and Arrow (read without key columns) show all.
  const bool leaves_only = window.leaves_only && keys != KeyColumns::kNone;
  const size_t start_row = clamp_window_bound(window.start_row, 0, visible_.size(), false);
  const size_t end_row = std::max(
      start_row, clamp_window_bound(window.end_row, visible_.size(), visible_.size(), true));
  const std::span<const uint32_t> window_rows(visible_.data() + start_row, end_row - start_row);
  const auto [start_col, end_col] = column_window(window);
  Frame frame;
  frame.rows.assign(window_rows.begin(), window_rows.end());
  if (leaves_only) {
    const uint32_t leaf_depth = static_cast<uint32_t>(std::max<size_t>(group_by_.size(), 1));
    std::erase_if(frame.rows, [&](uint32_t node) { return nodes_[node].depth != leaf_depth; });
  }
  if (!group_by_.empty()) {
    FrameRowPath path;
    for (size_t level = 0; level < group_by_.size(); ++level) {
      path.levels.push_back(
          {config_.group_by[level] + " (Group by " + std::to_string(level + 1) + ")",
           &levels_[level]});
    }
    for (const uint32_t node : frame.rows)
      path.depths.push_back(static_cast<uint8_t>(nodes_[node].depth));
    path.with_id = window.id && keys != KeyColumns::kNone;
    if (path.with_id && leaves_only) {
      // The reference's "__ID__" lists the window's rows as if leaves_only were not set.
      path.id_rows.emplace();
      for (const uint32_t node : window_rows)
        path.id_rows->emplace_back(node, static_cast<uint8_t>(nodes_[node].depth));
    }
    frame.row_path = std::move(path);
  }
  // Split-only rows are table rows: "__ID__" holds each one's primary key, ahead of the data
  // columns in to_columns too (where the reference puts it). Not the reference's values:
  // docs/differences.md, "__ID__ of split-only views".
  if (group_by_.empty() && window.id && keys != KeyColumns::kNone) {
    std::vector<uint32_t> key_rows;
    for (const uint32_t node : frame.rows) key_rows.push_back(nodes_[node].key_row);
    frame.columns.push_back(
        {"__ID__", &frame.own(primary_keys(*table_, frame.rows, key_rows, nodes_.size())), true});
  }
  const std::vector<std::string> paths = column_paths();
  for (size_t index = start_col; index < end_col; ++index) {
    const auto [combo, v] = column_at(index);
    frame.columns.push_back({paths[index], &cells_[combo][v]});
  }
  return frame;
}

std::optional<uint32_t> GroupedView::node_at_row(size_t row) const {
  if (!group_by_.empty()) {
    if (row >= visible_.size()) return std::nullopt;
    return visible_[row];
  }
  if (row == 0) return 0u;
  if (row - 1 >= visible_.size()) return std::nullopt;
  return visible_[row - 1];
}

void GroupedView::collapse_below(uint32_t node) const {
  std::vector<uint32_t> stack{node};
  while (!stack.empty()) {
    const uint32_t next = stack.back();
    stack.pop_back();
    if (nodes_[next].children.empty()) continue;
    collapsed_.insert(nodes_[next].path);
    for (const uint32_t child : nodes_[next].children) stack.push_back(child);
  }
}

// As the reference: expand answers how many child groups it showed (0 for a row already
// expanded, or a leaf). With split_by, a row past the end answers 0 and a leaf row answers
// its own index, both leaving the tree as it was; otherwise any expand or collapse makes
// groups that appear later start collapsed.
Result<int64_t> GroupedView::expand(size_t row) {
  refresh();
  const std::optional<uint32_t> node = node_at_row(row);
  if (!split_by_.empty()) {
    if (!node) return int64_t{0};
    if (nodes_[*node].depth >= leaf_depth()) return static_cast<int64_t>(row);
  }
  new_groups_ = NewGroups::kCollapsed;
  if (!node || nodes_[*node].children.empty() || !is_collapsed(*node)) return int64_t{0};
  // The children show collapsed, whatever they were before their parent was collapsed.
  collapse_below(*node);
  collapsed_.erase(nodes_[*node].path);
  // The reference orders the children of a group it expands afresh.
  order_children_of(*node, 0);
  layout_rows();
  return static_cast<int64_t>(nodes_[*node].children.size());
}

// Answers how many rows it hid; with split_by, a row past the end changes nothing.
Result<int64_t> GroupedView::collapse(size_t row) {
  refresh();
  const std::optional<uint32_t> node = node_at_row(row);
  if (!split_by_.empty() && !node) return int64_t{0};
  new_groups_ = NewGroups::kCollapsed;
  // (The totals row collapses even without groups: those that arrive later stay hidden.)
  if (!node || is_collapsed(*node) || (*node != 0 && nodes_[*node].children.empty())) {
    return int64_t{0};
  }
  const size_t before = visible_.size();
  // Collapsing a group collapses its descendants too: expanding it shows one level.
  collapsed_.insert(nodes_[*node].path);
  collapse_below(*node);
  layout_rows();
  return static_cast<int64_t>(before - visible_.size());
}

// As the reference: groups at depth `depth` and above are expanded (the totals row at 0),
// deeper ones collapsed, now and after each change; a depth past the group_by levels
// changes nothing.
Status GroupedView::set_depth(size_t depth) {
  refresh();
  if (depth > leaf_depth()) return Status::ok();
  new_groups_ = NewGroups::kToDepth;
  new_groups_depth_ = std::min(depth, leaf_depth() - 1) + 1;
  const std::vector<uint8_t> was_expanded = expanded_nodes(nodes_.size());
  collapsed_.clear();
  for (const auto& node : nodes_) {
    if (node.depth >= new_groups_depth_ && !node.children.empty()) collapsed_.insert(node.path);
  }
  // Groups this expands have their children ordered afresh, as expand.
  const std::vector<uint8_t> expanded = expanded_nodes(nodes_.size());
  for (uint32_t node = 0; node < nodes_.size(); ++node) {
    if (expanded[node] && !was_expanded[node]) order_children_of(node, 0);
  }
  layout_rows();
  return Status::ok();
}

}  // namespace parallax
