// `parallax features`: the server's get_features answer as JSON, so that tools (the
// differential generators) enumerate the aggregates and filters the engine offers instead of
// keeping their own lists. Column types by their Parallax names ("string", "integer", ...).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/usage.h"
#include "formats/json_writer.h"
#include "server/features.h"

namespace parallax {

namespace {

constexpr const char* kFeaturesUsage =
    "usage: parallax features [--unlisted]\n"
    "  prints what `parallax serve` answers to get_features (aggregates per column type, with\n"
    "  their argument types, filter operators per column type, group_by, split_by, ...) as JSON\n"
    "  --unlisted: the aggregates are instead those taken as by the reference's engine but not\n"
    "              listed by its get_features (\"mul\")\n"
    "example:\n"
    "  parallax features | python3 -m json.tool\n";

std::string type_key(int type) {
  std::string name = perspective::proto::ColumnType_Name(type);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return json_quoted(name);
}

// A proto map keyed by column type, in the order of the types' numbers.
template <typename Map, typename Write>
void append_by_type(std::string& out, const Map& map, Write write) {
  std::vector<int> types;
  for (const auto& [type, value] : map) types.push_back(static_cast<int>(type));
  std::sort(types.begin(), types.end());
  out += '{';
  for (const int type : types) {
    if (out.back() != '{') out += ',';
    out += type_key(type) + ':';
    write(map.at(type));
  }
  out += '}';
}

}  // namespace

int run_features(int argc, char** argv) {
  if (argc > 0 && is_help(argv[0])) return print_usage(kFeaturesUsage);
  const bool unlisted = argc > 0 && std::string(argv[0]) == "--unlisted";
  if (argc > (unlisted ? 1 : 0)) return bad_argument("features", argv[unlisted], kFeaturesUsage);
  const perspective::proto::GetFeaturesResp features = server::probe_engine_features(unlisted);
  auto flag = [](bool value) { return value ? "true" : "false"; };
  std::string out = "{";
  out += "\"group_by\":" + std::string(flag(features.group_by()));
  out += ",\"split_by\":" + std::string(flag(features.split_by()));
  out += ",\"expressions\":" + std::string(flag(features.expressions()));
  out += ",\"on_update\":" + std::string(flag(features.on_update()));
  out += ",\"sort\":" + std::string(flag(features.sort()));
  out += ",\"filter_ops\":";
  append_by_type(out, features.filter_ops(), [&](const auto& ops) {
    out += '[';
    for (const std::string& op : ops.options()) {
      if (out.back() != '[') out += ',';
      out += json_quoted(op);
    }
    out += ']';
  });
  out += ",\"aggregates\":";
  append_by_type(out, features.aggregates(), [&](const auto& options) {
    out += '[';
    for (const auto& aggregate : options.aggregates()) {
      if (out.back() != '[') out += ',';
      out += "{\"name\":" + json_quoted(aggregate.name()) + ",\"args\":[";
      for (int i = 0; i < aggregate.args_size(); ++i) {
        if (i > 0) out += ',';
        out += type_key(aggregate.args(i));
      }
      out += "]}";
    }
    out += ']';
  });
  out += "}\n";
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace parallax
