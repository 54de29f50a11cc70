#include "query/group_key.h"

#include <cstring>

namespace parallax {

int64_t group_key_bits(const Column& column, uint32_t row) {
  return visit_type(column.type(), [&](auto tag) -> int64_t {
    using Storage = typename decltype(tag)::Storage;
    const Storage value = column.value<Storage>(row);
    if constexpr (std::is_same_v<Storage, double>) {
      const double normal = value == 0 ? 0.0 : value;  // -0 and 0 are one group
      int64_t bits;
      std::memcpy(&bits, &normal, sizeof bits);
      return bits;
    } else {
      return static_cast<int64_t>(value);
    }
  });
}

void append_group_key(std::string& path, const Column& column, uint32_t row) {
  const bool valid = column.is_valid(row);
  const int64_t bits = valid ? group_key_bits(column, row) : 0;
  path += valid ? '1' : '0';
  path.append(reinterpret_cast<const char*>(&bits), sizeof bits);
}

}  // namespace parallax
