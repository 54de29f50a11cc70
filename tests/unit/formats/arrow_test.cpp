#include "formats/arrow_reader.h"
#include "formats/arrow_writer.h"

#include <gtest/gtest.h>

#include "same_batch.h"

#include <limits>
#include <string>
#include <vector>

namespace parallax {
namespace {

// One column of every Parallax type, with nulls, 6 rows.
struct Fixture {
  Column booleans{DataType::kBoolean};
  Column integers{DataType::kInteger};
  Column floats{DataType::kFloat};
  Column strings{DataType::kString};
  Column dates{DataType::kDate};
  Column datetimes{DataType::kDatetime};

  Fixture() {
    for (int row = 0; row < 6; ++row) {
      if (row == 2 || row == 5) {
        for (Column* column : all()) column->append_null();
        continue;
      }
      booleans.append<uint8_t>(row % 2);
      integers.append<int32_t>(row == 4 ? INT32_MIN : row * 1000 - 1);
      floats.append<double>(row == 3 ? -0.25 : row * 1.5e10);
      strings.append_string(row == 1 ? ""
                                     : (row == 3 ? "héllo" : std::string(row % 2 ? "s1" : "s0")));
      dates.append<int32_t>(row == 4 ? -719162 : 19000 + row);
      datetimes.append<int64_t>(row == 4 ? -1 : 1700000000123 + row);
    }
  }
  std::vector<Column*> all() {
    return {&booleans, &integers, &floats, &strings, &dates, &datetimes};
  }
  Frame frame(std::vector<uint32_t> rows) {
    Frame frame;
    const char* names[] = {"b", "i", "f", "s", "d", "dt"};
    int i = 0;
    for (Column* column : all()) frame.columns.push_back({names[i++], column});
    frame.rows = std::move(rows);
    return frame;
  }
};

// The cell's value as text, so that columns of any type compare alike.
std::string cell(const Column& column, size_t row) {
  if (column.is_null(row)) return "null";
  switch (column.type()) {
    case DataType::kBoolean:
      return std::to_string(column.value<uint8_t>(row));
    case DataType::kInteger:
    case DataType::kDate:
      return std::to_string(column.value<int32_t>(row));
    case DataType::kFloat:
      return std::to_string(column.value<double>(row));
    case DataType::kString:
      return std::string(column.string_at(row)).append("'");
    case DataType::kDatetime:
      break;
  }
  return std::to_string(column.value<int64_t>(row));
}

void expect_round_trip(const ArrowWriteOptions& options) {
  Fixture fixture;
  const std::vector<uint32_t> rows = {5, 3, 0, 1, 2, 4, 3};
  const Frame frame = fixture.frame(rows);
  const std::string bytes = write_arrow(frame, options);
  auto batch = read_arrow(bytes);
  ASSERT_TRUE(batch.is_ok()) << batch.status().message();
  ASSERT_EQ(batch->num_rows, rows.size());
  ASSERT_EQ(batch->columns.size(), frame.columns.size());
  for (size_t c = 0; c < frame.columns.size(); ++c) {
    const Column& read = batch->columns[c].values;
    EXPECT_EQ(batch->columns[c].name, frame.columns[c].name);
    ASSERT_EQ(read.type(), frame.columns[c].column->type());
    ASSERT_EQ(read.size(), rows.size());
    for (size_t r = 0; r < rows.size(); ++r) {
      EXPECT_EQ(cell(read, r), cell(*frame.columns[c].column, rows[r]))
          << frame.columns[c].name << " row " << r;
    }
  }
  auto types = read_arrow_field_types(bytes);
  ASSERT_TRUE(types.is_ok());
  const std::vector<std::string> expected = {"Bool",        "Int32",
                                             "Float64",     "Dictionary<Int32, Utf8>",
                                             "Date32<DAY>", "Timestamp<MILLISECOND>"};
  for (size_t c = 0; c < expected.size(); ++c) EXPECT_EQ(types.value()[c].second, expected[c]);
}

TEST(ArrowRoundTrip, Stream) {
  expect_round_trip({ArrowFormat::kStream, ArrowCompression::kNone});
}
TEST(ArrowRoundTrip, File) {
  expect_round_trip({ArrowFormat::kFile, ArrowCompression::kNone});
}
TEST(ArrowRoundTrip, StreamLz4) {
  expect_round_trip({ArrowFormat::kStream, ArrowCompression::kLz4Frame});
}
TEST(ArrowRoundTrip, FileLz4) {
  expect_round_trip({ArrowFormat::kFile, ArrowCompression::kLz4Frame});
}

TEST(ArrowRoundTrip, EmptyFrameAndNoColumns) {
  Fixture fixture;
  auto batch = read_arrow(write_arrow(fixture.frame({})));
  ASSERT_TRUE(batch.is_ok());
  EXPECT_EQ(batch->num_rows, 0u);
  EXPECT_EQ(batch->columns.size(), 6u);
  auto empty = read_arrow(write_arrow(Frame{}));
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty->columns.empty());
}

TEST(ArrowWriter, DictionaryHoldsOnlyTheStringsUsedInOrderOfFirstUse) {
  Column strings(DataType::kString);
  for (const char* s : {"unused", "b", "a", "b"}) strings.append_string(s);
  Frame frame;
  frame.columns.push_back({"s", &strings});
  frame.rows = {3, 2, 1};
  auto batch = read_arrow(write_arrow(frame)).value();
  const Column& read = batch.columns[0].values;
  EXPECT_EQ(read.dictionary().size(), 2u);
  EXPECT_EQ(read.string_at(0), "b");
  EXPECT_EQ(read.string_at(1), "a");
  EXPECT_EQ(read.string_at(2), "b");
}

TEST(ArrowWriter, GroupedFramesLeadWithRowPathLevelsAndWidenIntegers) {
  Column region(DataType::kString), counts(DataType::kInteger), distinct(DataType::kInteger);
  for (const char* s : {"", "EU", "US"}) region.append_string(s);
  for (int32_t value : {3, 2, 1}) counts.append<int32_t>(value), distinct.append<int32_t>(value);
  Frame frame;
  frame.row_path = FrameRowPath{{{"region (Group by 1)", &region}}, {0, 1, 1}};
  frame.columns = {{"count", &counts}, {"distinct", &distinct}};
  frame.rows = {0, 1, 2};
  const std::string bytes = write_arrow(frame, {ArrowFormat::kStream,
                                                ArrowCompression::kNone,
                                                {ArrowInteger::kInt64, ArrowInteger::kUint32}});
  auto types = read_arrow_field_types(bytes).value();
  ASSERT_EQ(types.size(), 3u);
  EXPECT_EQ(types[0], std::make_pair(std::string("region (Group by 1)"),
                                     std::string("Dictionary<Int32, Utf8>")));
  EXPECT_EQ(types[1].second, "Int64");
  EXPECT_EQ(types[2].second, "Uint32");
  auto batch = read_arrow(bytes).value();
  EXPECT_TRUE(batch.columns[0].values.is_null(0));  // the root: no path
  EXPECT_EQ(batch.columns[0].values.string_at(2), "US");
  EXPECT_EQ(batch.columns[1].values.value<int32_t>(0), 3);
  EXPECT_EQ(batch.columns[2].values.value<int32_t>(2), 1);
}

TEST(ArrowReader, ConvertsToTheTableSchema) {
  Fixture fixture;
  const std::string bytes = write_arrow(fixture.frame({0, 1, 2}));
  Schema widened({{"i", DataType::kFloat}, {"d", DataType::kDatetime}, {"b", DataType::kBoolean}});
  auto batch = read_arrow(bytes, &widened);
  ASSERT_TRUE(batch.is_ok()) << batch.status().message();
  ASSERT_EQ(batch->columns.size(), 3u);  // fields the schema lacks are left out
  const Column* i = &batch->find("i")->values;
  EXPECT_EQ(i->value<double>(1), 999.0);
  EXPECT_TRUE(i->is_null(2));
  EXPECT_EQ(batch->find("d")->values.value<int64_t>(0), int64_t{19000} * 86'400'000);

  Schema mismatched({{"s", DataType::kInteger}});
  auto error = read_arrow(bytes, &mismatched);
  ASSERT_FALSE(error.is_ok());
  EXPECT_NE(error.status().message().find(
                "cannot read Arrow Dictionary<Int32, Utf8> column 's' as integer"),
            std::string::npos)
      << error.status().message();
}

// With a task pool, a column per task: the batch, or the first error in field order, is one
// thread's, in both formats, compressed or not.
TEST(ArrowReader, AnyNumberOfThreadsReadsAsOne) {
  Fixture fixture;
  std::vector<uint32_t> rows;
  for (uint32_t i = 0; i < 60'000; ++i) rows.push_back((i * 7 + i / 6) % 6);
  Schema widened({{"i", DataType::kFloat},
                  {"d", DataType::kDatetime},
                  {"s", DataType::kString},
                  {"b", DataType::kBoolean}});
  // Two fields that cannot be read so: the first in field order names the error.
  Schema failing(
      {{"dt", DataType::kInteger}, {"s", DataType::kInteger}, {"f", DataType::kInteger}});
  for (ArrowFormat format : {ArrowFormat::kStream, ArrowFormat::kFile}) {
    for (ArrowCompression compression : {ArrowCompression::kNone, ArrowCompression::kLz4Frame}) {
      const std::string bytes = write_arrow(fixture.frame(rows), {format, compression});
      ASSERT_EQ(read_arrow(bytes)->num_rows, rows.size());
      for (const Schema* schema : std::vector<const Schema*>{nullptr, &widened, &failing}) {
        expect_same_with_any_threads(
            [&](TaskPool* pool) { return read_arrow(bytes, schema, SIZE_MAX, pool); });
      }
      EXPECT_NE(read_arrow(bytes, &failing).status().message().find("column 'f'"),
                std::string::npos);
    }
  }
}

// Floats into an integer column, as from JSON: truncated towards zero; one that no 32-bit
// integer holds (out of range, infinite, NaN) fails the whole read, naming its row.
TEST(ArrowReader, FloatsIntoAnIntegerColumn) {
  auto read_floats = [](std::vector<double> values, bool with_null) {
    Column floats(DataType::kFloat);
    for (double value : values) floats.append<double>(value);
    if (with_null) floats.append_null();
    Frame frame;
    frame.columns.push_back({"x", &floats});
    for (uint32_t row = 0; row < floats.size(); ++row) frame.rows.push_back(row);
    Schema integer({{"x", DataType::kInteger}});
    return read_arrow(write_arrow(frame), &integer);
  };
  auto batch = read_floats({-2.7, 2.7, 2147483647.5, -2147483648.0}, true);
  ASSERT_TRUE(batch.is_ok()) << batch.status().message();
  const Column& x = batch->columns[0].values;
  EXPECT_EQ(x.value<int32_t>(0), -2);
  EXPECT_EQ(x.value<int32_t>(1), 2);
  EXPECT_EQ(x.value<int32_t>(2), 2147483647);
  EXPECT_EQ(x.value<int32_t>(3), -2147483647 - 1);
  EXPECT_TRUE(x.is_null(4));
  for (double bad : {2147483648.0, -2147483649.0, std::numeric_limits<double>::infinity(),
                     std::numeric_limits<double>::quiet_NaN()}) {
    auto error = read_floats({1.0, bad}, false);
    ASSERT_FALSE(error.is_ok()) << bad;
    EXPECT_NE(error.status().message().find("row 1: the value does not fit"), std::string::npos)
        << error.status().message();
  }
}

TEST(ArrowReader, RejectsEveryTruncation) {
  Fixture fixture;
  for (ArrowFormat format : {ArrowFormat::kStream, ArrowFormat::kFile}) {
    for (ArrowCompression compression : {ArrowCompression::kNone, ArrowCompression::kLz4Frame}) {
      const std::string bytes = write_arrow(fixture.frame({0, 1, 2, 3}), {format, compression});
      ASSERT_TRUE(read_arrow(bytes).is_ok());
      // A stream cut exactly after a message is a valid, shorter stream; anything else fails.
      // Either way nothing may crash or read out of bounds (run under the fuzzer's ASan too).
      size_t accepted = 0;
      for (size_t size = 0; size < bytes.size(); ++size) {
        const std::string cut = bytes.substr(0, size);
        accepted += read_arrow(cut).is_ok();
      }
      EXPECT_LE(accepted, format == ArrowFormat::kStream ? 4u : 0u);
    }
  }
}

TEST(ArrowReader, SurvivesEveryByteCorrupted) {
  Fixture fixture;
  const std::string bytes = write_arrow(fixture.frame({0, 1, 2, 3, 4, 5}));
  for (size_t at = 0; at < bytes.size(); ++at) {
    for (unsigned char value : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
      std::string corrupt = bytes;
      corrupt[at] = static_cast<char>(value);
      auto batch = read_arrow(corrupt);  // ok or an error; never a crash
      if (batch.is_ok()) {
        for (const auto& column : batch->columns) EXPECT_EQ(column.values.size(), batch->num_rows);
      }
    }
  }
}

TEST(ArrowReader, RejectsGarbageWithAnError) {
  EXPECT_FALSE(read_arrow("").is_ok());
  EXPECT_FALSE(read_arrow("ARROW1").is_ok());
  EXPECT_FALSE(
      read_arrow(std::string("\xff\xff\xff\xff\x10\x00\x00\x00", 8) + std::string(16, '\x7f'))
          .is_ok());
  EXPECT_FALSE(read_arrow("not arrow at all, just some text").is_ok());
}

}  // namespace
}  // namespace parallax
