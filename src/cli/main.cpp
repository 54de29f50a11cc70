// parallax: the command line front end. Each subcommand lives in its own file and answers
// --help with its options and an example.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "cli/commands.h"
#include "cli/usage.h"

namespace {

constexpr const char* kUsage =
    "usage: parallax COMMAND [OPTIONS]   (parallax COMMAND --help for its options)\n"
    "  parallax serve [FILE...] [--pipeline FILE.yaml] [--host H] [--port P] [--index COL]\n"
    "                 [--lock] ...        the viewer at /, the Perspective protocol at /websocket\n"
    "  parallax view FILE [--config JSON] [--format columns|json|csv|ndjson|arrow|arrow-file]\n"
    "                                     one view of a file, printed\n"
    "  parallax replay SCRIPT.jsonl [--timing]         run a replay script ('-' reads stdin)\n"
    "  parallax script-host [--port P] [--hmac-key-file F] ...   the Python script host\n"
    "  parallax transform --config F.json --input FILE [--format F]   a Python transform\n"
    "  parallax connector --config F.json [--test] [--format F]       a Python connector\n"
    "  parallax run-script SCRIPT.py [--input FILE] [--param k=v ...] a script, once\n"
    "  parallax features                  what the server offers (get_features), as JSON\n"
    "  parallax --version\n"
    "example:\n"
    "  parallax serve orders.csv --index order_id     then open http://127.0.0.1:8080/\n";

struct Command {
  std::string_view name;
  int (*run)(int, char**);
};

constexpr Command kCommands[] = {
    {"serve", parallax::run_serve},           {"view", parallax::run_view},
    {"replay", parallax::run_replay},         {"script-host", parallax::run_script_host},
    {"transform", parallax::run_transform},   {"connector", parallax::run_connector},
    {"run-script", parallax::run_run_script}, {"features", parallax::run_features},
};

// Output that could not be written (a full disk, a closed stdout) fails the command: a
// script that runs `parallax view ... > out.csv` must not take a truncated file for a result.
int finished(int code) {
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "parallax: cannot write the output: %s\n", std::strerror(errno));
    return code == 0 ? 1 : code;
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string_view first = argv[1];
  if (parallax::is_help(first)) return finished(parallax::print_usage(kUsage));
  if (first == "--version" || first == "version") {
    std::printf("%s\n", parallax::version_text().c_str());
    return finished(0);
  }
  for (const Command& command : kCommands) {
    if (first == command.name) return finished(command.run(argc - 2, argv + 2));
  }
  std::fprintf(stderr, "parallax: unknown command '%s'\n%s", argv[1], kUsage);
  return 2;
}
