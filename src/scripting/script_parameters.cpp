#include "scripting/script_parameters.h"

#include <fmt/format.h>

#include "core/temporal.h"
#include "scripting/python_value.h"
#include "scripting/script_table.h"
#include "scripting/serpent.h"

namespace parallax {

namespace {

bool is_identifier(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<std::string> fill_parameters(std::string_view script, const ScriptParameters& parameters,
                                    bool enclose_in_quotes) {
  for (const auto& [name, value] : parameters) {
    if (!is_identifier(name))
      return Status::invalid("parameter name '{}' is not an identifier", name);
  }
  std::string out;
  out.reserve(script.size());
  size_t at = 0;
  while (at < script.size()) {
    const size_t open = script.find('{', at);
    if (open == std::string_view::npos) break;
    const size_t close = script.find('}', open + 1);
    out.append(script.substr(at, open - at));
    if (close == std::string_view::npos) {
      at = open;
      break;
    }
    const std::string_view name = script.substr(open + 1, close - open - 1);
    const std::string* value = nullptr;
    for (const auto& parameter : parameters) {
      if (parameter.first == name) value = &parameter.second;
    }
    if (!value) {
      out += '{';
      at = open + 1;
      continue;
    }
    if (enclose_in_quotes) {
      PX_ASSIGN_OR_RETURN(std::string literal, serpent_encode(PyValue::str(*value)));
      out += literal.substr(literal.find('\n') + 1);
    } else {
      out += *value;
    }
    at = close + 1;
  }
  out.append(script.substr(at));
  return out;
}

Result<ScriptParameters> parameters_in_utc(ScriptParameters parameters, const std::string& zone) {
  if (zone.empty()) return parameters;
  for (auto& [name, value] : parameters) {
    auto millis = parse_script_datetime(value);
    if (!millis) continue;
    PX_ASSIGN_OR_RETURN(int64_t utc, zone_wall_clock_to_utc(*millis, zone));
    const int32_t days = millis_to_days(utc);
    const int64_t in_day = utc - date_to_millis(days);
    value = fmt::format("{}T{:02}:{:02}:{:02}", format_date_iso(days), in_day / 3'600'000,
                        in_day / 60'000 % 60, in_day / 1000 % 60);
    if (value.size() < 19 || parse_script_datetime(value) != utc) {
      value += fmt::format(".{:03}000", in_day % 1000);
    }
  }
  return parameters;
}

}  // namespace parallax
