// Interns the distinct strings of one string column; cells store 32-bit codes.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>

namespace parallax {

class StringDictionary {
 public:
  StringDictionary() = default;
  StringDictionary(const StringDictionary& other);
  StringDictionary& operator=(const StringDictionary& other);
  StringDictionary(StringDictionary&&) = default;
  StringDictionary& operator=(StringDictionary&&) = default;

  // The code of `value`, adding it when new.
  uint32_t intern(std::string_view value);
  // The code of `value`, or -1 when absent.
  int64_t find(std::string_view value) const;
  std::string_view at(uint32_t code) const { return strings_[code]; }
  size_t size() const { return strings_.size(); }
  size_t memory_bytes() const;

 private:
  // A deque never moves its elements, so the map's views stay valid as it grows.
  std::deque<std::string> strings_;
  absl::flat_hash_map<std::string_view, uint32_t> codes_;
};

}  // namespace parallax
