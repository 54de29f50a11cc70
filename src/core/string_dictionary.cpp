#include "core/string_dictionary.h"

namespace parallax {

StringDictionary::StringDictionary(const StringDictionary& other) {
  *this = other;
}

StringDictionary& StringDictionary::operator=(const StringDictionary& other) {
  if (this == &other) return *this;
  strings_.clear();
  codes_.clear();
  // Its texts are distinct: each added without looking it up, into a table sized once.
  codes_.reserve(other.strings_.size());
  for (const auto& value : other.strings_) {
    const auto code = static_cast<uint32_t>(strings_.size());
    codes_.emplace(strings_.emplace_back(value), code);
  }
  return *this;
}

uint32_t StringDictionary::intern(std::string_view value) {
  auto found = codes_.find(value);
  if (found != codes_.end()) return found->second;
  const auto code = static_cast<uint32_t>(strings_.size());
  strings_.emplace_back(value);
  codes_.emplace(strings_.back(), code);
  return code;
}

int64_t StringDictionary::find(std::string_view value) const {
  auto found = codes_.find(value);
  return found == codes_.end() ? -1 : int64_t{found->second};
}

size_t StringDictionary::memory_bytes() const {
  size_t bytes = codes_.capacity() * (sizeof(std::string_view) + sizeof(uint32_t) + 1);
  for (const auto& value : strings_)
    bytes += sizeof(std::string) + (value.size() > 15 ? value.capacity() : 0);
  return bytes;
}

}  // namespace parallax
