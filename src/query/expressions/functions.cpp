// Looks functions up by name across the families' tables (functions/*.cpp).
#include "query/expressions/functions.h"

#include <absl/container/flat_hash_map.h>

#include "query/expressions/functions/kit.h"

namespace parallax::expressions {

namespace {

struct Registry {
  std::vector<const Function*> all;
  absl::flat_hash_map<std::string_view, const Function*> by_name;
  std::string_view duplicate;  // the first name given twice, if any
};

const Registry& registry() {
  static const Registry kRegistry = [] {
    Registry made;
    for (auto family : {functions::math, functions::dates, functions::text, functions::values}) {
      for (const Function& function : family()) {
        made.all.push_back(&function);
        if (!made.by_name.emplace(function.name, &function).second && made.duplicate.empty())
          made.duplicate = function.name;
      }
    }
    return made;
  }();
  return kRegistry;
}

}  // namespace

const Function* find_function(std::string_view name) {
  const auto& by_name = registry().by_name;
  auto found = by_name.find(name);
  return found == by_name.end() ? nullptr : found->second;
}

std::vector<const Function*> all_functions() {
  return registry().all;
}

std::string_view duplicate_function_name() {
  return registry().duplicate;
}

}  // namespace parallax::expressions
