// A typed, nullable column: a vector of the type's storage, a validity bitmap and, for
// strings, the dictionary the codes point into.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "core/data_type.h"
#include "core/scalar.h"
#include "core/string_dictionary.h"
#include "core/validity_bitmap.h"

namespace parallax {

class Column {
 public:
  explicit Column(DataType type);

  DataType type() const { return type_; }
  size_t size() const { return validity_.size(); }
  bool is_null(size_t row) const { return !validity_.is_valid(row); }
  bool is_valid(size_t row) const { return validity_.is_valid(row); }
  const ValidityBitmap& validity() const { return validity_; }
  // For bulk appends (the Arrow reader): the caller keeps values and validity the same size.
  ValidityBitmap& mutable_validity() { return validity_; }

  template <typename T>
  const std::vector<T>& values() const {
    return std::get<std::vector<T>>(storage_);
  }
  template <typename T>
  std::vector<T>& mutable_values() {
    return std::get<std::vector<T>>(storage_);
  }
  template <typename T>
  T value(size_t row) const {
    return values<T>()[row];
  }

  const StringDictionary& dictionary() const { return dictionary_; }
  StringDictionary& mutable_dictionary() { return dictionary_; }
  std::string_view string_at(size_t row) const { return dictionary_.at(values<uint32_t>()[row]); }

  template <typename T>
  void append(T value) {
    mutable_values<T>().push_back(value);
    validity_.push_back(true);
  }
  void append_string(std::string_view value) { append<uint32_t>(dictionary_.intern(value)); }
  void append_null();

  template <typename T>
  void set(size_t row, T value) {
    mutable_values<T>()[row] = value;
    validity_.set(row, true);
  }
  void set_null(size_t row);

  // Grows (with nulls) or shrinks to `size` rows.
  void resize(size_t size);
  void reserve(size_t size);
  // Drops every row; a string column keeps its dictionary (codes stay meaningful).
  void clear();
  // Moves the cell at `from` to `to` (used to fill the hole a removed row leaves).
  void move_cell(size_t from, size_t to);
  // Sets the cell at `position` to `source`'s cell at `row`, which has this column's type
  // (a string is interned into this column's dictionary).
  void set_from(size_t position, const Column& source, size_t row);
  // A new column of this type holding the cells at `rows`, in that order.
  Column gathered(std::span<const uint32_t> rows) const;
  // The cell at `row` as a Scalar (a null one when the cell is null).
  Scalar scalar_at(size_t row) const;
  size_t memory_bytes() const;

 private:
  using Storage = std::variant<std::vector<uint8_t>, std::vector<int32_t>, std::vector<double>,
                               std::vector<int64_t>, std::vector<uint32_t>>;
  template <typename F>
  decltype(auto) visit_storage(F&& f) {
    return std::visit(std::forward<F>(f), storage_);
  }

  DataType type_;
  Storage storage_;
  ValidityBitmap validity_;
  StringDictionary dictionary_;
};

}  // namespace parallax
