// libFuzzer target: any bytes into the JSON readers (a list of rows, an object of columns,
// NDJSON), with inferred types and then with every column read as a type picked from the
// input. An error or a batch whose every cell can be read; never a crash (ASan, UBSan).
#include "formats/json_reader.h"
#include "fuzz_common.h"

namespace {

template <typename Read>
size_t read_both_ways(std::string_view text, Read read) {
  using namespace parallax;
  auto batch = read(text, nullptr);
  if (!batch.is_ok()) return 0;
  size_t sum = fuzz::touch(batch.value());
  const Schema schema = fuzz::schema_picked(batch.value(), text.size());
  auto converted = read(text, &schema);
  if (converted.is_ok()) sum += fuzz::touch(converted.value());
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace parallax;
  const std::string_view text = fuzz::as_text(data, size);
  volatile size_t sink = read_both_ways(text, [](auto t, auto s) { return read_json(t, s); });
  sink = sink + read_both_ways(text, [](auto t, auto s) { return read_ndjson(t, s); });
  return 0;
}
