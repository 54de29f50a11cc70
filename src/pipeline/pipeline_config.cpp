#include "pipeline/pipeline_config.h"

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
    if (!node.IsScalar() || node.Scalar().empty()) {
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

  Result<TableSpec> table(const YAML::Node& node, const std::string& path,
                          const PipelineConfig& config) const {
    PX_RETURN_IF_ERROR(only_keys(node, path, {"name", "source", "transforms", "refresh", "index"}));
    TableSpec spec;
    PX_ASSIGN_OR_RETURN(spec.name, text(node, path, "name"));
    const YAML::Node source = node["source"];
    const std::string source_path = path + ".source";
    if (!source) return error(node, source_path, "is missing (a file or a connector)");
    PX_RETURN_IF_ERROR(only_keys(source, source_path, {"file", "format", "connector"}));
    if (source["file"].IsDefined() == source["connector"].IsDefined()) {
      return error(source, source_path, "needs either 'file' or 'connector'");
    }
    if (source["file"]) {
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
    return spec;
  }

  Result<PipelineConfig> document(const YAML::Node& root) const {
    PX_RETURN_IF_ERROR(
        only_keys(root, "pipeline",
                  {"script_host", "script_host_args", "status_table", "watch_interval", "tables"}));
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
    const YAML::Node tables = root["tables"];
    if (!tables || !tables.IsSequence() || tables.size() == 0) {
      return error(tables ? tables : root, "tables", "must be a non-empty list of tables");
    }
    std::set<std::string> names{config.status_table};
    for (size_t i = 0; i < tables.size(); ++i) {
      PX_ASSIGN_OR_RETURN(TableSpec spec, table(tables[i], fmt::format("tables[{}]", i), config));
      if (!names.insert(spec.name).second) {
        return error(tables[i]["name"], fmt::format("tables[{}].name", i),
                     "'" + spec.name + "' is already used (by another table or the status table)");
      }
      config.tables.push_back(std::move(spec));
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
