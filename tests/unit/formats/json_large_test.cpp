// Large JSON inputs read with a task pool are cut between rows (lists of rows, NDJSON) and
// their cells typed in pieces on the pool's threads: the batch must be the one one thread
// makes, byte for byte (values, nulls, absent cells, string dictionaries in the same order),
// whatever the number of threads and wherever the cuts fall, and a bad input must answer the
// same error.
#include <gtest/gtest.h>

#include <string>

#include "formats/json_reader.h"
#include "formats/json_split.h"
#include "same_batch.h"

namespace parallax {
namespace {

constexpr size_t kRows = 40'000;  // about 4 MiB: several runs of 1 MiB

// Strings that a structural scan could stumble on: a row separator and brackets inside a
// string, escaped quotes, backslashes before a closing quote, a unicode escape.
const char* const kTricky[] = {R"(},{\"x\":1},{)", R"(q\"uote)", R"(back\\)", R"(\\\"},{)",
                               R"(caf\u00e9)",     R"([{]})",    ""};

// One row object. `mixed` turns from integers into text after `text_from`; `late` is null in
// the first rows; `opt` is missing from some rows (absent, not null); `score` is sometimes null
// and an integer until `floats_from`.
std::string row_object(size_t i, size_t floats_from, size_t text_from) {
  std::string row = "{\"id\":" + std::to_string(i) + ",\"name\":\"n" + std::to_string(i % 97);
  if (i % 7 == 3) row += kTricky[i % 7];
  row += "\",\"s2\":\"" + std::string(kTricky[i % 7]) + "\"";
  if (i % 13 == 0) {
    row += ",\"score\":null";
  } else if (i < floats_from) {
    row += ",\"score\":" + std::to_string(i % 1000);
  } else {
    row += ",\"score\":" + std::to_string(i % 1000) + ".5";
  }
  row += ",\"mixed\":" + (i < text_from ? std::to_string(i) : "\"t" + std::to_string(i) + "\"");
  row += ",\"late\":" +
         (i < 3 ? std::string("null")
                : "\"2024-0" + std::to_string(1 + i % 9) + "-1" + std::to_string(i % 10) + "\"");
  if (i % 5 != 1) row += ",\"opt\":" + std::string(i % 2 ? "true" : "false");
  return row + "}";
}

std::string rows_json(size_t floats_from = kRows / 2, size_t text_from = kRows - 10,
                      const std::string& separator = ",") {
  std::string text = " [\n";
  for (size_t i = 0; i < kRows; ++i) {
    if (i > 0) text += i % 1000 == 0 ? separator + "\n  " : separator;
    text += row_object(i, floats_from, text_from);
  }
  return text + "]\n";
}

std::string ndjson(size_t floats_from = kRows / 2, size_t text_from = kRows - 10) {
  std::string text;
  for (size_t i = 0; i < kRows; ++i) {
    text += row_object(i, floats_from, text_from) + (i % 999 == 0 ? "\r\n\n" : "\n");
  }
  return text;
}

// The list of rows as an object of columns (without the absent cells).
std::string columns_json() {
  std::string ids, names, scores;
  for (size_t i = 0; i < kRows; ++i) {
    const std::string comma = i > 0 ? "," : "";
    ids += comma + std::to_string(i);
    names += comma + "\"n" + std::to_string(i % 97) + kTricky[i % 7] + "\"";
    scores += comma + (i % 13 == 0 ? "null" : std::to_string(i) + (i > kRows / 2 ? ".5" : ""));
  }
  return "{\"id\":[" + ids + "],\"name\":[" + names + "],\"score\":[" + scores + "]}";
}

TEST(JsonSplit, CutsOnlyBetweenRows) {
  const std::string json = rows_json();
  TaskPool pool(2);
  const auto runs = split_json_rows(json, 16, &pool);
  ASSERT_GT(runs.size(), 8u);
  size_t rows = 0;
  for (const auto run : runs) {
    // A run is whole rows: it parses as a list, and its rows are the next ones in order.
    Schema schema;
    schema.add({"id", DataType::kInteger});
    auto batch = read_json("[" + std::string(run) + "]", &schema);
    ASSERT_TRUE(batch.is_ok()) << batch.status().message();
    EXPECT_EQ(batch->columns[0].values.value<int32_t>(0), static_cast<int32_t>(rows));
    rows += batch->num_rows;
  }
  EXPECT_EQ(rows, kRows);
  // Nothing to cut: not a list, or one row.
  EXPECT_TRUE(split_json_rows(R"({"a":[1,2]})", 4, &pool).empty());
  EXPECT_TRUE(split_json_rows(R"([{"a":"},{"}])", 4, &pool).empty());
}

TEST(JsonSplit, LinesAreCutAfterLineBreaks) {
  const auto runs = split_lines("a\nbb\nccc\ndddd\n", 3);
  ASSERT_EQ(runs.size(), 2u);  // the third would start at the end
  EXPECT_EQ(std::string(runs[0]) + std::string(runs[1]), "a\nbb\nccc\ndddd\n");
  for (const auto run : runs) EXPECT_EQ(run.back(), '\n');
}

TEST(JsonReaderLarge, RowsReadAsOneThreadReadsThem) {
  const std::string json = rows_json();
  const RowBatch one = read_json(json).value();
  ASSERT_EQ(one.num_rows, kRows);
  // The columns and types the input implies: score (null in the first row) and late last,
  // mixed as text, score float, opt missing from some rows.
  ASSERT_EQ(one.columns.size(), 7u);
  EXPECT_EQ(one.columns[5].name, "score");
  EXPECT_EQ(one.columns[5].values.type(), DataType::kFloat);
  EXPECT_EQ(one.columns[6].name, "late");
  EXPECT_EQ(one.find("mixed")->values.type(), DataType::kString);
  EXPECT_TRUE(one.find("opt")->present.has_value());
  EXPECT_EQ(one.columns[1].values.string_at(3), "n3\\\"},{");
  expect_same_with_any_threads(
      [&](TaskPool* pool) { return read_json(json, nullptr, SIZE_MAX, pool); });
  // Where a type changes lands in any run: the first rows, a cut's neighbourhood, the end.
  for (const size_t change : {size_t{1}, kRows / 3, kRows - 1}) {
    const std::string changed = rows_json(change, change);
    expect_same_with_any_threads(
        [&](TaskPool* pool) { return read_json(changed, nullptr, SIZE_MAX, pool); });
  }
}

TEST(JsonReaderLarge, RowsWithASchemaReadAsOneThreadReadsThem) {
  Schema schema;
  schema.add({"id", DataType::kFloat});
  schema.add({"name", DataType::kString});
  schema.add({"late", DataType::kDatetime});
  schema.add({"opt", DataType::kBoolean});
  schema.add({"added", DataType::kInteger});
  // With a schema, later rows may add keys: a column first seen in a later run.
  std::string json = rows_json();
  json.insert(json.rfind('}'), ",\"added\":7");
  expect_same_with_any_threads(
      [&](TaskPool* pool) { return read_json(json, &schema, SIZE_MAX, pool); });
  // The first value that cannot be read is the error, wherever it is.
  std::string bad = rows_json(kRows / 2, kRows / 2);  // mixed is text from the middle
  schema.add({"mixed", DataType::kInteger});
  expect_same_with_any_threads(
      [&](TaskPool* pool) { return read_json(bad, &schema, SIZE_MAX, pool); });
  EXPECT_FALSE(read_json(bad, &schema).is_ok());
}

TEST(JsonReaderLarge, NdjsonAndColumnsReadAsOneThreadReadsThem) {
  // NDJSON takes its types from the first line: mixed stays an integer column.
  const std::string lines = ndjson(kRows / 2, kRows);
  ASSERT_EQ(read_ndjson(lines).value().num_rows, kRows);
  expect_same_with_any_threads([&](TaskPool* pool) { return read_ndjson(lines, nullptr, pool); });
  // ... and text in it is an error.
  const std::string text_later = ndjson();
  ASSERT_FALSE(read_ndjson(text_later).is_ok());
  expect_same_with_any_threads(
      [&](TaskPool* pool) { return read_ndjson(text_later, nullptr, pool); });
  const std::string columns = columns_json();
  ASSERT_EQ(read_json(columns).value().num_rows, kRows);
  expect_same_with_any_threads(
      [&](TaskPool* pool) { return read_json(columns, nullptr, SIZE_MAX, pool); });
}

TEST(JsonReaderLarge, BadInputAnswersOneThreadsError) {
  const std::string json = rows_json();
  const std::string lines = ndjson();
  std::vector<std::pair<std::string, std::string>> cases;  // (rows, ndjson) with one flaw
  for (const double where : {0.1, 0.5, 0.97}) {
    const size_t at = json.find("{\"id\"", static_cast<size_t>(json.size() * where));
    const size_t line = lines.find("{\"id\"", static_cast<size_t>(lines.size() * where));
    // A key the first row lacks; a row that is not an object; broken JSON; a key twice.
    for (const std::string& flaw :
         {std::string(R"({"new":1},)"), std::string("[1],"), std::string(R"({"id":},)"),
          std::string(R"({"id":1,"id":2},)")}) {
      std::string bad_json = json, bad_lines = lines;
      bad_json.insert(at, flaw);
      bad_lines.insert(line, flaw.substr(0, flaw.size() - 1) + "\n");
      cases.emplace_back(bad_json, bad_lines);
    }
  }
  for (const auto& [bad_json, bad_lines] : cases) {
    ASSERT_FALSE(read_json(bad_json).is_ok());
    ASSERT_FALSE(read_ndjson(bad_lines).is_ok());
    expect_same_with_any_threads(
        [&](TaskPool* pool) { return read_json(bad_json, nullptr, SIZE_MAX, pool); });
    expect_same_with_any_threads(
        [&](TaskPool* pool) { return read_ndjson(bad_lines, nullptr, pool); });
  }
  // Past the decoded bound, whether a run or the whole is over it.
  for (const size_t mb : {1, 4, 5, 64}) {
    expect_same_with_any_threads(
        [&](TaskPool* pool) { return read_json(json, nullptr, size_t{mb} << 20, pool); });
  }
}

TEST(JsonReaderLarge, RowsThatHideARowSeparatorAreStillReadAsOne) {
  // Values that are lists of objects put "},{" outside strings inside rows: a cut there leaves
  // a run unbalanced, which fails to parse, and the input is read in one piece.
  const std::string plain = rows_json();
  const std::string marker = ",\"mixed\"";
  std::string json;
  size_t at = 0;
  for (size_t next; (next = plain.find(marker, at)) != std::string::npos; at = next) {
    json += plain.substr(at, next - at) + R"(,"list":[{"a":1},{"b":2}])" + marker;
    next += marker.size();
  }
  json += plain.substr(at);
  Schema schema;
  schema.add({"list", DataType::kString});
  schema.add({"id", DataType::kInteger});
  expect_same_with_any_threads(
      [&](TaskPool* pool) { return read_json(json, &schema, SIZE_MAX, pool); });
}

}  // namespace
}  // namespace parallax
