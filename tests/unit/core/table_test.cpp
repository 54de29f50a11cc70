#include "core/table.h"

#include <gtest/gtest.h>

namespace parallax {
namespace {

// A batch with an integer key column "k" and an integer value column "v".
RowBatch key_value_batch(const std::vector<int32_t>& keys, const std::vector<int32_t>& values) {
  RowBatch batch;
  batch.num_rows = keys.size();
  BatchColumn k{"k", Column(DataType::kInteger), std::nullopt};
  BatchColumn v{"v", Column(DataType::kInteger), std::nullopt};
  for (size_t i = 0; i < keys.size(); ++i) {
    k.values.append<int32_t>(keys[i]);
    v.values.append<int32_t>(values[i]);
  }
  batch.columns.push_back(std::move(k));
  batch.columns.push_back(std::move(v));
  return batch;
}

Schema key_value_schema() {
  return Schema({{"k", DataType::kInteger}, {"v", DataType::kInteger}});
}

std::vector<int32_t> values_in_order(const Table& table, size_t column) {
  std::vector<int32_t> out;
  for (uint32_t row : table.rows_in_natural_order())
    out.push_back(table.column(column).value<int32_t>(row));
  return out;
}

TEST(Table, FirstLoadTakenWholeKeepsNullsStringsAndLaterUpdates) {
  // A first load without index takes the batch's columns whole; a null cell there may hold
  // any value, and must still read as null and hold zero like cells set null one by one.
  RowBatch batch;
  batch.num_rows = 3;
  BatchColumn s{"s", Column(DataType::kString), std::nullopt};
  BatchColumn v{"v", Column(DataType::kInteger), std::nullopt};
  s.values.append_string("b");
  s.values.append_null();
  s.values.append_string("a");
  v.values.append<int32_t>(7);
  v.values.append<int32_t>(9);
  v.values.mutable_validity().set(1, false);
  v.values.append<int32_t>(8);
  batch.columns.push_back(std::move(s));
  batch.columns.push_back(std::move(v));
  auto table =
      Table::create(Schema({{"s", DataType::kString}, {"v", DataType::kInteger}}), {}).value();
  ASSERT_TRUE(table->load(batch).is_ok());
  ASSERT_EQ(table->num_rows(), 3u);
  EXPECT_EQ(table->column(0).string_at(0), "b");
  EXPECT_TRUE(table->column(0).is_null(1));
  EXPECT_EQ(table->column(0).string_at(2), "a");
  EXPECT_TRUE(table->column(1).is_null(1));
  EXPECT_EQ(table->column(1).value<int32_t>(1), 0);
  // Later updates go cell by cell into the same dictionary.
  RowBatch more;
  more.num_rows = 1;
  BatchColumn s2{"s", Column(DataType::kString), std::nullopt};
  s2.values.append_string("a");
  more.columns.push_back(std::move(s2));
  ASSERT_TRUE(table->update(more).is_ok());
  EXPECT_EQ(table->column(0).string_at(3), "a");
  EXPECT_EQ(table->column(0).value<uint32_t>(3), table->column(0).value<uint32_t>(2));
  EXPECT_TRUE(table->column(1).is_null(3));
}

TEST(Table, UpsertsByIndexAndLastDuplicateWins) {
  auto table = Table::create(key_value_schema(), {.index = "k"}).value();
  ASSERT_TRUE(table->update(key_value_batch({1, 1, 2, 1}, {1, 2, 3, 4})).is_ok());
  EXPECT_EQ(table->num_rows(), 2u);
  EXPECT_EQ(values_in_order(*table, 1), (std::vector<int32_t>{4, 3}));
  auto changes = table->update(key_value_batch({3, 2}, {30, 20})).value();
  EXPECT_EQ(changes.added_rows.size(), 1u);
  EXPECT_EQ(changes.updated_rows.size(), 1u);
  EXPECT_EQ(values_in_order(*table, 0), (std::vector<int32_t>{1, 2, 3}));
}

TEST(Table, PartialUpdateKeepsAbsentCells) {
  auto table = Table::create(key_value_schema(), {.index = "k"}).value();
  ASSERT_TRUE(table->update(key_value_batch({1}, {10})).is_ok());
  RowBatch partial = key_value_batch({1}, {0});
  partial.columns[1].present = ValidityBitmap();
  partial.columns[1].present->push_back(false);
  ASSERT_TRUE(table->update(partial).is_ok());
  EXPECT_EQ(table->column(1).value<int32_t>(0), 10);
}

TEST(Table, RemoveFillsTheHoleAndKeepsKeysFindable) {
  auto table = Table::create(key_value_schema(), {.index = "k"}).value();
  ASSERT_TRUE(table->update(key_value_batch({1, 2, 3}, {10, 20, 30})).is_ok());
  ASSERT_TRUE(table->remove({Scalar::of_integer(DataType::kInteger, 1)}).is_ok());
  EXPECT_EQ(values_in_order(*table, 1), (std::vector<int32_t>{20, 30}));
  ASSERT_TRUE(table->update(key_value_batch({3}, {33})).is_ok());
  EXPECT_EQ(values_in_order(*table, 1), (std::vector<int32_t>{20, 33}));
  EXPECT_EQ(table->num_rows(), 2u);
}

TEST(Table, LimitKeepsTheNewestRowsOldestFirst) {
  auto table = Table::create(key_value_schema(), {.limit = 3}).value();
  ASSERT_TRUE(table->update(key_value_batch({1, 2, 3, 4, 5}, {1, 2, 3, 4, 5})).is_ok());
  EXPECT_EQ(values_in_order(*table, 1), (std::vector<int32_t>{3, 4, 5}));
  ASSERT_TRUE(table->update(key_value_batch({6, 7}, {6, 7})).is_ok());
  EXPECT_EQ(values_in_order(*table, 1), (std::vector<int32_t>{5, 6, 7}));
  // Implicit ids keep counting: the oldest kept row is the fifth ever appended.
  EXPECT_EQ(table->key_of(table->rows_in_natural_order()[0]).integer, 4);
}

TEST(Table, FailedUpdateChangesNothing) {
  auto table = Table::create(key_value_schema(), {.index = "k"}).value();
  ASSERT_TRUE(table->update(key_value_batch({1}, {10})).is_ok());
  RowBatch wrong = key_value_batch({2}, {20});
  wrong.columns[1].values = Column(DataType::kString);
  wrong.columns[1].values.append_string("x");
  EXPECT_FALSE(table->update(wrong).is_ok());
  EXPECT_EQ(table->num_rows(), 1u);
}

TEST(Table, RejectsBadOptions) {
  EXPECT_FALSE(Table::create(key_value_schema(), {.index = "zz"}).is_ok());
  EXPECT_FALSE(Table::create(key_value_schema(), {.index = "k", .limit = 3}).is_ok());
  EXPECT_FALSE(Table::create(Schema({{"b", DataType::kBoolean}}), {.index = "b"}).is_ok());
}

}  // namespace
}  // namespace parallax
