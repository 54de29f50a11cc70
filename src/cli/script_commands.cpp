// The script host commands:
//   parallax script-host [--host H] [--port P] [--hmac-key-file F] [...]   (the Python daemon)
//   parallax transform --config F.json --input FILE [--format F]           (a Python transform)
//   parallax connector --config F.json [--test] [--format F]               (a Python connector)
//   parallax run-script SCRIPT.py [--input FILE] [--param k=v ...] [--arrow] [--timeout S]
//                      [--host H --port P --hmac-key-file F] [--serialization S] [--format F]
// Results print as `parallax view` prints them; script log records go to stderr.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "api/table_data.h"
#include "api/view_output.h"
#include "cli/commands.h"
#include "cli/data_input.h"
#include "cli/usage.h"
#include "core/table.h"
#include "query/view.h"
#include "scripting/local_script_host.h"
#include "scripting/script_config.h"
#include "scripting/script_step.h"

namespace parallax {

namespace {

int fail(std::string_view command, const Status& status) {
  std::fprintf(stderr, "parallax %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               status.message().c_str());
  return 1;
}

Result<RowBatch> read_input(const std::string& path) {
  PX_ASSIGN_OR_RETURN(TableInput input, table_input_from_file(path, format_of_path(path)));
  return read_table_data(std::get<TableData>(input), nullptr);
}

Result<std::string> format_batch(const RowBatch& batch, std::string_view format) {
  if (batch.columns.empty()) {
    if (format == "columns") return std::string("{}\n");
    if (format == "json") return std::string("[]\n");
    return std::string();
  }
  PX_ASSIGN_OR_RETURN(std::unique_ptr<Table> table, Table::create(batch.schema(), {}));
  PX_RETURN_IF_ERROR(table->load(batch).status());
  PX_ASSIGN_OR_RETURN(std::unique_ptr<View> view, View::create(*table, ViewConfig{}));
  return write_view_named(*view, format);
}

int print_result(std::string_view command, const Result<ScriptResult>& result,
                 std::string_view format) {
  if (!result.is_ok()) return fail(command, result.status());
  for (const auto& record : result->logs) {
    std::fprintf(stderr, "[%s] %s\n", record.level.c_str(), record.message.c_str());
  }
  auto text = format_batch(result->rows, format);
  if (!text.is_ok()) return fail(command, text.status());
  std::fwrite(text->data(), 1, text->size(), stdout);
  return 0;
}

Result<ScriptStepSettings> settings_from_file(const std::string& path) {
  PX_ASSIGN_OR_RETURN(std::string text, read_file(path));
  const std::string base_dir = std::filesystem::path(path).parent_path().string();
  return script_settings_from_json(text, base_dir);
}

}  // namespace

int run_script_host(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return fail("script-host", exec_script_host(args));
}

constexpr const char* kTransformUsage =
    "usage: parallax transform --config F.json --input FILE [--format F]\n"
    "  Sends FILE's rows through a Python transform on a script host (docs/scripting.md) and\n"
    "  prints what it returns.\n"
    "  --config F.json   the step's settings: script or script_file, host, port, hmac_key_file,\n"
    "                    serialization, parameters, use_arrow, timeout ...\n"
    "  --input FILE      the rows (CSV, or JSON/NDJSON by name)\n"
    "  --format F        columns (default), json, csv, ndjson\n"
    "example:\n"
    "  echo '{\"script_file\": \"region_totals.py\", \"port\": 9090, \"hmac_key_file\": \"key\"}' "
    "> step.json\n"
    "  parallax transform --config step.json --input orders.csv --format csv\n";

constexpr const char* kConnectorUsage =
    "usage: parallax connector --config F.json [--test] [--format F]\n"
    "  Runs a Python connector (a script that makes rows) on a script host and prints them.\n"
    "  --config F.json   the step's settings (as for transform)\n"
    "  --test            only check that the host answers, and describe it\n"
    "  --format F        columns (default), json, csv, ndjson\n"
    "example:\n"
    "  parallax connector --config connector.json --format csv\n";

constexpr const char* kRunScriptUsage =
    "usage: parallax run-script SCRIPT.py [--input FILE] [--param k=v ...] [--quote-params]\n"
    "           [--arrow] [--timeout S] [--data-name NAME] [--time-zone TZ]\n"
    "           [--profile restricted|trusted] [--code-path DIR] [--format F]\n"
    "           [--host H --port P --hmac-key-file F] [--serialization serpent|json|pickle]\n"
    "  Runs SCRIPT.py once (the body of an async function ending in `return rows`), on a\n"
    "  sandboxed script host started for the run unless --port names a running one.\n"
    "example:\n"
    "  parallax run-script double.py --input orders.csv --param factor=2 --format csv\n";

int run_transform(int argc, char** argv) {
  std::string config, input, format = "columns";
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (is_help(arg)) return print_usage(kTransformUsage);
    if (arg == "--config" && i + 1 < argc) {
      config = argv[++i];
    } else if (arg == "--input" && i + 1 < argc) {
      input = argv[++i];
    } else if (arg == "--format" && i + 1 < argc) {
      format = argv[++i];
    } else {
      return bad_argument("transform", arg, kTransformUsage);
    }
  }
  if (config.empty() || input.empty()) {
    std::fputs(kTransformUsage, stderr);
    return 2;
  }
  auto settings = settings_from_file(config);
  if (!settings.is_ok()) return fail("transform", settings.status());
  auto batch = read_input(input);
  if (!batch.is_ok()) return fail("transform", batch.status());
  ScriptClient client(settings.value());
  return print_result("transform", client.run(settings.value(), &batch.value()), format);
}

int run_connector(int argc, char** argv) {
  std::string config, format = "columns";
  bool test = false;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (is_help(arg)) return print_usage(kConnectorUsage);
    if (arg == "--config" && i + 1 < argc) {
      config = argv[++i];
    } else if (arg == "--format" && i + 1 < argc) {
      format = argv[++i];
    } else if (arg == "--test") {
      test = true;
    } else {
      return bad_argument("connector", arg, kConnectorUsage);
    }
  }
  if (config.empty()) {
    std::fputs(kConnectorUsage, stderr);
    return 2;
  }
  auto settings = settings_from_file(config);
  if (!settings.is_ok()) return fail("connector", settings.status());
  ScriptClient client(settings.value());
  if (test) {
    auto description = client.test_connection();
    if (!description.is_ok()) return fail("connector", description.status());
    std::printf("%s\n", description->c_str());
    return 0;
  }
  return print_result("connector", client.run(settings.value(), nullptr), format);
}

