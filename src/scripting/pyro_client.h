// A Pyro4 client: connections to one remote object (handshake, calls with sequence numbers,
// remote exceptions with their traceback, timeouts) and a pool that reuses them and
// reconnects when a pooled connection has gone stale.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "scripting/pyro_message.h"
#include "scripting/python_value.h"

namespace parallax {

struct PyroAddress {
  std::string object = "parallax.scripthost";
  std::string host = "127.0.0.1";
  uint16_t port = 9090;
};

// "PYRO:object@host:port".
Result<PyroAddress> parse_pyro_uri(std::string_view uri);

struct PyroClientOptions {
  std::string hmac_key;  // empty: no HMAC (the daemon must have none either)
  PyroSerializer serializer = PyroSerializer::kSerpent;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds call_timeout{10000};
  uint32_t max_message_bytes = 1u << 30;  // larger replies are refused, larger requests not sent
  // With a key, a daemon that answers without Parallax's connection challenge (a stock Pyro4
  // daemon, whose messages can be replayed) is refused unless this is set.
  bool allow_plain_pyro4 = false;
};

// Encoding and decoding of values in a serializer this client speaks (serpent, json, pickle).
Result<std::string> encode_pyro_value(PyroSerializer serializer, const PyValue& value);
Result<PyValue> decode_pyro_value(PyroSerializer serializer, std::string_view payload);

// A remote exception reply as a Status: "ValueError: message" and, after it, the remote
// traceback. Exposed for tests.
Status remote_exception_status(const PyValue& exception);

class PyroConnection {
 public:
  // Connects and shakes hands (asking for the object's metadata).
  static Result<std::unique_ptr<PyroConnection>> open(const PyroAddress& address,
                                                      const PyroClientOptions& options);
  ~PyroConnection();
  PyroConnection(const PyroConnection&) = delete;
  PyroConnection& operator=(const PyroConnection&) = delete;

  // Calls `method(*args, **kwargs)`. `timeout` overrides the options' call timeout.
  Result<PyValue> call(std::string_view method, std::vector<PyValue> args,
                       PyValue kwargs = PyValue::dict(),
                       std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  Status ping();

  // {'methods': [...], 'oneway': [...], 'attrs': [...]} from the handshake.
  const PyValue& metadata() const { return metadata_; }
  // After a transport error or timeout the connection cannot be used again.
  bool usable() const { return fd_ >= 0 && !broken_; }
  // Whether the last failure happened before the daemon could have seen the request (the
  // peer had closed an idle connection): such a call is safe to retry on a new connection.
  bool failed_stale() const { return failed_stale_; }

 private:
  PyroConnection(int fd, PyroAddress address, PyroClientOptions options);
  Status handshake();
  // On the CONNECTOK: the session from the daemon's nonce, or refusal of an unchallenged one.
  Status start_session(const PyroMessage& reply);
  Result<PyroMessage> exchange(const PyroMessage& request,
                               std::chrono::steady_clock::time_point deadline);
  Status write_all(std::string_view bytes, std::chrono::steady_clock::time_point deadline);
  // Reads exactly `size` bytes; `any_read` says whether any byte of the reply arrived.
  Status read_exact(char* out, size_t size, std::chrono::steady_clock::time_point deadline,
                    bool& any_read);
  Status fail(Status status);

  int fd_;
  PyroAddress address_;
  PyroClientOptions options_;
  uint16_t sequence_ = 0;
  std::string client_nonce_;            // sent in CONNECT (with a key)
  std::optional<PyroSession> session_;  // once the daemon answered the challenge
  bool broken_ = false;
  bool failed_stale_ = false;
  PyValue metadata_;
};

// Calls on one remote object through a pool of connections (thread-safe).
class PyroProxy {
 public:
  PyroProxy(PyroAddress address, PyroClientOptions options, size_t max_idle = 4);

  Result<PyValue> call(std::string_view method, std::vector<PyValue> args,
                       PyValue kwargs = PyValue::dict(),
                       std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  Status ping();
  const PyroAddress& address() const { return address_; }
  size_t idle_connections() const;

 private:
  // A pooled connection when one is idle (reused = true), else a new one.
  Result<std::unique_ptr<PyroConnection>> acquire(bool& reused);
  void release(std::unique_ptr<PyroConnection> connection);

  PyroAddress address_;
  PyroClientOptions options_;
  size_t max_idle_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<PyroConnection>> idle_;
};

}  // namespace parallax
