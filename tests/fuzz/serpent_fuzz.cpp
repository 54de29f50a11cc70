// libFuzzer target: any bytes into the serpent decoder (Python literals, what a Pyro4 script
// host sends). An error or a value that every codec able to hold it round-trips; never a
// crash, a hang or unbounded recursion (ASan, UBSan).
#include "codec_roundtrip.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto value = parallax::serpent_decode(parallax::fuzz::as_text(data, size));
  if (value.is_ok()) parallax::fuzz::check_roundtrips(value.value());
  return 0;
}
