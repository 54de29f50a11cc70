// `parallax serve [FILE...] [--host H] [--port P] [--index COL] [--lock] [--web DIR]
// [--demo-stream [MS]] [--pipeline FILE.yaml] [--allow-origin O] [--auth-token-file F]
// [--tls-cert F --tls-key F]`: hosts each file as a table named after it
// (and the tables a pipeline feeds, see src/pipeline) and serves the viewer at / and the
// Perspective protocol at /websocket until interrupted.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "api/engine.h"
#include "cli/commands.h"
#include "cli/data_input.h"
#include "cli/usage.h"
#include "cli/virtual_tables.h"
#include "common/install_paths.h"
#include "pipeline/pipeline.h"
#include "server/demo_stream.h"
#include "server/server.h"

namespace parallax {

namespace {

constexpr const char* kServeUsage =
    "usage: parallax serve [FILE...] [--host 127.0.0.1] [--port 8080] [--index COL] [--lock]\n"
    "                      [--web DIR] [--demo-stream [MS]] [--pipeline FILE.yaml]\n"
    "                      [--state-dir DIR]\n"
    "                      [--max-message-mb N] [--client-queue-mb N]   per-client limits (256)\n"
    "                      [--allow-origin ORIGIN]... [--auth-token-file FILE]\n"
    "                      [--tls-cert FILE.pem --tls-key FILE.pem]\n"
    "                      [--virtual URL]... [--virtual-password-file F] [--virtual-refresh MS]\n"
    "                      [--virtual-timeout S] [--virtual-workers N] [--virtual-queue N]\n"
    "                      [--max-queued-mb N]   all clients' queues together (1024, at most\n"
    "                                            a quarter of RAM); the furthest behind go first\n"
    "                      [--client-views N] [--client-subscriptions N] [--client-tables N]\n"
    "                      [--client-ports N]   what one client may hold (256, 1024, 256, 4096)\n"
    "                      [--table-columns N]  columns of a table a client makes (4096)\n"
    "                      [--view-expressions N] [--view-group-levels N] [--view-config-terms N]\n"
    "                            what one view may ask for (256, 64, 4096)\n"
    "                      [--expression-steps N] [--expression-steps-per-row N]\n"
    "                            what one evaluation of a view's expressions may spend\n"
    "                            (20000000 + 2000 per row; docs/differences.md)\n"
    "                      [--threads N]  threads for loads, view builds (all cores)\n"
    "  Hosts each FILE as a table named after it (orders.csv is 'orders') and the tables a\n"
    "  pipeline file feeds; serves the viewer at / and the Perspective protocol at /websocket.\n"
    "  --lock             clients may read but not make, change or delete tables\n"
    "  --web DIR          the viewer's files (default: share/parallax/web beside the binary,\n"
    "                     or $PARALLAX_WEB_DIR)\n"
    "  --demo-stream MS   change rows of the first table every MS ms (needs --index)\n"
    "  --state-dir DIR    where checkpointed pipeline tables keep their rows and checkpoint\n"
    "                     across restarts (default: FILE.state beside the pipeline file)\n"
    "  --allow-origin O   a web page's origin (https://host:port, or *) that may open the\n"
    "                     websocket besides the server's own pages (repeatable)\n"
    "  --auth-token-file F  every request needs the token in F: 'Authorization: Bearer T',\n"
    "                     ?token=T on the websocket URL, or open /?token=T once in a browser\n"
    "  --tls-cert F --tls-key F  PEM certificate chain and key: https and wss only\n"
    "  --virtual URL      hosts every table of a database as a virtual table (its views run\n"
    "                     as SQL there): clickhouse://[USER@]HOST:PORT/DB (HTTP interface) or\n"
    "                     postgres://USER@HOST:PORT/DB (repeatable). The password comes from\n"
    "                     --virtual-password-file F (its first line, for every --virtual) or\n"
    "                     the environment: $PARALLAX_CLICKHOUSE_PASSWORD, libpq's PGPASSWORD,\n"
    "                     PGPASSFILE or ~/.pgpass, $PARALLAX_VIRTUAL_PASSWORD; never the URL\n"
    "  --virtual-refresh MS  how often their views rerun; clients hear of changed results\n"
    "                     (default 2000; 0: never)\n"
    "  --virtual-timeout S  how long a query may take before the database counts as\n"
    "                     unreachable (default 60; big tables need more)\n"
    "  --virtual-workers N  threads per database running its views' queries, off the\n"
    "                     thread that answers every other request (default 4)\n"
    "  --virtual-queue N  requests that may wait for a database's workers; past it they are\n"
    "                     refused with an error (default 64)\n"
    "examples:\n"
    "  parallax serve orders.csv --index order_id     then open http://127.0.0.1:8080/\n"
    "  parallax serve --pipeline pipeline.yaml --port 9000\n"
    "  parallax serve --virtual clickhouse://127.0.0.1:8123/default\n";

int fail(const std::string& message) {
  std::fprintf(stderr, "parallax serve: %s\n", message.c_str());
  return 1;
}

// The token is the file's first line; the file should be readable by its owner only.
Result<std::string> read_token_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) return Status::invalid("--auth-token-file '{}': cannot read it", path);
  std::string token;
  std::getline(file, token);
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  if (token.empty()) return Status::invalid("--auth-token-file '{}' is empty", path);
  return token;
}

