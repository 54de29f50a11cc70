#include "query/ordered_rows.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <utility>

#include "query/aggregate_rows.h"
#include "query/running_totals.h"

namespace parallax {

namespace {

// keep_texts_in_use: texts a dictionary may hold beyond twice its column's cells.
constexpr size_t kTextsSlack = 64;

// A double's bits, or nullopt for NaN (which no order places).
std::optional<int64_t> double_key(double value) {
  if (std::isnan(value)) return std::nullopt;
  return std::bit_cast<int64_t>(value);
}

}  // namespace

void keep_texts_in_use(Column& cells) {
  if (cells.type() != DataType::kString ||
      cells.dictionary().size() <= 2 * cells.size() + kTextsSlack)
    return;
  StringDictionary kept;
  std::vector<int64_t> renumbered(cells.dictionary().size(), -1);
  std::vector<uint32_t>& codes = cells.mutable_values<uint32_t>();
  for (size_t row = 0; row < codes.size(); ++row) {
    if (cells.is_null(row)) continue;
    int64_t& code = renumbered[codes[row]];
    if (code < 0) code = kept.intern(cells.dictionary().at(codes[row]));
    codes[row] = static_cast<uint32_t>(code);
  }
  cells.mutable_dictionary() = std::move(kept);
}

bool OrderedRows::supports(AggregateKind kind) {
  return descriptor(kind).order_key != OrderKey::kNone;
}

std::optional<OrderedRows::Entry> OrderedRows::entry_of(const Column& input, const Column* argument,
                                                        const Column& current, uint32_t position,
                                                        uint32_t row, uint32_t leaf) const {
  auto entry = [&](uint32_t rank, int64_t key) { return Entry{key, row, rank << 31 | leaf}; };
  const OrderKey order_key = descriptor(kind_).order_key;
  if (order_key == OrderKey::kArgumentUp || order_key == OrderKey::kArgumentDown) {
    // Min by: a null argument first, then the lowest; max by: the highest, nulls last.
    const bool up = order_key == OrderKey::kArgumentUp;
    const bool is_null = argument->is_null(position);
    if (is_null) return entry(up ? 0 : 1, 0);
    const auto key = double_key(numeric_cell(*argument, position));
    if (!key) return std::nullopt;
    return entry(up ? 1 : 0, *key);
  }
  const bool is_null = input.is_null(position);
  if (order_key == OrderKey::kPicked) {
    // The rows "any" may pick (a value, and but for strings not zero or false) first.
    const bool picked = !is_null && visit_type(input.type(), [&](auto tag) {
      using Storage = typename decltype(tag)::Storage;
      if constexpr (std::is_same_v<Storage, uint32_t>) {
        return true;
      } else {
        return input.value<Storage>(position) != Storage{};
      }
    });
    return entry(picked ? 0 : 1, 0);
  }
  if (order_key != OrderKey::kValue) return entry(0, 0);  // the walk
  if (is_null) return entry(0, 0);
  return visit_type(input.type(), [&](auto tag) -> std::optional<Entry> {
    using Storage = typename decltype(tag)::Storage;
    if constexpr (std::is_same_v<Storage, double>) {
      const auto key = double_key(input.value<double>(position));
      if (!key) return std::nullopt;
      return entry(1, *key);
    } else if constexpr (std::is_same_v<Storage, uint32_t>) {
      // Kept as the table's code for the text (a replaced cell's column has its own codes).
      if (&input == &current) return entry(1, input.value<uint32_t>(position));
      const int64_t code = current.dictionary().find(input.string_at(position));
      if (code < 0) return std::nullopt;
      return entry(1, code);
    } else {
      return entry(1, static_cast<int64_t>(input.value<Storage>(position)));
    }
  });
}

int OrderedRows::compare_keys(uint32_t rank_a, int64_t a, uint32_t rank_b, int64_t b) const {
  if (rank_a != rank_b) return rank_a < rank_b ? -1 : 1;
  if (a == b) return 0;
  int order = 0;
  if (key_type_ == DataType::kFloat) {
    const double x = std::bit_cast<double>(a), y = std::bit_cast<double>(b);
    order = x < y ? -1 : x > y ? 1 : 0;  // -0 and 0 are equal
  } else if (key_type_ == DataType::kString) {
    const int text = dictionary_->at(static_cast<uint32_t>(a))
                         .compare(dictionary_->at(static_cast<uint32_t>(b)));
    order = text < 0 ? -1 : text > 0 ? 1 : 0;
  } else {
    order = a < b ? -1 : 1;
  }
  return descending_ ? -order : order;
}

bool OrderedRows::less(const Entry& a, const Entry& b, const Order& order) const {
  const int by_key = compare_keys(a.rank(), a.key, b.rank(), b.key);
  if (by_key != 0) return by_key < 0;
  if (order.leaves && a.leaf() != b.leaf()) {
    const int by_leaf = (*order.leaves)(a.leaf(), b.leaf());
    if (by_leaf != 0) return by_leaf < 0;
  }
  return a.row != b.row && order.table->natural_less(a.row, b.row);
}

template <typename Before>
size_t OrderedRows::partition(Before before) const {
  return locate(before, true).index;
}

template <typename Before>
OrderedRows::Spot OrderedRows::locate(Before before, bool with_index) const {
  // The first block whose last entry is not before holds the boundary.
  auto block = std::partition_point(blocks_.begin(), blocks_.end(),
                                    [&](const std::vector<Entry>& b) { return before(b.back()); });
  Spot spot{static_cast<size_t>(block - blocks_.begin()), 0, 0};
  // (Counting the entries before is a walk over the blocks: only reads of a rank need it.)
  if (with_index) {
    for (auto preceding = blocks_.begin(); preceding != block; ++preceding) {
      spot.index += preceding->size();
    }
  }
  if (block == blocks_.end()) return spot;
  spot.offset = static_cast<size_t>(std::partition_point(block->begin(), block->end(), before) -
                                    block->begin());
  spot.index += spot.offset;
  return spot;
}

const OrderedRows::Entry& OrderedRows::at(size_t index) const {
  // From the nearer end: the last entries (max, last) are read as often as the first.
  if (index >= size_ / 2) {
    size_t from_end = size_ - 1 - index;
    for (auto block = blocks_.rbegin(); block != blocks_.rend(); ++block) {
      if (from_end < block->size()) return (*block)[block->size() - 1 - from_end];
      from_end -= block->size();
    }
    return blocks_.front().front();  // (before the start: never asked)
  }
  for (const std::vector<Entry>& block : blocks_) {
    if (index < block.size()) return block[index];
    index -= block.size();
  }
  return blocks_.back().back();  // (past the end: never asked)
}

bool OrderedRows::same_key_before(const Spot& spot, const Entry& entry) const {
  if (spot.block < blocks_.size() && spot.offset > 0)
    return same_key(blocks_[spot.block][spot.offset - 1], entry);
  return spot.block > 0 && same_key(blocks_[spot.block - 1].back(), entry);
}

bool OrderedRows::same_key_at(const Spot& spot, const Entry& entry) const {
  if (spot.block >= blocks_.size()) return false;
  const std::vector<Entry>& block = blocks_[spot.block];
  if (spot.offset < block.size()) return same_key(block[spot.offset], entry);
  return spot.block + 1 < blocks_.size() && same_key(blocks_[spot.block + 1].front(), entry);
}

size_t OrderedRows::lower_key(const Entry& probe) const {
  return partition([&](const Entry& entry) {
    return compare_keys(entry.rank(), entry.key, probe.rank(), probe.key) < 0;
  });
}

size_t OrderedRows::upper_key(const Entry& probe) const {
  return partition([&](const Entry& entry) {
    return compare_keys(entry.rank(), entry.key, probe.rank(), probe.key) <= 0;
  });
}

bool OrderedRows::RunLess::operator()(const Run& a, const Run& b) const {
  // Most rows first; ties to the lowest value, null lowest of all (as the dominant kernel).
  if (a.count != b.count) return a.count > b.count;
  return owner->compare_keys(a.rank, a.key, b.rank, b.key) < 0;
}

// A run's count as dominant weighs it: each null is a value of its own, seen once.
static int64_t dominant_count(int64_t rows, uint32_t rank) {
  return rank == 0 ? std::min<int64_t>(rows, 1) : rows;
}

void OrderedRows::count_run(const Entry& entry, int delta) {
  const int64_t count = static_cast<int64_t>(upper_key(entry) - lower_key(entry));
  const uint32_t rank = entry.rank();
  if (count > 0) by_count_.erase(Run{dominant_count(count, rank), rank, entry.key});
  if (count + delta > 0) {
    by_count_.insert(Run{dominant_count(count + delta, rank), rank, entry.key});
  }
}

void OrderedRows::sort_by_key(std::vector<Entry>& entries) const {
  // Each key as an unsigned number in the keys' order (strings by the rank of their text
  // among those present), so that the sort compares integers, not texts.
  std::vector<uint32_t> text_rank;
  if (key_type_ == DataType::kString) {
    std::vector<uint32_t> codes;
    std::vector<uint8_t> present(dictionary_->size(), 0);
    for (const Entry& entry : entries) {
      if (entry.key >= 0 && static_cast<size_t>(entry.key) < present.size() &&
          !std::exchange(present[entry.key], 1)) {
        codes.push_back(static_cast<uint32_t>(entry.key));
      }
    }
    std::sort(codes.begin(), codes.end(),
              [&](uint32_t a, uint32_t b) { return dictionary_->at(a) < dictionary_->at(b); });
    text_rank.assign(std::max<size_t>(present.size(), 1), 0);
    for (uint32_t i = 0; i < codes.size(); ++i) text_rank[codes[i]] = i;
  }
  auto sortable = [&](const Entry& entry) -> uint64_t {
    uint64_t value;
    if (key_type_ == DataType::kFloat) {
      const double number = std::bit_cast<double>(entry.key);
      const uint64_t bits = std::bit_cast<uint64_t>(number == 0 ? 0.0 : number);  // -0 is 0
      value = bits >> 63 ? ~bits : bits | (uint64_t{1} << 63);
    } else if (key_type_ == DataType::kString) {
      value = text_rank[static_cast<size_t>(entry.key)];
    } else {
      value = static_cast<uint64_t>(entry.key) ^ (uint64_t{1} << 63);
    }
    return descending_ ? ~value : value;
  };
  struct Sorted {
    uint64_t value;
    uint32_t rank;
    uint32_t position;  // in the order given
  };
  std::vector<Sorted> sorted(entries.size()), spare(entries.size());
  for (uint32_t i = 0; i < entries.size(); ++i) {
    sorted[i] = {sortable(entries[i]), entries[i].rank(), i};
  }
  // A stable radix sort, least significant byte first, then the rank: equal keys keep the
  // order given. Passes where every item has the same byte are skipped.
  auto pass = [&](auto digit, size_t buckets) {
    std::vector<size_t> starts(buckets + 1, 0);
    for (const Sorted& item : sorted) ++starts[digit(item) + 1];
    if (std::find(starts.begin(), starts.end(), sorted.size()) != starts.end()) return;
    for (size_t b = 0; b < buckets; ++b) starts[b + 1] += starts[b];
    for (const Sorted& item : sorted) spare[starts[digit(item)]++] = item;
    sorted.swap(spare);
  };
  for (int shift = 0; shift < 64; shift += 8) {
    pass([shift](const Sorted& item) { return (item.value >> shift) & 0xff; }, 256);
  }
  pass([](const Sorted& item) { return item.rank; }, 2);
  std::vector<Entry> out(entries.size());
  for (size_t i = 0; i < sorted.size(); ++i) out[i] = entries[sorted[i].position];
  entries = std::move(out);
}

bool OrderedRows::build(AggregateKind kind, const Column& input, const Column* argument,
                        std::span<const uint32_t> rows, const std::vector<uint32_t>& leaf_of) {
  kind_ = kind;
  const OrderKey order_key = descriptor(kind).order_key;
  descending_ = order_key == OrderKey::kArgumentDown;
  const bool by_argument = order_key == OrderKey::kArgumentUp || descending_;
  key_type_ = by_argument ? DataType::kFloat : input.type();
  dictionary_ = &input.dictionary();
  blocks_.clear();
  size_ = 0;
  runs_ = 0;
  firsts_.clear();
  joined_.reset();
  by_count_.clear();
  value_counts_.clear();
  null_count_ = 0;
  const bool counting = counts_values();  // no order, no entries: counts by value
  std::vector<Entry> entries;
  entries.reserve(counting ? 0 : rows.size());
  for (const uint32_t row : rows) {
    auto entry = entry_of(input, argument, input, row, row, leaf_of[row]);
    if (!entry) return false;
    if (counting) {
      count_value(*entry, 1);
    } else {
      entries.push_back(*entry);
    }
  }
  if (counting) return true;
  // The rows come in the order that breaks ties (all of it, for first, last, ...).
  if (order_key != OrderKey::kWalk) sort_by_key(entries);
  for (size_t start = 0; start < entries.size(); start += kBlock) {
    const size_t end = std::min(entries.size(), start + kBlock);
    blocks_.emplace_back(entries.begin() + static_cast<std::ptrdiff_t>(start),
                         entries.begin() + static_cast<std::ptrdiff_t>(end));
  }
  size_ = entries.size();
  firsts_current_ = true;
  for (size_t start = 0; start < entries.size();) {
    const Entry& first = entries[start];
    auto end =
        std::partition_point(entries.begin() + static_cast<std::ptrdiff_t>(start), entries.end(),
                             [&](const Entry& entry) { return same_key(entry, first); });
    const size_t stop = static_cast<size_t>(end - entries.begin());
    ++runs_;
    firsts_.push_back(first.row);
    if (counts_runs()) {
      by_count_.insert(Run{dominant_count(static_cast<int64_t>(stop - start), first.rank()),
                           first.rank(), first.key});
    }
    start = stop;
  }
  return true;
}

bool OrderedRows::count_value(const Entry& entry, int delta) {
  // A null is one more distinct value; -0 and 0 are one value, as compare_keys has them.
  if (entry.rank() == 0) {
    if (delta < 0 && null_count_ == 0) return false;
    null_count_ = delta > 0 ? null_count_ + 1 : null_count_ - 1;
  } else {
    const bool float_zero = key_type_ == DataType::kFloat && std::bit_cast<double>(entry.key) == 0;
    uint32_t& count = value_counts_[float_zero ? 0 : entry.key];
    if (delta < 0 && count == 0) {
      value_counts_.erase(float_zero ? 0 : entry.key);
      return false;
    }
    count = delta > 0 ? count + 1 : count - 1;
    if (count == 0) value_counts_.erase(float_zero ? 0 : entry.key);
  }
  size_ = delta > 0 ? size_ + 1 : size_ - 1;
  runs_ = static_cast<int64_t>(value_counts_.size()) + (null_count_ > 0 ? 1 : 0);
  return true;
}

bool OrderedRows::erase(const Column& input, const Column* argument, const Column& current,
                        uint32_t position, uint32_t row, uint32_t leaf, const Order& order) {
  dictionary_ = &current.dictionary();
  const auto entry = entry_of(input, argument, current, position, row, leaf);
  if (!entry) return false;
  if (counts_values()) return count_value(*entry, -1);
  const Spot spot = locate([&](const Entry& other) { return less(other, *entry, order); }, false);
  if (spot.block == blocks_.size() || blocks_[spot.block][spot.offset].row != row) return false;
  if (counts_runs()) count_run(*entry, -1);
  if (!same_key_before(spot, *entry)) firsts_current_ = false;  // the first of its run
  // Its neighbours, before it goes: does another row keep its value's run?
  const bool run_left =
      same_key_before(spot, *entry) || same_key_at(Spot{spot.block, spot.offset + 1, 0}, *entry);
  std::vector<Entry>& block = blocks_[spot.block];
  block.erase(block.begin() + static_cast<std::ptrdiff_t>(spot.offset));
  if (block.empty()) blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(spot.block));
  --size_;
  if (!run_left) --runs_;
  return true;
}

