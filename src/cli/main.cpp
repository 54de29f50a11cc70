// parallax: the command line front end. Each subcommand lives in its own file.
#include <cstdio>
#include <cstring>

#include "cli/commands.h"

namespace {

constexpr const char* kUsage =
    "usage:\n"
    "  parallax replay SCRIPT.jsonl [--timing]     run a replay script ('-' reads stdin)\n"
    "  parallax view FILE --config JSON [--format columns|json|csv|ndjson|arrow|arrow-file]\n"
    "      [--compression lz4] [--index COL]     arrow/arrow-file write binary Arrow IPC\n"
    "  parallax script-host [--host H] [--port P] [--hmac-key-file F] [--help for more]\n"
    "  parallax transform --config F.json --input FILE [--format F]   a Python transform\n"
    "  parallax connector --config F.json [--test] [--format F]       a Python connector\n"
    "  parallax run-script SCRIPT.py [--input FILE] [--param k=v ...] [--timeout S] ...\n"
    "  parallax serve [FILE...] [--host 127.0.0.1] [--port 8080] [--index COL] [--lock]\n"
    "                 [--web DIR] [--demo-stream [MS]]   the viewer at /, the protocol at "
    "/websocket\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (std::strcmp(argv[1], "replay") == 0) return parallax::run_replay(argc - 2, argv + 2);
  if (std::strcmp(argv[1], "view") == 0) return parallax::run_view(argc - 2, argv + 2);
  if (std::strcmp(argv[1], "script-host") == 0)
    return parallax::run_script_host(argc - 2, argv + 2);
  if (std::strcmp(argv[1], "transform") == 0) return parallax::run_transform(argc - 2, argv + 2);
  if (std::strcmp(argv[1], "connector") == 0) return parallax::run_connector(argc - 2, argv + 2);
  if (std::strcmp(argv[1], "run-script") == 0) return parallax::run_run_script(argc - 2, argv + 2);
  if (std::strcmp(argv[1], "serve") == 0) return parallax::run_serve(argc - 2, argv + 2);
  std::fprintf(stderr, "parallax: unknown command '%s'\n%s", argv[1], kUsage);
  return 2;
}
