#include "pipeline/pipeline_config.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "pipeline/durations.h"
#include "pipeline/yaml_settings.h"

namespace parallax {

namespace {

// Reads one YAML document; yaml-cpp's exceptions stay inside this file.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  Status error(const YAML::Node& node, std::string_view path, std::string_view message) const {
    return Status::invalid("{}: {}", yaml_place(file_, node, path), message);
  }

  Status only_keys(const YAML::Node& map, std::string_view path,
                   std::initializer_list<std::string_view> known) const {
    if (!map.IsMap()) return error(map, path, "must be a map");
    for (const auto& entry : map) {
      const std::string key = entry.first.Scalar();
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        std::string names;
        for (auto name : known) names += (names.empty() ? "" : ", ") + std::string(name);
        return error(entry.first, join(path, key), "unknown key (known: " + names + ")");
      }
    }
    return Status::ok();
  }

  Result<std::string> text(const YAML::Node& map, std::string_view path,
                           std::string_view key) const {
    const YAML::Node node = map[std::string(key)];
    if (!node.IsDefined() || !node.IsScalar() || node.Scalar().empty()) {
      return error(node.IsDefined() ? node : map, join(path, key), "must be a non-empty text");
    }
    return node.Scalar();
  }

  Result<std::chrono::milliseconds> duration(const YAML::Node& map, std::string_view path,
                                             std::string_view key) const {
    PX_ASSIGN_OR_RETURN(std::string spelled, text(map, path, key));
    auto parsed = parse_duration(spelled);
    if (!parsed.is_ok())
      return error(map[std::string(key)], join(path, key), parsed.status().message());
    return parsed;
  }

  Result<ScriptStepSpec> step(const YAML::Node& node, std::string_view path,
                              bool local_host) const {
    PX_ASSIGN_OR_RETURN(ScriptStepSettings settings, step_settings_from_yaml(node, file_, path));
    return ScriptStepSpec{std::move(settings), local_host && !node["port"]};
  }

  Result<int64_t> integer(const YAML::Node& map, std::string_view path, std::string_view key,
                          int64_t least, int64_t most) const {
    const YAML::Node node = map[std::string(key)];
    int64_t value = 0;
    const std::string spelled = node.IsScalar() ? node.Scalar() : "";
    const auto [end, failed] =
        std::from_chars(spelled.data(), spelled.data() + spelled.size(), value);
    if (spelled.empty() || failed != std::errc() || end != spelled.data() + spelled.size() ||
        value < least || value > most) {
      return error(node, join(path, key),
                   fmt::format("must be a whole number from {} to {}", least, most));
    }
    return value;
  }

  Result<bool> boolean(const YAML::Node& map, std::string_view path, std::string_view key) const {
    const YAML::Node node = map[std::string(key)];
    const std::string spelled = node.IsScalar() ? node.Scalar() : "";
    if (spelled == "true") return true;
    if (spelled == "false") return false;
    return error(node, join(path, key), "must be true or false");
  }

  // A key that may be left out: its text, or `fallback`.
  Result<std::string> optional_text(const YAML::Node& map, std::string_view path,
                                    std::string_view key, std::string fallback) const {
    if (!map[std::string(key)]) return fallback;
    return text(map, path, key);
  }

  Result<MessageFormat> message_format(const YAML::Node& map, std::string_view path) const {
    PX_ASSIGN_OR_RETURN(std::string name, optional_text(map, path, "format", "json"));
    const auto format = message_format_from_name(name);
    if (!format) {
      return error(map["format"], join(path, "format"),
                   "unknown message format '" + name + "' (json, csv or arrow)");
    }
    return *format;
  }

  // The live sources: brokers, a database, another table.
  Status live_source(const YAML::Node& source, const std::string& path, TableSpec& spec) const {
    if (const YAML::Node mqtt = source["mqtt"]) {
      const std::string at = path + ".mqtt";
      PX_RETURN_IF_ERROR(only_keys(mqtt, at, {"url", "topic", "format", "qos", "client_id"}));
      MqttSettings settings;
      PX_ASSIGN_OR_RETURN(settings.url, optional_text(mqtt, at, "url", settings.url));
      PX_ASSIGN_OR_RETURN(settings.topic, text(mqtt, at, "topic"));
      if (mqtt["qos"]) {
        PX_ASSIGN_OR_RETURN(int64_t qos, integer(mqtt, at, "qos", 0, 2));
        settings.qos = static_cast<int>(qos);
      }
      // A fixed client id keeps the broker's session (and its queued messages) across
      // reconnects and restarts.
      PX_ASSIGN_OR_RETURN(settings.client_id,
                          optional_text(mqtt, at, "client_id", "parallax-" + spec.name));
      PX_ASSIGN_OR_RETURN(spec.message_format, message_format(mqtt, at));
      spec.mqtt = std::move(settings);
    } else if (const YAML::Node amqp = source["amqp"]) {
      const std::string at = path + ".amqp";
      PX_RETURN_IF_ERROR(only_keys(amqp, at, {"url", "queue", "format", "declare", "prefetch"}));
      AmqpSettings settings;
      PX_ASSIGN_OR_RETURN(settings.url, optional_text(amqp, at, "url", settings.url));
      PX_ASSIGN_OR_RETURN(settings.queue, text(amqp, at, "queue"));
      if (amqp["declare"]) {
        PX_ASSIGN_OR_RETURN(settings.declare, boolean(amqp, at, "declare"));
      }
      if (amqp["prefetch"]) {
        PX_ASSIGN_OR_RETURN(int64_t prefetch, integer(amqp, at, "prefetch", 1, 65535));
        settings.prefetch = static_cast<int>(prefetch);
      }
      PX_ASSIGN_OR_RETURN(spec.message_format, message_format(amqp, at));
      spec.amqp = std::move(settings);
    } else if (const YAML::Node postgres = source["postgres"]) {
      const std::string at = path + ".postgres";
      PX_RETURN_IF_ERROR(
          only_keys(postgres, at, {"dsn", "query", "checkpoint", "checkpoint_start", "listen"}));
      PostgresSettings settings;
      PX_ASSIGN_OR_RETURN(settings.dsn, text(postgres, at, "dsn"));
      PX_ASSIGN_OR_RETURN(settings.query, text(postgres, at, "query"));
      PX_ASSIGN_OR_RETURN(settings.checkpoint, optional_text(postgres, at, "checkpoint", ""));
      PX_ASSIGN_OR_RETURN(settings.checkpoint_start, optional_text(postgres, at, "checkpoint_start",
                                                                   settings.checkpoint_start));
      PX_ASSIGN_OR_RETURN(settings.listen, optional_text(postgres, at, "listen", ""));
      const bool placeholder = settings.query.find("{checkpoint}") != std::string::npos;
      if (placeholder != !settings.checkpoint.empty()) {
        return error(postgres, at,
                     "'checkpoint' (a column) and '{checkpoint}' in the query go together");
      }
      spec.postgres = std::move(settings);
    } else {
      PX_ASSIGN_OR_RETURN(spec.feed_table, text(source, path, "table"));
    }
    return Status::ok();
  }

  // A table read in place (mode: virtual): {clickhouse | postgres: {url (or dsn), table,
  // password_file | password_env}}, and none of the keys of tables whose rows come here.
  Status virtual_source(const YAML::Node& node, const YAML::Node& source, const std::string& path,
                        TableSpec& spec) const {
    const bool clickhouse = source["clickhouse"].IsDefined();
    const std::string kind = clickhouse ? "clickhouse" : "postgres";
    const YAML::Node settings = source[kind];
    const std::string at = path + ".source." + kind;
    PX_RETURN_IF_ERROR(only_keys(
        settings, at, {"url", "dsn", "table", "password_file", "password_env", "timeout"}));
    if (settings["url"].IsDefined() == settings["dsn"].IsDefined()) {
      return error(settings, at, "needs the database's 'url' (or 'dsn'), one of them");
    }
    const std::string url_key = settings["url"] ? "url" : "dsn";
    VirtualSourceSpec read;
    PX_ASSIGN_OR_RETURN(read.url, text(settings, at, url_key));
    const bool fits =
        clickhouse ? read.url.starts_with("clickhouse://")
                   : read.url.starts_with("postgres://") || read.url.starts_with("postgresql://");
    // (connect_backend checks the URL without connecting; its errors never quote a password.)
    auto checked = connect_backend(read.url, {});
    if (!fits || !checked.is_ok()) {
      return error(settings[url_key], at + "." + url_key,
                   !fits ? (clickhouse ? "must be a clickhouse://[USER@]HOST:PORT/DATABASE URL"
                                       : "must be a postgres://USER@HOST:PORT/DATABASE URL")
                         : checked.status().message());
    }
    PX_ASSIGN_OR_RETURN(read.table, text(settings, at, "table"));
    if (settings["password_file"] && settings["password_env"]) {
      return error(settings, at, "takes 'password_file' or 'password_env', not both");
    }
    if (settings["password_file"]) {
      PX_ASSIGN_OR_RETURN(std::string file, text(settings, at, "password_file"));
      std::filesystem::path resolved(file);
      if (resolved.is_relative()) resolved = std::filesystem::path(file_).parent_path() / resolved;
      read.password.file = resolved.string();
    }
    if (settings["password_env"]) {
      PX_ASSIGN_OR_RETURN(read.password.env, text(settings, at, "password_env"));
    }
    if (settings["timeout"]) {
      PX_ASSIGN_OR_RETURN(int64_t seconds, integer(settings, at, "timeout", 1, 86400));
      read.timeout_seconds = static_cast<int>(seconds);
    }
    for (const char* key : {"transforms", "refresh", "index", "limit", "schema", "real_time_limit",
                            "transform_input", "max_queued_mb", "max_decoded_mb"}) {
      if (node[key]) {
        return error(node[key], path + "." + key,
                     "is not for a virtual table (its rows stay in the database, its views run "
                     "there and rerun every --virtual-refresh)");
      }
    }
    spec.virtual_source = std::move(read);
    return Status::ok();
  }

  Result<TableSpec> table(const YAML::Node& node, const std::string& path,
                          const PipelineConfig& config) const {
    PX_RETURN_IF_ERROR(only_keys(
        node, path,
        {"name", "source", "transforms", "refresh", "index", "mode", "limit", "real_time_limit",
         "transform_input", "schema", "max_queued_mb", "max_decoded_mb"}));
    TableSpec spec;
    PX_ASSIGN_OR_RETURN(spec.name, text(node, path, "name"));
    const YAML::Node source = node["source"];
    const std::string source_path = path + ".source";
    if (!source)
      return error(node, source_path,
                   "is missing (a file, a connector, mqtt, amqp, postgres, clickhouse or a table)");
    PX_RETURN_IF_ERROR(only_keys(
        source, source_path,
        {"file", "format", "connector", "mqtt", "amqp", "postgres", "clickhouse", "table"}));
    int kinds = 0;
    for (const char* kind :
         {"file", "connector", "mqtt", "amqp", "postgres", "clickhouse", "table"})
      kinds += source[kind].IsDefined() ? 1 : 0;
    if (kinds != 1) {
      return error(source, source_path,
                   "needs exactly one of 'file', 'connector', 'mqtt', 'amqp', 'postgres', "
                   "'clickhouse', 'table'");
    }
    const YAML::Node mode = node["mode"];
    const bool in_place = mode.IsDefined() && mode.IsScalar() && mode.Scalar() == "virtual";
    if (in_place != source["clickhouse"].IsDefined() && !(in_place && source["postgres"])) {
      return in_place ? error(mode, path + ".mode",
                              "virtual is for a clickhouse or postgres source's table (read in "
                              "place)")
                      : error(source["clickhouse"], source_path + ".clickhouse",
                              "a ClickHouse table is read in place: give its table mode: virtual");
    }
    if (in_place) {
      if (source["format"]) return error(source["format"], source_path, "'format' is for files");
      PX_RETURN_IF_ERROR(virtual_source(node, source, path, spec));
      return spec;
    }
    if (source["postgres"] && source["postgres"].IsMap() && source["postgres"]["table"]) {
      return error(source["postgres"]["table"], source_path + ".postgres.table",
                   "a table read in place needs mode: virtual (a copied one takes a 'query')");
    }
    if (!source["file"] && !source["connector"]) {
      if (source["format"]) {
        return error(source["format"], source_path,
                     "'format' is for files (a broker's goes inside its settings)");
      }
      PX_RETURN_IF_ERROR(live_source(source, source_path, spec));
    } else if (source["file"]) {
      PX_ASSIGN_OR_RETURN(std::string file, text(source, source_path, "file"));
      std::filesystem::path resolved(file);
      if (resolved.is_relative()) resolved = std::filesystem::path(file_).parent_path() / resolved;
      spec.file = resolved.string();
      // The error_code forms: a name the system refuses (a component over 255 bytes) is a
      // clear error, not an exception out of serve.
      std::error_code failure;
      if (!std::filesystem::is_regular_file(spec.file, failure)) {
        return error(
            source["file"], source_path + ".file",
            "no such file: " + spec.file + (failure ? " (" + failure.message() + ")" : ""));
      }
      std::string format = source["format"] ? source["format"].Scalar() : format_of_name(file);
      auto parsed = data_format_from_name(format);
      if (!parsed || *parsed == DataFormat::kColumns) {
        return error(source["format"] ? source["format"] : source["file"], source_path + ".format",
                     "unknown format '" + format + "' (csv, json, ndjson or arrow)");
      }
      spec.file_format = *parsed;
    } else {
      if (source["format"]) return error(source["format"], source_path, "'format' is for files");
      PX_ASSIGN_OR_RETURN(spec.connector, step(source["connector"], source_path + ".connector",
                                               config.local_script_host));
    }
    if (const YAML::Node steps = node["transforms"]) {
      if (!steps.IsSequence()) return error(steps, path + ".transforms", "must be a list of steps");
      for (size_t i = 0; i < steps.size(); ++i) {
        PX_ASSIGN_OR_RETURN(
            ScriptStepSpec transform,
            step(steps[i], fmt::format("{}.transforms[{}]", path, i), config.local_script_host));
        spec.transforms.push_back(std::move(transform));
      }
    }
    if (node["refresh"]) {
      PX_ASSIGN_OR_RETURN(spec.refresh, duration(node, path, "refresh"));
    }
    if (node["index"]) {
      PX_ASSIGN_OR_RETURN(spec.index, text(node, path, "index"));
    }
    PX_RETURN_IF_ERROR(table_options(node, path, spec));
    return spec;
  }

  // mode, limit, real_time_limit, transform_input, and how they fit the source.
  Status table_options(const YAML::Node& node, const std::string& path, TableSpec& spec) const {
    // Brokers and table feeds add rows; a database query without a checkpoint, a file and a
    // connector give the whole table each time.
    const bool incremental = spec.mqtt || spec.amqp || !spec.feed_table.empty() ||
                             (spec.postgres && !spec.postgres->checkpoint.empty());
    spec.mode = !incremental ? TableMode::kReplace
                : spec.index ? TableMode::kUpsert
                             : TableMode::kAppend;
    if (node["mode"]) {
      PX_ASSIGN_OR_RETURN(std::string mode, text(node, path, "mode"));
      if (mode == "replace") {
        spec.mode = TableMode::kReplace;
      } else if (mode == "append") {
        spec.mode = TableMode::kAppend;
      } else if (mode == "upsert") {
        spec.mode = TableMode::kUpsert;
      } else {
        return error(node["mode"], path + ".mode",
                     "unknown mode '" + mode +
                         "' (append, upsert, replace; virtual for a database's table)");
      }
      if (spec.mode == TableMode::kUpsert && !spec.index) {
        return error(node["mode"], path + ".mode",
                     "upsert needs an 'index' (the key to upsert by)");
      }
      if (spec.mode == TableMode::kAppend && spec.index) {
        return error(node["mode"], path + ".mode",
                     "append keeps every row, so it takes no 'index' (use upsert)");
      }
    }
    if (node["limit"]) {
      PX_ASSIGN_OR_RETURN(int64_t limit, integer(node, path, "limit", 1, UINT32_MAX));
      if (spec.index) {
        return error(node["limit"], path + ".limit",
                     "a table has an index or a limit, not both (as the table option)");
      }
      spec.limit = static_cast<uint32_t>(limit);
    }
    if (const YAML::Node columns = node["schema"]) {
      if (!columns.IsMap() || columns.size() == 0) {
        return error(columns, path + ".schema", "must be a map of column names to types");
      }
      Schema schema;
      for (const auto& entry : columns) {
        const std::string name = entry.first.Scalar();
        const auto type = type_from_name(entry.second.IsScalar() ? entry.second.Scalar() : "");
        if (!type || schema.find(name)) {
          return error(entry.second, path + ".schema." + name,
                       type ? "is named twice"
                            : "must be a type (boolean, integer, float, string, date, datetime)");
        }
        schema.add({name, *type});
      }
      if (spec.index && !schema.find(*spec.index)) {
        return error(columns, path + ".schema", "has no column '" + *spec.index + "' (the index)");
      }
      spec.schema = std::move(schema);
    }
    if (spec.live()) {
      if (node["real_time_limit"]) {
        PX_ASSIGN_OR_RETURN(spec.real_time_limit, duration(node, path, "real_time_limit"));
      }
      if (node["max_queued_mb"]) {
        PX_ASSIGN_OR_RETURN(int64_t mb, integer(node, path, "max_queued_mb", 1, 1 << 20));
        spec.max_queued_bytes = static_cast<size_t>(mb) << 20;
      }
      if (node["max_decoded_mb"]) {
        PX_ASSIGN_OR_RETURN(int64_t mb, integer(node, path, "max_decoded_mb", 1, 1 << 20));
        spec.max_decoded_bytes = static_cast<size_t>(mb) << 20;
      }
      if (node["transform_input"]) {
        PX_ASSIGN_OR_RETURN(std::string input, text(node, path, "transform_input"));
        if (input != "batch" && input != "table") {
          return error(node["transform_input"], path + ".transform_input",
                       "must be 'batch' (each window's rows) or 'table' (every row so far)");
        }
        if (spec.transforms.empty()) {
          return error(node["transform_input"], path + ".transform_input",
                       "is for tables with transforms");
        }
        spec.transform_input = input == "table" ? TransformInput::kTable : TransformInput::kBatch;
      }
      if (spec.refresh && !spec.postgres) {
        return error(node["refresh"], path + ".refresh",
                     "a broker or table source delivers rows as they come (see real_time_limit)");
      }
      if (spec.postgres) spec.postgres->refresh = spec.refresh;
    } else {
      for (const char* key :
           {"real_time_limit", "transform_input", "max_queued_mb", "max_decoded_mb"}) {
        if (node[key]) {
          return error(node[key], path + "." + key,
                       "is for live sources (mqtt, amqp, postgres, table)");
        }
      }
    }
    return Status::ok();
  }

  Result<PipelineConfig> document(const YAML::Node& root) const {
    PX_RETURN_IF_ERROR(only_keys(root, "pipeline",
                                 {"script_host", "script_host_args", "status_table",
                                  "parameters_table", "watch_interval", "tables"}));
    PipelineConfig config;
    config.path = file_;
    if (root["script_host"]) {
      PX_ASSIGN_OR_RETURN(std::string host, text(root, "", "script_host"));
      if (host != "local") {
        return error(root["script_host"], "script_host",
                     "must be 'local' (or leave it out and give each step host, port and key)");
      }
      config.local_script_host = true;
    }
    if (const YAML::Node args = root["script_host_args"]) {
      if (!args.IsSequence() || !config.local_script_host) {
        return error(args, "script_host_args", "must be a list, with script_host: local");
      }
      for (const auto& arg : args) config.script_host_args.push_back(arg.Scalar());
    }
    if (root["status_table"]) {
      PX_ASSIGN_OR_RETURN(config.status_table, text(root, "", "status_table"));
    }
    if (root["watch_interval"]) {
      PX_ASSIGN_OR_RETURN(config.watch_interval, duration(root, "", "watch_interval"));
    }
    if (root["parameters_table"]) {
      PX_ASSIGN_OR_RETURN(config.parameters_table, text(root, "", "parameters_table"));
    }
    const YAML::Node tables = root["tables"];
    if (!tables || !tables.IsSequence() || tables.size() == 0) {
      return error(tables ? tables : root, "tables", "must be a non-empty list of tables");
    }
    std::set<std::string> names{config.status_table, config.parameters_table};
    for (size_t i = 0; i < tables.size(); ++i) {
      PX_ASSIGN_OR_RETURN(TableSpec spec, table(tables[i], fmt::format("tables[{}]", i), config));
      if (!names.insert(spec.name).second) {
        return error(
            tables[i]["name"], fmt::format("tables[{}].name", i),
            "'" + spec.name +
                "' is already used (by another table, the status or the parameters table)");
      }
      config.tables.push_back(std::move(spec));
    }
    for (size_t i = 0; i < config.tables.size(); ++i) {
      const std::string& feed = config.tables[i].feed_table;
      if (feed.empty()) continue;
      const bool known = std::any_of(config.tables.begin(), config.tables.end(),
                                     [&](const TableSpec& other) { return other.name == feed; });
      if (!known || feed == config.tables[i].name) {
        return error(tables[i]["source"]["table"], fmt::format("tables[{}].source.table", i),
                     "'" + feed + "' is not another table of this pipeline");
      }
    }
    // A loop of feeds (a <- b <- a) would wait forever for a first row none of them can give.
    for (size_t i = 0; i < config.tables.size(); ++i) {
      std::string chain = config.tables[i].name;
      std::string at = config.tables[i].feed_table;
      for (size_t steps = 0; !at.empty() && steps < config.tables.size(); ++steps) {
        chain += " <- " + at;
        if (at == config.tables[i].name) {
          return error(tables[i]["source"]["table"], fmt::format("tables[{}].source.table", i),
                       "tables fed by tables form a loop (" + chain + ")");
        }
        at = std::find_if(config.tables.begin(), config.tables.end(), [&](const TableSpec& t) {
               return t.name == at;
             })->feed_table;  // every feed names a table (checked above)
      }
    }
    return config;
  }

 private:
  static std::string join(std::string_view path, std::string_view key) {
    return path.empty() ? std::string(key) : std::string(path) + "." + std::string(key);
  }

  static std::string format_of_name(const std::string& file) {
    const std::string extension = std::filesystem::path(file).extension().string();
    if (extension == ".json") return "json";
    if (extension == ".ndjson" || extension == ".jsonl") return "ndjson";
    if (extension == ".arrow" || extension == ".arrows") return "arrow";
    return "csv";
  }

  std::string file_;
};

}  // namespace

Result<PipelineConfig> parse_pipeline_config(const std::string& yaml, const std::string& path) {
  const Reader reader(path);
  try {
    const YAML::Node root = YAML::Load(yaml);
    if (!root.IsMap()) return Status::invalid("{}: a pipeline file is a map with 'tables'", path);
    return reader.document(root);
  } catch (const YAML::Exception& error) {
    return Status::invalid("{}:{}: not valid YAML: {}", path, error.mark.line + 1, error.msg);
  }
}

Result<PipelineConfig> load_pipeline_config(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::invalid("cannot read pipeline file '{}'", path);
  std::ostringstream text;
  text << file.rdbuf();
  return parse_pipeline_config(text.str(), path);
}

}  // namespace parallax
