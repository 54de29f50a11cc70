#include "pipeline/yaml_settings.h"

#include <charconv>
#include <filesystem>

#include "formats/json_writer.h"
#include "scripting/script_config.h"

namespace parallax {

namespace {

bool is_json_number(const std::string& text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty() &&
         text.find_first_of("nN") == std::string::npos;  // not nan/inf spellings
}

// False once `out` passes kMaxSettingsBytes: YAML aliases can repeat a node inside itself
// many times over (a "billion laughs" document of a few hundred bytes expands to gigabytes).
bool append_json(std::string& out, const YAML::Node& node) {
  if (out.size() > kMaxSettingsBytes) return false;
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      out += '{';
      bool first = true;
      for (const auto& entry : node) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, entry.first.Scalar());
        out += ':';
        if (!append_json(out, entry.second)) return false;
      }
      out += '}';
      return true;
    }
    case YAML::NodeType::Sequence: {
      out += '[';
      for (size_t i = 0; i < node.size(); ++i) {
        if (i > 0) out += ',';
        if (!append_json(out, node[i])) return false;
      }
      out += ']';
      return true;
    }
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      if (node.Tag() == "?") {  // a plain scalar: typed by the core schema
        if (text == "true" || text == "false") {
          out += text;
          return true;
        }
        if (text == "null" || text == "~") {
          out += "null";
          return true;
        }
        if (is_json_number(text)) {
          out += text;
          return true;
        }
      }
      append_json_string(out, text);
      return true;
    }
    default:
      out += "null";
      return true;
  }
}

}  // namespace

std::string yaml_place(const std::string& file, const YAML::Node& node, std::string_view path) {
  return fmt::format("{}:{}: {}", file, node.Mark().line + 1, path);
}

Result<std::string> yaml_to_json(const YAML::Node& node) {
  std::string out;
  if (!append_json(out, node)) {
    return Status::invalid("the settings are over {} MiB as JSON (YAML aliases repeated?)",
                           kMaxSettingsBytes >> 20);
  }
  return out;
}

Result<ScriptStepSettings> step_settings_from_yaml(const YAML::Node& node, const std::string& file,
                                                   std::string_view path) {
  if (!node.IsMap()) {
    return Status::invalid("{}: must be a map of script settings", yaml_place(file, node, path));
  }
  const std::string base_dir = std::filesystem::path(file).parent_path().string();
  auto json = yaml_to_json(node);
  if (!json.is_ok()) {
    return Status::invalid("{}: {}", yaml_place(file, node, path), json.status().message());
  }
  auto settings = script_settings_from_json(*json, base_dir);
  if (settings.is_ok()) return settings;
  // Point at the key the message names, else at the step.
  const std::string& message = settings.status().message();
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    if (message.find("'" + key + "'") != std::string::npos) {
      return Status::invalid("{}.{}: {}", yaml_place(file, entry.first, path), key, message);
    }
  }
  return Status::invalid("{}: {}", yaml_place(file, node, path), message);
}

}  // namespace parallax