// Beyond loopback, say what is exposed: every table to whoever reaches the port, or the token
// in clear.
void warn_if_exposed(const server::ServerOptions& options) {
  if (server::is_loopback_host(options.host)) return;
  if (options.access.token.empty()) {
    std::fprintf(stderr,
                 "parallax serve: warning: %s is reachable from other machines and needs no "
                 "token: anyone who can reach it can read%s every table (--auth-token-file)\n",
                 options.host.c_str(), options.lock ? "" : " and change");
  } else if (options.tls_cert_file.empty()) {
    std::fprintf(stderr,
                 "parallax serve: warning: the token travels in clear without TLS "
                 "(--tls-cert, --tls-key)\n");
  }
}

// "data/orders.csv" is hosted as "orders".
std::string table_name_of(const std::string& path) {
  return std::filesystem::path(path).stem().string();
}

// The option's field, for the options given in megabytes.
size_t* megabyte_option(server::ServerOptions& options, std::string_view arg) {
  if (arg == "--max-message-mb") return &options.max_message_bytes;
  if (arg == "--client-queue-mb") return &options.max_queued_bytes;
  if (arg == "--max-queued-mb") return &options.max_total_queued_bytes;
  return nullptr;
}

uint64_t* expression_option(ExpressionLimits& limits, std::string_view arg) {
  if (arg == "--expression-steps") return &limits.steps;
  if (arg == "--expression-steps-per-row") return &limits.steps_per_row;
  return nullptr;
}

size_t* count_option(server::ClientLimits& limits, std::string_view arg) {
  if (arg == "--client-views") return &limits.views;
  if (arg == "--client-subscriptions") return &limits.subscriptions;
  if (arg == "--client-tables") return &limits.tables;
  if (arg == "--client-ports") return &limits.ports;
  if (arg == "--table-columns") return &limits.table_columns;
  if (arg == "--view-expressions") return &limits.expressions;
  if (arg == "--view-group-levels") return &limits.group_levels;
  if (arg == "--view-config-terms") return &limits.config_terms;
  return nullptr;
}

}  // namespace

