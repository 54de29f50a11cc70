// libFuzzer target: any bytes into the CSV reader, with inferred types and then with every
// column read as a type picked from the input. An error or a batch whose every cell can be
// read; never a crash, a hang or a read outside the input (ASan, UBSan).
#include "formats/csv_reader.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace parallax;
  const std::string_view text = fuzz::as_text(data, size);
  auto batch = read_csv(text);
  if (!batch.is_ok()) return 0;
  volatile size_t sink = fuzz::touch(batch.value());
  const Schema schema = fuzz::schema_picked(batch.value(), size);
  auto converted = read_csv(text, &schema);
  if (converted.is_ok()) sink = sink + fuzz::touch(converted.value());
  return 0;
}
