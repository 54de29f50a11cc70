#include "core/column.h"

namespace parallax {

Column::Column(DataType type) : type_(type) {
  visit_type(type, [this](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    storage_.emplace<std::vector<Storage>>();
  });
}

void Column::append_null() {
  visit_storage([](auto& values) { values.emplace_back(); });
  validity_.push_back(false);
}

void Column::set_null(size_t row) {
  visit_storage([row](auto& values) { values[row] = {}; });
  validity_.set(row, false);
}

void Column::resize(size_t size) {
  visit_storage([size](auto& values) { values.resize(size); });
  validity_.resize(size, false);
}

void Column::reserve(size_t size) {
  visit_storage([size](auto& values) { values.reserve(size); });
  validity_.reserve(size);
}

void Column::clear() {
  visit_storage([](auto& values) { values.clear(); });
  validity_.clear();
}

void Column::move_cell(size_t from, size_t to) {
  visit_storage([from, to](auto& values) { values[to] = values[from]; });
  validity_.set(to, validity_.is_valid(from));
}

void Column::set_from(size_t position, const Column& source, size_t row) {
  if (source.is_null(row)) return set_null(position);
  visit_type(type_, [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    if constexpr (std::is_same_v<Storage, uint32_t>) {
      set<uint32_t>(position, dictionary_.intern(source.string_at(row)));
    } else {
      set<Storage>(position, source.value<Storage>(row));
    }
  });
}

Column Column::gathered(std::span<const uint32_t> rows) const {
  Column out(type_);
  out.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) out.set_from(i, *this, rows[i]);
  return out;
}

Scalar Column::scalar_at(size_t row) const {
  if (is_null(row)) return Scalar::null(type_);
  return visit_type(type_, [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    if constexpr (std::is_same_v<Storage, uint32_t>) {
      return Scalar::of_string(std::string(string_at(row)));
    } else if constexpr (std::is_same_v<Storage, double>) {
      return Scalar::of_float(value<double>(row));
    } else {
      return Scalar::of_integer(type_, value<Storage>(row));
    }
  });
}

size_t Column::memory_bytes() const {
  size_t bytes = validity_.memory_bytes() + dictionary_.memory_bytes();
  std::visit([&bytes](const auto& values) { bytes += values.capacity() * sizeof(values[0]); },
             storage_);
  return bytes;
}

}  // namespace parallax
