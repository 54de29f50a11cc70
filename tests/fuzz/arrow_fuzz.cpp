// libFuzzer target: any bytes into the Arrow reader, with inferred types and then with every
// field converted to a type picked from the input. The reader must answer an error or a batch
// whose every cell can be read, never crash or touch memory outside its input (ASan, UBSan).
#include "formats/arrow_reader.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto batch = parallax::read_arrow(bytes);
  if (!batch.is_ok()) return 0;
  volatile size_t sink = parallax::fuzz::touch(batch.value());
  auto types = parallax::read_arrow_field_types(bytes);
  if (!types.is_ok()) __builtin_trap();  // the whole read succeeded, so the schema must
  parallax::Schema schema;
  size_t pick = size;
  for (const auto& field : types.value()) {
    schema.add({field.first, static_cast<parallax::DataType>(pick++ % 6)});
  }
  auto converted = parallax::read_arrow(bytes, &schema);
  if (converted.is_ok()) sink = sink + parallax::fuzz::touch(converted.value());
  return 0;
}
