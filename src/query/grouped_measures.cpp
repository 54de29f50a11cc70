#include "query/grouped_measures.h"

#include <algorithm>
#include <numeric>

#include "query/aggregate_rows.h"
#include "query/group_key.h"

namespace parallax {

GroupedMeasures::Measure GroupedMeasures::measure(size_t index, uint32_t combo) {
  if (index < values_.size()) {
    return {values_[index],
            cells_[combo][index],
            totals_[combo][index],
            splits_->empty_split() ? std::nullopt : std::optional<uint32_t>(combo),
            static_cast<uint32_t>(index),
            combo};
  }
  const size_t key = index - values_.size();
  return {row_sort_[key].first,
          sort_cells_[key],
          sort_totals_[key],
          std::nullopt,
          static_cast<uint32_t>(index),
          0};
}

void GroupedMeasures::fill(const Measure& measure, std::span<const uint32_t> rows, uint32_t node,
                           bool keep_order) {
  const Aggregate& aggregate = measure.value.aggregate;
  const Column& input = source_->column(measure.value.position);
  const Column* argument = aggregate.argument ? &source_->column(*aggregate.argument) : nullptr;
  if (!is_retractable(aggregate.kind)) {
    if (keep_order && fill_ordered(measure, rows, node)) return;
    aggregate_rows(aggregate.kind, input, argument, rows, measure.cells, node);
    // (A join recomputed makes a text of its own: see keep_texts_in_use.)
    if (aggregate.kind == AggregateKind::kJoin) keep_texts_in_use(measure.cells);
    return;
  }
  RunningTotals& totals = measure.totals[node];
  totals = RunningTotals{};
  totals.add_rows(aggregate.kind, input, argument, rows);
  totals.write(aggregate.kind, measure.cells, node, false);
  written(aggregate.kind, totals, node);
}

bool GroupedMeasures::readds_small_groups(AggregateKind kind) {
  const Retraction form = descriptor(kind).retraction;
  return form == Retraction::kNone || form == Retraction::kVariance ||
         form == Retraction::kDeviation;
}

void GroupedMeasures::written(AggregateKind kind, RunningTotals& totals, uint32_t node) const {
  // Var and stddev in a group of up to kReaddBelow rows are recomputed from its rows whenever
  // a change touches it, never retracted: their exact sums (a few hundred bytes) need not
  // outlive the cell (a view of 50,000 customers would keep 50,000 of them).
  if (readds_small_groups(kind) && tree_->node(node).rows.size() <= kReaddBelow)
    totals.spread = SpreadSums{};
}

bool GroupedMeasures::sums_in_tree_order(const Measure& measure) {
  if (measure.combo) return false;  // a split cell: primary-key order
  return descriptor(measure.value.aggregate.kind).tree_order;
}

std::span<const uint32_t> GroupedMeasures::aggregation_order(uint32_t node,
                                                             std::vector<uint32_t>& out) const {
  const GroupTree& tree = *tree_;
  const bool split = !splits_->empty_split();
  // (Split-only rows hold one row each; their totals row is never sorted.)
  if (tree.levels().empty() || (!split && tree.node(node).children.empty()))
    return tree.node(node).rows;
  out.clear();
  // The rows of each leaf below `node`, leaves in key order (depth first); with split_by,
  // each leaf's rows by split combination (in key order), as the reference's row tree goes
  // on into the split levels.
  std::vector<uint32_t> stack{node};
  std::vector<uint32_t> children;
  while (!stack.empty()) {
    const uint32_t next = stack.back();
    stack.pop_back();
    if (tree.node(next).children.empty()) {
      const size_t start = out.size();
      out.insert(out.end(), tree.node(next).rows.begin(), tree.node(next).rows.end());
      if (split) {
        std::stable_sort(out.begin() + start, out.end(),
                         [&](uint32_t a, uint32_t b) { return splits_->of(a) < splits_->of(b); });
      }
      continue;
    }
    children = tree.node(next).children;
    const Column& keys = tree.levels()[tree.node(next).depth];
    auto by_key = [&](uint32_t a, uint32_t b) { return compare_cells(keys, a, keys, b) < 0; };
    // (A build leaves string keys sorted; the tree says when nothing reordered them since.)
    if (!tree.children_in_key_order() && !std::is_sorted(children.begin(), children.end(), by_key))
      std::stable_sort(children.begin(), children.end(), by_key);
    stack.insert(stack.end(), children.rbegin(), children.rend());
  }
  return out;
}

namespace {

// Rows a task takes at least: below this, handing work to another thread costs more than it
// saves.
constexpr size_t kMinRowsPerTask = 1 << 14;

// The nodes in tasks for `pool`: ranges [first, last) of about `target` rows, a big node
// alone; biggest first, so that the last tasks to run are small.
std::vector<std::pair<uint32_t, uint32_t>> node_tasks(const GroupTree& tree, const TaskPool* pool) {
  size_t total = 0;
  for (uint32_t node = 0; node < tree.size(); ++node) total += tree.node(node).rows.size();
  const size_t target = std::max(kMinRowsPerTask, total / (8 * (pool ? pool->threads() : 1)));
  std::vector<std::pair<uint32_t, uint32_t>> tasks;
  std::vector<size_t> sizes;
  size_t size = 0;
  uint32_t first = 0;
  for (uint32_t node = 0; node < tree.size(); ++node) {
    size += tree.node(node).rows.size() + 1;
    if (size >= target || node + 1 == tree.size()) {
      tasks.emplace_back(first, node + 1);
      sizes.push_back(size);
      first = node + 1;
      size = 0;
    }
  }
  std::vector<size_t> order(tasks.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return sizes[a] > sizes[b]; });
  std::vector<std::pair<uint32_t, uint32_t>> sorted;
  for (const size_t i : order) sorted.push_back(tasks[i]);
  return sorted;
}

}  // namespace

