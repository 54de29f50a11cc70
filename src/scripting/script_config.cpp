#include "scripting/script_config.h"

#include <simdjson.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace parallax {

namespace {

using simdjson::dom::element;

std::string resolve(const std::string& base_dir, std::string_view path) {
  std::filesystem::path resolved(path);
  if (resolved.is_relative() && !base_dir.empty())
    resolved = std::filesystem::path(base_dir) / resolved;
  return resolved.string();
}

Result<std::string> string_of(element value, std::string_view key) {
  if (!value.is_string()) return Status::invalid("'{}' must be a string", key);
  return std::string(std::string_view(value));
}

Result<bool> bool_of(element value, std::string_view key) {
  if (!value.is_bool()) return Status::invalid("'{}' must be true or false", key);
  return bool(value);
}

Result<double> number_of(element value, std::string_view key) {
  if (!value.is_number()) return Status::invalid("'{}' must be a number", key);
  return double(value);
}

// A parameter value as the script should see it: text as is, numbers and booleans spelled.
Result<std::string> parameter_text(element value, std::string_view name) {
  if (value.is_string()) return std::string(std::string_view(value));
  if (value.is_number() || value.is_bool()) return simdjson::minify(value);
  return Status::invalid("parameter '{}' must be a string, a number or a boolean", name);
}

}  // namespace

Result<std::string> read_text_file(const std::string& path, std::string_view what) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::invalid("cannot read {} '{}'", what, path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

Result<PyroSerializer> serializer_from_name(std::string_view name) {
  if (name == "serpent") return PyroSerializer::kSerpent;
  if (name == "json") return PyroSerializer::kJson;
  if (name == "pickle") return PyroSerializer::kPickle;
  return Status::invalid("unknown serialization '{}' (serpent, json or pickle)", name);
}

Result<std::string> read_hmac_key_file(const std::string& path) {
  PX_ASSIGN_OR_RETURN(std::string key, read_text_file(path, "HMAC key file"));
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' '))
    key.pop_back();
  if (key.empty()) return Status::invalid("the HMAC key file '{}' is empty", path);
  return key;
}

