#include "scripting/pyro_message.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

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

std::string pyro_hmac(std::string_view key, const PyroMessage& message) {
  // OpenSSL 3's EVP_MAC (the HMAC_CTX functions are deprecated there).
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* context = EVP_MAC_CTX_new(mac);
  char digest_name[] = "SHA1";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest_name, 0),
                               OSSL_PARAM_construct_end()};
  // A zero-length key still needs a valid pointer.
  static const unsigned char kEmpty = 0;
  EVP_MAC_init(context, key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data()),
               key.size(), params);
  EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(message.payload.data()),
                 message.payload.size());
  for (const auto& [id, value] : message.annotations) {  // std::map: sorted by id
    if (id == "HMAC") continue;
    EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(value.data()), value.size());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  size_t length = 0;
  EVP_MAC_final(context, digest, &length, sizeof(digest));
  EVP_MAC_CTX_free(context);
  EVP_MAC_free(mac);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string encode_pyro_message(const PyroMessage& message, std::string_view hmac_key) {
  std::map<std::string, std::string> annotations = message.annotations;
  annotations.erase("HMAC");
  if (!hmac_key.empty()) {
    PyroMessage unsigned_message{message.type,       message.flags, message.sequence,
                                 message.serializer, annotations,   {}};
    unsigned_message.payload = message.payload;
    annotations["HMAC"] = pyro_hmac(hmac_key, unsigned_message);
  }
  size_t annotations_size = 0;
  for (const auto& [id, value] : annotations) annotations_size += 6 + value.size();

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

Result<PyroMessage> decode_pyro_body(const PyroHeader& header, std::string_view annotations,
                                     std::string payload, std::string_view hmac_key,
                                     bool check_hmac) {
  PyroMessage message;
  message.type = header.type;
  message.flags = header.flags;
  message.sequence = header.sequence;
  message.serializer = header.serializer;
  size_t at = 0;
  while (at < annotations.size()) {
    if (annotations.size() - at < 6) return Status::invalid("pyro: truncated annotation");
    std::string id(annotations.substr(at, 4));
    const uint16_t length = get_u16(annotations, at + 4);
    at += 6;
    if (annotations.size() - at < length) return Status::invalid("pyro: truncated annotation");
    message.annotations[id] = std::string(annotations.substr(at, length));
    at += length;
  }
  message.payload = std::move(payload);
  if (!check_hmac) return message;
  auto signature = message.annotations.find("HMAC");
  if (hmac_key.empty()) {
    if (signature != message.annotations.end()) {
      return Status::invalid(
          "pyro: the daemon signs its messages with an HMAC key but no key is configured");
    }
    return message;
  }
  if (signature == message.annotations.end()) {
    return Status::invalid("pyro: the daemon's message has no HMAC (the daemon has no key?)");
  }
  const std::string expected = pyro_hmac(hmac_key, message);
  if (signature->second.size() != expected.size() ||
      CRYPTO_memcmp(signature->second.data(), expected.data(), expected.size()) != 0) {
    return Status::invalid("pyro: message HMAC mismatch (wrong key?)");
  }
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
