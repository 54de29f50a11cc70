#include "formats/json_reader.h"
#include "formats/json_writer.h"

#include <gtest/gtest.h>

namespace parallax {
namespace {

TEST(JsonReader, RowsInferTypesAndMoveLateColumnsLast) {
  auto batch =
      read_json(R"([{"a":null,"b":1,"c":"2024-01-02"},{"a":"x","b":2.5,"c":null}])").value();
  ASSERT_EQ(batch.columns.size(), 3u);
  EXPECT_EQ(batch.columns[0].name, "b");
  EXPECT_EQ(batch.columns[0].values.type(), DataType::kFloat);
  EXPECT_EQ(batch.columns[1].values.type(), DataType::kDate);
  EXPECT_EQ(batch.columns[2].name, "a");
}

TEST(JsonReader, NdjsonMovesColumnsNullInTheFirstLineLastInTheirOwnOrder) {
  // Types come from the first line alone, so "a" stays a string column although 3 follows.
  auto batch =
      read_ndjson("{\"a\":null,\"b\":null,\"c\":1}\n{\"a\":3,\"b\":\"x\",\"c\":2}\n").value();
  ASSERT_EQ(batch.columns.size(), 3u);
  EXPECT_EQ(batch.columns[0].name, "c");
  EXPECT_EQ(batch.columns[1].name, "a");
  EXPECT_EQ(batch.columns[1].values.type(), DataType::kString);
  EXPECT_EQ(batch.columns[2].name, "b");
}

TEST(JsonReader, MissingKeysAreAbsentNotNull) {
  Schema schema({{"k", DataType::kInteger}, {"v", DataType::kString}});
  auto batch = read_json(R"([{"k":1},{"k":2,"v":null}])", &schema).value();
  const BatchColumn* v = batch.find("v");
  ASSERT_NE(v, nullptr);
  EXPECT_FALSE(v->is_present(0));
  EXPECT_TRUE(v->is_present(1));
}

// A column null in the first row and absent from a later one: its presence was read after it
// had moved into the batch (a crash of every JSON reader).
TEST(JsonReader, ColumnNullFirstThenAbsentIsNullThenAbsent) {
  for (const char* text : {R"([{"x": null, "y": 2}, {"y": 1}])",
                           R"([{"x": null, "y": 2}, {"y": 1}, {"y": 0}, {"x": 5, "y": 3}])"}) {
    auto batch = read_json(text);
    ASSERT_TRUE(batch.is_ok()) << batch.status().message();
    ASSERT_EQ(batch->columns.size(), 2u);
    EXPECT_EQ(batch->columns[0].name, "y");
    const BatchColumn* x = batch->find("x");
    ASSERT_NE(x, nullptr);
    EXPECT_TRUE(x->is_present(0));
    EXPECT_FALSE(x->is_present(1));
  }
  auto ndjson = read_ndjson("{\"x\": null, \"y\": 2}\n{\"y\": 1}\n");
  ASSERT_TRUE(ndjson.is_ok());
  EXPECT_FALSE(ndjson->find("x")->is_present(1));
}

TEST(JsonReader, ColumnsAndNdjson) {
  EXPECT_EQ(read_json(R"({"a":[1,2,3]})").value().num_rows, 3u);
  EXPECT_EQ(read_ndjson("{\"a\":1}\n\n{\"a\":2}\n").value().num_rows, 2u);
  EXPECT_FALSE(read_ndjson("{\"a\":1}\n[1]\n").is_ok());
}

// JavaScript writes 1e20 as "100000000000000000000", too long for a 64-bit integer.
TEST(JsonReader, ReadsIntegersTooLongFor64BitsAsFloats) {
  Schema schema({{"f", DataType::kFloat}, {"s", DataType::kString}});
  auto batch =
      read_json(R"([{"f":100000000000000000000,"s":"123456789012345678901"},{"f":-1e21}])", &schema)
          .value();
  const BatchColumn* f = batch.find("f");
  ASSERT_NE(f, nullptr);
  EXPECT_DOUBLE_EQ(f->values.value<double>(0), 1e20);
  EXPECT_DOUBLE_EQ(f->values.value<double>(1), -1e21);
  EXPECT_EQ(batch.find("s")->values.string_at(0), "123456789012345678901");
  EXPECT_EQ(read_ndjson("{\"f\":-100000000000000000000}\n", &schema).value().num_rows, 1u);
}

TEST(JsonReader, RejectsWhatCannotBeCoerced) {
  Schema schema({{"i", DataType::kInteger}});
  EXPECT_FALSE(read_json(R"([{"i":"abc"}])", &schema).is_ok());
  EXPECT_FALSE(read_json(R"([{"i":true}])", &schema).is_ok());
  EXPECT_FALSE(read_json("[{\"i\":1}", &schema).is_ok());
  EXPECT_FALSE(read_json(R"([{"a":1},{"b":2}])").is_ok());
}

TEST(JsonWriter, WritesColumnsAndRows) {
  auto batch = read_json(R"([{"s":"a\"b","f":0.1,"d":"2024-01-02"}])").value();
  Frame frame;
  for (auto& column : batch.columns) frame.columns.push_back({column.name, &column.values});
  frame.rows = {0};
  EXPECT_EQ(write_json_columns(frame), R"({"s":["a\"b"],"f":[0.1],"d":[1704153600000]})");
  EXPECT_EQ(write_json_rows(frame), R"([{"s":"a\"b","f":0.1,"d":1704153600000}])");
  EXPECT_EQ(write_ndjson(frame), R"({"s":"a\"b","f":0.1,"d":1704153600000})");
  // `formatted` reads: dates (and datetimes) as the reference's text.
  const JsonCellStyle formatted{NumberStyle::kJavaScript, true};
  EXPECT_EQ(write_json_columns(frame, formatted), R"({"s":["a\"b"],"f":[0.1],"d":["2024-01-02"]})");
  EXPECT_EQ(write_json_rows(frame, formatted), R"([{"s":"a\"b","f":0.1,"d":"2024-01-02"}])");
}

