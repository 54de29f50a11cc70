// Passwords never shown: found in every way a connection string or URL may hold them (even
// malformed ones, which libpq quotes whole), and taken out of every state a source reports.
#include "sources/secrets.h"

#include <gtest/gtest.h>

#include <chrono>

#include "recording_sink.h"
#include "sources/amqp_source.h"
#include "sources/mqtt_source.h"
#include "sources/postgres_source.h"

namespace parallax {
namespace {

using namespace std::chrono_literals;

bool holds(const std::vector<std::string>& secrets, const std::string& secret) {
  return std::find(secrets.begin(), secrets.end(), secret) != secrets.end();
}

TEST(Secrets, FoundInEveryForm) {
  EXPECT_TRUE(holds(dsn_passwords("postgresql://u:s3cret@host/db"), "s3cret"));
  EXPECT_TRUE(holds(dsn_passwords("postgresql://u:s3%40cret@[bad"), "s3%40cret"));
  EXPECT_TRUE(holds(dsn_passwords("postgresql://u:s3%40cret@[bad"), "s3@cret"));
  EXPECT_TRUE(holds(dsn_passwords("postgres://u@h/db?password=p%41ss&x=1"), "pAss&x=1"));
  EXPECT_TRUE(holds(dsn_passwords("host=h password=s3cret port=x"), "s3cret"));
  EXPECT_TRUE(holds(dsn_passwords("host=h password = 'it\\'s secret' port=1"), "it's secret"));
  EXPECT_TRUE(holds(dsn_passwords("host=h password = 'it\\'s secret' port=1"), "it\\'s secret"));
  EXPECT_TRUE(holds(dsn_passwords("host=h password='unterminated"), "unterminated"));
  EXPECT_TRUE(dsn_passwords("host=h user=password dbname=x").empty());
  EXPECT_TRUE(holds(url_passwords("mqtt://u:a@b@host:1"), "a@b"));
  EXPECT_TRUE(holds(url_passwords("mqtt://u:a@b@host:1"), "a"));
  EXPECT_TRUE(url_passwords("mqtt://host:1").empty());
  EXPECT_EQ(without_secrets("x s3cret y s3cret", {"s3cret", ""}), "x *** y ***");
  EXPECT_EQ(without_secrets("aaaa", {"a"}), "************");
}

// libpq quotes these connection strings (or the password in them) in its errors.
TEST(Secrets, PostgresStatesNeverShowThePassword) {
  for (const char* dsn : {"postgresql://u:s3cret-pw@[bad", "postgres://u:s3cret-pw@[::1/db",
                          "postgresql://u:s3cret-pw%zz@host/db", "postgresql://u:s3cret%2Dpw@[bad",
                          "host=127.0.0.1 port=1 password='s3cret-pw' sslmode=bogus-s3cret-pw"}) {
    PostgresSettings settings;
    settings.dsn = dsn;
    settings.query = "SELECT 1";
    settings.reconnect_min = settings.reconnect_max = 10ms;
    RecordingSink sink;
    PostgresSource source(settings);
    source.start(sink);
    const std::string states = sink.wait_for("reconnecting", 5s);
    source.stop();
    EXPECT_NE(states.find("reconnecting: "), std::string::npos) << dsn << "\n" << states;
    EXPECT_EQ(states.find("s3cret"), std::string::npos) << dsn << "\n" << states;
  }
}

// The states of `source` until it fails (a broker URL it cannot use).
std::string states_until_failed(Source& source) {
  RecordingSink sink;
  source.start(sink);
  const std::string states = sink.wait_for("failed", 5s);
  source.stop();
  return states;
}

TEST(Secrets, BrokerStatesNeverShowThePassword) {
  MqttSettings mqtt;
  mqtt.url = "mqtt://u:s3cret-pw@127.0.0.1:0x";
  mqtt.topic = "t";
  AmqpSettings amqp;
  amqp.url = "amqp://u:s3cret-pw@";
  amqp.queue = "q";
  MqttSource mqtt_source(mqtt);
  AmqpSource amqp_source(amqp);
  for (Source* source : std::initializer_list<Source*>{&mqtt_source, &amqp_source}) {
    const std::string states = states_until_failed(*source);
    EXPECT_NE(states.find("failed: "), std::string::npos) << states;
    EXPECT_EQ(states.find("s3cret"), std::string::npos) << states;
  }
}

}  // namespace
}  // namespace parallax
