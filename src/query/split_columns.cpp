#include "query/split_columns.h"

#include <algorithm>
#include <numeric>
#include <string_view>
#include <utility>

#include "query/group_key.h"
#include "query/traversal_order.h"

namespace parallax {

std::string SplitColumns::key(uint32_t row) const {
  std::string key;
  for (const size_t position : split_by_) append_group_key(key, source_->column(position), row);
  return key;
}

std::optional<uint32_t> SplitColumns::find(uint32_t row) const {
  if (split_by_.empty()) return 0u;
  auto found = index_.find(key(row));
  if (found == index_.end()) return std::nullopt;
  return found->second;
}

std::vector<std::string> SplitColumns::keys() const {
  std::vector<std::string> keys(rows_.size());
  for (const auto& [key, combo] : index_) keys[combo] = key;
  return keys;
}

void SplitColumns::build(std::span<const uint32_t> rows, size_t table_rows) {
  rows_.clear();
  index_.clear();
  of_row_.clear();
  if (split_by_.empty()) {
    rows_.push_back(0);
    sizes_.assign(1, rows.size());
    return;
  }
  of_row_.assign(table_rows, 0);
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
          combo_of_codes.try_emplace(packed, static_cast<uint32_t>(rows_.size()));
      if (inserted) {
        index_.emplace(key(row), found->second);
        rows_.push_back(row);
      }
      of_row_[row] = found->second;
    }
  } else {
    for (const uint32_t row : rows) {
      auto [found, inserted] = index_.try_emplace(key(row), static_cast<uint32_t>(rows_.size()));
      if (inserted) rows_.push_back(row);
      of_row_[row] = found->second;
    }
  }
  // Combinations in order of their values, level by level, null first.
  std::vector<uint32_t> order(rows_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    for (const size_t position : split_by_) {
      const Column& column = source_->column(position);
      const int order = compare_cells(column, rows_[a], column, rows_[b]);
      if (order != 0) return order < 0;
    }
    return false;
  });
  std::vector<uint32_t> rank(order.size());
  for (uint32_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  std::vector<uint32_t> sorted_rows(order.size());
  for (uint32_t i = 0; i < order.size(); ++i) sorted_rows[i] = rows_[order[i]];
  rows_ = std::move(sorted_rows);
  for (auto& [key, combo] : index_) combo = rank[combo];
  sizes_.assign(rows_.size(), 0);
  for (const uint32_t row : rows) {
    of_row_[row] = rank[of_row_[row]];
    ++sizes_[of_row_[row]];
  }
}

