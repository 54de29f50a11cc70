#include "query/sort.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace parallax {

namespace {

// One number per table row that orders as the cells do; null is below every value, but by
// magnitude (the abs directions) it counts as 0, as the reference.
std::vector<double> sort_numbers(const Column& column, bool absolute) {
  constexpr double kNull = -std::numeric_limits<double>::infinity();
  std::vector<double> numbers(column.size());
  visit_type(column.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    const auto& values = column.values<Storage>();
    if constexpr (std::is_same_v<Storage, uint32_t>) {
      const StringDictionary& dictionary = column.dictionary();
      std::vector<uint32_t> codes(dictionary.size());
      std::iota(codes.begin(), codes.end(), 0);
      std::sort(codes.begin(), codes.end(),
                [&](uint32_t a, uint32_t b) { return dictionary.at(a) < dictionary.at(b); });
      std::vector<double> rank(dictionary.size());
      for (size_t i = 0; i < codes.size(); ++i) rank[codes[i]] = static_cast<double>(i);
      for (size_t row = 0; row < numbers.size(); ++row) {
        numbers[row] = column.is_valid(row) ? rank[values[row]] : kNull;
      }
    } else {
      for (size_t row = 0; row < numbers.size(); ++row) {
        if (!column.is_valid(row)) {
          numbers[row] = absolute ? 0.0 : kNull;
          continue;
        }
        const double value = static_cast<double>(values[row]);
        numbers[row] = absolute ? std::abs(value) : value;
      }
    }
  });
  return numbers;
}

struct PreparedKey {
  std::vector<double> numbers;
  bool descending;
};

std::vector<PreparedKey> prepare_keys(const ColumnSource& source,
                                      const std::vector<CompiledSortKey>& keys) {
  std::vector<PreparedKey> prepared;
  for (const auto& key : keys) {
    const bool absolute = key.direction == SortDirection::kAscendingAbs ||
                          key.direction == SortDirection::kDescendingAbs;
    const bool descending = key.direction == SortDirection::kDescending ||
                            key.direction == SortDirection::kDescendingAbs;
    prepared.push_back({sort_numbers(source.column(key.column), absolute), descending});
  }
  return prepared;
}

// Whether row `a` sorts before row `b` by the keys alone (ties are neither).
bool sorts_before(const std::vector<PreparedKey>& prepared, uint32_t a, uint32_t b) {
  for (const auto& key : prepared) {
    const double x = key.numbers[a], y = key.numbers[b];
    if (x != y) return key.descending ? x > y : x < y;
  }
  return false;
}

}  // namespace

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
  const std::vector<PreparedKey> prepared = prepare_keys(source, keys);
  if (prepared.size() == 1) {
    const auto& numbers = prepared[0].numbers;
    if (prepared[0].descending) {
      std::stable_sort(rows.begin(), rows.end(),
                       [&](uint32_t a, uint32_t b) { return numbers[a] > numbers[b]; });
    } else {
      std::stable_sort(rows.begin(), rows.end(),
                       [&](uint32_t a, uint32_t b) { return numbers[a] < numbers[b]; });
    }
    return;
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [&](uint32_t a, uint32_t b) { return sorts_before(prepared, a, b); });
}

std::vector<uint32_t> first_sorted_rows(const ColumnSource& source,
                                        const std::vector<CompiledSortKey>& keys,
                                        const std::vector<uint32_t>& rows, size_t count) {
  count = std::min(count, rows.size());
  if (keys.empty()) return {rows.begin(), rows.begin() + count};
  const std::vector<PreparedKey> prepared = prepare_keys(source, keys);
  // Entries are (row, position in `rows`): the position breaks ties as a stable sort does.
  using Entry = std::pair<uint32_t, uint32_t>;
  auto before = [&](const Entry& a, const Entry& b) {
    if (sorts_before(prepared, a.first, b.first)) return true;
    if (sorts_before(prepared, b.first, a.first)) return false;
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
