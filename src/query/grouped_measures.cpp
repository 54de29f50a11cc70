#include "query/grouped_measures.h"

#include <algorithm>

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
    return aggregate_rows(aggregate.kind, input, argument, rows, measure.cells, node);
  }
  RunningTotals& totals = measure.totals[node];
  totals = RunningTotals{};
  totals.add_rows(aggregate.kind, input, argument, rows);
  totals.write(aggregate.kind, measure.cells, node, false);
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
    std::stable_sort(children.begin(), children.end(),
                     [&](uint32_t a, uint32_t b) { return compare_cells(keys, a, keys, b) < 0; });
    stack.insert(stack.end(), children.rbegin(), children.rend());
  }
  return out;
}

std::vector<uint32_t> GroupedMeasures::leaves_in_tree_order(
    std::vector<std::pair<uint32_t, uint32_t>>& below) const {
  const GroupTree& tree = *tree_;
  std::vector<uint32_t> leaves;
  below.assign(tree.size(), {0, 0});
  // Depth first, children in key order (aggregation_order's walk); each node's leaves end up
  // between its position when entered and when left.
  std::vector<std::pair<uint32_t, bool>> stack{{0, false}};  // (node, left)
  std::vector<uint32_t> children;
  while (!stack.empty()) {
    const auto [next, leaving] = stack.back();
    stack.pop_back();
    const uint32_t at = static_cast<uint32_t>(leaves.size());
    if (leaving) {
      below[next].second = at;
      continue;
    }
    below[next].first = at;
    if (tree.node(next).children.empty()) {
      leaves.push_back(next);
      below[next].second = at + 1;
      continue;
    }
    stack.push_back({next, true});
    children = tree.node(next).children;
    const Column& keys = tree.levels()[tree.node(next).depth];
    std::stable_sort(children.begin(), children.end(),
                     [&](uint32_t a, uint32_t b) { return compare_cells(keys, a, keys, b) < 0; });
    for (auto child = children.rbegin(); child != children.rend(); ++child)
      stack.push_back({*child, false});
  }
  return leaves;
}

void GroupedMeasures::fill_retractable(const Measure& slot, std::span<const uint32_t> leaves,
                                       std::span<const std::pair<uint32_t, uint32_t>> below) {
  const GroupTree& tree = *tree_;
  const Aggregate& aggregate = slot.value.aggregate;
  const AggregateKind kind = aggregate.kind;
  const Column& input = source_->column(slot.value.position);
  const Column* argument = aggregate.argument ? &source_->column(*aggregate.argument) : nullptr;
  // The leaves in one pass over the rows in natural order (each leaf's rows are those rows,
  // in that order), reading the cells in table order rather than group by group.
  RunningTotals::add_rows_by_group(kind, input, argument, tree.node(0).rows, tree.leaf_of_rows(),
                                   slot.totals);
  const bool tree_order = sums_in_tree_order(slot);
  for (uint32_t node = 0; node < tree.size(); ++node) {
    const GroupTree::Node& group = tree.node(node);
    RunningTotals& totals = slot.totals[node];
    if (!group.children.empty()) {
      // Above the leaves: their rows leaf by leaf in tree order (fill's aggregation_order,
      // without copying it), or in natural order.
      totals = RunningTotals{};
      if (tree_order) {
        for (uint32_t i = below[node].first; i < below[node].second; ++i)
          totals.add_rows(kind, input, argument, tree.node(leaves[i]).rows);
      } else {
        totals.add_rows(kind, input, argument, group.rows);
      }
    }
    totals.write(kind, slot.cells, node, false);
  }
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

void GroupedMeasures::aggregate_all() {
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
    std::vector<uint32_t> leaves;
    std::vector<std::pair<uint32_t, uint32_t>> leaves_below;
    for (size_t m = 0; m < num_measures(); ++m) {
      const Measure slot = measure(m, 0);
      if (!is_retractable(slot.value.aggregate.kind)) continue;
      if (leaves.empty()) leaves = leaves_in_tree_order(leaves_below);
      fill_retractable(slot, leaves, leaves_below);
      filled[m] = 1;
    }
  }
  std::vector<uint32_t> by_combo, summing_order;
  std::vector<size_t> combo_starts;
  for (uint32_t node = 0; node < num_nodes; ++node) {
    const std::vector<uint32_t>& rows = tree_->node(node).rows;
    std::optional<std::span<const uint32_t>> in_tree_order;
    auto rows_for = [&](const Measure& slot) -> std::span<const uint32_t> {
      if (!sums_in_tree_order(slot)) return rows;
      if (!in_tree_order) in_tree_order = aggregation_order(node, summing_order);
      return *in_tree_order;
    };
    for (size_t k = 0; k < row_sort_.size(); ++k) {
      if (filled[values_.size() + k]) continue;
      const Measure slot = measure(values_.size() + k, 0);
      fill(slot, rows_for(slot), node);
    }
    if (splits_->empty_split()) {
      for (size_t v = 0; v < values_.size(); ++v) {
        if (filled[v]) continue;
        const Measure slot = measure(v, 0);
        fill(slot, rows_for(slot), node);
      }
      continue;
    }
    // The node's rows by split combination (stable, so each run keeps primary-key order):
    // a counting sort when there are fewer combinations than rows, a sort otherwise.
    const size_t num_combos = splits_->size();
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
      for (size_t v = 0; v < values_.size(); ++v) fill(measure(v, combo), run, node);
      start = end;
    }
  }
  finish_percentages();
}

void GroupedMeasures::finish_percentages() {
  // Without split_by: each group's sum over its parent's (or the totals row's) sum. With
  // split_by, as the reference: each cell's sum over its group's sum in the parent column, the
  // columns that share the cell's split values but the last (with one split level, every
  // column) for pct sum parent; over the totals row's sum across every column for pct sum total.
  const size_t num_nodes = tree_->size();
  const bool split = !splits_->empty_split();
  size_t num_parents = 1;
  const std::vector<uint32_t> column_parent = splits_->parent_columns(num_parents);
  std::vector<double> across;  // [parent column][node] for pct sum parent, [0][node] for total
  for (size_t v = 0; v < values_.size(); ++v) {
    const AggregateKind kind = values_[v].aggregate.kind;
    if (!is_percentage(kind)) continue;
    const bool parent = descriptor(kind).percentage == Percentage::kOfParent;
    if (split) {
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
        if (split) {
          if (sums[node].rows == 0) continue;  // not aggregated in this combination
          denominator = parent ? across[column_parent[combo] * num_nodes + node] : across[0];
        } else {
          denominator = sums[parent && node != 0 ? tree_->node(node).parent : 0].sum;
        }
        // Over a zero sum: null, never an infinity (as the reference).
        if (denominator == 0) {
          out.set_null(node);
        } else {
          write_number(out, node, sums[node].sum / denominator * 100.0);
        }
        // The totals row is 100% of its parent without split_by, even of a zero sum, and with
        // split_by when it has no rows (as the reference).
        if (node == 0 && parent && (!split || sums[node].rows == 0)) write_number(out, node, 100);
      }
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
        write_number(values, i, sum.sum);
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
      sums.append<double>(totals[node].sum);
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
