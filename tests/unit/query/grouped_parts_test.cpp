// The parts of a grouped view check their invariants (common/check.h): each answers ok when
// consistent and kInternal naming what broke when one of its parallel arrays disagrees.
#include <algorithm>
#include <numeric>
#include <optional>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "columns.h"

#include "query/column_source.h"
#include "query/group_tree.h"
#include "query/grouped_layout.h"
#include "query/split_columns.h"

namespace parallax {
namespace {

// Table: region (string), kind (string), 6 rows over 2 regions and 2 kinds.
std::unique_ptr<Table> sales() {
  return test::table_of(
      {{"region", test::string_column({"east", "west", "east", "east", "west", "west"})},
       {"kind", test::string_column({"a", "b", "b", "a", "a", "b"})}});
}

std::vector<uint32_t> all_rows(const Table& table) {
  std::vector<uint32_t> rows(table.num_rows());
  std::iota(rows.begin(), rows.end(), 0);
  return rows;
}

void expect_internal(const Status& status, const std::string& says) {
  EXPECT_EQ(status.code(), StatusCode::kInternal) << status.message();
  EXPECT_NE(status.message().find(says), std::string::npos) << status.message();
}

TEST(GroupTreeCheck, AnswersInternalForEachBrokenInvariant) {
  auto table = sales();
  auto source = ColumnSource::create(*table, {}).value();
  auto built = [&] {
    GroupTree tree(*table, *source, {0, 1});  // region, then kind
    tree.build(all_rows(*table));
    return tree;
  };
  GroupTree tree = built();
  ASSERT_TRUE(tree.check(table->num_rows()).is_ok()) << tree.check(table->num_rows()).message();
  ASSERT_EQ(tree.size(), 7u);  // totals, 2 regions, 4 (region, kind) leaves

  expect_internal(tree.check(table->num_rows() + 1), "leaves of 6 rows, the table has 7");

  tree.node(1).rows.pop_back();  // a region loses a row its leaves still hold
  expect_internal(tree.check(table->num_rows()), "rows, its children");

  tree = built();
  const uint32_t leaf = tree.leaf_of(0);
  tree.set_leaf(0, leaf == 3 ? 4 : 3);  // row 0 said to be in another leaf
  expect_internal(tree.check(table->num_rows()), "has another leaf");

  tree = built();
  tree.node(0).children.push_back(2);  // a grandchild listed as a child of the totals row
  expect_internal(tree.check(table->num_rows()), "not its live child");
}

// The tree vouches for its children's key order (readers skip checking it) only from a
// build of string keys until anyone may have reordered them.
TEST(GroupTreeCheck, ChildrenInKeyOrderOnlyUntilTheyMayBeReordered) {
  auto table = test::table_of({{"region", test::string_column({"west", "east", "west", "north"})},
                               {"size", test::integer_column({3, 1, 2, 3})}});
  auto source = ColumnSource::create(*table, {}).value();
  GroupTree tree(*table, *source, {0});
  tree.build(all_rows(*table));
  EXPECT_TRUE(tree.children_in_key_order());
  ASSERT_TRUE(tree.check(table->num_rows()).is_ok()) << tree.check(table->num_rows()).message();
  EXPECT_EQ(std::as_const(tree).node(0).children.size(), 3u);  // reading keeps it
  EXPECT_TRUE(tree.children_in_key_order());
  std::vector<uint32_t>& children = tree.node(0).children;  // may be reordered
  EXPECT_FALSE(tree.children_in_key_order());
  std::reverse(children.begin(), children.end());
  EXPECT_TRUE(tree.check(table->num_rows()).is_ok()) << tree.check(table->num_rows()).message();
  tree.build(all_rows(*table));
  EXPECT_TRUE(tree.children_in_key_order());

  GroupTree by_size(*table, *source, {1});  // numbers: children in the order met
  by_size.build(all_rows(*table));
  EXPECT_FALSE(by_size.children_in_key_order());
  GroupTree by_both(*table, *source, {0, 1});
  by_both.build(all_rows(*table));
  EXPECT_FALSE(by_both.children_in_key_order());
}

// A tree of string keys is built from their dictionary codes, its groups made in bulk; a
// tree that follows changes makes them row by row (find_or_add_leaf). Both must be the same
// tree: node numbers, parents, paths, key rows, keys, children and the child index that
// finds a row's leaf by its keys. (check() verifies the built children are in key order.)
TEST(GroupTree, BuiltByCodesAsMadeRowByRow) {
  test::Cells<std::string> region, product, wide;
  uint64_t state = 99;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  for (size_t i = 0; i < 3000; ++i) {
    const uint64_t r = next();
    region.push_back(r % 11 == 0 ? std::nullopt : std::optional("r" + std::to_string(r % 5)));
    product.push_back(r % 7 == 0 ? std::nullopt
                                 : std::optional("p" + std::to_string(next() % 300)));
    // As many texts as rows, most sharing their first 8 bytes with hundreds of others.
    wide.push_back("w" + std::to_string(i % 7) + "-shared-" + std::to_string(i));
  }
  auto table = test::table_of({{"region", test::string_column(region)},
                               {"product", test::string_column(product)},
                               {"wide", test::string_column(wide)}});
  auto source = ColumnSource::create(*table, {}).value();
  std::vector<uint32_t> some;  // a filter's rows: few of wide's texts are keys
  for (uint32_t row = 0; row < table->num_rows(); row += 37) some.push_back(row);
  const std::vector<std::vector<size_t>> levels = {{1}, {0, 1}, {1, 0, 2}, {2}};
  for (const std::vector<uint32_t>& rows : {all_rows(*table), some}) {
    for (const std::vector<size_t>& group_by : levels) {
      SCOPED_TRACE(::testing::Message() << group_by.size() << " levels, " << rows.size());
      GroupTree built(*table, *source, group_by);
      built.build(rows);
      ASSERT_TRUE(built.check(table->num_rows()).is_ok())
          << built.check(table->num_rows()).message();
      GroupTree made(*table, *source, group_by);
      made.build(std::vector<uint32_t>{});
      for (const uint32_t row : rows) {
        const uint32_t leaf = made.find_or_add_leaf(row, nullptr);
        EXPECT_EQ(built.leaf_of(row), leaf) << row;
        EXPECT_EQ(built.find_leaf(row), leaf) << row;
      }
      ASSERT_EQ(built.size(), made.size());
      for (uint32_t node = 0; node < built.size(); ++node) {
        const GroupTree::Node& a = std::as_const(built).node(node);
        const GroupTree::Node& b = std::as_const(made).node(node);
        EXPECT_EQ(a.parent, b.parent) << node;
        EXPECT_EQ(a.depth, b.depth) << node;
        EXPECT_EQ(a.key_row, b.key_row) << node;
        EXPECT_EQ(a.path, b.path) << node;
        std::vector<uint32_t> children = a.children, made_children = b.children;
        std::sort(children.begin(), children.end());
        EXPECT_EQ(children, made_children) << node;  // (made in number order)
        for (size_t level = 0; level < group_by.size(); ++level) {
          const Column& keys = built.levels()[level];
          const Column& made_keys = made.levels()[level];
          ASSERT_EQ(keys.is_null(node), made_keys.is_null(node)) << node << " " << level;
          if (!keys.is_null(node)) EXPECT_EQ(keys.string_at(node), made_keys.string_at(node));
        }
      }
    }
  }
}

TEST(SplitColumnsCheck, AnswersInternalWhenSizesDisagree) {
  auto table = sales();
  auto source = ColumnSource::create(*table, {}).value();
  SplitColumns splits(*source, {1});  // by kind
  splits.build(all_rows(*table), table->num_rows());
  splits.make_paths();
  ASSERT_TRUE(splits.check(table->num_rows(), 6).is_ok())
      << splits.check(table->num_rows(), 6).message();
  EXPECT_EQ(splits.size(), 2u);

  expect_internal(splits.check(table->num_rows(), 5), "6 rows in combinations, 5 in the view");
  expect_internal(splits.check(table->num_rows() - 1, 6), "combinations of 6 rows");
  splits.count_row(0, -1);
  expect_internal(splits.check(table->num_rows(), 6), "5 rows in combinations, 6 in the view");
}

TEST(GroupedLayoutCheck, AnswersInternalForARowOfAGroupGoneOrOutOfOrder) {
  auto table = sales();
  auto source = ColumnSource::create(*table, {}).value();
  GroupTree tree(*table, *source, {0});
  tree.build(all_rows(*table));
  GroupedLayout layout;
  layout.lay_out(tree);
  ASSERT_TRUE(layout.check(tree).is_ok()) << layout.check(tree).message();
  EXPECT_EQ(layout.visible().size(), 3u);

  tree.node(2).gone = true;  // a shown group taken out of the tree behind the layout's back
  expect_internal(layout.check(tree), "not a live group");
  tree.node(2).gone = false;
  // Siblings reordered behind the layout's back.
  std::reverse(tree.node(0).children.begin(), tree.node(0).children.end());
  expect_internal(layout.check(tree), "differ from a fresh layout");
}

}  // namespace
}  // namespace parallax

