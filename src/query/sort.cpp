#include "query/sort.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace parallax {

namespace {

constexpr double kNull = -std::numeric_limits<double>::infinity();

// Each dictionary code's rank among the dictionary's strings.
std::vector<double> string_ranks(const StringDictionary& dictionary) {
  std::vector<uint32_t> codes(dictionary.size());
  std::iota(codes.begin(), codes.end(), 0);
  std::sort(codes.begin(), codes.end(),
            [&](uint32_t a, uint32_t b) { return dictionary.at(a) < dictionary.at(b); });
  std::vector<double> rank(dictionary.size());
  for (size_t i = 0; i < codes.size(); ++i) rank[codes[i]] = static_cast<double>(i);
  return rank;
}

// Writes the numbers of `rows` (every row when null): one per row that orders as the cells
// do; null is below every value, but by magnitude (the abs directions) it counts as 0, as the
// reference. Strings by `ranks`.
void fill_numbers(const Column& column, bool absolute, const std::vector<double>& ranks,
                  std::vector<double>& numbers, std::span<const uint32_t>* rows) {
  visit_type(column.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    const auto& values = column.values<Storage>();
    auto number = [&](uint32_t row) {
      if constexpr (std::is_same_v<Storage, uint32_t>) {
        return column.is_valid(row) ? ranks[values[row]] : kNull;
      } else {
        if (!column.is_valid(row)) return absolute ? 0.0 : kNull;
        const double value = static_cast<double>(values[row]);
        return absolute ? std::abs(value) : value;
      }
    };
    if (rows) {
      for (const uint32_t row : *rows) numbers[row] = number(row);
    } else {
      for (uint32_t row = 0; row < numbers.size(); ++row) numbers[row] = number(row);
    }
  });
}

}  // namespace

void SortNumbers::prepare(const ColumnSource& source, const std::vector<CompiledSortKey>& keys) {
  keys_.clear();
  for (const auto& compiled : keys) {
    Key key;
    key.column = compiled.column;
    key.absolute = compiled.direction == SortDirection::kAscendingAbs ||
                   compiled.direction == SortDirection::kDescendingAbs;
    key.descending = compiled.direction == SortDirection::kDescending ||
                     compiled.direction == SortDirection::kDescendingAbs;
    const Column& column = source.column(key.column);
    if (column.type() == DataType::kString) key.ranks = string_ranks(column.dictionary());
    key.numbers.resize(column.size());
    fill_numbers(column, key.absolute, key.ranks, key.numbers, nullptr);
    keys_.push_back(std::move(key));
  }
  prepared_ = true;
}

bool SortNumbers::update(const ColumnSource& source, std::span<const uint32_t> rows) {
  if (!prepared_) return false;
  for (const Key& key : keys_) {
    const Column& column = source.column(key.column);
    const bool grown =
        column.type() == DataType::kString && column.dictionary().size() != key.ranks.size();
    if (grown || column.size() != key.numbers.size()) {
      clear();
      return false;
    }
  }
  for (Key& key : keys_) {
    fill_numbers(source.column(key.column), key.absolute, key.ranks, key.numbers, &rows);
  }
  return true;
}

void SortNumbers::clear() {
  keys_.clear();
  prepared_ = false;
}

Result<std::vector<CompiledSortKey>> compile_sort(const Schema& schema,
                                                  const std::vector<SortKey>& keys) {
  std::vector<CompiledSortKey> compiled;
  for (const auto& key : keys) {
    auto position = schema.find(key.column);
    if (!position) return Status::invalid("sort names unknown column '{}'", key.column);
    const bool row_sort = key.direction == SortDirection::kAscending ||
                          key.direction == SortDirection::kDescending ||
                          key.direction == SortDirection::kAscendingAbs ||
                          key.direction == SortDirection::kDescendingAbs;
    if (!row_sort) continue;  // "none" and the split_by ("col ...") directions
    // A column sorted twice sorts by its first entry; abs on strings does nothing.
    const bool absolute = key.direction == SortDirection::kAscendingAbs ||
                          key.direction == SortDirection::kDescendingAbs;
    if (absolute && schema.field(*position).type == DataType::kString) continue;
    bool seen = false;
    for (const auto& earlier : compiled) seen = seen || earlier.column == *position;
    if (seen) continue;
    compiled.push_back({*position, key.direction});
  }
  return compiled;
}

void sort_rows(const ColumnSource& source, const std::vector<CompiledSortKey>& keys,
               std::vector<uint32_t>& rows) {
  if (keys.empty()) return;
  SortNumbers numbers;
  numbers.prepare(source, keys);
  if (numbers.num_keys() == 1) {  // one key: compare the flat array directly
    const std::vector<double>& values = numbers.numbers(0);
    if (numbers.descending(0)) {
      std::stable_sort(rows.begin(), rows.end(),
                       [&](uint32_t a, uint32_t b) { return values[a] > values[b]; });
    } else {
      std::stable_sort(rows.begin(), rows.end(),
                       [&](uint32_t a, uint32_t b) { return values[a] < values[b]; });
    }
    return;
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [&](uint32_t a, uint32_t b) { return numbers.before(a, b); });
}

std::vector<uint32_t> first_sorted_rows(const ColumnSource& source,
                                        const std::vector<CompiledSortKey>& keys,
                                        const std::vector<uint32_t>& rows, size_t count) {
  SortNumbers numbers;
  if (!keys.empty()) numbers.prepare(source, keys);
  return first_sorted_rows(numbers, rows, count);
}

std::vector<uint32_t> first_sorted_rows(const SortNumbers& numbers,
                                        const std::vector<uint32_t>& rows, size_t count) {
  count = std::min(count, rows.size());
  if (!numbers.prepared()) return {rows.begin(), rows.begin() + count};
  // Entries are (row, position in `rows`): the position breaks ties as a stable sort does.
  using Entry = std::pair<uint32_t, uint32_t>;
  auto before = [&](const Entry& a, const Entry& b) {
    if (numbers.before(a.first, b.first)) return true;
    if (numbers.before(b.first, a.first)) return false;
    return a.second < b.second;
  };
  // A max-heap of the best `count` entries so far: its top is the one to beat.
  std::vector<Entry> heap;
  heap.reserve(count);
  for (uint32_t position = 0; position < rows.size(); ++position) {
    const Entry entry{rows[position], position};
    if (heap.size() < count) {
      heap.push_back(entry);
      std::push_heap(heap.begin(), heap.end(), before);
    } else if (count > 0 && before(entry, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), before);
      heap.back() = entry;
      std::push_heap(heap.begin(), heap.end(), before);
    }
  }
  std::sort_heap(heap.begin(), heap.end(), before);
  std::vector<uint32_t> first(heap.size());
  for (size_t i = 0; i < heap.size(); ++i) first[i] = heap[i].first;
  return first;
}

}  // namespace parallax
