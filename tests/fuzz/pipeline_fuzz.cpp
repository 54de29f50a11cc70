// libFuzzer target: any bytes as a pipeline file (YAML). The file sits in a scratch folder
// that holds a CSV and a script, so relative sources and script files resolve. An error that
// names the file, or a config; never an exception escaping, a crash or a hang.
#include <cstdlib>
#include <fstream>
#include <string>

#include "fuzz_common.h"
#include "pipeline/pipeline_config.h"

namespace {

std::string scratch_pipeline_path() {
  char folder[] = "/tmp/parallax-pipeline-fuzz-XXXXXX";
  if (!mkdtemp(folder)) __builtin_trap();
  const std::string dir = folder;
  std::ofstream(dir + "/orders.csv") << "id,region,qty\n1,EU,3\n2,US,4\n";
  std::ofstream(dir + "/totals.py") << "def transform(df):\n    return df\n";
  return dir + "/pipeline.yaml";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = scratch_pipeline_path();
  auto config =
      parallax::parse_pipeline_config(std::string(parallax::fuzz::as_text(data, size)), path);
  volatile bool ok = config.is_ok();
  (void)ok;
  return 0;
}
