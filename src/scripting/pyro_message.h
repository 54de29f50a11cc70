// Pyro4 messages (protocol 48): the 24-byte header, annotations, HMAC-SHA1 and payload, as
// Pyro4's own message module (Pyro4/message.py, python3-pyro4) writes and reads them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace parallax {

constexpr uint16_t kPyroProtocolVersion = 48;
constexpr size_t kPyroHeaderSize = 24;

enum class PyroMessageType : uint16_t {
  kConnect = 1,
  kConnectOk = 2,
  kConnectFail = 3,
  kInvoke = 4,
  kResult = 5,
  kPing = 6,
};

namespace pyro_flags {
constexpr uint16_t kException = 0x01;
constexpr uint16_t kCompressed = 0x02;
constexpr uint16_t kOneway = 0x04;
constexpr uint16_t kBatch = 0x08;
constexpr uint16_t kMetaOnConnect = 0x10;
constexpr uint16_t kItemStreamResult = 0x20;
}  // namespace pyro_flags

enum class PyroSerializer : uint16_t {
  kSerpent = 1,
  kJson = 2,
  kMarshal = 3,
  kPickle = 4,
  kPing = 42,
};

std::string_view serializer_name(PyroSerializer serializer);

struct PyroMessage {
  PyroMessageType type = PyroMessageType::kInvoke;
  uint16_t flags = 0;
  uint16_t sequence = 0;
  PyroSerializer serializer = PyroSerializer::kSerpent;
  std::map<std::string, std::string> annotations;  // id (4 ASCII bytes) -> value; sorted by id
  std::string payload;
};

// The header fields, checked (magic, version, checksum) but before annotations and payload.
struct PyroHeader {
  PyroMessageType type;
  uint16_t flags;
  uint16_t sequence;
  uint32_t payload_size;
  PyroSerializer serializer;
  uint16_t annotations_size;
};

// Parallax's connection challenge (scripthost/parallax_scripthost/wire.py, docs/scripting.md):
// the client's CONNECT and the host's CONNECTOK each carry a fresh nonce (annotation PXNC);
// every later message is signed with a key derived from both and carries PXHD, an
// HMAC-SHA256 of its direction, its number on the connection and its header, so a message
// recorded on one connection (or replayed within it) is refused, before its payload is read.
class PyroSession {
 public:
  static constexpr size_t kNonceBytes = 16;
  static std::string new_nonce();
  // The client's side of a session.
  static Result<PyroSession> for_client(std::string_view key, std::string_view client_nonce,
                                        std::string_view host_nonce);
  // PXHD of the next message sent (counts it).
  std::string sign_header(std::string_view header);
  // Checks PXHD of the next message received (counts it); `mac` is null when it is missing.
  Status check_header(std::string_view header, const std::string* mac);
  const std::string& key() const { return key_; }

 private:
  std::string key_;
  uint64_t sent_ = 0;
  uint64_t received_ = 0;
};

// The whole message, ready for one write. With a session: PXHD and an HMAC from its key
// (counting the message); else with a key, Pyro4's HMAC annotation.
std::string encode_pyro_message(const PyroMessage& message, std::string_view hmac_key,
                                PyroSession* session = nullptr);
Result<PyroHeader> decode_pyro_header(std::string_view bytes);
Result<std::map<std::string, std::string>> decode_pyro_annotations(std::string_view bytes);
// Checks the HMAC annotation with `key`: a keyed peer must sign, an unkeyed one must not.
Status check_pyro_hmac(const PyroMessage& message, std::string_view key);
// Reads the annotations block and checks the HMAC: a keyed peer must sign, an unkeyed one
// must not (either both sides have a key or neither).
Result<PyroMessage> decode_pyro_body(const PyroHeader& header, std::string_view annotations,
                                     std::string payload, std::string_view hmac_key,
                                     bool check_hmac = true);

// HMAC-SHA1(key, payload || annotation values other than HMAC, sorted by id).
std::string pyro_hmac(std::string_view key, const PyroMessage& message);

// The text of a marshal-encoded string (what a daemon sends in CONNECTFAIL before it knows
// the client's serializer).
Result<std::string> marshal_decode_string(std::string_view bytes);

}  // namespace parallax