void GroupedMeasures::fill_retractable(std::span<const size_t> indices, TaskPool* pool) {
  const GroupTree& tree = *tree_;
  const std::span<const uint32_t> all = tree.node(0).rows;
  // Sums are exact (query/exact_sum.h): a group's are its children's added up, whatever order
  // its rows come in. So each measure adds every row once, to its leaf, in one pass over the
  // rows in natural order, then each group's totals into its parent's, children before parents
  // (numbered after them). Var and stddev's exact sums are not added up that way: each group
  // above the leaves adds its rows, a task each.
  struct Task {
    size_t measure;  // in `indices`
    uint32_t node;   // kNoNode: the leaves (and, for sums, every group above them)
    size_t rows;
  };
  std::vector<Task> tasks;
  for (size_t i = 0; i < indices.size(); ++i) {
    tasks.push_back({i, GroupTree::kNoNode, all.size()});
    if (RunningTotals::adds_totals(measure(indices[i], 0).value.aggregate.kind)) continue;
    for (uint32_t node = 0; node < tree.size(); ++node) {
      if (!tree.node(node).children.empty())
        tasks.push_back({i, node, tree.node(node).rows.size() + (node == 0 ? 1 : 0)});
    }
  }
  // Biggest first, so that the last tasks to run are small.
  std::stable_sort(tasks.begin(), tasks.end(),
                   [](const Task& a, const Task& b) { return a.rows > b.rows; });
  TaskPool::run_on(pool, tasks.size(), [&](size_t t) {
    const Task& task = tasks[t];
    const Measure slot = measure(indices[task.measure], 0);
    const Aggregate& aggregate = slot.value.aggregate;
    const AggregateKind kind = aggregate.kind;
    const Column& input = source_->column(slot.value.position);
    const Column* argument = aggregate.argument ? &source_->column(*aggregate.argument) : nullptr;
    if (task.node != GroupTree::kNoNode) {
      RunningTotals& totals = slot.totals[task.node];
      totals = RunningTotals{};
      totals.add_rows(kind, input, argument, tree.node(task.node).rows);
      return;
    }
    RunningTotals::add_rows_by_group(kind, input, argument, all, tree.leaf_of_rows(), slot.totals);
    if (!RunningTotals::adds_totals(kind)) return;
    for (uint32_t node = static_cast<uint32_t>(tree.size()); node-- > 1;) {
      if (!tree.node(node).gone) slot.totals[tree.node(node).parent].add_totals(slot.totals[node]);
    }
  });
  // The cells, a column per task.
  TaskPool::run_on(pool, indices.size(), [&](size_t i) {
    const Measure slot = measure(indices[i], 0);
    for (uint32_t node = 0; node < tree.size(); ++node) {
      slot.totals[node].write(slot.value.aggregate.kind, slot.cells, node, false);
      written(slot.value.aggregate.kind, slot.totals[node], node);
    }
  });
}

