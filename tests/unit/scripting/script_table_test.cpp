// Script output to batches (type inference, declared schemas, time zones) and parameters.
#include "scripting/script_table.h"

#include <gtest/gtest.h>

#include "core/temporal.h"
#include "scripting/script_parameters.h"
#include "scripting/serpent.h"

namespace parallax {
namespace {

PyValue reply(std::string_view literal) {
  return serpent_decode(literal).value();
}

TEST(ScriptOutput, InfersTypesFromKindsAndSpellings) {
  auto batch = batch_from_script_output(
      reply("{'names': ['i', 'big', 'f', 's', 'd', 't', 'b', 'mixed', 'empty'],"
            " 'kinds': ['int', 'int', 'float', 'str', 'str', 'datetime', 'bool', 'mixed', 'none'],"
            " 'columns': [[1, None], [1, 3000000000], [0.5, 1], ['x', 'y'],"
            "   ['2024-01-02', None], ['2024-01-02T03:04:05.678900', '2024-01-02T03:04:05'],"
            "   [True, False], [1, 'a'], [None, None]], 'num_rows': 2}"),
      {});
  ASSERT_TRUE(batch.is_ok()) << batch.status().message();
  const DataType expected[] = {DataType::kInteger, DataType::kFloat,  DataType::kFloat,
                               DataType::kString,  DataType::kDate,   DataType::kDatetime,
                               DataType::kBoolean, DataType::kString, DataType::kString};
  for (size_t i = 0; i < batch->columns.size(); ++i) {
    EXPECT_EQ(batch->columns[i].values.type(), expected[i]) << batch->columns[i].name;
  }
  const Column& t = batch->find("t")->values;
  EXPECT_EQ(format_datetime_iso(t.value<int64_t>(0)), "2024-01-02 03:04:05.678");
  EXPECT_EQ(batch->find("mixed")->values.string_at(0), "1");
  EXPECT_TRUE(batch->find("i")->values.is_null(1));
}

TEST(ScriptOutput, DeclaredSchemaMismatchNamesColumnAndRow) {
  Schema schema({{"a", DataType::kInteger}, {"b", DataType::kString}});
  OutputOptions options{&schema, ""};
  auto bad = batch_from_script_output(
      reply("{'names': ['a', 'b'], 'kinds': ['mixed', 'str'], 'columns': [[1, 2, 'x'],"
            " ['p', 'q', 'r']], 'num_rows': 3}"),
      options);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(), "output column 'a', row 2: expected integer, got str 'x'");
  auto missing = batch_from_script_output(
      reply("{'names': ['a'], 'kinds': ['int'], 'columns': [[1]], 'num_rows': 1}"), options);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("'b' of the declared schema is missing"),
            std::string::npos);
  auto malformed = batch_from_script_output(reply("{'names': ['a'], 'num_rows': 1}"), {});
  EXPECT_FALSE(malformed.is_ok());
  auto ragged = batch_from_script_output(
      reply("{'names': ['a'], 'kinds': ['int'], 'columns': [[1, 2]], 'num_rows': 1}"), {});
  EXPECT_FALSE(ragged.is_ok());
}

TEST(ScriptOutput, DatetimeSpellingsAndTimeZones) {
  EXPECT_TRUE(parse_script_datetime("2024-02-29T23:59:59.999999").has_value());
  EXPECT_FALSE(parse_script_datetime("2023-02-29T00:00:00").has_value());
  EXPECT_FALSE(parse_script_datetime("2024-01-01 00:00:00").has_value());
  EXPECT_FALSE(parse_script_datetime("2024-01-01T24:00:00").has_value());
  EXPECT_FALSE(parse_script_datetime("2024-01-01T00:00:00.").has_value());
  EXPECT_FALSE(parse_script_date("2024-1-01").has_value());
  const int64_t noon = parse_script_datetime("2024-07-01T12:00:00").value();
  EXPECT_EQ(utc_to_zone_wall_clock(noon, "Europe/Paris").value(), noon + 2 * 3600'000);
  EXPECT_EQ(zone_wall_clock_to_utc(noon, "Europe/Paris").value(), noon - 2 * 3600'000);
  EXPECT_FALSE(utc_to_zone_wall_clock(noon, "Nowhere/Land").is_ok());
}

// A zone comes from a client's parameter too (`time_zone: "{tz}"`): only IANA names, never
// a path the zone loader would open (a FIFO there would hold the table's runs).
TEST(ScriptOutput, TimeZonesAreNamesNotPaths) {
  EXPECT_TRUE(check_time_zone("America/Argentina/Buenos_Aires").is_ok());
  EXPECT_TRUE(check_time_zone("Etc/GMT+5").is_ok());
  EXPECT_TRUE(check_time_zone("UTC").is_ok());
  for (const char* path : {"/usr/share/zoneinfo/Europe/Paris", "Europe/../Europe/Paris",
                           "file:/usr/share/zoneinfo/UTC", "./UTC", "Europe//Paris", "/dev/zero"}) {
    const Status checked = check_time_zone(path);
    EXPECT_FALSE(checked.is_ok()) << path;
    EXPECT_NE(checked.message().find("unknown time zone"), std::string::npos) << path;
  }
}

TEST(ScriptParameters, FillsNamedPlaceholdersOnly) {
  ScriptParameters parameters = {{"n", "5"}, {"who", "O'Brien"}};
  EXPECT_EQ(fill_parameters("x = {n}; d = {'k': 1}; s = f'{y}'", parameters, false).value(),
            "x = 5; d = {'k': 1}; s = f'{y}'");
  EXPECT_EQ(fill_parameters("name = {who}", parameters, true).value(), "name = 'O\\'Brien'");
  EXPECT_EQ(fill_parameters("{n}{n}{", parameters, false).value(), "55{");
  EXPECT_FALSE(fill_parameters("x", {{"bad name", "1"}}, false).is_ok());
  auto utc = parameters_in_utc({{"t", "2024-01-15T09:00:00"}, {"n", "5"}}, "Asia/Tokyo");
  ASSERT_TRUE(utc.is_ok());
  EXPECT_EQ(utc.value()[0].second, "2024-01-15T00:00:00");
  EXPECT_EQ(utc.value()[1].second, "5");
}

}  // namespace
}  // namespace parallax
