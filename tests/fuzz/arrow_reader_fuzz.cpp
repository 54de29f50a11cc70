// libFuzzer target: any bytes into the Arrow reader, with inferred types and then with every
// field converted to a type picked from the input. The reader must answer an error or a batch
// whose every cell can be read, never crash or touch memory outside its input (ASan, UBSan).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formats/arrow_reader.h"

namespace {

// Reads every cell, so that a batch with a bad code, length or bitmap shows up under ASan.
size_t touch(const parallax::RowBatch& batch) {
  size_t sum = 0;
  for (const auto& column : batch.columns) {
    const parallax::Column& values = column.values;
    if (values.size() != batch.num_rows) __builtin_trap();
    for (size_t row = 0; row < values.size(); ++row) {
      if (values.is_null(row)) continue;
      parallax::visit_type(values.type(), [&](auto tag) {
        using Storage = typename decltype(tag)::Storage;
        if constexpr (decltype(tag)::kType == parallax::DataType::kString) {
          sum += values.string_at(row).size();
        } else {
          sum += static_cast<size_t>(values.template value<Storage>(row) != Storage{});
        }
      });
    }
  }
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto batch = parallax::read_arrow(bytes);
  if (!batch.is_ok()) return 0;
  volatile size_t sink = touch(batch.value());
  auto types = parallax::read_arrow_field_types(bytes);
  if (!types.is_ok()) __builtin_trap();  // the whole read succeeded, so the schema must
  parallax::Schema schema;
  size_t pick = size;
  for (const auto& field : types.value()) {
    schema.add({field.first, static_cast<parallax::DataType>(pick++ % 6)});
  }
  auto converted = parallax::read_arrow(bytes, &schema);
  if (converted.is_ok()) sink = sink + touch(converted.value());
  return 0;
}