bool OrderedRows::insert(const Column& input, const Column* argument, const Column& current,
                         uint32_t position, uint32_t row, uint32_t leaf, const Order& order) {
  dictionary_ = &current.dictionary();
  const auto entry = entry_of(input, argument, current, position, row, leaf);
  if (!entry) return false;
  if (counts_values()) return count_value(*entry, 1);
  Spot spot = locate([&](const Entry& other) { return less(other, *entry, order); }, false);
  const bool after_its_run = same_key_before(spot, *entry);
  if (!after_its_run) firsts_current_ = false;  // first of its run now
  const bool run_exists = after_its_run || same_key_at(spot, *entry);
  if (!run_exists) ++runs_;
  if (counts_runs()) count_run(*entry, 1);
  if (blocks_.empty()) blocks_.emplace_back();
  if (spot.block == blocks_.size()) {  // after every entry
    spot.block = blocks_.size() - 1;
    spot.offset = blocks_.back().size();
  }
  std::vector<Entry>& block = blocks_[spot.block];
  block.insert(block.begin() + static_cast<std::ptrdiff_t>(spot.offset), *entry);
  ++size_;
  if (block.size() >= 2 * kBlock) {
    std::vector<Entry> upper(block.begin() + kBlock, block.end());
    block.resize(kBlock);
    blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(spot.block) + 1, std::move(upper));
  }
  return true;
}

