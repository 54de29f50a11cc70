// `parallax view FILE [--config JSON] [--format F] [--compression lz4] [--index COL]`:
// loads one file, makes one view, prints it (options in kViewUsage).
#include <cstdio>
#include <string>

#include "api/engine.h"
#include "api/view_config_json.h"
#include "api/view_output.h"
#include "cli/commands.h"
#include "cli/data_input.h"
#include "cli/usage.h"

namespace parallax {

namespace {

constexpr const char* kViewUsage =
    "usage: parallax view FILE [--config JSON] [--format FORMAT] [--compression lz4] [--index "
    "COL]\n"
    "  Loads FILE (CSV, or JSON/NDJSON/Arrow by its name), makes one view and prints it.\n"
    "  --config JSON        the view: columns, group_by, split_by, aggregates, sort, filter,\n"
    "                       expressions (as the viewer's config; default {})\n"
    "  --format FORMAT      columns (default), json, csv, ndjson, arrow, arrow-file\n"
    "  --compression lz4    LZ4_FRAME bodies for the arrow formats\n"
    "  --index COL          the table's primary key\n"
    "example:\n"
    "  parallax view orders.csv --config '{\"group_by\":[\"region\"],\"columns\":[\"price\"]}' "
    "--format csv\n";

int fail(const Status& status) {
  std::fprintf(stderr, "parallax view: %s\n", status.message().c_str());
  return 1;
}

}  // namespace

int run_view(int argc, char** argv) {
  std::string path, config_text = "{}", output = "columns", compression = "none";
  TableOptions options;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (is_help(arg)) return print_usage(kViewUsage);
    if (arg == "--config" && has_value) {
      config_text = argv[++i];
    } else if (arg == "--format" && has_value) {
      output = argv[++i];
    } else if (arg == "--compression" && has_value) {
      compression = argv[++i];
      if (compression != "lz4" && compression != "none") {
        std::fprintf(stderr, "parallax view: unknown compression '%s'\n", argv[i]);
        return 2;
      }
    } else if (arg == "--index" && has_value) {
      options.index = argv[++i];
    } else if (path.empty() && !arg.starts_with("-")) {
      path = arg;
    } else {
      return bad_argument("view", arg, kViewUsage);
    }
  }
  if (path.empty()) {
    std::fputs(kViewUsage, stderr);
    return 2;
  }
  Engine engine;
  if (auto status = create_table_from_file(engine, "table", path, options); !status.is_ok()) {
    return fail(status);
  }
  auto config = view_config_from_json(config_text);
  if (!config.is_ok()) return fail(config.status());
  if (auto status = engine.create_view("table", "view", std::move(config).value());
      !status.is_ok()) {
    return fail(status);
  }
  const View* view = engine.view("view").value();
  if (output == "arrow" || output == "arrow-file") {
    // Binary: the Arrow IPC stream or file, exactly as written (no trailing newline).
    auto bytes = write_view_arrow(*view, ViewWindow{}, compression == "lz4" ? "lz4" : "",
                                  output == "arrow-file");
    if (!bytes.is_ok()) return fail(bytes.status());
    std::fwrite(bytes->data(), 1, bytes->size(), stdout);
    return 0;
  }
  auto text = write_view_named(*view, output);
  if (!text.is_ok()) return fail(text.status());
  std::fwrite(text->data(), 1, text->size(), stdout);
  return 0;
}

}  // namespace parallax
