#include "query/flat_view.h"

#include <gtest/gtest.h>

#include <cmath>

#include "columns.h"
#include "query/filter.h"

namespace parallax {
namespace {

// Table: name (string), score (float, one null).
std::unique_ptr<Table> scores() {
  return test::table_of({{"name", test::string_column({"bob", "Ann", "cy", "al"})},
                         {"score", test::float_column({2.5, std::nullopt, -1, 2.5})}});
}

std::vector<std::string> names(const FlatView& view) {
  Frame frame = view.read({}, KeyColumns::kNone);
  std::vector<std::string> out;
  for (uint32_t row : frame.rows) out.emplace_back(view.table().column(0).string_at(row));
  return out;
}

FilterValue text(std::string value) {
  return {FilterValue::Kind::kString, false, 0, std::move(value)};
}

TEST(FlatView, SortsDescendingWithNullsLastAndStableTies) {
  auto table = scores();
  ViewConfig config;
  config.sort = {{"score", SortDirection::kDescending}};
  auto view = FlatView::create(*table, config).value();
  EXPECT_EQ(names(*view), (std::vector<std::string>{"bob", "al", "cy", "Ann"}));
}

TEST(FlatView, SortsAscendingWithNullsFirst) {
  auto table = scores();
  ViewConfig config;
  config.sort = {{"score", SortDirection::kAscending}, {"name", SortDirection::kAscending}};
  auto view = FlatView::create(*table, config).value();
  EXPECT_EQ(names(*view), (std::vector<std::string>{"Ann", "cy", "al", "bob"}));
}

TEST(FlatView, TextFiltersIgnoreCaseAndNullsMatchNotEqual) {
  auto table = scores();
  ViewConfig config;
  config.filter = {{"name", FilterOp::kBeginsWith, {text("A")}}};
  EXPECT_EQ(names(*FlatView::create(*table, config).value()),
            (std::vector<std::string>{"Ann", "al"}));
  config.filter = {{"score", FilterOp::kNotEqual, {{FilterValue::Kind::kNumber, false, 2.5}}}};
  EXPECT_EQ(names(*FlatView::create(*table, config).value()),
            (std::vector<std::string>{"Ann", "cy"}));
}

// A number past the dates a date column holds (1e300 from a client, NaN from protobuf) was
// cast to int64 (undefined); it is an error like any unreadable operand.
TEST(FlatView, DateFilterValuesPastTheDatesAreErrors) {
  Schema schema;
  schema.add({"day", DataType::kDate});
  for (const double value : {1e300, -1e300, std::nan(""), 1.9e17}) {
    const std::vector<FilterTerm> filter = {
        {"day", FilterOp::kEqual, {{FilterValue::Kind::kNumber, false, value}}}};
    auto compiled = RowFilter::compile(schema, filter, FilterCombinator::kAnd);
    ASSERT_FALSE(compiled.is_ok()) << value;
    EXPECT_NE(compiled.status().message().find("cannot be read as date"), std::string::npos);
  }
  const std::vector<FilterTerm> day = {
      {"day", FilterOp::kEqual, {{FilterValue::Kind::kNumber, false, 1.7e17}}}};
  EXPECT_TRUE(RowFilter::compile(schema, day, FilterCombinator::kAnd).is_ok());
}

TEST(FlatView, FollowsTheTableAfterAnUpdate) {
  auto table = scores();
  auto view = FlatView::create(*table, {}).value();
  EXPECT_EQ(view->num_rows(), 4u);
  table->clear();
  view->refresh();  // as the engine does before handing the view out
  EXPECT_EQ(view->num_rows(), 0u);
}

TEST(FlatView, WindowsClampAndRoundOutwards) {
  auto table = scores();
  auto view = FlatView::create(*table, {}).value();
  ViewWindow window;
  window.start_row = 0.5;
  window.end_row = 1.2;
  EXPECT_EQ(view->read(window, KeyColumns::kNone).rows.size(), 2u);
  window.start_row = -3;
  window.end_row = 99;
  window.start_col = 1;
  Frame frame = view->read(window, KeyColumns::kNone);
  EXPECT_EQ(frame.rows.size(), 4u);
  ASSERT_EQ(frame.columns.size(), 1u);
  EXPECT_EQ(frame.columns[0].name, "score");
}

TEST(FlatView, RejectsUnknownColumns) {
  auto table = scores();
  ViewConfig config;
  config.columns = std::vector<std::string>{"nope"};
  EXPECT_FALSE(FlatView::create(*table, config).is_ok());
  config = {};
  config.sort = {{"nope", SortDirection::kAscending}};
  EXPECT_FALSE(FlatView::create(*table, config).is_ok());
}

}  // namespace
}  // namespace parallax
