#include "formats/column_pieces.h"

#include <bit>
#include <cstdint>
#include <type_traits>

namespace parallax {

namespace {

template <typename T>
void append_values(Column& out, const Column& piece) {
  auto& values = out.mutable_values<T>();
  const auto& more = piece.values<T>();
  values.insert(values.end(), more.begin(), more.end());
}

void append_strings(Column& out, const Column& piece) {
  // Each of the piece's codes as a code of `out`, interned in the piece's order: a string new
  // to `out` first appears in this piece in that order.
  const StringDictionary& strings = piece.dictionary();
  std::vector<uint32_t> codes(strings.size());
  StringDictionary& dictionary = out.mutable_dictionary();
  for (uint32_t code = 0; code < strings.size(); ++code) {
    codes[code] = dictionary.intern(strings.at(code));
  }
  auto& values = out.mutable_values<uint32_t>();
  const auto& more = piece.values<uint32_t>();
  const size_t base = values.size();
  values.resize(base + more.size());
  for (size_t row = 0; row < more.size(); ++row) {
    values[base + row] = piece.is_valid(row) ? codes[more[row]] : 0;
  }
}

}  // namespace

void append_bitmap(ValidityBitmap& out, const ValidityBitmap& bits) {
  static_assert(std::endian::native == std::endian::little, "words are read as Arrow's bytes");
  out.append_bits(reinterpret_cast<const uint8_t*>(bits.words().data()), bits.size());
}

Column join_pieces(std::vector<Column>& pieces) {
  Column out = std::move(pieces.front());
  size_t rows = out.size();
  for (size_t i = 1; i < pieces.size(); ++i) rows += pieces[i].size();
  out.reserve(rows);
  for (size_t i = 1; i < pieces.size(); ++i) {
    const Column& piece = pieces[i];
    visit_type(out.type(), [&](auto tag) {
      using Storage = typename decltype(tag)::Storage;
      if constexpr (std::is_same_v<Storage, uint32_t>) {
        append_strings(out, piece);
      } else {
        append_values<Storage>(out, piece);
      }
    });
    append_bitmap(out.mutable_validity(), piece.validity());
  }
  return out;
}

}  // namespace parallax