// A number beyond int64's range read as a date or datetime is refused: casting it was undefined
// behaviour (found by the json fuzz target under UBSan; x86 made it INT64_MIN).
TEST(JsonReader, NumbersBeyondInt64AreNoDatetimes) {
  const Schema schema({{"t", DataType::kDatetime}, {"d", DataType::kDate}});
  for (const char* json : {R"([{"t": 1e308}])", R"([{"t": -9.3e18}])", R"([{"d": 1e300}])"}) {
    EXPECT_FALSE(read_json(json, &schema).is_ok()) << json;
  }
  EXPECT_FALSE(read_ndjson("{\"t\": 1e+308}\n", &schema).is_ok());
  auto fine = read_json(R"([{"t": -8.64e15, "d": 8.64e15}])", &schema);
  ASSERT_TRUE(fine.is_ok()) << fine.status().message();
  EXPECT_EQ(fine->columns[0].values.value<int64_t>(0), -8'640'000'000'000'000);
}

// Escapes at the start, the end, side by side and between plain runs; bytes past ASCII (UTF-8)
// and DEL go through as they are.
TEST(JsonWriter, EscapesEveryCharacterJsonNeedsEscapedAndNothingElse) {
  const std::string text =
      std::string("\"a\\b\n\r\t\b\f") + '\x01' + "\x1f caf\xc3\xa9 \x7f" + '\0' + "end\"";
  std::string out = "x";
  append_json_string(out, text);
  EXPECT_EQ(out, "x\"\\\"a\\\\b\\n\\r\\t\\b\\f\\u0001\\u001f caf\xc3\xa9 \x7f\\u0000end\\\"\"");
  std::string empty;
  append_json_string(empty, "");
  EXPECT_EQ(empty, "\"\"");
  std::string plain;
  append_json_string(plain, std::string(5000, 'p'));
  EXPECT_EQ(plain, "\"" + std::string(5000, 'p') + "\"");
  // (Plain runs are passed over 8 bytes at a time: an escape at every offset of a word.)
  for (size_t at = 0; at < 24; ++at) {
    for (const char c : {'"', '\\', '\x1f', '\n'}) {
      std::string one(24, 'a');
      one[at] = c;
      std::string written;
      append_json_string(written, one);
      const std::string escaped = c == '"'    ? "\\\""
                                  : c == '\\' ? "\\\\"
                                  : c == '\n' ? "\\n"
                                              : "\\u001f";
      EXPECT_EQ(written, "\"" + std::string(at, 'a') + escaped + std::string(23 - at, 'a') + "\"")
          << at;
    }
  }
}

}  // namespace
}  // namespace parallax
