// `parallax replay SCRIPT.jsonl [--timing] [--threads N]`: reads the script and prints the answers
// of the replay interpreter (api/replay).
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "api/replay.h"
#include "api/table_input.h"
#include "cli/commands.h"
#include "cli/usage.h"

namespace parallax {

int run_replay(int argc, char** argv) {
  static constexpr const char* kUsage =
      "usage: parallax replay SCRIPT.jsonl [--timing] [--threads N]\n"
      "  Runs a replay script: one JSON request a line (make tables, views, updates, reads),\n"
      "  one JSON answer a line on stdout. '-' reads the script from stdin.\n"
      "  --timing   add each request's time in ms to its answer\n"
      "  --threads N  threads for loads and view builds (default: all cores)\n"
      "example:\n"
      "  echo '{\"op\":\"table\",\"name\":\"t\",\"data\":[{\"a\":1}]}' | parallax replay -\n";
  std::string path;
  bool timing = false;
  size_t threads = 0;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (is_help(arg)) return print_usage(kUsage);
    if (arg == "--timing") {
      timing = true;
    } else if (arg == "--threads" && i + 1 < argc) {
      const auto value = parse_threads(argv[++i]);
      if (!value) {
        std::fprintf(stderr, "parallax replay: --threads must be 1..1024\n");
        return 2;
      }
      threads = *value;
    } else if (path.empty() && (arg == "-" || !arg.starts_with("-"))) {
      path = arg;
    } else {
      return bad_argument("replay", arg, kUsage);
    }
  }
  if (path.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string script;
  if (path == "-") {
    script.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto text = read_file(path);
    if (!text.is_ok()) {
      std::fprintf(stderr, "parallax replay: %s\n", text.status().message().c_str());
      return 1;
    }
    script = std::move(text).value();
  }
  run_replay_script(
      script, timing,
      [](std::string_view line) { std::fwrite(line.data(), 1, line.size(), stdout); }, threads);
  std::fflush(stdout);
  return 0;
}

}  // namespace parallax
