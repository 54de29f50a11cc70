#include "formats/csv_reader.h"
#include "formats/csv_writer.h"

#include <gtest/gtest.h>

namespace parallax {
namespace {

TEST(CsvReader, InfersEveryType) {
  auto batch = read_csv("b,i,f,s,d,t\ntrue,1,1.5,x,2024-01-02,2024-01-02 10:00:00\n").value();
  ASSERT_EQ(batch.columns.size(), 6u);
  const DataType expected[] = {DataType::kBoolean, DataType::kInteger, DataType::kFloat,
                               DataType::kString,  DataType::kDate,    DataType::kDatetime};
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(batch.columns[i].values.type(), expected[i]) << i;
}

TEST(CsvReader, WidensIntegersToFloatsAndMixedToString) {
  auto batch = read_csv("a,b\n1,1\n2.5,x\n").value();
  EXPECT_EQ(batch.columns[0].values.type(), DataType::kFloat);
  EXPECT_EQ(batch.columns[1].values.type(), DataType::kString);
}

TEST(CsvReader, QuotesCrlfAndBom) {
  auto batch = read_csv(
                   "\xEF\xBB\xBF"
                   "a,b\r\n\"x,\"\"y\"\"\",1\r\n")
                   .value();
  ASSERT_EQ(batch.num_rows, 1u);
  EXPECT_EQ(batch.columns[0].name, "a");
  EXPECT_EQ(batch.columns[0].values.string_at(0), "x,\"y\"");
}

TEST(CsvReader, OneColumnSkipsBlankLinesButKeepsQuotedEmptyFields) {
  // As the reference: "" is a row (an empty string, or null in other types), a blank line
  // is nothing.
  auto strings = read_csv("s\n\"\"\n\nx\n").value();
  ASSERT_EQ(strings.num_rows, 2u);
  EXPECT_EQ(strings.columns[0].values.string_at(0), "");
  EXPECT_EQ(strings.columns[0].values.string_at(1), "x");
  auto numbers = read_csv("n\n\"\"\n5\n").value();
  ASSERT_EQ(numbers.num_rows, 2u);
  EXPECT_EQ(numbers.columns[0].values.type(), DataType::kInteger);
  EXPECT_TRUE(numbers.columns[0].values.is_null(0));
}

TEST(CsvReader, RejectsBrokenInput) {
  EXPECT_FALSE(read_csv("a,b\n1\n").is_ok());
  EXPECT_FALSE(read_csv("a\n\"open\n").is_ok());
  EXPECT_FALSE(read_csv("").is_ok());
  Schema schema({{"a", DataType::kInteger}});
  EXPECT_FALSE(read_csv("a\n1.5\n", &schema).is_ok());
}

TEST(CsvWriter, QuotesHeadersAndStrings) {
  auto batch = read_csv("s,n\nx,1\n,\n").value();
  Frame frame;
  for (auto& column : batch.columns) frame.columns.push_back({column.name, &column.values});
  frame.rows = {0, 1};
  // An empty cell of a string column is the empty string (quoted); a null number is bare.
  EXPECT_EQ(write_csv(frame), "\"s\",\"n\"\n\"x\",1\n\"\",\n");
}

}  // namespace
}  // namespace parallax