int run_serve(int argc, char** argv) {
  server::ServerOptions options;
  std::optional<std::string> web_root;
  std::vector<std::string> paths;
  std::optional<std::string> index;
  std::optional<int> demo_interval_ms;
  std::string pipeline_file;
  std::string state_dir;
  std::vector<std::string> virtual_urls;
  std::optional<std::string> virtual_password_file;
  BackendOptions virtual_options;
  bool virtual_timeout_given = false;
  long virtual_refresh_ms = 2000;
  ExpressionLimits expression_limits;
  size_t threads = 0;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--host" && has_value) {
      options.host = argv[++i];
    } else if (arg == "--port" && has_value) {
      const int port = std::atoi(argv[++i]);
      if (port < 0 || port > 65535) return fail("--port must be 0..65535");
      options.port = static_cast<uint16_t>(port);
    } else if (arg == "--index" && has_value) {
      index = argv[++i];
    } else if (arg == "--web" && has_value) {
      web_root = argv[++i];
    } else if (size_t* megabytes = megabyte_option(options, arg); megabytes && has_value) {
      const long value = std::atol(argv[++i]);
      if (value <= 0) return fail(std::string(arg) + " must be a positive number");
      *megabytes = static_cast<size_t>(value) << 20;
    } else if (size_t* count = count_option(options.client_limits, arg); count && has_value) {
      const long value = std::atol(argv[++i]);
      if (value <= 0) return fail(std::string(arg) + " must be a positive number");
      *count = static_cast<size_t>(value);
    } else if (uint64_t* steps = expression_option(expression_limits, arg); steps && has_value) {
      const std::string_view text = argv[++i];
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *steps);
      if (error != std::errc() || end != text.data() + text.size()) {
        return fail(std::string(arg) + " must be a whole number of steps");
      }
    } else if (arg == "--threads" && has_value) {
      const auto value = parse_threads(argv[++i]);
      if (!value) return fail("--threads must be 1..1024");
      threads = *value;
    } else if (arg == "--allow-origin" && has_value) {
      options.access.allowed_origins.emplace_back(argv[++i]);
    } else if (arg == "--auth-token-file" && has_value) {
      auto token = read_token_file(argv[++i]);
      if (!token.is_ok()) return fail(token.status().message());
      options.access.token = std::move(token).value();
    } else if (arg == "--tls-cert" && has_value) {
      options.tls_cert_file = argv[++i];
    } else if (arg == "--tls-key" && has_value) {
      options.tls_key_file = argv[++i];
    } else if (arg == "--virtual" && has_value) {
      virtual_urls.emplace_back(argv[++i]);
    } else if (arg == "--virtual-password-file" && has_value) {
      virtual_password_file = argv[++i];
    } else if (arg == "--virtual-timeout" && has_value) {
      const long seconds = std::atol(argv[++i]);
      if (seconds < 1 || seconds > 86400) return fail("--virtual-timeout must be 1..86400 seconds");
      virtual_options.timeout_seconds = static_cast<int>(seconds);
      virtual_timeout_given = true;
    } else if ((arg == "--virtual-workers" || arg == "--virtual-queue") && has_value) {
      const long value = std::atol(argv[++i]);
      if (value < 1 || value > 4096) return fail(std::string(arg) + " must be 1..4096");
      (arg == "--virtual-workers" ? options.virtual_workers.threads
                                  : options.virtual_workers.max_waiting) =
          static_cast<size_t>(value);
    } else if (arg == "--virtual-refresh" && has_value) {
      virtual_refresh_ms = std::atol(argv[++i]);
      if (virtual_refresh_ms < 0) return fail("--virtual-refresh must be 0 or more milliseconds");
    } else if (arg == "--pipeline" && has_value) {
      pipeline_file = argv[++i];
    } else if (arg == "--state-dir" && has_value) {
      state_dir = argv[++i];
    } else if (arg == "--lock") {
      options.lock = true;
    } else if (arg == "--demo-stream") {
      demo_interval_ms = 300;
      if (has_value && std::atoi(argv[i + 1]) > 0) demo_interval_ms = std::atoi(argv[++i]);
    } else if (is_help(arg)) {
      return print_usage(kServeUsage);
    } else if (!arg.starts_with("-")) {
      paths.emplace_back(arg);
    } else {
      return bad_argument("serve", arg, kServeUsage);
    }
  }
  if (!web_root) web_root = find_data_dir("PARALLAX_WEB_DIR", "web");
  if (!web_root) {
    std::fprintf(stderr,
                 "parallax serve: the viewer's files are not installed (looked in %s); "
                 "serving the protocol only\n",
                 data_dir_candidates("PARALLAX_WEB_DIR", "web").c_str());
  } else {
    options.web_root = *web_root;
  }

  Engine engine;
  engine.set_expression_limits(expression_limits);
  engine.set_num_cpus(threads);
  for (const auto& path : paths) {
    TableOptions table_options;
    table_options.index = index;
    const std::string name = table_name_of(path);
    const Status made = create_table_from_file(engine, name, path, table_options);
    if (!made.is_ok()) return fail("table '" + name + "' from " + path + ": " + made.message());
  }
  if (virtual_urls.empty() && (virtual_password_file || virtual_timeout_given)) {
    // (A pipeline's tables read in place take password_file and timeout in their source.)
    return fail("--virtual-password-file and --virtual-timeout are for --virtual URLs");
  }
  if (demo_interval_ms && (paths.empty() || !index)) {
    return fail(
        "--demo-stream changes rows of the first table in place: it needs a FILE and --index");
  }

  for (const auto& url : virtual_urls) {
    auto hosted = host_virtual_database(engine, url, virtual_password_file, virtual_options);
    // (The message names the URL without any password it held.)
    if (!hosted.is_ok()) return fail("--virtual: " + hosted.status().message());
  }

  std::unique_ptr<Pipeline> pipeline;
  if (!pipeline_file.empty()) {
    auto config = load_pipeline_config(pipeline_file);
    if (!config.is_ok()) return fail(config.status().message());
    config->state_dir = state_dir;
    auto created = Pipeline::create(std::move(config).value());
    if (!created.is_ok()) return fail(created.status().message());
    pipeline = std::move(created).value();
    if (const Status loaded = pipeline->load(engine); !loaded.is_ok())
      return fail(loaded.message());
  }

  const std::vector<std::string> names = engine.table_names();  // before the engine thread owns it
  const size_t hosted = names.size();
  const bool any_virtual = std::any_of(
      names.begin(), names.end(), [&](const std::string& name) { return engine.is_virtual(name); });
  server::Server server(engine, options);
  if (const Status started = server.start(); !started.is_ok()) return fail(started.message());
  warn_if_exposed(options);
  if (pipeline) {
    pipeline->start(
        [&server](std::function<void(Engine&)> task) { server.post_to_engine(std::move(task)); });
  }
  std::unique_ptr<VirtualRefresher> refresher;
  if (any_virtual && virtual_refresh_ms > 0) {  // --virtual's or a pipeline's
    refresher = std::make_unique<VirtualRefresher>(std::chrono::milliseconds(virtual_refresh_ms),
                                                   [&server] { server.refresh_virtual_tables(); });
  }
  std::unique_ptr<server::DemoStream> stream;
  if (demo_interval_ms) {
    stream = std::make_unique<server::DemoStream>(server, table_name_of(paths.front()),
                                                  std::chrono::milliseconds(*demo_interval_ms), 20);
  }
  const bool tls = !options.tls_cert_file.empty();
  std::printf("parallax: serving %zu table(s) at %s://%s:%u/ (websocket: /websocket)%s%s\n", hosted,
              tls ? "https" : "http", options.host.c_str(), server.port(),
              options.lock ? ", locked" : "",
              options.access.token.empty() ? "" : ", token required");
  std::fflush(stdout);
  server.run_until_signal();
  stream.reset();
  refresher.reset();
  pipeline.reset();
  return 0;
}

}  // namespace parallax
