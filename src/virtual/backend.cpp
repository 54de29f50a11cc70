#include "virtual/backend.h"

#include <regex>

#include "virtual/clickhouse_backend.h"
#include "virtual/postgres_backend.h"

namespace parallax {

namespace {

// What an error may quote of a text given as a database URL: never a password, wherever a
// malformed one holds it (user:PASSWORD@, ?password=, a key=value connection string).
std::string shown_url(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos || url.find_first_of(" \t\n=") != std::string_view::npos) {
    return "the text given (not quoted: it may hold a password)";
  }
  std::string_view rest = url.substr(scheme + 3);
  const size_t query = rest.find_first_of("?#");
  const bool cut = query != std::string_view::npos;
  if (cut) rest = rest.substr(0, query);
  std::string shown(url.substr(0, scheme + 3));
  const size_t at = rest.substr(0, rest.find('/')).rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view user_info = rest.substr(0, at);
    shown += std::string(user_info.substr(0, user_info.find(':')));
    if (user_info.find(':') != std::string_view::npos) shown += ":***";
    rest = rest.substr(at);
  }
  return "'" + shown + std::string(rest) + (cut ? "?***" : "") + "'";
}

}  // namespace

Result<std::unique_ptr<Backend>> connect_backend(const std::string& url, BackendOptions options) {
  // scheme://[user@]host:port/database: no password (it would show in `ps`), plain names.
  static const std::regex kUrl(
      R"(^(clickhouse|postgres|postgresql)://(?:([A-Za-z0-9_.-]+)(:[^@]*)?@)?)"
      R"(([A-Za-z0-9_.-]+|\[[0-9A-Fa-f:]+\]):([0-9]{1,5})/([A-Za-z0-9_]+)$)");
  std::smatch parts;
  if (!std::regex_match(url, parts, kUrl)) {
    return Status::invalid(
        "{} is not a database URL: clickhouse://[USER@]HOST:PORT/DATABASE or "
        "postgres://USER@HOST:PORT/DATABASE (the password goes in a file or the environment)",
        shown_url(url));
  }
  if (parts[3].matched) {
    return Status::invalid(
        "the URL '{}' holds a password: give it in a file (--virtual-password-file, a "
        "pipeline's password_file) or the environment (PARALLAX_CLICKHOUSE_PASSWORD, PGPASSWORD, "
        "PARALLAX_VIRTUAL_PASSWORD), never in the URL (`ps` shows it to every user)",
        parts[1].str() + "://" + parts[2].str() + "@" + parts[4].str() + ":" + parts[5].str() +
            "/" + parts[6].str());
  }
  if (parts[1] == "clickhouse") {
    return make_clickhouse_backend(url, parts[4], parts[5],
                                   parts[2].matched ? parts[2].str() : "default", parts[6],
                                   std::move(options));
  }
  return make_postgres_backend(url, std::move(options));
}

}  // namespace parallax
