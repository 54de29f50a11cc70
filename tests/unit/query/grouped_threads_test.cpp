// A grouped view built on the engine's task pool is the same view as one built on one thread,
// to the last bit of every float: sums are exact (query/exact_sum.h), and the other cells
// read their rows in the one-thread order whatever the number of threads (dictionary-coded
// keys, the counting sort and the aggregates spread over pieces of the rows, groups and
// columns).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "columns.h"
#include "fsum.h"

#include "common/task_pool.h"
#include "query/grouped_view.h"

namespace parallax {
namespace {

// Enough rows that every step cuts them into several pieces (32,768 rows at least each).
constexpr size_t kRows = 150'000;

// Floats of awkward magnitudes, whose sums depend on the order they are added in; nulls in
// every column; a few thousand groups.
std::unique_ptr<Table> orders() {
  test::Cells<std::string> region, product, customer, flag;
  test::Cells<double> price;
  test::Cells<int32_t> qty;
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  for (size_t i = 0; i < kRows; ++i) {
    const uint64_t r = next();
    region.push_back(r % 17 == 0 ? std::nullopt : std::optional("r" + std::to_string(r % 7)));
    product.push_back(r % 101 == 0 ? std::nullopt
                                   : std::optional("p" + std::to_string(next() % 700)));
    customer.push_back("c" + std::to_string(next() % 5000));
    flag.push_back(r % 13 == 0 ? std::nullopt : std::optional(r % 3 == 0 ? "yes" : "no"));
    const double magnitudes[] = {1e16, 1e-3, -3e15, 0.1, 7.25, -1e-7, 123456.789};
    const uint64_t m = next();
    if (m % 50 == 0) {
      price.push_back(std::nullopt);
    } else {
      price.push_back(magnitudes[m % 7] * (1.0 + static_cast<double>(next() % 1000) / 997.0));
    }
    qty.push_back(m % 23 == 0 ? std::nullopt : std::optional(static_cast<int32_t>(m % 49) - 7));
  }
  return test::table_of({{"region", test::string_column(region)},
                         {"product", test::string_column(product)},
                         {"customer", test::string_column(customer)},
                         {"flag", test::string_column(flag)},
                         {"price", test::float_column(price)},
                         {"qty", test::integer_column(qty)}});
}

ViewConfig config(std::vector<std::string> group_by, std::vector<std::string> split_by,
                  std::vector<AggregateChoice> aggregates, std::vector<SortKey> sort = {}) {
  ViewConfig cfg;
  cfg.group_by = std::move(group_by);
  cfg.split_by = std::move(split_by);
  cfg.columns = std::vector<std::string>{};
  for (const auto& choice : aggregates) cfg.columns->push_back(choice.column);
  cfg.aggregates = std::move(aggregates);
  cfg.sort = std::move(sort);
  return cfg;
}

// Every cell of the view as bits: row paths, then each column's validity and value bytes.
std::string bits_of(const View& view) {
  const Frame frame = view.read({}, KeyColumns::kLeading);
  std::string out;
  auto cell = [&](const Column& column, uint32_t position) {
    if (column.is_null(position)) {
      out += 'n';
      return;
    }
    visit_type(column.type(), [&](auto tag) {
      using Storage = typename decltype(tag)::Storage;
      if constexpr (std::is_same_v<Storage, uint32_t>) {
        out += column.string_at(position);
      } else {
        const Storage value = column.value<Storage>(position);
        out.append(reinterpret_cast<const char*>(&value), sizeof value);
      }
    });
    out += '|';
  };
  for (size_t i = 0; i < frame.rows.size(); ++i) {
    if (frame.row_path) {
      for (size_t level = 0; level < frame.row_path->depths[i]; ++level)
        cell(*frame.row_path->levels[level].column, frame.rows[i]);
    }
    out += ':';
    for (const FrameColumn& column : frame.columns) cell(*column.column, frame.rows[i]);
    out += '\n';
  }
  for (const std::string& path : view.column_paths()) out += path + ",";
  return out;
}

// Whether two views' bits agree; else the first line (a row, in view order) that differs.
testing::AssertionResult same_bits(const std::string& a, const std::string& b) {
  if (a == b) return testing::AssertionSuccess();
  size_t line = 0, at = 0;
  while (at < a.size() && at < b.size() && a[at] == b[at]) line += a[at++] == '\n';
  return testing::AssertionFailure() << "the views differ from row " << line << " (of "
                                     << std::count(a.begin(), a.end(), '\n') << ")";
}

std::string built_with(const Table& table, const ViewConfig& cfg, TaskPool* pool) {
  auto view = GroupedView::create(table, cfg, pool);
  EXPECT_TRUE(view.is_ok()) << view.status().message();
  (*view)->refresh();
  return bits_of(**view);
}

std::vector<ViewConfig> configs() {
  const SortKey by_price_desc{"price", SortDirection::kDescending};
  return {
      config({"product"}, {}, {{"price", "sum", {}}, {"qty", "avg", {}}}),
      config({"customer"}, {}, {{"price", "sum", {}}}),
      config({"region", "product"}, {"flag"}, {{"price", "sum", {}}}),
      config({"region", "product"}, {"flag"},
             {{"price", "pct sum parent", {}}, {"qty", "count", {}}}, {by_price_desc}),
      config({"region", "flag", "product"}, {}, {{"price", "sum", {}}, {"qty", "sum", {}}},
             {by_price_desc}),
      config({"region"}, {"flag"}, {{"price", "mean", {}}, {"qty", "sum abs", {}}}),
      // Keys that are not strings, and aggregates without running totals (one thread).
      config({"qty"}, {}, {{"price", "sum", {}}}),
      config({"region"}, {}, {{"price", "median", {}}, {"customer", "distinct count", {}}}),
      config({"flag"}, {"region"}, {{"price", "max", {}}, {"qty", "avg", {}}}),
  };
}

TEST(GroupedThreads, AnyNumberOfThreadsBuildsTheOneThreadView) {
  auto table = orders();
  TaskPool one(1), two(2), five(5);
  for (const ViewConfig& cfg : configs()) {
    const std::string alone = built_with(*table, cfg, nullptr);
    ASSERT_GT(alone.size(), 100u);
    EXPECT_TRUE(same_bits(built_with(*table, cfg, &one), alone)) << cfg.group_by[0];
    EXPECT_TRUE(same_bits(built_with(*table, cfg, &two), alone)) << cfg.group_by[0];
    EXPECT_TRUE(same_bits(built_with(*table, cfg, &five), alone)) << cfg.group_by[0];
  }
}

TEST(GroupedThreads, FloatSumsDependOnTheirOrderHere) {
  // The data is chosen so that a different order of additions shows in the last bits: the
  // test above would notice partial sums combined.
  auto table = orders();
  const Column& price = table->column(table->schema().find("price").value());
  double forward = 0, backward = 0;
  for (size_t row = 0; row < table->num_rows(); ++row)
    if (price.is_valid(row)) forward += price.value<double>(row);
  for (size_t row = table->num_rows(); row-- > 0;)
    if (price.is_valid(row)) backward += price.value<double>(row);
  EXPECT_NE(forward, backward);
}

// A built view's sums are the correctly rounded sums of their rows, whatever the passes that
// make them (leaves' sums combined, rows in table order, on any number of threads): this data
// shows the order of floating-point adds in the last bits (tree order against natural order).
TEST(GroupedThreads, BuiltSumsAreCorrectlyRounded) {
  auto table = orders();
  const Column& price = table->column(table->schema().find("price").value());
  const Column& product = table->column(table->schema().find("product").value());
  const Column& flag = table->column(table->schema().find("flag").value());
  auto cell = [](const View& view, std::string_view name, size_t row) {
    const Frame frame = view.read({}, KeyColumns::kNone);
    for (const FrameColumn& column : frame.columns) {
      if (column.name == name) return column.column->value<double>(frame.rows.at(row));
    }
    ADD_FAILURE() << "no column " << name;
    return 0.0;
  };
  TaskPool pool(2);
  for (TaskPool* threads : {static_cast<TaskPool*>(nullptr), &pool}) {
    // group_by product: the totals row adds product by product, nulls first, then by text.
    auto view =
        GroupedView::create(*table, config({"product"}, {}, {{"price", "sum", {}}}), threads)
            .value();
    view->refresh();
    std::vector<std::optional<std::string>> keys;
    for (size_t row = 0; row < table->num_rows(); ++row) {
      keys.push_back(product.is_null(row) ? std::nullopt
                                          : std::optional(std::string(product.string_at(row))));
    }
    std::vector<std::optional<std::string>> sorted = keys;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    double tree_order = 0;
    std::vector<double> all, first_leaf;
    for (const auto& key : sorted) {
      for (size_t row = 0; row < table->num_rows(); ++row) {
        if (keys[row] != key || price.is_null(row)) continue;
        tree_order += price.value<double>(row);
        if (key == sorted[0]) first_leaf.push_back(price.value<double>(row));
      }
    }
    double natural = 0;
    for (size_t row = 0; row < table->num_rows(); ++row) {
      if (!price.is_valid(row)) continue;
      natural += price.value<double>(row);
      all.push_back(price.value<double>(row));
    }
    ASSERT_NE(tree_order, natural);  // (the data shows the order)
    EXPECT_EQ(cell(*view, "price", 0), test::fsum(all));
    EXPECT_EQ(cell(*view, "price", 1), test::fsum(first_leaf));
    // group_by region, product split_by flag: a split cell of the totals row.
    auto split =
        GroupedView::create(*table, config({"region", "product"}, {"flag"}, {{"price", "sum", {}}}),
                            threads)
            .value();
    split->refresh();
    std::vector<double> yes;
    for (size_t row = 0; row < table->num_rows(); ++row) {
      if (flag.is_valid(row) && flag.string_at(row) == "yes" && price.is_valid(row))
        yes.push_back(price.value<double>(row));
    }
    EXPECT_EQ(cell(*split, "yes|price", 0), test::fsum(yes));
  }
}

TEST(GroupedThreads, AViewBuiltOnThreadsFollowsChangesAsOneBuiltAlone) {
  auto table = orders();
  TaskPool pool(3);
  const ViewConfig cfg = config({"region", "product"}, {"flag"}, {{"price", "sum", {}}});
  auto threaded = GroupedView::create(*table, cfg, &pool).value();
  auto alone = GroupedView::create(*table, cfg, nullptr).value();
  threaded->refresh();
  alone->refresh();
  // New rows: new groups, a new product in existing regions.
  RowBatch batch;
  batch.num_rows = 3;
  batch.columns.push_back(
      {"region", test::string_column({"r1", "r9", std::nullopt}), std::nullopt});
  batch.columns.push_back({"product", test::string_column({"p1", "new", "p2"}), std::nullopt});
  batch.columns.push_back({"flag", test::string_column({"yes", "no", "yes"}), std::nullopt});
  batch.columns.push_back({"price", test::float_column({1e16, 0.1, -2.5}), std::nullopt});
  auto changes = table->update(batch);
  ASSERT_TRUE(changes.is_ok()) << changes.status().message();
  threaded->table_changed(*changes);
  alone->table_changed(*changes);
  threaded->refresh();
  alone->refresh();
  EXPECT_TRUE(same_bits(bits_of(*threaded), bits_of(*alone)));
  EXPECT_TRUE(same_bits(bits_of(*threaded), built_with(*table, cfg, nullptr)));
}

}  // namespace
}  // namespace parallax
