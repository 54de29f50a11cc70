#include "query/sort.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace parallax {

namespace {

// One number per table row that orders as the cells do; null is below every value.
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
          numbers[row] = kNull;
          continue;
        }
        const double value = static_cast<double>(values[row]);
        numbers[row] = absolute ? std::abs(value) : value;
      }
    }
  });
  return numbers;
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
  struct PreparedKey {
    std::vector<double> numbers;
    bool descending;
  };
  std::vector<PreparedKey> prepared;
  for (const auto& key : keys) {
    const bool absolute = key.direction == SortDirection::kAscendingAbs ||
                          key.direction == SortDirection::kDescendingAbs;
    const bool descending = key.direction == SortDirection::kDescending ||
                            key.direction == SortDirection::kDescendingAbs;
    prepared.push_back({sort_numbers(source.column(key.column), absolute), descending});
  }
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
  std::stable_sort(rows.begin(), rows.end(), [&](uint32_t a, uint32_t b) {
    for (const auto& key : prepared) {
      const double x = key.numbers[a], y = key.numbers[b];
      if (x != y) return key.descending ? x > y : x < y;
    }
    return false;
  });
}

}  // namespace parallax
