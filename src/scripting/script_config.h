// Script step settings from a JSON config file (the CLI's and pipelines' form):
//   {"host": "127.0.0.1", "port": 9090, "hmac_key_file": "key.txt", "data_object_name": "rows",
//    "serialization": "serpent", "use_arrow": false, "script_file": "t.py" | "script": "...",
//    "parameters": {"n": "5"}, "enclose_parameters_in_quotes": false, "timeout": 10,
//    "output_schema": {"a": "integer"}, "time_zone": "Europe/London", "mode": "bulk",
//    "checkpoint_column": "id", "checkpoint_file": "state.json", "profile": "restricted"}
// Relative paths are read from `base_dir`. Unknown keys are errors (a typo must not pass).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "scripting/script_step.h"

namespace parallax {

Result<ScriptStepSettings> script_settings_from_json(std::string_view json,
                                                     const std::string& base_dir);
Result<PyroSerializer> serializer_from_name(std::string_view name);
// A file's bytes; an error names `what` and the path.
Result<std::string> read_text_file(const std::string& path, std::string_view what);
// The key in a key file: its bytes without trailing line breaks.
Result<std::string> read_hmac_key_file(const std::string& path);

}  // namespace parallax
