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

void append_json(std::string& out, const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      out += '{';
      bool first = true;
      for (const auto& entry : node) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, entry.first.Scalar());
        out += ':';
        append_json(out, entry.second);
      }
      out += '}';
      return;
    }
    case YAML::NodeType::Sequence: {
      out += '[';
      for (size_t i = 0; i < node.size(); ++i) {
        if (i > 0) out += ',';
        append_json(out, node[i]);
      }
      out += ']';
      return;
    }
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      if (node.Tag() == "?") {  // a plain scalar: typed by the core schema
        if (text == "true" || text == "false") {
          out += text;
          return;
        }
        if (text == "null" || text == "~") {
          out += "null";
          return;
        }
        if (is_json_number(text)) {
          out += text;
          return;
        }
      }
      append_json_string(out, text);
      return;
    }
    default:
      out += "null";
  }
}

}  // namespace

std::string yaml_place(const std::string& file, const YAML::Node& node, std::string_view path) {
  return fmt::format("{}:{}: {}", file, node.Mark().line + 1, path);
}

std::string yaml_to_json(const YAML::Node& node) {
  std::string out;
  append_json(out, node);
  return out;
}

Result<ScriptStepSettings> step_settings_from_yaml(const YAML::Node& node, const std::string& file,
                                                   std::string_view path) {
  if (!node.IsMap()) {
    return Status::invalid("{}: must be a map of script settings", yaml_place(file, node, path));
  }
  const std::string base_dir = std::filesystem::path(file).parent_path().string();
  auto settings = script_settings_from_json(yaml_to_json(node), base_dir);
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
