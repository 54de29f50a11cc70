#include "virtual/backend.h"

#include <regex>

#include "virtual/clickhouse_backend.h"
#include "virtual/postgres_backend.h"

namespace parallax {

Result<std::unique_ptr<Backend>> connect_backend(const std::string& url, BackendOptions options) {
  // scheme://[user@]host:port/database: no password (it would show in `ps`), plain names.
  static const std::regex kUrl(
      R"(^(clickhouse|postgres|postgresql)://(?:([A-Za-z0-9_.-]+)(:[^@]*)?@)?)"
      R"(([A-Za-z0-9_.-]+|\[[0-9A-Fa-f:]+\]):([0-9]{1,5})/([A-Za-z0-9_]+)$)");
  std::smatch parts;
  if (!std::regex_match(url, parts, kUrl)) {
    return Status::invalid(
        "'{}' is not a database URL: clickhouse://[USER@]HOST:PORT/DATABASE or "
        "postgres://USER@HOST:PORT/DATABASE",
        url);
  }
  if (parts[3].matched) {
    return Status::invalid(
        "the URL '{}' holds a password: give it in a file (--virtual-password-file) or the "
        "environment (PARALLAX_VIRTUAL_PASSWORD), never on the command line",
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