bool GroupedMeasures::fill_split_levels(TaskPool* pool) {
  const GroupTree& tree = *tree_;
  const std::span<const uint32_t> all = tree.node(0).rows;
  const size_t num_combos = splits_->size();
  std::vector<size_t> indices;
  for (size_t v = 0; v < values_.size(); ++v) {
    if (is_retractable(values_[v].aggregate.kind)) indices.push_back(v);
  }
  // (Split-only rows are a group each; and the cells of every combination at every node are
  // written, so not when there are far more of them than rows.)
  if (indices.empty() || tree.levels().empty() ||
      num_combos * tree.size() > 4 * all.size() + (size_t{1} << 16))
    return false;
  // Each cell of a node in a combination adds the node's rows in that combination: one pass
  // over the rows per level of the tree, each row added to its group's cell there, instead of
  // sorting every group's rows by combination. Sums are exact, so only the leaves' level is
  // passed over for them; each group's cells are then its children's added up (below). Var
  // and stddev pass over every level.
  const size_t depth = tree.leaf_depth();
  auto passes = [&](size_t v, size_t level) {
    return level == depth || !RunningTotals::adds_totals(values_[v].aggregate.kind);
  };
  std::vector<std::vector<uint32_t>> at_level(depth + 1);
  std::vector<uint32_t> index_in_level(tree.size());
  for (uint32_t node = 0; node < tree.size(); ++node) {
    auto& level = at_level[tree.node(node).depth];
    index_in_level[node] = static_cast<uint32_t>(level.size());
    level.push_back(node);
  }
  const std::vector<uint32_t>& leaf_of = tree.leaf_of_rows();
  TaskPool::run_on(pool, depth + 1, [&](size_t level) {
    if (std::none_of(indices.begin(), indices.end(), [&](size_t v) { return passes(v, level); }))
      return;
    const std::vector<uint32_t>& nodes = at_level[level];
    const size_t width = nodes.size();
    // Each node's group at this level (parents are numbered before their children).
    std::vector<uint32_t> up(tree.size());
    for (uint32_t node = 0; node < tree.size(); ++node)
      up[node] = tree.node(node).depth <= level ? node : up[tree.node(node).parent];
    std::vector<uint32_t> cell_of(leaf_of.size(), 0);  // by table row
    for (const uint32_t row : all)
      cell_of[row] =
          static_cast<uint32_t>(splits_->of(row) * width + index_in_level[up[leaf_of[row]]]);
    std::vector<RunningTotals> cells;
    for (const size_t v : indices) {
      if (!passes(v, level)) continue;
      const Aggregate& aggregate = values_[v].aggregate;
      cells.assign(num_combos * width, RunningTotals{});
      RunningTotals::add_rows_by_group(
          aggregate.kind, source_->column(values_[v].position),
          aggregate.argument ? &source_->column(*aggregate.argument) : nullptr, all, cell_of,
          cells);
      for (size_t combo = 0; combo < num_combos; ++combo) {
        std::vector<RunningTotals>& totals = totals_[combo][v];
        for (size_t i = 0; i < width; ++i) totals[nodes[i]] = std::move(cells[combo * width + i]);
      }
    }
  });
  // The groups above the leaves, a (value, combination) per task: children are numbered after
  // their parents.
  std::vector<std::pair<size_t, uint32_t>> added_up;
  for (const size_t v : indices) {
    if (!passes(v, 0)) {
      for (uint32_t combo = 0; combo < num_combos; ++combo) added_up.emplace_back(v, combo);
    }
  }
  TaskPool::run_on(pool, added_up.size(), [&](size_t i) {
    std::vector<RunningTotals>& totals = totals_[added_up[i].second][added_up[i].first];
    for (uint32_t node = static_cast<uint32_t>(tree.size()); node-- > 1;)
      totals[tree.node(node).parent].add_totals(totals[node]);
  });
  // The cells, a column per task; a node without rows in a combination is not aggregated
  // there (stays null), as in write_totals.
  std::vector<std::pair<size_t, uint32_t>> columns;
  for (const size_t v : indices) {
    for (uint32_t combo = 0; combo < num_combos; ++combo) columns.emplace_back(v, combo);
  }
  TaskPool::run_on(pool, columns.size(), [&](size_t i) {
    const Measure slot = measure(columns[i].first, columns[i].second);
    for (uint32_t node = 0; node < tree.size(); ++node) {
      if (slot.totals[node].rows == 0) continue;
      slot.totals[node].write(slot.value.aggregate.kind, slot.cells, node, false);
    }
  });
  return true;
}

