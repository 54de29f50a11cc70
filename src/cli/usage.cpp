#include "cli/usage.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <vector>

#include "cli/parallax_version.h"

namespace parallax {

namespace {

std::vector<std::string> options_of(std::string_view usage) {
  std::vector<std::string> names;
  for (size_t at = usage.find("--"); at != std::string_view::npos; at = usage.find("--", at)) {
    size_t end = at + 2;
    while (end < usage.size() &&
           (std::isalnum(static_cast<unsigned char>(usage[end])) || usage[end] == '-')) {
      ++end;
    }
    if (end > at + 2) names.emplace_back(usage.substr(at, end - at));
    at = end;
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

bool is_help(std::string_view arg) {
  return arg == "--help" || arg == "-h";
}

int print_usage(const char* usage) {
  std::fputs(usage, stdout);
  return 0;
}

std::optional<std::string> closest_option(std::string_view arg, std::string_view usage) {
  arg = arg.substr(0, arg.find('='));
  std::optional<std::string> best;
  size_t best_distance = std::max<size_t>(2, arg.size() / 3) + 1;  // a likely typo only
  for (const std::string& name : options_of(usage)) {
    const size_t distance = edit_distance(arg, name);
    if (distance < best_distance) best_distance = distance, best = name;
  }
  return best;
}

int bad_argument(std::string_view command, std::string_view arg, const char* usage) {
  const std::string name(command), text(arg);
  const auto options = options_of(usage);
  if (std::find(options.begin(), options.end(), text) != options.end()) {
    std::fprintf(stderr, "parallax %s: option '%s' needs a value\n", name.c_str(), text.c_str());
  } else if (!arg.starts_with("-")) {
    std::fprintf(stderr, "parallax %s: unexpected argument '%s'\n", name.c_str(), text.c_str());
  } else if (auto suggestion = closest_option(arg, usage)) {
    std::fprintf(stderr, "parallax %s: unknown option '%s' (did you mean '%s'?)\n", name.c_str(),
                 text.c_str(), suggestion->c_str());
  } else {
    std::fprintf(stderr, "parallax %s: unknown option '%s'\n", name.c_str(), text.c_str());
  }
  std::fprintf(stderr, "(parallax %s --help lists the options)\n", name.c_str());
  return 2;
}

std::optional<size_t> parse_threads(std::string_view text) {
  size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1 || value > 1024) {
    return std::nullopt;
  }
  return value;
}

std::string version_text() {
  return std::string("parallax ") + PARALLAX_VERSION + " (commit " + PARALLAX_COMMIT + ")";
}

}  // namespace parallax