void SplitColumns::permute(std::span<const uint32_t> order) {
  std::vector<uint32_t> rank(order.size());
  for (uint32_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  auto permute = [&](auto& items) {
    std::remove_reference_t<decltype(items)> sorted;
    for (const uint32_t i : order) sorted.push_back(std::move(items[i]));
    items = std::move(sorted);
  };
  permute(rows_);
  permute(sizes_);
  for (auto& [key, combo] : index_) combo = rank[combo];
  // (Rows in no combination hold 0, which means nothing; with no combination at all,
  // there is nothing to renumber.)
  if (!rank.empty()) {
    for (uint32_t& combo : of_row_) combo = rank[combo];
  }
}

void SplitColumns::make_paths() {
  paths_.clear();
  for (const uint32_t row : rows_) {
    std::string path;
    for (const size_t position : split_by_) {
      path += value_text(source_->column(position), row);
      path += '|';
    }
    paths_.push_back(std::move(path));
  }
}

void SplitColumns::rename_after_removal(const absl::flat_hash_map<uint32_t, uint32_t>& moved_to,
                                        const std::function<bool(uint32_t)>& removed,
                                        std::span<const uint32_t> all_rows) {
  // Each split combination is named by one of its rows.
  for (uint32_t combo = 0; combo < rows_.size(); ++combo) {
    uint32_t& row = rows_[combo];
    if (auto found = moved_to.find(row); found != moved_to.end()) {
      row = found->second;
    } else if (removed(row) && sizes_[combo] > 0) {
      // (Rare: the first row of a column went; any other of its rows names it.)
      for (const uint32_t other : all_rows) {
        if (of(other) == combo) {
          row = other;
          break;
        }
      }
    }
  }
}

std::vector<uint32_t> SplitColumns::drop_emptied() {
  std::vector<uint32_t> renumbered(sizes_.size(), kDropped);
  if (split_by_.empty()) {
    for (uint32_t combo = 0; combo < renumbered.size(); ++combo) renumbered[combo] = combo;
    return renumbered;
  }
  uint32_t kept = 0;
  for (uint32_t combo = 0; combo < sizes_.size(); ++combo) {
    if (sizes_[combo] > 0) renumbered[combo] = kept++;
  }
  if (kept == sizes_.size()) return renumbered;
  auto compact = [&](auto& items) {
    for (uint32_t combo = 0; combo < renumbered.size(); ++combo) {
      if (renumbered[combo] != kDropped && renumbered[combo] != combo)
        items[renumbered[combo]] = std::move(items[combo]);
    }
    items.resize(kept);
  };
  compact(rows_);
  compact(sizes_);
  compact(paths_);
  absl::erase_if(index_, [&](const auto& entry) { return renumbered[entry.second] == kDropped; });
  for (auto& [key, combo] : index_) combo = renumbered[combo];
  // (Rows in no combination hold 0, which stays.)
  for (uint32_t& combo : of_row_) {
    if (renumbered[combo] != kDropped) combo = renumbered[combo];
  }
  return renumbered;
}

std::vector<uint32_t> SplitColumns::parent_columns(size_t& count) const {
  std::vector<uint32_t> parent(rows_.size(), 0);
  count = 1;
  if (split_by_.size() <= 1) return parent;
  absl::flat_hash_map<std::string, uint32_t> parents;
  for (size_t combo = 0; combo < rows_.size(); ++combo) {
    std::string key;
    for (size_t level = 0; level + 1 < split_by_.size(); ++level)
      append_group_key(key, source_->column(split_by_[level]), rows_[combo]);
    parent[combo] =
        parents.try_emplace(std::move(key), static_cast<uint32_t>(parents.size())).first->second;
  }
  count = parents.size();
  return parent;
}

std::vector<uint32_t> SplitColumns::column_order(SortDirection direction,
                                                 const SiblingTotals& totals) const {
  // Each combination's key, level by level, and its prefixes: the column tree's nodes.
  const size_t num_combos = rows_.size(), depth = split_by_.size();
  const std::vector<std::string> keys = this->keys();
  auto prefix = [&](uint32_t combo, size_t level) {
    return std::string_view(keys[combo]).substr(0, (level + 1) * kGroupKeySize);
  };
  // rank[combo * depth + level]: the rank of the combination's node at `level`.
  std::vector<uint32_t> rank(num_combos * depth, 0);
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
      const Column values = totals(level, children, end);
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

Status SplitColumns::check(size_t table_rows, size_t rows_in_view) const {
  const size_t count = rows_.size();
  if (sizes_.size() != count || paths_.size() != count ||
      (!split_by_.empty() && index_.size() != count))
    return Status::internal("split columns: {} rows, {} sizes, {} keys, {} paths", count,
                            sizes_.size(), index_.size(), paths_.size());
  if (of_row_.size() != (split_by_.empty() ? 0 : table_rows))
    return Status::internal("split columns: combinations of {} rows, the table has {}",
                            of_row_.size(), table_rows);
  size_t in_combos = 0;
  for (const size_t size : sizes_) in_combos += size;
  if (in_combos != rows_in_view)
    return Status::internal("split columns: {} rows in combinations, {} in the view", in_combos,
                            rows_in_view);
  for (const auto& [key, combo] : index_) {
    if (combo >= count) return Status::internal("split columns: a key names combination {}", combo);
  }
  return Status::ok();
}

}  // namespace parallax
