// The C++ Pyro4 client against a real Pyro4 daemon (Debian's python3-pyro4), written in
// scripthost/tests/plain_pyro_daemon.py without any Parallax code.
#include "scripting/pyro_client.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <thread>

#include "child_process.h"

namespace parallax {
namespace {

using testing::ChildProcess;

struct Daemon {
  std::unique_ptr<ChildProcess> process;
  PyroAddress address;
};

Daemon start_daemon(const std::string& key,
                    const std::string& serializers = "serpent,json,marshal,pickle",
                    double commtimeout = 0) {
  std::vector<std::string> argv = {"/usr/bin/python3", PARALLAX_TEST_DIR "/plain_pyro_daemon.py",
                                   "--serializers",    serializers,
                                   "--commtimeout",    std::to_string(commtimeout)};
  if (!key.empty()) argv.insert(argv.end(), {"--key", key});
  Daemon daemon;
  daemon.process = std::make_unique<ChildProcess>(argv);
  auto address = parse_pyro_uri(daemon.process->first_line());
  EXPECT_TRUE(address.is_ok()) << address.status().message();
  if (address.is_ok()) daemon.address = address.value();
  return daemon;
}

PyroClientOptions options_with(const std::string& key, PyroSerializer serializer) {
  PyroClientOptions options;
  options.hmac_key = key;
  options.serializer = serializer;
  options.call_timeout = std::chrono::milliseconds(20'000);
  options.allow_plain_pyro4 = true;  // the daemon is stock Pyro4: no connection challenge
  return options;
}

PyValue sample_value() {
  PyValue dict = PyValue::dict();
  dict.set("int", PyValue::of_int(-42));
  dict.set("big", PyValue::of_int(INT64_MAX));
  dict.set("float", PyValue::of_float(1.5));
  dict.set("text", PyValue::str("quote ' \" backslash \\ newline \n tab \t unicode é ✓ 𝄞"));
  dict.set("none", PyValue::none());
  dict.set("flag", PyValue::boolean(true));
  dict.set("list", PyValue::list({PyValue::of_int(1), PyValue::str("two"), PyValue::list()}));
  dict.set("nested", PyValue::dict()).set("deep", PyValue::of_float(-0.25));
  return dict;
}

class PyroClientTest : public ::testing::TestWithParam<PyroSerializer> {};

TEST_P(PyroClientTest, CallsEchoValuesThroughTheRealDaemon) {
  Daemon daemon = start_daemon("sekrit");
  auto connection = PyroConnection::open(daemon.address, options_with("sekrit", GetParam()));
  ASSERT_TRUE(connection.is_ok()) << connection.status().message();
  // The handshake asked for metadata: the exposed methods are listed.
  const PyValue* methods = connection.value()->metadata().get("methods");
  ASSERT_NE(methods, nullptr);
  EXPECT_FALSE(methods->items.empty());

  auto sum = connection.value()->call("add", {PyValue::of_int(2), PyValue::of_int(40)});
  ASSERT_TRUE(sum.is_ok()) << sum.status().message();
  EXPECT_EQ(sum.value(), PyValue::of_int(42));

  const PyValue value = sample_value();
  auto echoed = connection.value()->call("echo", {value});
  ASSERT_TRUE(echoed.is_ok()) << echoed.status().message();
  EXPECT_EQ(echoed.value(), value);

  // Keyword arguments and many calls on one connection (sequence numbers advance).
  for (int i = 0; i < 200; ++i) {
    PyValue kwargs = PyValue::dict();
    kwargs.set("b", PyValue::of_int(i));
    kwargs.set("extra", PyValue::str("x"));
    auto reply = connection.value()->call("kwargs", {PyValue::of_int(1)}, kwargs);
    ASSERT_TRUE(reply.is_ok()) << reply.status().message();
    EXPECT_EQ(reply->get("b")->integer, i);
    EXPECT_EQ(reply->get("rest")->get("extra")->text, "x");
  }
  EXPECT_TRUE(connection.value()->ping().is_ok());
}

TEST_P(PyroClientTest, RemoteExceptionsCarryTheClassMessageAndTraceback) {
  Daemon daemon = start_daemon("sekrit");
  PyroProxy proxy(daemon.address, options_with("sekrit", GetParam()));
  auto reply = proxy.call("fail", {PyValue::str("it broke")});
  ASSERT_FALSE(reply.is_ok());
  const std::string& message = reply.status().message();
  EXPECT_NE(message.find("ValueError: it broke"), std::string::npos) << message;
  EXPECT_NE(message.find("remote traceback"), std::string::npos) << message;
  EXPECT_NE(message.find("in deeper"), std::string::npos) << message;
  // The connection survives an exception reply.
  auto after = proxy.call("add", {PyValue::of_int(1), PyValue::of_int(1)});
  ASSERT_TRUE(after.is_ok()) << after.status().message();
  EXPECT_EQ(after->integer, 2);
}

INSTANTIATE_TEST_SUITE_P(Serializers, PyroClientTest,
                         ::testing::Values(PyroSerializer::kSerpent, PyroSerializer::kJson,
                                           PyroSerializer::kPickle),
                         [](const auto& info) { return std::string(serializer_name(info.param)); });

TEST(PyroClient, SerpentValuesArriveAsTheRightPythonTypes) {
  Daemon daemon = start_daemon("k");
  PyroProxy proxy(daemon.address, options_with("k", PyroSerializer::kSerpent));
  auto check = [&](const PyValue& value, std::string_view type, std::string_view repr) {
    auto reply = proxy.call("describe", {value});
    ASSERT_TRUE(reply.is_ok()) << reply.status().message();
    EXPECT_EQ(reply->items[0].text, type);
    EXPECT_EQ(reply->items[1].text, repr);
  };
  check(PyValue::tuple({PyValue::of_int(1)}), "tuple", "(1,)");
  check(PyValue::of_float(2.0), "float", "2.0");
  check(PyValue::of_float(INFINITY), "float", "inf");
  check(PyValue::bytes(std::string("\x00\xff'", 3)), "bytes", "b\"\\x00\\xff'\"");
  check(PyValue::str("\x01\x7f"), "str", "'\\x01\\x7f'");
  PyValue set = PyValue::of_items(PyKind::kSet, {PyValue::of_int(3)});
  check(set, "set", "{3}");
  // Back: NaN arrives as serpent's marker and is read as a float NaN.
  auto nan = proxy.call("echo", {PyValue::of_float(NAN)});
  ASSERT_TRUE(nan.is_ok()) << nan.status().message();
  EXPECT_TRUE(nan->kind == PyKind::kFloat && std::isnan(nan->number));
}

// Pickle (only when the daemon accepts it): what the C++ encoder writes is unpickled by
// Python as the right types, and what Python pickles back is read whole.
TEST(PyroClient, PickleValuesArriveAsTheRightPythonTypes) {
  Daemon daemon = start_daemon("k");
  PyroProxy proxy(daemon.address, options_with("k", PyroSerializer::kPickle));
  auto check = [&](const PyValue& value, std::string_view type, std::string_view repr) {
    auto reply = proxy.call("describe", {value});
    ASSERT_TRUE(reply.is_ok()) << reply.status().message();
    EXPECT_EQ(reply->items[0].text, type);
    EXPECT_EQ(reply->items[1].text, repr);
    auto echoed = proxy.call("echo", {value});
    ASSERT_TRUE(echoed.is_ok()) << echoed.status().message();
    EXPECT_EQ(echoed.value(), value);
  };
  check(PyValue::tuple({PyValue::of_int(1)}), "tuple", "(1,)");
  check(PyValue::of_int(INT64_MIN), "int", "-9223372036854775808");
  check(PyValue::of_text(PyKind::kBigInt, "-1180591620717411303424"), "int",
        "-1180591620717411303424");
  check(PyValue::of_float(-0.5), "float", "-0.5");
  check(PyValue::bytes(std::string("\x00\xff'", 3)), "bytes", "b\"\\x00\\xff'\"");
  check(PyValue::str("\x01 \u00e9"), "str", "'\\x01 \u00e9'");
  check(PyValue::of_items(PyKind::kSet, {PyValue::of_int(3)}), "set", "{3}");
  check(PyValue::boolean(true), "bool", "True");
  check(PyValue::none(), "NoneType", "None");
}

TEST(PyroClient, WrongOrMissingHmacKeyIsRefused) {
  Daemon daemon = start_daemon("right-key");
  for (auto serializer : {PyroSerializer::kSerpent, PyroSerializer::kJson}) {
    auto wrong = PyroConnection::open(daemon.address, options_with("wrong-key", serializer));
    ASSERT_FALSE(wrong.is_ok());
    EXPECT_NE(wrong.status().message().find("refused the connection"), std::string::npos)
        << wrong.status().message();
    EXPECT_NE(wrong.status().message().find("hmac"), std::string::npos) << wrong.status().message();
    auto missing = PyroConnection::open(daemon.address, options_with("", serializer));
    ASSERT_FALSE(missing.is_ok());
  }
  // A keyed client and an unkeyed daemon do not talk either.
  Daemon open_daemon = start_daemon("");
  auto keyed =
      PyroConnection::open(open_daemon.address, options_with("k", PyroSerializer::kSerpent));
  ASSERT_FALSE(keyed.is_ok());
  auto unkeyed =
      PyroConnection::open(open_daemon.address, options_with("", PyroSerializer::kSerpent));
  ASSERT_TRUE(unkeyed.is_ok()) << unkeyed.status().message();
}

TEST(PyroClient, AKeyedStockDaemonIsRefusedUnlessAllowed) {
  // Its HMAC does not bind messages to the connection: recorded replies could be replayed.
  Daemon daemon = start_daemon("k");
  PyroClientOptions options = options_with("k", PyroSerializer::kSerpent);
  options.allow_plain_pyro4 = false;
  auto refused = PyroConnection::open(daemon.address, options);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("connection challenge"), std::string::npos)
      << refused.status().message();
  // Without a key there is nothing to challenge with.
  Daemon open_daemon = start_daemon("");
  PyroClientOptions unkeyed = options_with("", PyroSerializer::kSerpent);
  unkeyed.allow_plain_pyro4 = false;
  EXPECT_TRUE(PyroConnection::open(open_daemon.address, unkeyed).is_ok());
}

TEST(PyroClient, ConnectFailReasonsAreShown) {
  Daemon daemon = start_daemon("k", "serpent");
  // A serializer the daemon does not accept: CONNECTFAIL (marshal-encoded) with the reason.
  auto json = PyroConnection::open(daemon.address, options_with("k", PyroSerializer::kJson));
  ASSERT_FALSE(json.is_ok());
  EXPECT_NE(json.status().message().find("refused the connection"), std::string::npos)
      << json.status().message();
  EXPECT_NE(json.status().message().find("serializer"), std::string::npos)
      << json.status().message();
  // An unknown object.
  PyroAddress unknown = daemon.address;
  unknown.object = "no.such.object";
  auto missing = PyroConnection::open(unknown, options_with("k", PyroSerializer::kSerpent));
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("unknown object"), std::string::npos)
      << missing.status().message();
  // Nobody listening.
  PyroAddress closed = daemon.address;
  closed.port = 1;
  EXPECT_FALSE(PyroConnection::open(closed, options_with("k", PyroSerializer::kSerpent)).is_ok());
}

TEST(PyroClient, CallsTimeOutAndTheConnectionIsDropped) {
  Daemon daemon = start_daemon("k");
  auto connection =
      PyroConnection::open(daemon.address, options_with("k", PyroSerializer::kSerpent));
  ASSERT_TRUE(connection.is_ok());
  auto slow = connection.value()->call("sleep", {PyValue::of_float(3)}, PyValue::dict(),
                                       std::chrono::milliseconds(300));
  ASSERT_FALSE(slow.is_ok());
  EXPECT_NE(slow.status().message().find("timeout"), std::string::npos) << slow.status().message();
  EXPECT_FALSE(connection.value()->usable());
}

TEST(PyroClient, PoolReusesConnectionsAndReconnectsAfterTheDaemonDropsThem) {
  // The daemon closes connections idle for 0.3 s.
  Daemon daemon = start_daemon("k", "serpent,json", 0.3);
  PyroProxy proxy(daemon.address, options_with("k", PyroSerializer::kSerpent));
  ASSERT_TRUE(proxy.call("add", {PyValue::of_int(1), PyValue::of_int(2)}).is_ok());
  EXPECT_EQ(proxy.idle_connections(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  auto again = proxy.call("add", {PyValue::of_int(3), PyValue::of_int(4)});
  ASSERT_TRUE(again.is_ok()) << again.status().message();
  EXPECT_EQ(again->integer, 7);
  // Several threads share the pool.
  std::vector<std::thread> threads;
  std::atomic<int> successes = 0;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto reply = proxy.call("add", {PyValue::of_int(i), PyValue::of_int(1)});
        if (reply.is_ok() && reply->integer == i + 1) ++successes;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(successes.load(), 80);
  EXPECT_LE(proxy.idle_connections(), 4u);
}

TEST(PyroClient, ScriptHostChallengeAndIdleTimeout) {
  // Parallax's own host: the client answers its connection challenge by default, and the
  // pool reconnects after the host closed an idle connection (--idle-timeout 1).
  char key_file[] = "/tmp/parallax-host-key-XXXXXX";
  const int key_fd = ::mkstemp(key_file);
  ASSERT_GE(key_fd, 0);
  ASSERT_EQ(::write(key_fd, "k\n", 2), 2);
  ::close(key_fd);
  ChildProcess host({"/usr/bin/env", "PYTHONPATH=" PARALLAX_SCRIPTHOST_DIR, "/usr/bin/python3",
                     "-m", "parallax_scripthost", "--port", "0", "--workers", "1",
                     "--hmac-key-file", key_file, "--idle-timeout", "1"});
  const std::string line = host.first_line();
  ASSERT_NE(line.find("serving PYRO:"), std::string::npos) << line;
  const std::string uri =
      line.substr(line.find("PYRO:"), line.find(' ', line.find("PYRO:")) - line.find("PYRO:"));
  auto address = parse_pyro_uri(uri);
  ASSERT_TRUE(address.is_ok()) << uri;
  ::unlink(key_file);  // read by now
  PyroClientOptions options;
  options.hmac_key = "k";
  PyroProxy proxy(address.value(), options);
  auto info = proxy.call("info", {});
  ASSERT_TRUE(info.is_ok()) << info.status().message();
  EXPECT_TRUE(proxy.ping().is_ok());  // PING is signed for the connection too
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  auto again = proxy.call("info", {});
  ASSERT_TRUE(again.is_ok()) << again.status().message();
  const PyValue* connections = again->get("connections");
  ASSERT_NE(connections, nullptr);
  EXPECT_EQ(connections->get("timed_out_idle")->integer, 1);
  // Requests over the client's own limit are not sent.
  options.max_message_bytes = 100;
  PyroProxy small(address.value(), options);
  auto big = small.call("ping", {PyValue::str(std::string(200, 'x'))});
  ASSERT_FALSE(big.is_ok());
  EXPECT_NE(big.status().message().find("exceeds the limit"), std::string::npos)
      << big.status().message();
}

}  // namespace
}  // namespace parallax
