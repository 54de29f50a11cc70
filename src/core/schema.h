// Column names and types, in the table's column order.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "core/data_type.h"

namespace parallax {

struct Field {
  std::string name;
  DataType type;
};

class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<Field> fields);

  // Adds a field; returns false when the name is taken.
  bool add(Field field);
  const std::vector<Field>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }
  const Field& field(size_t position) const { return fields_[position]; }
  std::optional<size_t> find(std::string_view name) const;
  bool operator==(const Schema& other) const;

 private:
  std::vector<Field> fields_;
  absl::flat_hash_map<std::string, size_t> positions_;
};

}  // namespace parallax
