// Large CSV inputs take the two-thread tokenizer (text over 1 MiB without quotes is split at a
// line break): its batches must equal the one-pass tokenizer's, and its errors name the right line.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "formats/csv_reader.h"

namespace parallax {
namespace {

constexpr size_t kRows = 60'000;  // about 1.5 MiB

std::string large_csv(bool quoted, bool crlf) {
  std::string text = "id,name,score\n";
  for (size_t i = 0; i < kRows; ++i) {
    const std::string name = "n" + std::to_string(i % 97);
    text += std::to_string(i) + "," + (quoted ? "\"" + name + "\"" : name) + "," +
            (i % 13 == 0 ? "" : std::to_string(i % 1000) + ".5") + (crlf ? "\r\n" : "\n");
    if (i % 5000 == 0) text += "\n";  // blank lines are skipped
  }
  return text;
}

TEST(CsvReaderLarge, SplitTokenizerMatchesOnePass) {
  // Quotes force the one-pass tokenizer; both must read the same cells.
  for (bool crlf : {false, true}) {
    const RowBatch split = read_csv(large_csv(false, crlf)).value();
    const RowBatch one_pass = read_csv(large_csv(true, crlf)).value();
    ASSERT_EQ(split.num_rows, kRows);
    ASSERT_EQ(one_pass.num_rows, kRows);
    for (size_t c = 0; c < 3; ++c) {
      const Column& a = split.columns[c].values;
      const Column& b = one_pass.columns[c].values;
      ASSERT_EQ(a.type(), b.type());
      for (size_t row = 0; row < kRows; ++row) {
        ASSERT_EQ(a.is_null(row), b.is_null(row)) << c << " " << row;
      }
    }
    for (size_t row = 0; row < kRows; ++row) {
      ASSERT_EQ(split.columns[0].values.value<int32_t>(row), static_cast<int32_t>(row));
      ASSERT_EQ(split.columns[1].values.string_at(row), one_pass.columns[1].values.string_at(row));
      ASSERT_EQ(split.columns[2].values.value<double>(row),
                one_pass.columns[2].values.value<double>(row));
    }
  }
}

TEST(CsvReaderLarge, ErrorInTheSecondHalfNamesItsLine) {
  std::string text = large_csv(false, false);
  const size_t at = text.size() - 20;
  const size_t line_start = text.rfind('\n', at) + 1;
  text.insert(line_start, "1,2,3,4\n");  // a record with a field too many
  const size_t line = 1 + std::count(text.begin(), text.begin() + line_start, '\n');
  auto batch = read_csv(text);
  ASSERT_FALSE(batch.is_ok());
  EXPECT_EQ(batch.status().message(),
            "CSV line " + std::to_string(line) + ": expected 3 fields, found 4");
}

}  // namespace
}  // namespace parallax
