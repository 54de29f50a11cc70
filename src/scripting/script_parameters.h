// Script parameters, as Panopticon fills them: `{name}` in the script is replaced by the
// parameter's value, optionally enclosed in quotes (as a Python string literal). Braces that
// do not name a parameter (dict literals, f-strings) are left alone.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace parallax {

using ScriptParameters = std::vector<std::pair<std::string, std::string>>;

Result<std::string> fill_parameters(std::string_view script, const ScriptParameters& parameters,
                                    bool enclose_in_quotes);

// With a time zone, parameter values spelled as datetimes (yyyy-MM-dd'T'HH:mm:ss[.SSSSSS])
// are read on that zone's wall clock and rewritten as UTC, which scripts assume.
Result<ScriptParameters> parameters_in_utc(ScriptParameters parameters, const std::string& zone);

}  // namespace parallax
