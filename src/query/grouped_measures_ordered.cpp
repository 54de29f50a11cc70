// Big groups' non-retractable aggregates (median, distinct count, min, first, ...): each
// keeps its rows ordered for the aggregate (query/ordered_rows.h), so a change moves its
// rows by binary search, and the group's cell is read off the order, instead of being
// recomputed over every row of the group (for the totals row, the whole table).
#include <functional>
#include <memory>

#include "query/grouped_measures.h"

namespace parallax {

bool GroupedMeasures::fill_ordered(const Measure& measure, std::span<const uint32_t> rows,
                                   uint32_t node) {
  const Aggregate& aggregate = measure.value.aggregate;
  const OrderedKey key{measure.index, measure.slot, node};
  if (!keep_ordered_ || !OrderedRows::supports(aggregate.kind) ||
      tree_->node(node).rows.size() <= kReaddBelow || rows.empty()) {
    ordered_.erase(key);
    return false;
  }
  const Column& input = source_->column(measure.value.position);
  const Column* argument = aggregate.argument ? &source_->column(*aggregate.argument) : nullptr;
  auto kept = std::make_unique<OrderedRows>();
  if (!kept->build(aggregate.kind, input, argument, rows, tree_->leaf_of_rows())) {
    ordered_.erase(key);
    return false;
  }
  kept->write(input, argument, measure.cells, node);
  ordered_[key] = std::move(kept);
  return true;
}

void GroupedMeasures::move_ordered(const Measure& measure, uint32_t node, uint32_t leaf,
                                   uint32_t row, const Column& input, const Column* argument,
                                   uint32_t position, bool adding) {
  auto found = ordered_.find(OrderedKey{measure.index, measure.slot, node});
  if (found == ordered_.end()) return;
  // Rows that tie go in the order recompute walks them: the tree's, for the aggregates that
  // add up in that order (see aggregation_order).
  const std::function<int(uint32_t, uint32_t)> leaves = [this](uint32_t a, uint32_t b) {
    return tree_->compare_leaves(a, b);
  };
  const OrderedRows::Order order{table_, sums_in_tree_order(measure) ? &leaves : nullptr};
  const Column& current = source_->column(measure.value.position);
  OrderedRows& kept = *found->second;
  const bool moved = adding ? kept.insert(input, argument, current, position, row, leaf, order)
                            : kept.erase(input, argument, current, position, row, leaf, order);
  if (!moved) ordered_.erase(found);  // recomputed (and kept afresh) when settled
}

bool GroupedMeasures::settle_ordered(const Measure& measure, uint32_t node) {
  auto found = ordered_.find(OrderedKey{measure.index, measure.slot, node});
  if (found == ordered_.end()) return false;
  if (tree_->node(node).rows.size() <= kReaddBelow) {
    ordered_.erase(found);
    return false;
  }
  // A group without rows in the measure's combination is not aggregated there (as recompute).
  if (found->second->size() == 0) {
    measure.cells.set_null(node);
    return true;
  }
  const Aggregate& aggregate = measure.value.aggregate;
  const Column* argument = aggregate.argument ? &source_->column(*aggregate.argument) : nullptr;
  found->second->write(source_->column(measure.value.position), argument, measure.cells, node);
  return true;
}

}  // namespace parallax
