// The transform step alone, as a pipeline runs it: a table in the engine goes through an
// identity script (`return rows`) on a running script host and comes back as a table in the
// engine; no CLI start, no CSV parsing or printing. Each mode's output is checked equal to
// the input (as CSV text). Run by bench/script_transform.py; usage:
//   script_step_benchmark PORT HMAC_KEY_FILE DATA.csv [RUNS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "formats/csv_reader.h"
#include "formats/csv_writer.h"
#include "scripting/script_step.h"
#include "scripting/script_table.h"

namespace parallax {
namespace {

std::string csv_of(const RowBatch& batch) {
  return write_csv(frame_of_batch(batch));
}

std::string read_text(const char* path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

int run(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s PORT HMAC_KEY_FILE DATA.csv [RUNS]\n", argv[0]);
    return 2;
  }
  std::string key = read_text(argv[2]);
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  auto input = read_csv(read_text(argv[3]));
  if (!input.is_ok()) {
    std::fprintf(stderr, "%s\n", input.status().message().c_str());
    return 1;
  }
  const std::string expected = csv_of(input.value());
  const int runs = argc > 4 ? std::max(1, std::atoi(argv[4])) : 5;
  struct Mode {
    const char* name;
    PyroSerializer serializer;
    bool arrow;
  };
  const Mode modes[] = {{"serpent rows", PyroSerializer::kSerpent, false},
                        {"json rows", PyroSerializer::kJson, false},
                        {"arrow (serpent)", PyroSerializer::kSerpent, true},
                        {"arrow (json)", PyroSerializer::kJson, true}};
  for (const Mode& mode : modes) {
    ScriptStepSettings settings;
    settings.port = static_cast<uint16_t>(std::atoi(argv[1]));
    settings.hmac_key = key;
    settings.serialization = mode.serializer;
    settings.use_arrow = mode.arrow;
    settings.script = "return rows";
    settings.timeout_seconds = 300;
    ScriptClient client(settings);
    std::vector<double> seconds;
    for (int i = 0; i <= runs; ++i) {  // the first run (connection, host lookup) is not kept
      const auto start = std::chrono::steady_clock::now();
      auto result = client.run(settings, &input.value());
      const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
      if (!result.is_ok()) {
        std::fprintf(stderr, "%s: %s\n", mode.name, result.status().message().c_str());
        return 1;
      }
      if (csv_of(result->rows) != expected) {
        std::fprintf(stderr, "%s: the output differs from the input\n", mode.name);
        return 1;
      }
      if (i > 0) seconds.push_back(elapsed.count());
    }
    std::sort(seconds.begin(), seconds.end());
    std::printf("%s\t%.4f\t%.4f\n", mode.name, seconds.front(), seconds[seconds.size() / 2]);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace parallax

int main(int argc, char** argv) {
  return parallax::run(argc, argv);
}
