// Broker URLs: parts, escapes, and errors that never quote a password (they reach every client
// through pipeline_status.last_error).
#include "sources/broker_url.h"

#include <gtest/gtest.h>

namespace parallax {
namespace {

TEST(BrokerUrl, Parts) {
  auto url = parse_broker_url("amqp://us%40er:p%3Ass@broker.example:5673/%2f", "amqp", 5672);
  ASSERT_TRUE(url.is_ok()) << url.status().message();
  EXPECT_EQ(url->user, "us@er");
  EXPECT_EQ(url->password, "p:ss");
  EXPECT_EQ(url->host, "broker.example");
  EXPECT_EQ(url->port, 5673);
  EXPECT_EQ(url->path, "/");
  EXPECT_EQ(parse_broker_url("mqtt://h", "mqtt,tcp", 1883)->port, 1883);
  // Only %XX with two hex digits is an escape (from_chars took "%-1" as -1).
  EXPECT_EQ(parse_broker_url("mqtt://u:%-1%+f%2@h", "mqtt", 1883)->password, "%-1%+f%2");
}

TEST(BrokerUrl, ErrorsHideCredentials) {
  for (const char* bad :
       {"mqtt://user:s3cret@host:99999", "mqtt://user:s3cret@host:x", "mqtt://user:s3cret@",
        "mqtt://user:s3c/ret@host:1", "user:s3cret@host", "mqtt://user:s3cret@:1"}) {
    const auto url = parse_broker_url(bad, "mqtt,tcp", 1883);
    ASSERT_FALSE(url.is_ok()) << bad;
    EXPECT_EQ(url.status().message().find("s3cret"), std::string::npos) << url.status().message();
    EXPECT_EQ(url.status().message().find("s3c"), std::string::npos) << url.status().message();
  }
  EXPECT_EQ(redacted_url("mqtt://user:pw@host:1"), "mqtt://***@host:1");
  EXPECT_EQ(redacted_url("mqtt://host:1"), "mqtt://host:1");
}

}  // namespace
}  // namespace parallax