void GroupedMeasures::recompute(const Measure& measure, uint32_t node,
                                std::vector<uint32_t>& scratch, bool keep_order) {
  const std::vector<uint32_t>& rows = tree_->node(node).rows;
  if (!measure.combo) {
    if (!sums_in_tree_order(measure)) return fill(measure, rows, node, keep_order);
    return fill(measure, aggregation_order(node, scratch), node, keep_order);
  }
  scratch.clear();
  for (const uint32_t row : rows) {
    if (splits_->of(row) == *measure.combo) scratch.push_back(row);
  }
  // A group without rows in a combination is not aggregated there.
  if (scratch.empty()) {
    if (is_retractable(measure.value.aggregate.kind)) measure.totals[node] = RunningTotals{};
    return measure.cells.set_null(node);
  }
  fill(measure, scratch, node, keep_order);
}

size_t GroupedMeasures::texts_held() const {
  size_t texts = 0;
  for (const auto& columns : cells_) {
    for (const Column& column : columns) texts += column.dictionary().size();
  }
  for (const Column& column : sort_cells_) texts += column.dictionary().size();
  return texts;
}

void GroupedMeasures::aggregate_all(TaskPool* pool) {
  const size_t num_nodes = tree_->size();
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
  for (size_t combo = 0; combo < splits_->size(); ++combo) {
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
  // Without split_by, the retractable measures of every node at once (fill_retractable).
  std::vector<uint8_t> filled(num_measures(), 0);
  if (splits_->empty_split() && !tree_->levels().empty()) {
    std::vector<size_t> retractable;
    for (size_t m = 0; m < num_measures(); ++m) {
      if (is_retractable(measure(m, 0).value.aggregate.kind)) retractable.push_back(m);
    }
    if (!retractable.empty()) {
      fill_retractable(retractable, pool);
      for (const size_t m : retractable) filled[m] = 1;
    }
  }
  // With split_by, the value columns' retractable measures a level at a time.
  if (!splits_->empty_split() && fill_split_levels(pool)) {
    for (size_t v = 0; v < values_.size(); ++v) {
      if (is_retractable(values_[v].aggregate.kind)) filled[v] = 1;
    }
  }
  // The others node by node. When every one left keeps running totals, nodes spread over the
  // pool: each node's totals in its task, then the cells a column per task (cells share the
  // words of their validity bitmaps). Other aggregates' kernels write cells (and intern
  // strings) as they go: one thread.
  bool totals_only = true, any = false;
  for (size_t m = 0; m < num_measures(); ++m) {
    if (filled[m]) continue;
    any = true;
    const ValueColumn& value =
        m < values_.size() ? values_[m] : row_sort_[m - values_.size()].first;
    if (!is_retractable(value.aggregate.kind)) totals_only = false;
  }
  if (!any) return finish_percentages();
  if (!totals_only || pool == nullptr) {
    NodeScratch scratch;
    for (uint32_t node = 0; node < num_nodes; ++node) aggregate_node(node, filled, false, scratch);
    return finish_percentages();
  }
  const std::vector<std::pair<uint32_t, uint32_t>> tasks = node_tasks(*tree_, pool);
  pool->run(tasks.size(), [&](size_t t) {
    NodeScratch scratch;
    for (uint32_t node = tasks[t].first; node < tasks[t].second; ++node)
      aggregate_node(node, filled, true, scratch);
  });
  write_totals(filled, pool);
  finish_percentages();
}

void GroupedMeasures::aggregate_node(uint32_t node, const std::vector<uint8_t>& filled,
                                     bool totals_only, NodeScratch& scratch) {
  const std::vector<uint32_t>& rows = tree_->node(node).rows;
  auto aggregate = [&](const Measure& slot, std::span<const uint32_t> list) {
    if (!totals_only) return fill(slot, list, node);
    const Aggregate& kind = slot.value.aggregate;
    RunningTotals& totals = slot.totals[node];
    totals = RunningTotals{};
    totals.add_rows(kind.kind, source_->column(slot.value.position),
                    kind.argument ? &source_->column(*kind.argument) : nullptr, list);
  };
  std::optional<std::span<const uint32_t>> in_tree_order;
  auto rows_for = [&](const Measure& slot) -> std::span<const uint32_t> {
    if (!sums_in_tree_order(slot)) return rows;
    if (!in_tree_order) in_tree_order = aggregation_order(node, scratch.summing_order);
    return *in_tree_order;
  };
  for (size_t k = 0; k < row_sort_.size(); ++k) {
    if (filled[values_.size() + k]) continue;
    const Measure slot = measure(values_.size() + k, 0);
    aggregate(slot, rows_for(slot));
  }
  if (splits_->empty_split()) {
    for (size_t v = 0; v < values_.size(); ++v) {
      if (filled[v]) continue;
      const Measure slot = measure(v, 0);
      aggregate(slot, rows_for(slot));
    }
    return;
  }
  if (std::all_of(filled.begin(), filled.begin() + values_.size(), [](uint8_t f) { return f; }))
    return;
  // The node's rows by split combination (stable, so each run keeps primary-key order):
  // a counting sort when there are fewer combinations than rows, a sort otherwise.
  const size_t num_combos = splits_->size();
  std::vector<uint32_t>& by_combo = scratch.by_combo;
  std::vector<size_t>& combo_starts = scratch.combo_starts;
  if (num_combos <= rows.size()) {
    combo_starts.assign(num_combos + 1, 0);
    for (const uint32_t row : rows) ++combo_starts[splits_->of(row) + 1];
    for (size_t combo = 0; combo < num_combos; ++combo)
      combo_starts[combo + 1] += combo_starts[combo];
    by_combo.resize(rows.size());
    for (const uint32_t row : rows) by_combo[combo_starts[splits_->of(row)]++] = row;
  } else {
    by_combo = rows;
    std::stable_sort(by_combo.begin(), by_combo.end(),
                     [&](uint32_t a, uint32_t b) { return splits_->of(a) < splits_->of(b); });
  }
  for (size_t start = 0; start < by_combo.size();) {
    const uint32_t combo = splits_->of(by_combo[start]);
    size_t end = start;
    while (end < by_combo.size() && splits_->of(by_combo[end]) == combo) ++end;
    const std::span<const uint32_t> run(by_combo.data() + start, end - start);
    for (size_t v = 0; v < values_.size(); ++v) {
      if (!filled[v]) aggregate(measure(v, combo), run);
    }
    start = end;
  }
}

void GroupedMeasures::write_totals(const std::vector<uint8_t>& filled, TaskPool* pool) {
  // A column per task: (measure, combination) pairs not filled yet.
  std::vector<std::pair<size_t, uint32_t>> columns;
  for (size_t m = 0; m < num_measures(); ++m) {
    if (filled[m]) continue;
    const size_t combos = m < values_.size() ? splits_->size() : 1;
    for (uint32_t combo = 0; combo < combos; ++combo) columns.emplace_back(m, combo);
  }
  const bool split = !splits_->empty_split();
  TaskPool::run_on(pool, columns.size(), [&](size_t i) {
    const Measure slot = measure(columns[i].first, columns[i].second);
    for (uint32_t node = 0; node < tree_->size(); ++node) {
      // A split cell without rows in its combination is not aggregated (stays null).
      if (slot.combo && split && slot.totals[node].rows == 0) continue;
      slot.totals[node].write(slot.value.aggregate.kind, slot.cells, node, false);
      written(slot.value.aggregate.kind, slot.totals[node], node);
    }
  });
}

void GroupedMeasures::finish_percentages() {
  std::vector<uint32_t> all(tree_->size());
  std::iota(all.begin(), all.end(), 0u);
  std::vector<Column*> out(cells_.size());
  for (size_t v = 0; v < values_.size(); ++v) {
    if (!is_percentage(values_[v].aggregate.kind)) continue;
    for (size_t combo = 0; combo < cells_.size(); ++combo) out[combo] = &cells_[combo][v];
    write_percentages(v, all, out);
  }
  percentages_stale_ = false;
}

void GroupedMeasures::percentages_moved() {
  percentages_stale_ = std::any_of(values_.begin(), values_.end(), [](const ValueColumn& value) {
    return is_percentage(value.aggregate.kind);
  });
}

std::vector<Column> GroupedMeasures::percentages(size_t v, std::span<const uint32_t> nodes) const {
  // Copies of the cells, so that every cell not written below reads as it would after
  // finish_percentages (which leaves those cells too).
  std::vector<Column> fresh;
  std::vector<Column*> out;
  fresh.reserve(cells_.size());
  for (size_t combo = 0; combo < cells_.size(); ++combo) fresh.push_back(cells_[combo][v]);
  for (Column& column : fresh) out.push_back(&column);
  write_percentages(v, nodes, out);
  return fresh;
}

void GroupedMeasures::write_percentages(size_t v, std::span<const uint32_t> nodes,
                                        std::span<Column* const> out) const {
  // Without split_by: each group's sum over its parent's (or the totals row's) sum. With
  // split_by, as the reference: each cell's sum over its group's sum in the parent column, the
  // columns that share the cell's split values but the last (with one split level, every
  // column) for pct sum parent; over the totals row's sum across every column for pct sum total.
  // (Sums across columns are added in combination order whichever nodes are written, so a
  // window's cells are the bits the whole view's are.)
  const bool split = !splits_->empty_split();
  const bool parent = descriptor(values_[v].aggregate.kind).percentage == Percentage::kOfParent;
  const size_t num_combos = cells_.size();
  size_t num_parents = 1;
  std::vector<uint32_t> column_parent;
  // (Exact, rounded once: a sum of sums.)
  std::vector<ExactSum> across;  // pct sum parent: [parent column][i], for node nodes[i]
  ExactSum grand_sum;            // pct sum total: the totals row's sum across every column
  if (split) {
    if (parent) {
      column_parent = splits_->parent_columns(num_parents);
      across.assign(num_parents * nodes.size(), ExactSum{});
      for (size_t combo = 0; combo < num_combos; ++combo) {
        const std::vector<RunningTotals>& sums = totals_[combo][v];
        ExactSum* to = across.data() + column_parent[combo] * nodes.size();
        for (size_t i = 0; i < nodes.size(); ++i) {
          if (sums[nodes[i]].rows > 0) to[i].add(sums[nodes[i]].sum);
        }
      }
    } else {
      for (size_t combo = 0; combo < num_combos; ++combo) {
        if (totals_[combo][v][0].rows > 0) grand_sum.add(totals_[combo][v][0].sum);
      }
    }
  }
  const double grand = grand_sum.value();
  for (size_t combo = 0; combo < num_combos; ++combo) {
    const std::vector<RunningTotals>& sums = totals_[combo][v];
    Column& cells = *out[combo];
    for (size_t i = 0; i < nodes.size(); ++i) {
      const uint32_t node = nodes[i];
      double denominator = 0;
      if (split) {
        if (sums[node].rows == 0) continue;  // not aggregated in this combination
        denominator = parent ? across[column_parent[combo] * nodes.size() + i].value() : grand;
      } else {
        denominator = sums[parent && node != 0 ? tree_->node(node).parent : 0].sum.value();
      }
      // Over a zero sum: null, never an infinity (as the reference).
      if (denominator == 0) {
        cells.set_null(node);
      } else {
        write_number(cells, node, sums[node].sum.value() / denominator * 100.0);
      }
      // The totals row is 100% of its parent without split_by, even of a zero sum, and with
      // split_by when it has no rows (as the reference).
      if (node == 0 && parent && (!split || sums[node].rows == 0)) write_number(cells, node, 100);
    }
  }
}

Column GroupedMeasures::node_totals(size_t v, size_t level, const std::vector<uint32_t>& nodes,
                                    uint32_t end) const {
  Column values(values_[v].result_type);
  values.resize(nodes.size());
  if (level + 1 == splits_->depth()) {
    // A combination: its totals row cell; for a percentage, the sum it is a percentage of (as
    // the reference, which sorts by it: a negative total turns the order of the percentages).
    for (uint32_t i = 0; i < nodes.size(); ++i) {
      const RunningTotals& sum =
          totals_[nodes[i]][v].empty() ? RunningTotals{} : totals_[nodes[i]][v][0];
      if (is_percentage(values_[v].aggregate.kind) && sum.rows > 0) {
        write_number(values, i, sum.sum.value());
      } else {
        values.set_from(i, cells_[nodes[i]][v], 0);
      }
    }
    return values;
  }
  // A node above the combinations: its aggregate over the rows of the combinations below it
  // (node i's run from nodes[i] to the next node's first combination).
  std::vector<uint32_t> node_of_combo(splits_->size(), GroupTree::kNoNode);
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    const uint32_t last = i + 1 < nodes.size() ? nodes[i + 1] : end;
    for (uint32_t combo = nodes[i]; combo < last; ++combo) node_of_combo[combo] = i;
  }
  std::vector<std::vector<uint32_t>> rows(nodes.size());
  for (const uint32_t row : tree_->node(0).rows) {
    const uint32_t node = node_of_combo[splits_->of(row)];
    if (node != GroupTree::kNoNode) rows[node].push_back(row);
  }
  std::vector<RunningTotals> totals(nodes.size());
  const Measure slot{values_[v], values, totals, std::nullopt};
  const Column& input = source_->column(values_[v].position);
  const Aggregate& aggregate = values_[v].aggregate;
  const Column* argument = aggregate.argument ? &source_->column(*aggregate.argument) : nullptr;
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    // In the reference's column tree the node's rows come leaf by leaf (combinations in key
    // order), which decides "any", "last", "max by" ... as for the row tree.
    if (sums_in_tree_order(slot)) {
      std::stable_sort(rows[i].begin(), rows[i].end(),
                       [&](uint32_t a, uint32_t b) { return splits_->of(a) < splits_->of(b); });
    }
    // (As fill, never keeping ordered rows: these cells are not kept.)
    if (!is_retractable(aggregate.kind)) {
      aggregate_rows(aggregate.kind, input, argument, rows[i], values, i);
      continue;
    }
    totals[i].add_rows(aggregate.kind, input, argument, rows[i]);
    totals[i].write(aggregate.kind, values, i, false);
  }
  return values;
}

