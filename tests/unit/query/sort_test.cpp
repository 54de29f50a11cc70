// The paging paths of flat views: the first rows from a bounded heap must be exactly what a
// full stable sort gives (ties, nulls, several keys), and a kept natural order must be dropped
// as soon as it is stale. Tables are large enough (20,000 rows) to take the heap path.
#include <gtest/gtest.h>

#include <random>

#include "query/flat_view.h"
#include "query/sort.h"

namespace parallax {
namespace {

constexpr size_t kRows = 20'000;

// Keyed by "id" (shuffled), "group" (a string of 5 values), "score" (float with many ties and
// nulls); new rows get ids from `first_id`.
RowBatch batch_of(size_t rows, int32_t first_id, uint64_t seed) {
  std::mt19937_64 random(seed);
  RowBatch batch;
  batch.num_rows = rows;
  BatchColumn id{"id", Column(DataType::kInteger), std::nullopt};
  BatchColumn group{"group", Column(DataType::kString), std::nullopt};
  BatchColumn score{"score", Column(DataType::kFloat), std::nullopt};
  std::vector<int32_t> ids(rows);
  for (size_t i = 0; i < rows; ++i) ids[i] = first_id + static_cast<int32_t>(i);
  std::shuffle(ids.begin(), ids.end(), random);
  for (size_t i = 0; i < rows; ++i) {
    id.values.append<int32_t>(ids[i]);
    group.values.append_string(std::string(1, static_cast<char>('a' + random() % 5)));
    if (random() % 10 == 0) {
      score.values.append_null();
    } else {
      score.values.append<double>(static_cast<double>(random() % 50));
    }
  }
  batch.columns.push_back(std::move(id));
  batch.columns.push_back(std::move(group));
  batch.columns.push_back(std::move(score));
  return batch;
}

std::unique_ptr<Table> keyed_table() {
  TableOptions options;
  options.index = "id";
  auto table = Table::create(batch_of(1, 0, 0).schema(), options).value();
  EXPECT_TRUE(table->load(batch_of(kRows, 0, 1)).is_ok());
  return table;
}

std::vector<CompiledSortKey> keys_of(const Table& table, std::vector<SortKey> keys) {
  return compile_sort(table.schema(), keys).value();
}

TEST(FirstSortedRows, EqualsThePrefixOfAFullStableSort) {
  auto table = keyed_table();
  const std::vector<std::vector<SortKey>> orders = {
      {{"score", SortDirection::kDescending}},
      {{"score", SortDirection::kAscending}},
      {{"group", SortDirection::kAscending}, {"score", SortDirection::kDescending}},
      {{"group", SortDirection::kDescending}},
  };
  const auto source = ColumnSource::create(*table, {}).value();
  for (const auto& order : orders) {
    const auto keys = keys_of(*table, order);
    std::vector<uint32_t> sorted = table->rows_in_natural_order();
    const std::vector<uint32_t> natural = sorted;
    sort_rows(*source, keys, sorted);
    for (size_t count : {0, 1, 7, 300, 5000}) {
      const std::vector<uint32_t> first = first_sorted_rows(*source, keys, natural, count);
      ASSERT_EQ(first, std::vector<uint32_t>(sorted.begin(), sorted.begin() + count));
    }
  }
}

// Rows of a window, read through the view.
std::vector<uint32_t> window_rows(const FlatView& view, double start, double end) {
  ViewWindow window;
  window.start_row = start;
  window.end_row = end;
  return view.read(window, KeyColumns::kNone).rows;
}

TEST(FlatViewPaging, PagesAgreeWithAFullSortAcrossUpdates) {
  auto table = keyed_table();
  ViewConfig config;
  config.sort = {{"score", SortDirection::kDescending}};
  auto view = FlatView::create(*table, config).value();
  const auto keys = keys_of(*table, config.sort);
  const auto source = ColumnSource::create(*table, {}).value();
  auto expect_pages = [&] {
    view->refresh();  // as the engine does before handing the view out
    std::vector<uint32_t> sorted = table->rows_in_natural_order();
    sort_rows(*source, keys, sorted);
    EXPECT_EQ(window_rows(*view, 0, 50),
              std::vector<uint32_t>(sorted.begin(), sorted.begin() + 50));
    EXPECT_EQ(window_rows(*view, 100, 200),
              std::vector<uint32_t>(sorted.begin() + 100, sorted.begin() + 200));
    EXPECT_EQ(window_rows(*view, 0, kRows * 2), sorted);  // past the heap: a full sort
    EXPECT_EQ(window_rows(*view, 10, 20),
              std::vector<uint32_t>(sorted.begin() + 10, sorted.begin() + 20));
  };
  expect_pages();
  // An upsert of existing keys (the natural order is kept), then new keys (it is not).
  ASSERT_TRUE(table->update(batch_of(100, 0, 2)).is_ok());
  expect_pages();
  ASSERT_TRUE(table->update(batch_of(100, static_cast<int32_t>(kRows) - 50, 3)).is_ok());
  expect_pages();
  ASSERT_TRUE(table->remove({Scalar::of_integer(DataType::kInteger, 5)}).is_ok());
  expect_pages();
}

TEST(TableNaturalOrder, IsNaturalOrderSeesStaleOrders) {
  auto table = keyed_table();
  std::vector<uint32_t> rows = table->rows_in_natural_order();
  EXPECT_TRUE(table->is_natural_order(rows));
  std::swap(rows[3], rows[4]);
  EXPECT_FALSE(table->is_natural_order(rows));
  std::swap(rows[3], rows[4]);
  rows.pop_back();
  EXPECT_FALSE(table->is_natural_order(rows));
  rows = table->rows_in_natural_order();
  ASSERT_TRUE(table->remove({Scalar::of_integer(DataType::kInteger, 17)}).is_ok());
  EXPECT_FALSE(table->is_natural_order(rows));
  EXPECT_TRUE(table->is_natural_order(table->rows_in_natural_order()));
}

}  // namespace
}  // namespace parallax
