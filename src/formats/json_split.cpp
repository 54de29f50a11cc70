#include "formats/json_split.h"

#include <algorithm>
#include <cstring>

namespace parallax {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// How many quotes in [begin, end) open or close a string: all but those after an odd run of
// backslashes. No backslash run crosses `begin` (the byte before it is not one).
size_t unescaped_quotes(std::string_view text, size_t begin, size_t end) {
  const char* data = text.data();
  size_t quotes = std::count(data + begin, data + end, '"');
  // Backslashes are rare outside escaped text, so they are looked for, not stepped through.
  size_t at = begin;
  while (at < end) {
    const void* found = std::memchr(data + at, '\\', end - at);
    if (found == nullptr) break;
    const size_t run_start = static_cast<const char*>(found) - data;
    size_t run_end = run_start;
    while (run_end < end && data[run_end] == '\\') ++run_end;
    if ((run_end - run_start) % 2 == 1 && run_end < end && data[run_end] == '"') --quotes;
    at = run_end + 1;
  }
  return quotes;
}

// The first comma in [from, limit) outside strings with a '}' before it and a '{' after it
// (whitespace aside), scanning from `from` in or out of a string as `in_string` says; or npos.
size_t find_cut(std::string_view text, size_t from, size_t limit, size_t end, bool in_string) {
  for (size_t at = from; at < limit; ++at) {
    const char c = text[at];
    if (in_string) {
      if (c == '\\') {
        ++at;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == ',') {
      size_t before = at;
      while (before > 0 && is_space(text[before - 1])) --before;
      size_t after = at + 1;
      while (after < end && is_space(text[after])) ++after;
      if (before > 0 && text[before - 1] == '}' && after < end && text[after] == '{') return at;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::vector<std::string_view> split_json_rows(std::string_view json, size_t count, TaskPool* pool) {
  const size_t first = json.find_first_not_of(" \t\n\r");
  const size_t last = json.find_last_not_of(" \t\n\r");
  if (count < 2 || first == std::string_view::npos || json[first] != '[' || json[last] != ']' ||
      last <= first) {
    return {};
  }
  const size_t begin = first + 1;
  const size_t end = last;
  // Where to look for each cut: equal shares, moved past any backslash so that no escape
  // sequence straddles one.
  std::vector<size_t> starts{begin};
  for (size_t i = 1; i < count; ++i) {
    size_t at = begin + (end - begin) * i / count;
    while (at < end && json[at - 1] == '\\') ++at;
    if (at > starts.back() && at < end) starts.push_back(at);
  }
  starts.push_back(end);
  const size_t shares = starts.size() - 1;
  if (shares < 2) return {};
  // Whether each share starts inside a string: the parity of the quotes before it, counted a
  // share per task.
  std::vector<size_t> quotes(shares);
  TaskPool::run_on(pool, shares,
                   [&](size_t i) { quotes[i] = unescaped_quotes(json, starts[i], starts[i + 1]); });
  std::vector<size_t> cuts(shares, std::string_view::npos);
  std::vector<bool> in_string(shares, false);
  for (size_t i = 1; i < shares; ++i) in_string[i] = in_string[i - 1] != (quotes[i - 1] % 2 == 1);
  // A cut is looked for within its own share only, so the scans read the text at most once.
  TaskPool::run_on(pool, shares - 1, [&](size_t i) {
    cuts[i + 1] = find_cut(json, starts[i + 1], starts[i + 2], end, in_string[i + 1]);
  });
  std::vector<std::string_view> runs;
  size_t run_start = begin;
  for (size_t i = 1; i < shares; ++i) {
    if (cuts[i] == std::string_view::npos) continue;
    runs.push_back(json.substr(run_start, cuts[i] - run_start));
    run_start = cuts[i] + 1;
  }
  if (runs.empty()) return {};
  runs.push_back(json.substr(run_start, end - run_start));
  return runs;
}

std::vector<std::string_view> split_lines(std::string_view text, size_t count) {
  std::vector<std::string_view> runs;
  size_t run_start = 0;
  for (size_t i = 1; i < count; ++i) {
    const size_t at = std::max(run_start, text.size() * i / count);
    const size_t line_end = text.find('\n', at);
    if (line_end == std::string_view::npos || line_end + 1 >= text.size()) break;
    runs.push_back(text.substr(run_start, line_end + 1 - run_start));
    run_start = line_end + 1;
  }
  runs.push_back(text.substr(run_start));
  return runs;
}

}  // namespace parallax
