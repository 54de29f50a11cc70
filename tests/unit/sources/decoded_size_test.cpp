// A live source's message is bounded by what it decodes to, not only by its bytes: sparse
// JSON rows, LZ4-compressed Arrow and Arrow columns of nulls make far more than they read,
// and decode_message refuses them before the memory is taken (formats/decode_limits.h).
#include <string>

#include <gtest/gtest.h>

#include "core/column.h"
#include "core/frame.h"
#include "formats/arrow_writer.h"
#include "sources/message_format.h"

namespace parallax {
namespace {

constexpr size_t kMegabyte = size_t{1} << 20;

void expect_too_big(const Result<RowBatch>& rows) {
  ASSERT_FALSE(rows.is_ok());
  EXPECT_NE(rows.status().message().find("the data decodes to more than 1 MB"), std::string::npos)
      << rows.status().message();
}

TEST(DecodedSize, SparseJsonRowsAreRefusedBeforeTheirCellsAreMade) {
  // 3,000 rows of a key each: 3,000 x 3,000 cells (144 MB) from 36 KB of text.
  Schema schema;
  schema.add({"id", DataType::kInteger});
  std::string sparse = "[";
  for (int i = 0; i < 3000; ++i) sparse += (i ? ",{\"k" : "{\"k") + std::to_string(i) + "\":1}";
  sparse += "]";
  expect_too_big(decode_message(sparse, MessageFormat::kJson, &schema, kMegabyte));
  // As many rows of one column fit.
  std::string dense = "[";
  for (int i = 0; i < 3000; ++i) dense += (i ? ",{\"id\":" : "{\"id\":") + std::to_string(i) + "}";
  dense += "]";
  auto rows = decode_message(dense, MessageFormat::kJson, &schema, kMegabyte);
  ASSERT_TRUE(rows.is_ok()) << rows.status().message();
  EXPECT_EQ(rows->num_rows, 3000u);
}

TEST(DecodedSize, CompressedAndNullArrowIsRefusedBeforeItIsDecompressed) {
  // 400,000 equal floats: 3.2 MB decompressed from a few KB of LZ4.
  Column floats(DataType::kFloat), nulls(DataType::kBoolean);
  Frame frame;
  for (uint32_t row = 0; row < 400'000; ++row) {
    floats.append<double>(1.5);
    nulls.append_null();
    frame.rows.push_back(row);
  }
  frame.columns.push_back({"x", &floats});
  const std::string compressed =
      write_arrow(frame, {ArrowFormat::kStream, ArrowCompression::kLz4Frame});
  ASSERT_LT(compressed.size(), 100'000u);
  expect_too_big(decode_message(compressed, MessageFormat::kArrow, nullptr, kMegabyte));
  ASSERT_TRUE(decode_message(compressed, MessageFormat::kArrow, nullptr, 16 * kMegabyte).is_ok());
  // Booleans (here all null): two bits a row read, 400,000 cells of 16 bytes once read.
  Frame null_frame;
  null_frame.rows = frame.rows;
  null_frame.columns.push_back({"b", &nulls});
  const std::string null_column = write_arrow(null_frame);
  ASSERT_LT(null_column.size(), 150'000u);
  expect_too_big(decode_message(null_column, MessageFormat::kArrow, nullptr, kMegabyte));
}

TEST(DecodedSize, AnyFormatIsCheckedOnceDecoded) {
  // CSV: 4 bytes a row read, 8 and a bit made.
  std::string csv = "x\n";
  for (int i = 0; i < 200'000; ++i) csv += "1.5\n";
  expect_too_big(decode_message(csv, MessageFormat::kCsv, nullptr, kMegabyte));
  ASSERT_TRUE(decode_message(csv, MessageFormat::kCsv, nullptr, 4 * kMegabyte).is_ok());
}

}  // namespace
}  // namespace parallax
