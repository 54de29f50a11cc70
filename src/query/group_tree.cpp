#include "query/group_tree.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <type_traits>

#include "query/group_key.h"

namespace parallax {

void GroupTree::build(std::span<const uint32_t> rows, TaskPool* pool) {
  build(std::vector<uint32_t>(rows.begin(), rows.end()), pool);
}

// (Nodes move when nodes_ grows: the totals row's rows, read below as `rows`, stay put.)
static_assert(std::is_nothrow_move_constructible_v<GroupTree::Node>);

void GroupTree::build(std::vector<uint32_t>&& all, TaskPool* pool) {
  children_in_key_order_ = false;
  nodes_.assign(1, Node{});
  nodes_[0].rows = std::move(all);
  const std::span<const uint32_t> rows = nodes_[0].rows;
  child_index_.clear();
  leaf_of_row_.assign(table_->num_rows(), kNoNode);
  // Each level's key, per node (null for the totals row), filled in as groups are made.
  levels_.clear();
  for (const size_t position : group_by_) {
    levels_.emplace_back(source_->column(position).type()).resize(1);
  }
  LeafCounts leaves = find_leaves(rows, pool);
  fill_group_rows(rows, pool, leaves);
  sort_string_children();
  // (Other keys' children stay in the order their groups were made.)
  children_in_key_order_ =
      !levels_.empty() && std::all_of(levels_.begin(), levels_.end(), [](const Column& keys) {
        return keys.type() == DataType::kString;
      });
}

namespace {

// Rows a task takes at least: below this, handing work to another thread costs more than it
// saves.
constexpr size_t kMinRowsPerTask = 1 << 15;

}  // namespace

GroupTree::LeafCounts GroupTree::find_leaves(std::span<const uint32_t> rows, TaskPool* pool) {
  LeafCounts out;
  if (find_leaves_by_codes(rows, pool, out)) return out;
  for (const uint32_t row : rows) leaf_of_row_[row] = find_or_add_leaf(row, nullptr);
  // (Each piece counts per node: not more pieces than the counts are worth.)
  const size_t num_nodes = nodes_.size();
  out.pieces = std::min(TaskPool::pieces(pool, rows.size(), kMinRowsPerTask),
                        std::max<size_t>(1, rows.size() / num_nodes / 4));
  out.counts.assign(out.pieces * num_nodes, 0);
  TaskPool::run_on(pool, out.pieces, [&](size_t piece) {
    const size_t first = rows.size() * piece / out.pieces;
    const size_t last = rows.size() * (piece + 1) / out.pieces;
    uint32_t* count = out.counts.data() + piece * num_nodes;
    for (size_t i = first; i < last; ++i) ++count[leaf_of_row_[rows[i]]];
  });
  return out;
}

bool GroupTree::find_leaves_by_codes(std::span<const uint32_t> rows, TaskPool* pool,
                                     LeafCounts& out) {
  if (group_by_.empty()) return false;
  // Each level's codes (nulls after the dictionary's), in mixed radix: one number per path.
  struct Level {
    const uint32_t* codes;
    const ValidityBitmap* validity;
    uint32_t null_code;
    uint64_t stride;
  };
  std::vector<Level> levels;
  uint64_t combinations = 1;
  // (Bounded so that a table of leaves by combination costs at most a few words a row.)
  const uint64_t most = std::max<uint64_t>(uint64_t{1} << 16, 2 * uint64_t{rows.size()});
  for (auto position = group_by_.rbegin(); position != group_by_.rend(); ++position) {
    const Column& column = source_->column(*position);
    if (column.type() != DataType::kString) return false;
    const uint32_t null_code = static_cast<uint32_t>(column.dictionary().size());
    levels.push_back(
        {column.values<uint32_t>().data(), &column.validity(), null_code, combinations});
    combinations *= uint64_t{null_code} + 1;
    if (combinations > most) return false;
  }
  auto combination = [&](uint32_t row) {
    uint64_t code = 0;
    for (const Level& level : levels)
      code += (level.validity->is_valid(row) ? level.codes[row] : level.null_code) * level.stride;
    return static_cast<uint32_t>(code);
  };
  // One pass over the rows: each row's combination, kept in leaf_of_row_ until its leaf is
  // known (filling the leaves' rows puts the leaf there), and each piece's rows per
  // combination. A piece counts every combination: not more pieces than the counts are
  // worth. The combinations each piece meets first (count 0 before), with the row that met
  // each, taken piece by piece, are the tree's groups in the order one pass over the rows
  // makes them (the same node numbers, keys and key rows).
  const size_t pieces = std::min(TaskPool::pieces(pool, rows.size(), kMinRowsPerTask),
                                 std::max<size_t>(1, rows.size() / combinations));
  std::vector<uint32_t> by_code(pieces * combinations, 0);
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> firsts(pieces);
  TaskPool::run_on(pool, pieces, [&](size_t piece) {
    const size_t first = rows.size() * piece / pieces, last = rows.size() * (piece + 1) / pieces;
    uint32_t* count = by_code.data() + piece * combinations;
    for (size_t i = first; i < last; ++i) {
      const uint32_t row = rows[i];
      const uint32_t code = combination(row);
      leaf_of_row_[row] = code;
      if (count[code]++ == 0) firsts[piece].emplace_back(code, row);
    }
  });
  out.leaf_of_code.assign(combinations, kNoNode);
  std::vector<uint32_t>& leaf_of_code = out.leaf_of_code;
  constexpr uint32_t kMet = kNoNode - 1;
  std::vector<std::pair<uint32_t, uint32_t>> met;  // (combination, first row), in that order
  for (const auto& piece_firsts : firsts) {
    for (const auto& [code, row] : piece_firsts) {
      if (leaf_of_code[code] != kNoNode) continue;
      leaf_of_code[code] = kMet;
      met.emplace_back(code, row);
    }
  }
  // The groups, made in that order a level at a time down each new leaf's path, as
  // find_or_add_leaf makes them row by row (the same nodes, numbers, paths and child index):
  // a group is found by its combination's prefix down to its level, in a table a level (no
  // key hashed, no text interned to find it). Room for every group at once (each new leaf
  // adds at most one node a level).
  const size_t depth = group_by_.size();
  std::vector<uint64_t> stride(depth), radix(depth);  // by group level, from the top
  for (size_t level = 0; level < depth; ++level) {
    stride[level] = levels[depth - 1 - level].stride;
    radix[level] = uint64_t{levels[depth - 1 - level].null_code} + 1;
  }
  std::vector<std::vector<uint32_t>> group_of_prefix(depth - 1);  // (the leaves': leaf_of_code)
  for (size_t level = 0; level + 1 < depth; ++level)
    group_of_prefix[level].assign(combinations / stride[level], kNoNode);
  nodes_.reserve(nodes_.size() + met.size() * depth);
  child_index_.reserve(child_index_.size() + met.size() * depth);
  for (const auto& [code, row] : met) {
    uint32_t parent = 0;
    for (size_t level = 0; level < depth; ++level) {
      const uint64_t prefix = code / stride[level];
      uint32_t& group = level + 1 == depth ? leaf_of_code[code] : group_of_prefix[level][prefix];
      if (group == kNoNode || group == kMet) {
        const uint32_t key = static_cast<uint32_t>(prefix % radix[level]);
        const bool valid = key + 1 != radix[level];
        group = static_cast<uint32_t>(nodes_.size());
        Node& child = nodes_.emplace_back();
        child.parent = parent;
        child.depth = static_cast<uint32_t>(level + 1);
        child.key_row = row;
        child.path = nodes_[parent].path;
        append_group_key(child.path, source_->column(group_by_[level]), row);
        nodes_[parent].children.push_back(group);
        child_index_.emplace(ChildKey{parent, valid, valid ? key : 0}, group);
      }
      parent = group;
    }
  }
  set_level_keys_by_codes();
  // The pieces' counts by leaf.
  const size_t num_nodes = nodes_.size();
  out.pieces = pieces;
  out.counts.assign(pieces * num_nodes, 0);
  for (size_t piece = 0; piece < pieces; ++piece) {
    for (const auto& [code, row] : met) {
      out.counts[piece * num_nodes + leaf_of_code[code]] = by_code[piece * combinations + code];
    }
  }
  return true;
}

void GroupTree::set_level_keys_by_codes() {
  // Each group's key at a level is its key row's (the row that made it went through its
  // ancestors): the source column's code, where this level's dictionary is a copy of the
  // source's. Copying a dictionary hashes each text once into a table made big enough at
  // once; interning the keys one by one looks each up first and grows the table as it goes.
  // Copied only where most of its texts are keys here (a filter may leave few of them).
  const size_t num_nodes = nodes_.size();
  for (size_t level = 0; level < levels_.size(); ++level) {
    Column& keys = levels_[level];
    const Column& source = source_->column(group_by_[level]);
    keys.resize(num_nodes);
    const std::vector<uint32_t>& codes = source.values<uint32_t>();
    std::vector<uint8_t> seen(source.dictionary().size(), 0);
    size_t distinct = 0;
    for (size_t node = 1; node < num_nodes; ++node) {
      const uint32_t row = nodes_[node].key_row;
      if (nodes_[node].depth != level + 1 || !source.is_valid(row) || seen[codes[row]]) continue;
      seen[codes[row]] = 1;
      ++distinct;
    }
    const bool copy = source.dictionary().size() <= 2 * distinct + 64;
    if (copy) keys.mutable_dictionary() = source.dictionary();
    for (size_t node = 1; node < num_nodes; ++node) {
      const uint32_t row = nodes_[node].key_row;
      if (nodes_[node].depth <= level) continue;
      if (!copy) {
        keys.set_from(node, source, row);
      } else if (source.is_valid(row)) {
        keys.set<uint32_t>(node, codes[row]);
      }
    }
  }
}

void GroupTree::fill_group_rows(std::span<const uint32_t> rows, TaskPool* pool,
                                LeafCounts& leaves) {
  // Level by level from the leaves up: a counting sort of the rows by their group at that
  // level, written straight into each group's rows (stable: each group's rows stay in
  // natural order). Growing tens of thousands of lists a row at a time costs more than the
  // grouping; a row's group at a level is its leaf's ancestor there. On several threads,
  // each piece of the rows writes its rows of a group after those of the pieces before it:
  // the same lists. A group's rows in a piece are its children's, so only the leaves' were
  // counted (finding them): summed up the tree here, children after their parents.
  const size_t num_nodes = nodes_.size();
  const size_t pieces = leaves.pieces;
  std::vector<uint32_t>& counts = leaves.counts;
  for (size_t piece = 0; piece < pieces; ++piece) {
    uint32_t* count = counts.data() + piece * num_nodes;
    for (size_t node = num_nodes - 1; node >= 1; --node) count[nodes_[node].parent] += count[node];
  }
  std::vector<uint32_t> group_of_leaf(num_nodes);  // by node: its ancestor at the level
  std::iota(group_of_leaf.begin(), group_of_leaf.end(), 0);
  std::vector<uint32_t*> next(pieces * num_nodes);
  const uint32_t* leaf_of_code = leaves.leaf_of_code.empty() ? nullptr : leaves.leaf_of_code.data();
  for (size_t level = leaf_depth(); level >= 1; --level) {
    for (size_t node = 0; node < num_nodes; ++node) {
      if (nodes_[node].depth != level) continue;
      size_t total = 0;
      for (size_t piece = 0; piece < pieces; ++piece) total += counts[piece * num_nodes + node];
      nodes_[node].rows.resize(total);
      uint32_t* at = nodes_[node].rows.data();
      for (size_t piece = 0; piece < pieces; ++piece) {
        next[piece * num_nodes + node] = at;
        at += counts[piece * num_nodes + node];
      }
    }
    // The leaves, when leaf_of_row_ holds combinations: each row's leaf is written as the row
    // is (one pass where two would read every row).
    const bool codes = leaf_of_code != nullptr && level == leaf_depth();
    TaskPool::run_on(pool, pieces, [&](size_t piece) {
      const size_t first = rows.size() * piece / pieces, last = rows.size() * (piece + 1) / pieces;
      uint32_t** to = next.data() + piece * num_nodes;
      // Tens of thousands of groups are written at once, each at its own place: the place a
      // row some rows ahead goes to is fetched ahead (as for a write).
      constexpr size_t kAhead = 16;
      if (codes) {
        for (size_t i = first; i < last; ++i) {
          if (i + kAhead < last)
            __builtin_prefetch(to[leaf_of_code[leaf_of_row_[rows[i + kAhead]]]], 1);
          const uint32_t row = rows[i];
          const uint32_t leaf = leaf_of_code[leaf_of_row_[row]];
          leaf_of_row_[row] = leaf;
          *to[leaf]++ = row;
        }
        return;
      }
      for (size_t i = first; i < last; ++i) {
        if (i + kAhead < last)
          __builtin_prefetch(to[group_of_leaf[leaf_of_row_[rows[i + kAhead]]]], 1);
        const uint32_t row = rows[i];
        *to[group_of_leaf[leaf_of_row_[row]]]++ = row;
      }
    });
    if (level > 1) {
      for (uint32_t& node : group_of_leaf) {
        if (nodes_[node].depth == level) node = nodes_[node].parent;
      }
    }
  }
}

namespace {

// A text's first 8 bytes as a big-endian number (zeros past its end): numbers in the texts'
// order, but for texts that share them, which a comparison of the texts then tells apart.
uint64_t text_prefix(std::string_view text) {
  unsigned char bytes[8] = {};
  std::memcpy(bytes, text.data(), std::min<size_t>(text.size(), 8));
  uint64_t prefix = 0;
  for (const unsigned char byte : bytes) prefix = prefix << 8 | byte;
  return prefix;
}

}  // namespace

namespace {

struct Keyed {
  uint64_t prefix;  // text_prefix(text)
  std::string_view text;
  uint32_t child;
};

// Sorts `keyed` by text (distinct texts: one order, whatever the sort). Tens of thousands of
// texts: a radix sort of their first bytes as one number, a pass per byte that differs among
// them (`C00000`..`C49999`: 5 passes), then texts sharing their first 8 bytes by the rest.
void sort_by_text(std::vector<Keyed>& keyed, std::vector<Keyed>& scratch) {
  auto by_text = [](const Keyed& a, const Keyed& b) {
    return a.prefix != b.prefix ? a.prefix < b.prefix : a.text < b.text;
  };
  if (keyed.size() < 256) return std::sort(keyed.begin(), keyed.end(), by_text);
  uint64_t any = 0, every = ~uint64_t{0};
  for (const Keyed& k : keyed) any |= k.prefix, every &= k.prefix;
  const uint64_t differ = any ^ every;
  scratch.resize(keyed.size());
  for (unsigned shift = 0; shift < 64; shift += 8) {  // least significant byte first: stable
    if ((differ >> shift & 0xff) == 0) continue;
    size_t starts[257] = {};
    for (const Keyed& k : keyed) ++starts[(k.prefix >> shift & 0xff) + 1];
    for (size_t byte = 1; byte <= 256; ++byte) starts[byte] += starts[byte - 1];
    for (const Keyed& k : keyed) scratch[starts[k.prefix >> shift & 0xff]++] = k;
    keyed.swap(scratch);
  }
  for (size_t first = 0; first < keyed.size();) {
    size_t last = first + 1;
    while (last < keyed.size() && keyed[last].prefix == keyed[first].prefix) ++last;
    if (last - first > 1) std::sort(keyed.begin() + first, keyed.begin() + last, by_text);
    first = last;
  }
}

}  // namespace

void GroupTree::sort_string_children() {
  std::vector<Keyed> keyed, scratch;
  for (Node& node : nodes_) {
    if (node.children.size() < 2 || node.depth >= levels_.size()) continue;
    const Column& keys = levels_[node.depth];
    if (keys.type() != DataType::kString) continue;
    // Nulls first, then by text (compare_cells' order; siblings' keys differ).
    keyed.clear();
    size_t nulls = 0;
    for (const uint32_t child : node.children) {
      if (keys.is_null(child)) {
        node.children[nulls++] = child;
        continue;
      }
      const std::string_view text = keys.string_at(child);
      keyed.push_back({text_prefix(text), text, child});
    }
    sort_by_text(keyed, scratch);
    for (size_t i = 0; i < keyed.size(); ++i) node.children[nulls + i] = keyed[i].child;
  }
}

uint32_t GroupTree::find_or_add_leaf(uint32_t row,
                                     absl::flat_hash_map<uint32_t, size_t>* new_children) {
  uint32_t node = 0;
  const size_t depth = leaf_depth();
  for (size_t level = 0; level < depth; ++level) {
    ChildKey key{node, true, row};
    if (!group_by_.empty()) {
      const Column& column = source_->column(group_by_[level]);
      const bool valid = column.is_valid(row);
      key = {node, valid, valid ? group_key_bits(column, row) : 0};
    }
    auto [found, inserted] = child_index_.try_emplace(key, static_cast<uint32_t>(nodes_.size()));
    if (inserted) {
      children_in_key_order_ = false;
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

uint32_t GroupTree::find_leaf(uint32_t row) const {
  uint32_t node = 0;
  for (const size_t position : group_by_) {
    const Column& column = source_->column(position);
    const bool valid = column.is_valid(row);
    auto found = child_index_.find(ChildKey{node, valid, valid ? group_key_bits(column, row) : 0});
    if (found == child_index_.end()) return kNoNode;
    node = found->second;
  }
  return node;
}

void GroupTree::move_row(uint32_t before, uint32_t after) {
  if (before >= leaf_of_row_.size()) return;
  const uint32_t leaf = leaf_of_row_[before];
  leaf_of_row_[after] = leaf;
  // Split-only rows are groups keyed by their row number.
  if (group_by_.empty() && leaf != kNoNode) {
    child_index_.erase(ChildKey{0, true, before});
    child_index_[ChildKey{0, true, after}] = leaf;
  }
}

bool GroupTree::on_path(uint32_t leaf, uint32_t node) const {
  if (leaf == kNoNode) return false;
  while (nodes_[leaf].depth > nodes_[node].depth) leaf = nodes_[leaf].parent;
  return leaf == node;
}

int GroupTree::compare_leaves(uint32_t a, uint32_t b) const {
  for (const Column& keys : levels_) {
    if (const int order = compare_cells(keys, a, keys, b); order != 0) return order;
  }
  return 0;
}

std::vector<std::pair<uint32_t, std::string>> GroupTree::drop_emptied(
    std::span<const uint32_t> touched) {
  std::vector<std::pair<uint32_t, std::string>> dropped;
  children_in_key_order_ = false;  // (taking children out keeps it; not worth the proof)
  for (const uint32_t node : touched) {
    Node& group = nodes_[node];
    if (node == 0 || group.gone || !group.rows.empty()) continue;
    // (Its children emptied too: each is in `touched`.)
    std::vector<uint32_t>& siblings = nodes_[group.parent].children;
    siblings.erase(std::remove(siblings.begin(), siblings.end(), node), siblings.end());
    ChildKey key{group.parent, true, group.key_row};
    if (!group_by_.empty()) {
      const size_t tail = group.path.size() - kGroupKeySize;
      int64_t bits = 0;
      std::memcpy(&bits, group.path.data() + tail + 1, sizeof bits);
      key = {group.parent, group.path[tail] == '1', bits};
    }
    if (auto found = child_index_.find(key); found != child_index_.end() && found->second == node)
      child_index_.erase(found);
    // A path no group has (live paths are whole keys), so nothing remembered by path names it.
    dropped.emplace_back(node, std::exchange(group.path, "gone " + std::to_string(node)));
    group.children.clear();
    group.gone = true;
  }
  return dropped;
}

Status GroupTree::check(size_t table_rows) const {
  if (nodes_.empty()) return Status::ok();  // not built yet
  if (nodes_[0].depth != 0 || nodes_[0].gone)
    return Status::internal("group tree: the totals row is not node 0");
  if (leaf_of_row_.size() != table_rows)
    return Status::internal("group tree: leaves of {} rows, the table has {}", leaf_of_row_.size(),
                            table_rows);
  for (const Column& keys : levels_) {
    if (keys.size() != nodes_.size())
      return Status::internal("group tree: {} level keys for {} nodes", keys.size(), nodes_.size());
  }
  size_t live = 0;
  std::vector<uint32_t> seen_as_child(nodes_.size(), 0);
  for (uint32_t index = 0; index < nodes_.size(); ++index) {
    const Node& node = nodes_[index];
    if (node.gone) {
      if (!node.children.empty() || !node.rows.empty())
        return Status::internal("group tree: gone node {} keeps children or rows", index);
      continue;
    }
    if (index != 0) {
      ++live;
      if (node.parent >= index || node.depth != nodes_[node.parent].depth + 1)
        return Status::internal("group tree: node {} is not below its parent {}", index,
                                node.parent);
    }
    size_t child_rows = 0;
    for (const uint32_t child : node.children) {
      if (child >= nodes_.size() || nodes_[child].parent != index || nodes_[child].gone)
        return Status::internal("group tree: node {} lists {}, not its live child", index, child);
      ++seen_as_child[child];
      child_rows += nodes_[child].rows.size();
    }
    if (children_in_key_order_ && node.depth < levels_.size() &&
        !std::is_sorted(node.children.begin(), node.children.end(), [&](uint32_t a, uint32_t b) {
          return compare_cells(levels_[node.depth], a, levels_[node.depth], b) < 0;
        }))
      return Status::internal("group tree: node {} said in key order, its children are not", index);
    if (!node.children.empty() && child_rows != node.rows.size())
      return Status::internal("group tree: node {} has {} rows, its children {}", index,
                              node.rows.size(), child_rows);
    if (node.children.empty() && index != 0) {
      if (node.depth != leaf_depth())
        return Status::internal("group tree: node {} has no children above the leaves", index);
      for (const uint32_t row : node.rows) {
        if (row >= leaf_of_row_.size() || leaf_of_row_[row] != index)
          return Status::internal("group tree: row {} of leaf {} has another leaf", row, index);
      }
    }
  }
  for (uint32_t index = 1; index < nodes_.size(); ++index) {
    if (seen_as_child[index] != (nodes_[index].gone ? 0u : 1u))
      return Status::internal("group tree: node {} is listed {} times among children", index,
                              seen_as_child[index]);
  }
  if (child_index_.size() != live)
    return Status::internal("group tree: {} keyed children, {} live groups", child_index_.size(),
                            live);
  size_t rows_in_leaves = 0;
  for (const uint32_t leaf : leaf_of_row_) {
    if (leaf == kNoNode) continue;
    if (leaf >= nodes_.size() || nodes_[leaf].gone)
      return Status::internal("group tree: a row's leaf {} is not a live group", leaf);
    ++rows_in_leaves;
  }
  if (rows_in_leaves != nodes_[0].rows.size())
    return Status::internal("group tree: {} rows in leaves, {} in the totals row", rows_in_leaves,
                            nodes_[0].rows.size());
  return Status::ok();
}

}  // namespace parallax
