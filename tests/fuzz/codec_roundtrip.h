// The Pyro codecs' fuzz targets check more than "no crash": a value one decoder accepts must
// encode (when the codec can hold it) to text that decodes to the same encoding again.
#pragma once

#include <cstdio>
#include <string>

#include "scripting/pickle.h"
#include "scripting/pyro_json.h"
#include "scripting/python_value.h"
#include "scripting/serpent.h"

namespace parallax::fuzz {

// Printable bytes as they are, the others as \xHH.
inline std::string escaped(const std::string& bytes) {
  std::string out;
  for (const unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

// encode(decode(encode(value))) == encode(value) for each codec that can encode `value`.
inline void check_roundtrips(const PyValue& value) {
  auto through = [&](const char* codec, auto encode, auto decode) {
    auto encoded = encode(value);
    if (!encoded.is_ok()) return;
    auto decoded = decode(encoded.value());
    if (!decoded.is_ok()) {
      std::fprintf(stderr, "%s: cannot read what it wrote: %s\n%s\n", codec,
                   decoded.status().message().c_str(), escaped(encoded.value()).c_str());
      __builtin_trap();
    }
    auto again = encode(decoded.value());
    if (!again.is_ok() || again.value() != encoded.value()) {
      std::fprintf(
          stderr, "%s: the round trip changed the value:\n%s\n%s\n", codec,
          escaped(encoded.value()).c_str(),
          again.is_ok() ? escaped(again.value()).c_str() : again.status().message().c_str());
      __builtin_trap();
    }
  };
  through(
      "serpent", [](const PyValue& v) { return serpent_encode(v); },
      [](const std::string& s) { return serpent_decode(s); });
  through(
      "pickle", [](const PyValue& v) { return pickle_encode(v); },
      [](const std::string& s) { return pickle_decode(s); });
  through(
      "json", [](const PyValue& v) { return json_encode(v); },
      [](const std::string& s) { return json_decode(s); });
}

}  // namespace parallax::fuzz