void OrderedRows::write(const Column& input, const Column* argument, Column& out,
                        uint32_t position) {
  const size_t size = size_;
  auto row_at = [&](size_t index) { return at(index).row; };
  // Most aggregates are decided by a few rows: aggregate_rows over just those.
  auto over = [&](std::initializer_list<uint32_t> rows) {
    aggregate_rows(kind_, input, argument, std::span<const uint32_t>(rows.begin(), rows.size()),
                   out, position);
  };
  const AggregateDescriptor& aggregate = descriptor(kind_);
  switch (aggregate.ordered_read) {
    case OrderedRead::kQuantile: {
      const double at = aggregate.quantile * static_cast<double>(size);
      const size_t index = std::min(static_cast<size_t>(at), size - 1);
      // As the quantile kernel: floats between two middle values take their mean.
      if (input.type() == DataType::kFloat && at == std::floor(at) && index > 0) {
        const uint32_t low = row_at(index - 1), high = row_at(index);
        if (input.is_null(low) || input.is_null(high)) return out.set_null(position);
        return write_number(out, position,
                            (input.value<double>(low) + input.value<double>(high)) / 2);
      }
      return out.set_from(position, input, row_at(index));
    }
    case OrderedRead::kRunCount:
      return out.set<int32_t>(position, static_cast<int32_t>(runs_));
    case OrderedRead::kMostRows: {
      const Run& best = *by_count_.begin();
      return out.set_from(position, input, row_at(lower_key(Entry{best.key, 0, best.rank << 31})));
    }
    case OrderedRead::kRunFirsts: {
      // The first row of each run of equal values, each found by binary search from the
      // previous one's key (no walk over the blocks: a big group has thousands).
      if (!firsts_current_) {
        firsts_.clear();
        joined_.reset();
        for (Spot spot{0, 0, 0}; spot.block < blocks_.size();) {
          const Entry first = blocks_[spot.block][spot.offset];
          firsts_.push_back(first.row);
          spot = locate(
              [&](const Entry& entry) {
                return compare_keys(entry.rank(), entry.key, first.rank(), first.key) <= 0;
              },
              false);
        }
        firsts_current_ = true;
      }
      // Those rows' cells did not change since (a changed row leaves and rejoins its run): the
      // cell they made before still holds.
      if (!joined_ || joined_->type() != out.type()) {
        joined_.emplace(out.type());
        joined_->resize(1);
        aggregate_rows(kind_, input, argument, firsts_, *joined_, 0);
        // A new text: the ones it replaced may be held by no cell now.
        out.set_from(position, *joined_, 0);
        return keep_texts_in_use(out);
      }
      return out.set_from(position, *joined_, 0);
    }
    case OrderedRead::kExtremes: {
      // Whether there is a null (first), the lowest value, the first row of the highest.
      const size_t lowest = partition([](const Entry& entry) { return entry.rank() == 0; });
      if (lowest == size) return over({row_at(0)});
      return over({row_at(0), row_at(lowest), row_at(lower_key(at(size - 1)))});
    }
    case OrderedRead::kEnds:
      return over({row_at(0), row_at(size - 1)});
    case OrderedRead::kLast:
      return over({row_at(size - 1)});
    case OrderedRead::kFirst:
      return over({row_at(0)});
  }
}

}  // namespace parallax
