// Reading pipeline YAML (internal to the pipeline library): YAML nodes to JSON, so script
// steps reuse the settings reader of `parallax transform` configs, and errors that name
// the file, line and key.
#pragma once

#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "common/status.h"
#include "scripting/script_step.h"

namespace parallax {

// Where a node is, for errors: "FILE:LINE: PATH" (yaml-cpp counts lines from 0).
std::string yaml_place(const std::string& file, const YAML::Node& node, std::string_view path);

// The most JSON one step's settings may make (scripts inline included).
inline constexpr size_t kMaxSettingsBytes = 16 << 20;

// Plain scalars that read as YAML 1.2 core-schema booleans, nulls or numbers become JSON
// ones; quoted scalars and everything else are strings. An error past kMaxSettingsBytes.
Result<std::string> yaml_to_json(const YAML::Node& node);

// A transform or connector step: the same keys as a `parallax transform` JSON config. An
// error names the line of the offending key when the message names one.
Result<ScriptStepSettings> step_settings_from_yaml(const YAML::Node& node, const std::string& file,
                                                   std::string_view path);

}  // namespace parallax
