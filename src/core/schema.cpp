#include "core/schema.h"

namespace parallax {

Schema::Schema(std::vector<Field> fields) {
  for (auto& field : fields) add(std::move(field));
}

bool Schema::add(Field field) {
  if (positions_.contains(field.name)) return false;
  positions_.emplace(field.name, fields_.size());
  fields_.push_back(std::move(field));
  return true;
}

std::optional<size_t> Schema::find(std::string_view name) const {
  auto found = positions_.find(absl::string_view(name.data(), name.size()));
  if (found == positions_.end()) return std::nullopt;
  return found->second;
}

bool Schema::operator==(const Schema& other) const {
  if (fields_.size() != other.fields_.size()) return false;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name != other.fields_[i].name || fields_[i].type != other.fields_[i].type) {
      return false;
    }
  }
  return true;
}

}  // namespace parallax
