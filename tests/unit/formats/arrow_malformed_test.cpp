// Hand-built Arrow messages that lie (lengths, offsets, indices, body sizes): each must be an
// error, and the honest version of each must read, so the checks cannot pass by accident.
#include <cstring>
#include <string>
#include <vector>

#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include "formats/arrow/message_generated.h"
#include "formats/arrow_reader.h"

namespace parallax {
namespace {

namespace fb = arrow_format;

template <typename T>
std::string bytes_of(std::vector<T> values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

std::string encapsulate(flatbuffers::FlatBufferBuilder& builder, const std::string& body) {
  std::string out("\xff\xff\xff\xff", 4);
  const size_t padded = (builder.GetSize() + 7) & ~size_t{7};
  const auto length = static_cast<int32_t>(padded);
  out.append(reinterpret_cast<const char*>(&length), 4);
  out.append(reinterpret_cast<const char*>(builder.GetBufferPointer()), builder.GetSize());
  out.resize(8 + padded, '\0');
  return out + body;
}

enum class Kind { kInt32, kUtf8, kDictionary, kList };

std::string schema_message(Kind kind, fb::Endianness endianness = fb::Endianness_Little) {
  flatbuffers::FlatBufferBuilder builder;
  flatbuffers::Offset<void> type;
  fb::Type type_kind;
  if (kind == Kind::kInt32) {
    type_kind = fb::Type_Int;
    type = fb::CreateInt(builder, 32, true).Union();
  } else if (kind == Kind::kList) {
    type_kind = fb::Type_List;
    type = fb::CreateList(builder).Union();
  } else {
    type_kind = fb::Type_Utf8;
    type = fb::CreateUtf8(builder).Union();
  }
  flatbuffers::Offset<fb::DictionaryEncoding> dictionary = 0;
  if (kind == Kind::kDictionary) {
    dictionary = fb::CreateDictionaryEncoding(builder, 7, fb::CreateInt(builder, 32, true));
  }
  const auto field =
      fb::CreateField(builder, builder.CreateString("x"), true, type_kind, type, dictionary);
  const auto schema = fb::CreateSchema(builder, endianness, builder.CreateVector({field}));
  builder.Finish(
      fb::CreateMessage(builder, fb::MetadataVersion_V5, fb::MessageHeader_Schema, schema.Union()));
  return encapsulate(builder, "");
}

struct Batch {
  int64_t length;
  std::vector<fb::FieldNode> nodes;
  std::vector<fb::Buffer> buffers;
  std::string body;
  int64_t claimed_body_length = -1;  // -1: the body's true length
  bool compressed = false;
};

flatbuffers::Offset<fb::RecordBatch> record_batch(flatbuffers::FlatBufferBuilder& builder,
                                                  const Batch& batch) {
  flatbuffers::Offset<fb::BodyCompression> compression = 0;
  if (batch.compressed) compression = fb::CreateBodyCompression(builder);
  return fb::CreateRecordBatch(builder, batch.length, builder.CreateVectorOfStructs(batch.nodes),
                               builder.CreateVectorOfStructs(batch.buffers), compression);
}

std::string batch_message(const Batch& batch, int64_t dictionary_id = -1) {
  flatbuffers::FlatBufferBuilder builder;
  const auto data = record_batch(builder, batch);
  const int64_t body_length =
      batch.claimed_body_length >= 0 ? batch.claimed_body_length : batch.body.size();
  if (dictionary_id >= 0) {
    const auto dictionary = fb::CreateDictionaryBatch(builder, dictionary_id, data);
    builder.Finish(fb::CreateMessage(builder, fb::MetadataVersion_V5,
                                     fb::MessageHeader_DictionaryBatch, dictionary.Union(),
                                     body_length));
  } else {
    builder.Finish(fb::CreateMessage(builder, fb::MetadataVersion_V5, fb::MessageHeader_RecordBatch,
                                     data.Union(), body_length));
  }
  return encapsulate(builder, batch.body);
}

const std::string kEnd("\xff\xff\xff\xff\0\0\0\0", 8);

// Three int32 values, the middle one null.
Batch int32_batch() {
  Batch batch{3, {{3, 1}}, {{0, 1}, {8, 12}}, ""};
  batch.body = bytes_of(std::vector<uint8_t>{0b101, 0, 0, 0, 0, 0, 0, 0}) +
               bytes_of(std::vector<int32_t>{7, 0, -7, 0});
  return batch;
}

// Strings "ab", "", "cd" from offsets and data.
Batch utf8_batch(std::vector<int32_t> offsets = {0, 2, 2, 4}, std::string data = "abcd") {
  Batch batch{3, {{3, 0}}, {{0, 0}, {0, 16}, {16, static_cast<int64_t>(data.size())}}, ""};
  batch.body = bytes_of(offsets) + data;
  return batch;
}

std::string int32_stream(const Batch& batch) {
  return schema_message(Kind::kInt32) + batch_message(batch) + kEnd;
}

std::string error_of(const std::string& bytes) {
  auto batch = read_arrow(bytes);
  return batch.is_ok() ? "" : batch.status().message();
}

TEST(ArrowMalformed, HonestMessagesRead) {
  auto ints = read_arrow(int32_stream(int32_batch()));
  ASSERT_TRUE(ints.is_ok()) << ints.status().message();
  EXPECT_EQ(ints->columns[0].values.value<int32_t>(2), -7);
  EXPECT_TRUE(ints->columns[0].values.is_null(1));
  auto text = read_arrow(schema_message(Kind::kUtf8) + batch_message(utf8_batch()) + kEnd);
  ASSERT_TRUE(text.is_ok()) << text.status().message();
  EXPECT_EQ(text->columns[0].values.string_at(2), "cd");
}

// apache-arrow writes an empty data buffer for a bool column whose values are all null: a
// column of nulls needs no values, so any data buffer (even none) reads as nulls.
TEST(ArrowMalformed, AllNullColumnNeedsNoData) {
  Batch nulls{3, {{3, 3}}, {{0, 1}, {8, 0}}, ""};
  nulls.body = bytes_of(std::vector<uint8_t>{0, 0, 0, 0, 0, 0, 0, 0});
  auto batch = read_arrow(int32_stream(nulls));
  ASSERT_TRUE(batch.is_ok()) << batch.status().message();
  ASSERT_EQ(batch->columns[0].values.size(), 3u);
  for (size_t row = 0; row < 3; ++row) EXPECT_TRUE(batch->columns[0].values.is_null(row));

  Batch one_value = nulls;  // the same buffers with one value claimed: too short
  one_value.nodes[0] = fb::FieldNode(3, 2);
  one_value.body[0] = 0b100;
  EXPECT_NE(error_of(int32_stream(one_value)).find("too short"), std::string::npos);
}

TEST(ArrowMalformed, LyingLengths) {
  Batch longer = int32_batch();
  longer.length = 5;  // more rows than the data buffer holds
  longer.nodes[0] = fb::FieldNode(5, 1);
  EXPECT_NE(error_of(int32_stream(longer)).find("too short"), std::string::npos);

  Batch mismatched = int32_batch();
  mismatched.nodes[0] = fb::FieldNode(2, 1);
  EXPECT_NE(error_of(int32_stream(mismatched)), "");

  Batch nulls = int32_batch();
  nulls.nodes[0] = fb::FieldNode(3, 4);
  EXPECT_NE(error_of(int32_stream(nulls)), "");

  Batch huge = int32_batch();
  huge.length = int64_t{1} << 40;
  huge.nodes[0] = fb::FieldNode(huge.length, 0);
  EXPECT_NE(error_of(int32_stream(huge)), "");

  Batch outside = int32_batch();
  outside.buffers[1] = fb::Buffer(8, 1000);
  EXPECT_NE(error_of(int32_stream(outside)).find("outside"), std::string::npos);

  Batch negative = int32_batch();
  negative.buffers[1] = fb::Buffer(-8, 12);
  EXPECT_NE(error_of(int32_stream(negative)), "");

  Batch body = int32_batch();
  body.claimed_body_length = 1 << 20;
  EXPECT_NE(error_of(int32_stream(body)).find("body"), std::string::npos);

  Batch missing = int32_batch();
  missing.buffers.pop_back();
  EXPECT_NE(error_of(int32_stream(missing)), "");
  Batch no_nodes = int32_batch();
  no_nodes.nodes.clear();
  EXPECT_NE(error_of(int32_stream(no_nodes)), "");
}

TEST(ArrowMalformed, BadOffsetsAndText) {
  auto text_error = [](Batch batch) {
    return error_of(schema_message(Kind::kUtf8) + batch_message(batch) + kEnd);
  };
  EXPECT_NE(text_error(utf8_batch({0, 3, 2, 4})).find("ascending"), std::string::npos);
  EXPECT_NE(text_error(utf8_batch({0, 2, 2, 9})), "");
  EXPECT_NE(text_error(utf8_batch({-1, 2, 2, 4})), "");
  EXPECT_NE(text_error(utf8_batch({0, 2, 2, 4},
                                  "a\xff"
                                  "cd"))
                .find("UTF-8"),
            std::string::npos);
  // Valid as a whole, but the second string starts inside a character.
  EXPECT_NE(text_error(utf8_batch({0, 1, 1, 2},
                                  "\xc3\xa9"
                                  "cd"))
                .find("UTF-8"),
            std::string::npos);
  Batch short_offsets = utf8_batch();
  short_offsets.buffers[1] = fb::Buffer(0, 8);
  EXPECT_NE(text_error(short_offsets), "");
}

TEST(ArrowMalformed, Dictionaries) {
  Batch indices{2, {{2, 0}}, {{0, 0}, {0, 8}}, bytes_of(std::vector<int32_t>{2, 0})};
  const std::string schema = schema_message(Kind::kDictionary);
  const std::string dictionary = batch_message(utf8_batch(), 7);
  auto good = read_arrow(schema + dictionary + batch_message(indices) + kEnd);
  ASSERT_TRUE(good.is_ok()) << good.status().message();
  EXPECT_EQ(good->columns[0].values.string_at(0), "cd");

  Batch beyond = indices;
  beyond.body = bytes_of(std::vector<int32_t>{3, 0});
  EXPECT_NE(error_of(schema + dictionary + batch_message(beyond) + kEnd).find("out of range"),
            std::string::npos);
  beyond.body = bytes_of(std::vector<int32_t>{-1, 0});
  EXPECT_NE(error_of(schema + dictionary + batch_message(beyond) + kEnd), "");
  EXPECT_NE(error_of(schema + batch_message(indices) + kEnd), "");          // no dictionary yet
  EXPECT_NE(error_of(schema + batch_message(utf8_batch(), 8) + kEnd), "");  // unknown id
}

TEST(ArrowMalformed, UnsupportedAndGarbledMetadata) {
  EXPECT_NE(error_of(schema_message(Kind::kList) + kEnd).find("List"), std::string::npos);
  EXPECT_NE(error_of(schema_message(Kind::kInt32, fb::Endianness_Big) + kEnd), "");
  std::string garbled = int32_stream(int32_batch());
  garbled[8] = '\x7f';  // the root table offset now points far outside the metadata
  EXPECT_NE(error_of(garbled).find("flatbuffer"), std::string::npos);
  EXPECT_NE(error_of(batch_message(int32_batch()) + kEnd).find("schema"), std::string::npos);
}

TEST(ArrowMalformed, CompressedBuffers) {
  Batch batch = int32_batch();
  batch.compressed = true;
  // Buffers stored uncompressed (length prefix -1) are valid in a compressed body.
  const std::string validity = bytes_of(std::vector<int64_t>{-1}) + std::string("\x05", 1);
  const std::string values =
      bytes_of(std::vector<int64_t>{-1}) + bytes_of(std::vector<int32_t>{7, 0, -7});
  batch.body = validity + std::string(7, '\0') + values;
  batch.buffers = {{0, static_cast<int64_t>(validity.size())},
                   {16, static_cast<int64_t>(values.size())}};
  ASSERT_TRUE(read_arrow(int32_stream(batch)).is_ok()) << error_of(int32_stream(batch));

  Batch bomb = batch;  // claims 2^40 bytes from a few: refused before allocating
  bomb.body = bytes_of(std::vector<int64_t>{int64_t{1} << 40, 0});
  bomb.buffers = {{0, 0}, {0, 16}};
  bomb.nodes = {{3, 0}};
  EXPECT_NE(error_of(int32_stream(bomb)).find("claims"), std::string::npos);

  Batch garbage = batch;
  garbage.body = bytes_of(std::vector<int64_t>{12, 0x1234567890});
  garbage.buffers = {{0, 0}, {0, 16}};
  garbage.nodes = {{3, 0}};
  EXPECT_NE(error_of(int32_stream(garbage)).find("LZ4"), std::string::npos);
}

}  // namespace
}  // namespace parallax