void GroupedMeasures::add_node_columns() {
  const size_t size = tree_->size();
  for (size_t combo = 0; combo < cells_.size(); ++combo) {
    for (size_t v = 0; v < values_.size(); ++v) {
      cells_[combo][v].resize(size);
      if (!totals_[combo][v].empty()) totals_[combo][v].resize(size);
    }
  }
  for (size_t k = 0; k < row_sort_.size(); ++k) {
    sort_cells_[k].resize(size);
    if (!sort_totals_[k].empty()) sort_totals_[k].resize(size);
  }
}

void GroupedMeasures::permute_combos(std::span<const uint32_t> order) {
  auto permute = [&](auto& items) {
    std::remove_reference_t<decltype(items)> sorted;
    for (const uint32_t i : order) sorted.push_back(std::move(items[i]));
    items = std::move(sorted);
  };
  permute(cells_);
  permute(totals_);
  // Ordered rows are kept by combination number: a "col" sort (the only permutation) never
  // follows changes, so none are kept past the next rebuild; renumber them all the same.
  std::vector<uint32_t> rank(order.size());
  for (uint32_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  decltype(ordered_) renumbered;
  for (auto& [key, rows] : ordered_) {
    auto [index, combo, node] = key;
    if (index < values_.size()) combo = rank[combo];
    renumbered.emplace(OrderedKey{index, combo, node}, std::move(rows));
  }
  ordered_ = std::move(renumbered);
}

void GroupedMeasures::compact_combos(std::span<const uint32_t> renumbered) {
  uint32_t kept = 0;
  for (const uint32_t now : renumbered) kept += now != SplitColumns::kDropped;
  if (kept == renumbered.size()) return;
  auto compact = [&](auto& items) {
    for (uint32_t combo = 0; combo < renumbered.size(); ++combo) {
      if (renumbered[combo] != SplitColumns::kDropped && renumbered[combo] != combo)
        items[renumbered[combo]] = std::move(items[combo]);
    }
    items.resize(kept);
  };
  compact(cells_);
  compact(totals_);
  // Ordered rows of dropped combinations go with them; the others follow their number.
  decltype(ordered_) moved;
  for (auto& [key, rows] : ordered_) {
    auto [index, combo, node] = key;
    if (index < values_.size()) {
      if (renumbered[combo] == SplitColumns::kDropped) continue;
      combo = renumbered[combo];
    }
    moved.emplace(OrderedKey{index, combo, node}, std::move(rows));
  }
  ordered_ = std::move(moved);
}

void GroupedMeasures::forget_node(uint32_t node) {
  absl::erase_if(ordered_, [&](const auto& entry) { return std::get<2>(entry.first) == node; });
}

Column GroupedMeasures::compared_cells(size_t combo, size_t v,
                                       std::span<const uint32_t> nodes) const {
  // A percentage moves whenever its denominator does; the reference sends a group when the
  // sum it stores changed, so that is what is compared.
  if (!is_percentage(values_[v].aggregate.kind)) return cells_[combo][v].gathered(nodes);
  Column sums(DataType::kFloat);
  const std::vector<RunningTotals>& totals = totals_[combo][v];
  for (const uint32_t node : nodes) {
    if (node < totals.size() && totals[node].rows > 0) {
      sums.append<double>(totals[node].sum.value());
    } else {
      sums.append_null();
    }
  }
  return sums;
}

Status GroupedMeasures::check() const {
  const size_t num_nodes = tree_->size(), num_combos = splits_->size();
  if (cells_.size() != num_combos || totals_.size() != num_combos)
    return Status::internal("measures: cells of {} and totals of {} combinations, {} made",
                            cells_.size(), totals_.size(), num_combos);
  for (size_t combo = 0; combo < num_combos; ++combo) {
    if (cells_[combo].size() != values_.size() || totals_[combo].size() != values_.size())
      return Status::internal("measures: combination {} holds {} of {} values", combo,
                              cells_[combo].size(), values_.size());
    for (size_t v = 0; v < values_.size(); ++v) {
      const size_t totals = totals_[combo][v].size();
      if (cells_[combo][v].size() != num_nodes || (totals != 0 && totals != num_nodes))
        return Status::internal(
            "measures: value {} of combination {}: {} cells, {} totals, {} "
            "nodes",
            v, combo, cells_[combo][v].size(), totals, num_nodes);
    }
  }
  if (sort_cells_.size() != row_sort_.size() || sort_totals_.size() != row_sort_.size())
    return Status::internal("measures: {} sort cells for {} sort keys", sort_cells_.size(),
                            row_sort_.size());
  for (size_t k = 0; k < row_sort_.size(); ++k) {
    const size_t totals = sort_totals_[k].size();
    if (sort_cells_[k].size() != num_nodes || (totals != 0 && totals != num_nodes))
      return Status::internal("measures: sort key {}: {} cells, {} totals, {} nodes", k,
                              sort_cells_[k].size(), totals, num_nodes);
  }
  for (const auto& [key, rows] : ordered_) {
    const auto [index, combo, node] = key;
    if (index >= num_measures() || combo >= num_combos || node >= num_nodes ||
        tree_->node(node).gone)
      return Status::internal("measures: ordered rows of measure {}, combination {}, node {}",
                              index, combo, node);
  }
  return Status::ok();
}

}  // namespace parallax
