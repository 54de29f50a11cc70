#include "scripting/pyro_message.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <initializer_list>

namespace parallax {

namespace {

constexpr uint16_t kChecksumMagic = 0x34E9;

void put_u16(std::string& out, uint16_t value) {
  out += static_cast<char>(value >> 8);
  out += static_cast<char>(value & 0xFF);
}
uint16_t get_u16(std::string_view bytes, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(bytes[at]) << 8) |
                               static_cast<uint8_t>(bytes[at + 1]));
}
uint32_t get_u32(std::string_view bytes, size_t at) {
  return (uint32_t{get_u16(bytes, at)} << 16) | get_u16(bytes, at + 2);
}

uint16_t checksum(uint16_t type, uint32_t payload_size, uint16_t annotations_size,
                  uint16_t serializer, uint16_t flags, uint16_t sequence) {
  return static_cast<uint16_t>((type + kPyroProtocolVersion + payload_size + annotations_size +
                                serializer + flags + sequence + kChecksumMagic) &
                               0xFFFF);
}

}  // namespace

std::string_view serializer_name(PyroSerializer serializer) {
  switch (serializer) {
    case PyroSerializer::kSerpent:
      return "serpent";
    case PyroSerializer::kJson:
      return "json";
    case PyroSerializer::kMarshal:
      return "marshal";
    case PyroSerializer::kPickle:
      return "pickle";
    case PyroSerializer::kPing:
      return "ping";
  }
  return "unknown";
}

namespace {

constexpr std::string_view kSessionLabel = "parallax pyro4 session v1";
constexpr std::string_view kToHost = "C>H";
constexpr std::string_view kToClient = "H>C";

// HMAC of the concatenated parts with OpenSSL 3's EVP_MAC (HMAC_CTX is deprecated there).
std::string hmac_of(const char* digest, std::string_view key,
                    std::initializer_list<std::string_view> parts,
                    const std::map<std::string, std::string>* annotations = nullptr) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* context = EVP_MAC_CTX_new(mac);
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string("digest", const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_end()};
  // A zero-length key still needs a valid pointer.
  static const unsigned char kEmpty = 0;
  EVP_MAC_init(context, key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data()),
               key.size(), params);
  for (std::string_view part : parts) {
    EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(part.data()), part.size());
  }
  if (annotations) {
    for (const auto& [id, value] : *annotations) {  // std::map: sorted by id
      if (id == "HMAC") continue;
      EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(value.data()), value.size());
    }
  }
  unsigned char digest_bytes[EVP_MAX_MD_SIZE];
  size_t length = 0;
  EVP_MAC_final(context, digest_bytes, &length, sizeof(digest_bytes));
  EVP_MAC_CTX_free(context);
  EVP_MAC_free(mac);
  return std::string(reinterpret_cast<const char*>(digest_bytes), length);
}

std::string counter_bytes(uint64_t counter) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, counter >>= 8) out[i] = static_cast<char>(counter & 0xFF);
  return out;
}

bool same_bytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string pyro_hmac(std::string_view key, const PyroMessage& message) {
  return hmac_of("SHA1", key, {message.payload}, &message.annotations);
}

std::string PyroSession::new_nonce() {
  std::string nonce(kNonceBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonceBytes) != 1) {
    std::abort();  // no randomness: a predictable nonce would defeat the challenge
  }
  return nonce;
}

Result<PyroSession> PyroSession::for_client(std::string_view key, std::string_view client_nonce,
                                            std::string_view host_nonce) {
  if (client_nonce.size() != kNonceBytes || host_nonce.size() != kNonceBytes) {
    return Status::invalid("pyro: connection nonce of the wrong size");
  }
  PyroSession session;
  session.key_ = hmac_of("SHA256", key, {kSessionLabel, client_nonce, host_nonce});
  return session;
}

std::string PyroSession::sign_header(std::string_view header) {
  return hmac_of("SHA256", key_, {kToHost, counter_bytes(sent_++), header});
}

Status PyroSession::check_header(std::string_view header, const std::string* mac) {
  const std::string expected =
      hmac_of("SHA256", key_, {kToClient, counter_bytes(received_++), header});
  if (!mac || !same_bytes(*mac, expected)) {
    return Status::invalid("pyro: message not signed for this connection (PXHD)");
  }
  return Status::ok();
}

std::string encode_pyro_message(const PyroMessage& message, std::string_view hmac_key,
                                PyroSession* session) {
  std::map<std::string, std::string> annotations = message.annotations;
  annotations.erase("HMAC");
  annotations.erase("PXHD");
  const std::string_view mac_key = session ? std::string_view(session->key()) : hmac_key;
  size_t annotations_size = 0;
  for (const auto& [id, value] : annotations) annotations_size += 6 + value.size();
  if (session) annotations_size += 6 + 32;           // PXHD: HMAC-SHA256
  if (!mac_key.empty()) annotations_size += 6 + 20;  // HMAC: HMAC-SHA1

  std::string out;
  out.reserve(kPyroHeaderSize + annotations_size + message.payload.size());
  out += "PYRO";
  put_u16(out, kPyroProtocolVersion);
  put_u16(out, static_cast<uint16_t>(message.type));
  put_u16(out, message.flags);
  put_u16(out, message.sequence);
  const auto payload_size = static_cast<uint32_t>(message.payload.size());
  put_u16(out, static_cast<uint16_t>(payload_size >> 16));
  put_u16(out, static_cast<uint16_t>(payload_size & 0xFFFF));
  put_u16(out, static_cast<uint16_t>(message.serializer));
  put_u16(out, static_cast<uint16_t>(annotations_size));
  put_u16(out, 0);
  put_u16(out,
          checksum(static_cast<uint16_t>(message.type), payload_size,
                   static_cast<uint16_t>(annotations_size),
                   static_cast<uint16_t>(message.serializer), message.flags, message.sequence));
  if (session) annotations["PXHD"] = session->sign_header(out);
  if (!mac_key.empty()) {
    annotations["HMAC"] = hmac_of("SHA1", mac_key, {message.payload}, &annotations);
  }
  for (const auto& [id, value] : annotations) {
    out += id.substr(0, 4);
    put_u16(out, static_cast<uint16_t>(value.size()));
    out += value;
  }
  out += message.payload;
  return out;
}

