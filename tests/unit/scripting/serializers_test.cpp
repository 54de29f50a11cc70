// Serpent and json codecs: round trips, the spellings Python produces, and malformed input
// (every prefix and many byte flips of valid documents) refused with an error, never a crash.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "scripting/pyro_json.h"
#include "scripting/pyro_message.h"
#include "scripting/serpent.h"

namespace parallax {
namespace {

PyValue sample() {
  PyValue dict = PyValue::dict();
  dict.set("i", PyValue::of_int(-7));
  dict.set("f", PyValue::of_float(0.1));
  dict.set("s", PyValue::str("a'b\"c\\d\ne\u00e9\u2713"));
  dict.set("l", PyValue::list({PyValue::none(), PyValue::boolean(false), PyValue::of_float(-2.5)}));
  dict.set("t", PyValue::tuple({PyValue::of_int(1)}));
  dict.set("d", PyValue::dict()).set("x", PyValue::list());
  return dict;
}

TEST(Serpent, RoundTripsAndWritesTheHeader) {
  auto text = serpent_encode(sample());
  ASSERT_TRUE(text.is_ok());
  EXPECT_TRUE(text->starts_with("# serpent utf-8 python3.2\n"));
  auto back = serpent_decode(text.value());
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(back.value(), sample());
}

TEST(Serpent, ReadsWhatPythonWrites) {
  auto value = serpent_decode(
      "# serpent utf-8 python3.2\n{'a': (1, 2,), \"b\": [1e30000, -1e30000, 1_000, 0x1F, .5, 2.],"
      " 'c': b'\\x00A', 'd': 'x' 'y', 'e': {1, 2}, 'f': (), 'g': {'__class__': 'float', "
      "'value': 'nan'}, 'h': -9223372036854775808, 'i': 123456789012345678901234567890, "
      "'j': '\\u00e9\\U0001F600\\q', 'k': r'\\n', 'l': '''multi\nline'''}");
  ASSERT_TRUE(value.is_ok()) << value.status().message();
  EXPECT_EQ(value->get("a")->kind, PyKind::kTuple);
  const auto& numbers = value->get("b")->items;
  EXPECT_TRUE(std::isinf(numbers[0].number) && numbers[0].number > 0);
  EXPECT_TRUE(std::isinf(numbers[1].number) && numbers[1].number < 0);
  EXPECT_EQ(numbers[2].integer, 1000);
  EXPECT_EQ(numbers[3].integer, 31);
  EXPECT_EQ(numbers[4].number, 0.5);
  EXPECT_EQ(numbers[5].number, 2.0);
  EXPECT_EQ(value->get("c")->kind, PyKind::kBytes);
  EXPECT_EQ(value->get("c")->text, std::string("\0A", 2));
  EXPECT_EQ(value->get("d")->text, "xy");
  EXPECT_EQ(value->get("e")->kind, PyKind::kSet);
  EXPECT_EQ(value->get("f")->kind, PyKind::kTuple);
  EXPECT_TRUE(std::isnan(value->get("g")->number));
  EXPECT_EQ(value->get("h")->integer, INT64_MIN);
  EXPECT_EQ(value->get("i")->kind, PyKind::kBigInt);
  EXPECT_EQ(value->get("i")->text, "123456789012345678901234567890");
  EXPECT_EQ(value->get("j")->text, "\u00e9\U0001F600\\q");
  EXPECT_EQ(value->get("k")->text, "\\n");
  EXPECT_EQ(value->get("l")->text, "multi\nline");
}

TEST(Serpent, FloatsKeepTheirKind) {
  for (double number : {1.0, -0.0, 1e16, 1e-300, 123.456, -1e300}) {
    auto text = serpent_encode(PyValue::of_float(number));
    auto back = serpent_decode(text.value());
    ASSERT_TRUE(back.is_ok()) << text.value();
    EXPECT_EQ(back->kind, PyKind::kFloat) << text.value();
    EXPECT_EQ(back->number, number) << text.value();
  }
}

TEST(Serpent, RefusesMalformedInputWithAClearError) {
  for (const char* bad : {"",
                          "   ",
                          "[1, 2",
                          "{'a' 1}",
                          "{'a': }",
                          "(1 2)",
                          "'unterminated",
                          "'line\nbreak'",
                          "nope",
                          "__import__('os')",
                          "1 + 2",
                          "1j",
                          "[1,,2]",
                          "{[1]: 2}",
                          "'\\x4'",
                          "'\\ud800'",
                          "b'\xc3\xa9'",
                          "01",
                          "0x",
                          "1e",
                          "1.2.3",
                          "{'a': 1,, }",
                          "'\\N{DEGREE SIGN}'",
                          "\xff",
                          "b'a' 'b'",
                          "- 'x'",
                          "[1] [2]",
                          "True False"}) {
    auto value = serpent_decode(bad);
    EXPECT_FALSE(value.is_ok()) << "accepted: " << bad;
    if (!value.is_ok()) EXPECT_TRUE(value.status().message().starts_with("serpent: ")) << bad;
  }
  std::string deep(1000, '[');
  EXPECT_FALSE(serpent_decode(deep + std::string(1000, ']')).is_ok());
  EXPECT_FALSE(serpent_encode(PyValue::str("\xff")).is_ok());
}

TEST(Json, RoundTripsAndReadsPythonsExtensions) {
  auto text = json_encode(sample());
  ASSERT_TRUE(text.is_ok());
  auto back = json_decode(text.value());
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  // Tuples travel as lists in json.
  PyValue expected = sample();
  for (auto& [key, value] : expected.entries) {
    if (value.kind == PyKind::kTuple) value.kind = PyKind::kList;
  }
  EXPECT_EQ(back.value(), expected);
  auto special =
      json_decode("[NaN, Infinity, -Infinity, 1e400, 12345678901234567890, \"\\ud83d\\ude00\"]");
  ASSERT_TRUE(special.is_ok());
  EXPECT_TRUE(std::isnan(special->items[0].number));
  EXPECT_TRUE(std::isinf(special->items[3].number));
  EXPECT_EQ(special->items[4].kind, PyKind::kBigInt);
  EXPECT_EQ(special->items[5].text, "\U0001F600");
  EXPECT_FALSE(json_encode(PyValue::bytes("x")).is_ok());
}

TEST(Json, RefusesMalformedInputWithAClearError) {
  for (const char* bad :
       {"", "[1,]", "{\"a\":1,}", "{'a':1}", "[01]", "\"\\x41\"", "\"\\ud800\"", "tru", "[1 2]",
        "{\"a\" 1}", "\"a\nb\"", "-", "1.", ".5", "[1]]", "\"unterminated", "\xff"}) {
    auto value = json_decode(bad);
    EXPECT_FALSE(value.is_ok()) << "accepted: " << bad;
    if (!value.is_ok()) EXPECT_TRUE(value.status().message().starts_with("json: ")) << bad;
  }
}

// Every prefix and thousands of random byte changes of valid documents: each is either read
// or refused; none crashes or reads out of bounds (run under the sanitizers too).
TEST(Serializers, MangledDocumentsNeverCrash) {
  const std::string serpent = serpent_encode(sample()).value();
  const std::string json = json_encode(sample()).value();
  std::mt19937 random(7);
  for (const std::string& document : {serpent, json}) {
    for (size_t length = 0; length < document.size(); ++length) {
      (void)serpent_decode(document.substr(0, length));
      (void)json_decode(document.substr(0, length));
    }
    for (int round = 0; round < 3000; ++round) {
      std::string mangled = document;
      const int changes = 1 + static_cast<int>(random() % 4);
      for (int i = 0; i < changes; ++i) {
        mangled[random() % mangled.size()] = static_cast<char>(random() % 256);
      }
      // Whatever is read must be writable again.
      auto read = serpent_decode(mangled);
      if (read.is_ok()) (void)serpent_encode(read.value());
      (void)json_decode(mangled);
    }
  }
}

TEST(PyroMessage, HeaderChecksumAndHmacFollowTheWireFormat) {
  PyroMessage message;
  message.type = PyroMessageType::kInvoke;
  message.sequence = 0xFFFF;
  message.flags = pyro_flags::kMetaOnConnect;
  message.annotations["CORR"] = std::string(16, 'c');
  message.payload = "payload";
  const std::string bytes = encode_pyro_message(message, "key");
  auto header = decode_pyro_header(bytes);
  ASSERT_TRUE(header.is_ok()) << header.status().message();
  EXPECT_EQ(header->sequence, 0xFFFF);
  EXPECT_EQ(header->payload_size, 7u);
  EXPECT_EQ(header->annotations_size, 2 * 6 + 16 + 20);  // CORR and HMAC
  const std::string_view annotations =
      std::string_view(bytes).substr(kPyroHeaderSize, header->annotations_size);
  auto body = decode_pyro_body(*header, annotations, "payload", "key");
  ASSERT_TRUE(body.is_ok()) << body.status().message();
  EXPECT_FALSE(decode_pyro_body(*header, annotations, "payload", "other").is_ok());
  EXPECT_FALSE(decode_pyro_body(*header, annotations, "tampered", "key").is_ok());
  EXPECT_FALSE(decode_pyro_body(*header, annotations, "payload", "").is_ok());
  // Any change to the header breaks its checksum.
  for (size_t i = 4; i < kPyroHeaderSize; ++i) {
    // Reserved bytes are not summed, and the sum is taken modulo 2^16, so the payload
    // size's high half is not covered (Pyro4 computes it the same way).
    if (i == 20 || i == 21 || i == 12 || i == 13) continue;
    std::string corrupt = bytes;
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x01);
    EXPECT_FALSE(decode_pyro_header(corrupt).is_ok()) << "byte " << i;
  }
  EXPECT_FALSE(decode_pyro_body(*header, annotations.substr(0, 10), "payload", "key").is_ok());
}

TEST(PyroMessage, MarshalStrings) {
  EXPECT_EQ(marshal_decode_string(std::string("\xfa\x05hello", 7)).value(), "hello");
  EXPECT_EQ(marshal_decode_string(std::string("u\x02\x00\x00\x00hi", 7)).value(), "hi");
  EXPECT_FALSE(marshal_decode_string(std::string("\xfa\x09short", 7)).is_ok());
  EXPECT_FALSE(marshal_decode_string("i\x01\x00\x00\x00").is_ok());
  EXPECT_FALSE(marshal_decode_string("").is_ok());
}

}  // namespace
}  // namespace parallax
