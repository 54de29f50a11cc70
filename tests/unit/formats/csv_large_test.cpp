// Large CSV inputs read with a task pool are tokenized in chunks, one per thread (text over
// 512 KiB a chunk, without quotes, is split at line breaks), and their columns converted on
// the pool's threads: the batch must equal one thread's whatever the number of threads, and
// errors must name the right line.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "formats/csv_reader.h"
#include "same_batch.h"

namespace parallax {
namespace {

constexpr size_t kRows = 120'000;  // about 3 MiB

std::string large_csv(bool quoted, bool crlf) {
  std::string text = "id,name,score,day\n";
  for (size_t i = 0; i < kRows; ++i) {
    const std::string name = "n" + std::to_string(i % 97);
    text += std::to_string(i) + "," + (quoted ? "\"" + name + "\"" : name) + "," +
            (i % 13 == 0 ? "" : std::to_string(i % 1000) + ".5") + ",2024-0" +
            std::to_string(1 + i % 9) + "-1" + std::to_string(i % 10) + (crlf ? "\r\n" : "\n");
    if (i % 5000 == 0) text += "\n";  // blank lines are skipped
  }
  return text;
}

TEST(CsvReaderLarge, AnyNumberOfThreadsReadsAsOne) {
  for (bool crlf : {false, true}) {
    const RowBatch one = read_csv(large_csv(false, crlf)).value();
    ASSERT_EQ(one.num_rows, kRows);
    EXPECT_EQ(one.columns[3].values.type(), DataType::kDate);
    for (size_t row = 0; row < kRows; ++row) {
      ASSERT_EQ(one.columns[0].values.value<int32_t>(row), static_cast<int32_t>(row));
    }
    for (const size_t threads : {1, 2, 3, 5}) {
      TaskPool pool(threads);
      expect_identical(read_csv(large_csv(false, crlf), nullptr, &pool).value(), one);
      // Quotes force one pass over the text; the cells are the same.
      expect_identical(read_csv(large_csv(true, crlf), nullptr, &pool).value(), one);
    }
  }
}

TEST(CsvReaderLarge, ErrorInALaterChunkNamesItsLine) {
  for (const double where : {0.3, 0.6, 0.99}) {
    std::string text = large_csv(false, false);
    const size_t at = static_cast<size_t>(text.size() * where);
    const size_t line_start = text.rfind('\n', at) + 1;
    text.insert(line_start, "1,2,3,4,5\n");  // a record with a field too many
    const size_t line = 1 + std::count(text.begin(), text.begin() + line_start, '\n');
    for (const size_t threads : {1, 2, 3}) {
      TaskPool pool(threads);
      auto batch = read_csv(text, nullptr, &pool);
      ASSERT_FALSE(batch.is_ok());
      EXPECT_EQ(batch.status().message(),
                "CSV line " + std::to_string(line) + ": expected 4 fields, found 5");
    }
  }
}

}  // namespace
}  // namespace parallax