Result<PyroHeader> decode_pyro_header(std::string_view bytes) {
  if (bytes.size() < kPyroHeaderSize) return Status::invalid("pyro: short message header");
  if (bytes.substr(0, 4) != "PYRO") return Status::invalid("pyro: not a Pyro message (bad magic)");
  const uint16_t version = get_u16(bytes, 4);
  if (version != kPyroProtocolVersion) {
    return Status::invalid("pyro: protocol version {} (this client speaks {}, Pyro4)", version,
                           kPyroProtocolVersion);
  }
  PyroHeader header;
  const uint16_t type = get_u16(bytes, 6);
  header.flags = get_u16(bytes, 8);
  header.sequence = get_u16(bytes, 10);
  const uint32_t payload_size = get_u32(bytes, 12);
  const uint16_t serializer = get_u16(bytes, 16);
  header.annotations_size = get_u16(bytes, 18);
  const uint16_t sum = get_u16(bytes, 22);
  if (payload_size > 0x7FFFFFFF) return Status::invalid("pyro: negative payload size");
  if (sum != checksum(type, payload_size, header.annotations_size, serializer, header.flags,
                      header.sequence)) {
    return Status::invalid("pyro: header checksum mismatch");
  }
  if (type < 1 || type > 6) return Status::invalid("pyro: unknown message type {}", type);
  header.type = static_cast<PyroMessageType>(type);
  header.payload_size = payload_size;
  header.serializer = static_cast<PyroSerializer>(serializer);
  return header;
}

Result<std::map<std::string, std::string>> decode_pyro_annotations(std::string_view bytes) {
  std::map<std::string, std::string> annotations;
  size_t at = 0;
  while (at < bytes.size()) {
    if (bytes.size() - at < 6) return Status::invalid("pyro: truncated annotation");
    std::string id(bytes.substr(at, 4));
    const uint16_t length = get_u16(bytes, at + 4);
    at += 6;
    if (bytes.size() - at < length) return Status::invalid("pyro: truncated annotation");
    annotations[id] = std::string(bytes.substr(at, length));
    at += length;
  }
  return annotations;
}

Status check_pyro_hmac(const PyroMessage& message, std::string_view key) {
  auto signature = message.annotations.find("HMAC");
  if (key.empty()) {
    if (signature != message.annotations.end()) {
      return Status::invalid(
          "pyro: the daemon signs its messages with an HMAC key but no key is configured");
    }
    return Status::ok();
  }
  if (signature == message.annotations.end()) {
    return Status::invalid("pyro: the daemon's message has no HMAC (the daemon has no key?)");
  }
  if (!same_bytes(signature->second, pyro_hmac(key, message))) {
    return Status::invalid("pyro: message HMAC mismatch (wrong key?)");
  }
  return Status::ok();
}

Result<PyroMessage> decode_pyro_body(const PyroHeader& header, std::string_view annotations,
                                     std::string payload, std::string_view hmac_key,
                                     bool check_hmac) {
  PyroMessage message;
  message.type = header.type;
  message.flags = header.flags;
  message.sequence = header.sequence;
  message.serializer = header.serializer;
  PX_ASSIGN_OR_RETURN(message.annotations, decode_pyro_annotations(annotations));
  message.payload = std::move(payload);
  if (check_hmac) PX_RETURN_IF_ERROR(check_pyro_hmac(message, hmac_key));
  return message;
}

Result<std::string> marshal_decode_string(std::string_view bytes) {
  if (bytes.empty()) return Status::invalid("marshal: empty data");
  const uint8_t code = static_cast<uint8_t>(bytes[0]) & 0x7F;  // 0x80 is the "ref" flag
  size_t length = 0;
  size_t start = 0;
  switch (code) {
    case 'z':  // short ASCII
    case 'Z':  // short ASCII, interned
      if (bytes.size() < 2) return Status::invalid("marshal: truncated string");
      length = static_cast<uint8_t>(bytes[1]);
      start = 2;
      break;
    case 'u':  // UTF-8
    case 't':  // interned
    case 'a':  // ASCII
    case 'A':  // ASCII, interned
      if (bytes.size() < 5) return Status::invalid("marshal: truncated string");
      length = static_cast<uint8_t>(bytes[1]) | static_cast<uint8_t>(bytes[2]) << 8 |
               static_cast<uint8_t>(bytes[3]) << 16 | size_t{static_cast<uint8_t>(bytes[4])} << 24;
      start = 5;
      break;
    default:
      return Status::invalid("marshal: not a string (type code 0x{:02x})", code);
  }
  if (bytes.size() - start < length) return Status::invalid("marshal: truncated string");
  return std::string(bytes.substr(start, length));
}

}  // namespace parallax