Result<ScriptStepSettings> script_settings_from_json(std::string_view json,
                                                     const std::string& base_dir) {
  simdjson::dom::parser parser;
  element root;
  if (auto error = parser.parse(simdjson::padded_string(json)).get(root)) {
    return Status::invalid("script config is not valid JSON: {}", simdjson::error_message(error));
  }
  if (!root.is_object()) return Status::invalid("script config must be a JSON object");
  ScriptStepSettings settings;
  bool has_script = false;
  for (auto [key_view, value] : root.get_object()) {
    const std::string key(key_view);
    if (key == "host") {
      PX_ASSIGN_OR_RETURN(settings.host, string_of(value, key));
    } else if (key == "port") {
      PX_ASSIGN_OR_RETURN(double port, number_of(value, key));
      if (port < 1 || port > 65535 || port != std::floor(port)) {
        return Status::invalid("'port' must be an integer from 1 to 65535");
      }
      settings.port = static_cast<uint16_t>(port);
    } else if (key == "hmac_key") {
      PX_ASSIGN_OR_RETURN(settings.hmac_key, string_of(value, key));
    } else if (key == "hmac_key_file") {
      PX_ASSIGN_OR_RETURN(std::string path, string_of(value, key));
      PX_ASSIGN_OR_RETURN(settings.hmac_key, read_hmac_key_file(resolve(base_dir, path)));
    } else if (key == "pyro_compat") {
      PX_ASSIGN_OR_RETURN(settings.pyro_compat, bool_of(value, key));
    } else if (key == "data_object_name") {
      PX_ASSIGN_OR_RETURN(settings.data_object_name, string_of(value, key));
    } else if (key == "serialization") {
      PX_ASSIGN_OR_RETURN(std::string name, string_of(value, key));
      PX_ASSIGN_OR_RETURN(settings.serialization, serializer_from_name(name));
    } else if (key == "use_arrow") {
      PX_ASSIGN_OR_RETURN(settings.use_arrow, bool_of(value, key));
    } else if (key == "script") {
      PX_ASSIGN_OR_RETURN(settings.script, string_of(value, key));
      has_script = true;
    } else if (key == "script_file") {
      PX_ASSIGN_OR_RETURN(std::string path, string_of(value, key));
      settings.script_file = resolve(base_dir, path);
      PX_ASSIGN_OR_RETURN(settings.script, read_text_file(settings.script_file, "script file"));
      has_script = true;
    } else if (key == "object_name") {
      PX_ASSIGN_OR_RETURN(settings.object_name, string_of(value, key));
      if (settings.object_name.empty()) return Status::invalid("'object_name' is empty");
    } else if (key == "method") {
      PX_ASSIGN_OR_RETURN(settings.method, string_of(value, key));
      if (settings.method.empty()) return Status::invalid("'method' is empty");
    } else if (key == "list_of_dicts") {
      PX_ASSIGN_OR_RETURN(settings.list_of_dicts, bool_of(value, key));
    } else if (key == "parameters") {
      if (!value.is_object()) return Status::invalid("'parameters' must be an object");
      for (auto [name, parameter] : value.get_object()) {
        PX_ASSIGN_OR_RETURN(std::string text, parameter_text(parameter, name));
        settings.parameters.emplace_back(std::string(name), std::move(text));
      }
    } else if (key == "enclose_parameters_in_quotes") {
      PX_ASSIGN_OR_RETURN(settings.enclose_parameters_in_quotes, bool_of(value, key));
    } else if (key == "timeout") {
      PX_ASSIGN_OR_RETURN(settings.timeout_seconds, number_of(value, key));
      if (!(settings.timeout_seconds > 0)) return Status::invalid("'timeout' must be positive");
    } else if (key == "output_schema") {
      if (!value.is_object()) return Status::invalid("'output_schema' must be an object");
      Schema schema;
      for (auto [name, type_value] : value.get_object()) {
        PX_ASSIGN_OR_RETURN(std::string type_text, string_of(type_value, name));
        auto type = type_from_name(type_text);
        if (!type)
          return Status::invalid("unknown type '{}' for output column '{}'", type_text, name);
        if (!schema.add({std::string(name), *type})) {
          return Status::invalid("output_schema names column '{}' twice", name);
        }
      }
      settings.output_schema = std::move(schema);
    } else if (key == "time_zone") {
      PX_ASSIGN_OR_RETURN(settings.time_zone, string_of(value, key));
    } else if (key == "checkpoint_column") {
      PX_ASSIGN_OR_RETURN(settings.checkpoint_column, string_of(value, key));
    } else if (key == "checkpoint_file") {
      PX_ASSIGN_OR_RETURN(std::string path, string_of(value, key));
      settings.checkpoint_file = resolve(base_dir, path);
    } else if (key == "mode") {
      PX_ASSIGN_OR_RETURN(std::string mode, string_of(value, key));
      if (mode != "bulk" && mode != "row") return Status::invalid("'mode' must be 'bulk' or 'row'");
      settings.row_by_row = mode == "row";
    } else if (key == "profile") {
      PX_ASSIGN_OR_RETURN(settings.profile, string_of(value, key));
    } else {
      return Status::invalid("unknown script setting '{}'", key);
    }
  }
  if (!has_script) return Status::invalid("script config needs 'script' or 'script_file'");
  if (settings.list_of_dicts &&
      (settings.use_arrow || settings.row_by_row || !settings.checkpoint_column.empty())) {
    return Status::invalid(
        "'list_of_dicts' (a stock Pyro4 server) takes no 'use_arrow', 'mode: row' or "
        "'checkpoint_column' (those need Parallax's script host)");
  }
  return settings;
}

}  // namespace parallax
