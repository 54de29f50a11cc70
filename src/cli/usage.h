// Help, version and bad-argument messages shared by every subcommand. A command's usage text
// is the one list of its options: "did you mean" suggestions come from the `--names` it shows.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parallax {

bool is_help(std::string_view arg);  // --help or -h

// Prints USAGE to stdout (asked for) and returns 0.
int print_usage(const char* usage);

// "parallax COMMAND: unknown option '--prot' (did you mean '--port'?)", or for a missing
// value "option '--port' needs a value", then a pointer to --help, on stderr; returns 2.
int bad_argument(std::string_view command, std::string_view arg, const char* usage);

// The `--option` of USAGE closest to ARG, if one is close enough to be a likely typo.
std::optional<std::string> closest_option(std::string_view arg, std::string_view usage);

// The value of --threads: a whole number 1..1024, or nothing (a bad value).
std::optional<size_t> parse_threads(std::string_view text);

// "parallax 0.5.0 (commit 1234abcd5678)".
std::string version_text();

}  // namespace parallax