int run_run_script(int argc, char** argv) {
  ScriptStepSettings settings;
  std::string script_path, input, format = "columns", key_file;
  bool port_given = false;
  std::vector<std::string> host_args;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (is_help(arg)) return print_usage(kRunScriptUsage);
    if (arg == "--input" && has_value) {
      input = argv[++i];
    } else if (arg == "--param" && has_value) {
      const std::string pair = argv[++i];
      const size_t equals = pair.find('=');
      if (equals == std::string::npos) {
        std::fprintf(stderr, "parallax run-script: --param wants k=v, got '%s'\n", pair.c_str());
        return 2;
      }
      settings.parameters.emplace_back(pair.substr(0, equals), pair.substr(equals + 1));
    } else if (arg == "--quote-params") {
      settings.enclose_parameters_in_quotes = true;
    } else if (arg == "--arrow") {
      settings.use_arrow = true;
    } else if (arg == "--timeout" && has_value) {
      settings.timeout_seconds = std::atof(argv[++i]);
    } else if (arg == "--host" && has_value) {
      settings.host = argv[++i];
    } else if (arg == "--port" && has_value) {
      settings.port = static_cast<uint16_t>(std::atoi(argv[++i]));
      port_given = true;
    } else if (arg == "--hmac-key-file" && has_value) {
      key_file = argv[++i];
    } else if (arg == "--serialization" && has_value) {
      auto serializer = serializer_from_name(argv[++i]);
      if (!serializer.is_ok()) return fail("run-script", serializer.status());
      settings.serialization = serializer.value();
    } else if (arg == "--data-name" && has_value) {
      settings.data_object_name = argv[++i];
    } else if (arg == "--time-zone" && has_value) {
      settings.time_zone = argv[++i];
    } else if (arg == "--profile" && has_value) {
      settings.profile = argv[++i];
      host_args.insert(host_args.end(), {"--profile", settings.profile});
    } else if (arg == "--code-path" && has_value) {
      host_args.insert(host_args.end(), {"--code-path", argv[++i]});
    } else if (arg == "--format" && has_value) {
      format = argv[++i];
    } else if (script_path.empty() && !arg.starts_with("-")) {
      script_path = arg;
    } else {
      return bad_argument("run-script", arg, kRunScriptUsage);
    }
  }
  if (script_path.empty()) {
    std::fputs(kRunScriptUsage, stderr);
    return 2;
  }
  auto script = read_file(script_path);
  if (!script.is_ok()) return fail("run-script", script.status());
  settings.script = std::move(script).value();
  std::optional<RowBatch> batch;
  if (!input.empty()) {
    auto read = read_input(input);
    if (!read.is_ok()) return fail("run-script", read.status());
    batch = std::move(read).value();
  }
  // No host given: start a local one with a fresh key, stopped when this command ends.
  std::unique_ptr<LocalScriptHost> local;
  if (!port_given) {
    auto started = LocalScriptHost::start(host_args);
    if (!started.is_ok()) return fail("run-script", started.status());
    local = std::move(started).value();
    settings.host = "127.0.0.1";
    settings.port = local->port();
    settings.hmac_key = local->hmac_key();
  } else if (!key_file.empty()) {
    auto key = read_hmac_key_file(key_file);
    if (!key.is_ok()) return fail("run-script", key.status());
    settings.hmac_key = key.value();
  }
  ScriptClient client(settings);
  return print_result("run-script", client.run(settings, batch ? &*batch : nullptr), format);
}

}  // namespace parallax