namespace parallax {
namespace {

// A change that only reorders siblings moves their rows in place (grouped_view_follow.cpp):
// the rows shown must be a fresh layout's, whichever groups are collapsed.
TEST(GroupedLayout, ChildrenReorderedShowsAsAFreshLayout) {
  auto table = sales();
  auto source = ColumnSource::create(*table, {}).value();
  for (int collapsed = 0; collapsed < 4; ++collapsed) {  // none, east, west, the totals row
    for (uint32_t parent : {0u, 1u, 2u}) {
      GroupTree tree(*table, *source, {0, 1});  // region, then kind
      tree.build(all_rows(*table));
      ASSERT_EQ(tree.node(0).children.size(), 2u);
      GroupedLayout layout;
      if (collapsed > 0)
        layout.collapse(tree, collapsed == 3 ? 0 : tree.node(0).children[collapsed - 1]);
      layout.lay_out(tree);
      const std::vector<uint32_t> previous = tree.node(parent).children;
      std::reverse(tree.node(parent).children.begin(), tree.node(parent).children.end());
      layout.children_reordered(tree, parent, previous);
      SCOPED_TRACE("collapsed " + std::to_string(collapsed) + ", parent " + std::to_string(parent));
      EXPECT_TRUE(layout.check(tree).is_ok()) << layout.check(tree).message();
      GroupedLayout fresh = layout;
      fresh.lay_out(tree);
      EXPECT_EQ(layout.visible(), fresh.visible());
    }
  }
}

}  // namespace
}  // namespace parallax
