#include "virtual/credentials.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace parallax {

namespace {

Result<std::string> password_from_file(const std::string& path) {
  std::ifstream file(path);
  std::string password;
  if (!file || !std::getline(file, password)) {
    return Status::invalid("password file '{}': cannot read it", path);
  }
  while (!password.empty() && (password.back() == '\r' || password.back() == '\n'))
    password.pop_back();
  if (password.empty()) return Status::invalid("password file '{}': its first line is empty", path);
  // As ~/.pgpass and ssh keys: a secret others may read is no longer only yours.
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    std::fprintf(stderr,
                 "parallax: warning: password file '%s' may be read by other users "
                 "(chmod 600 it)\n",
                 path.c_str());
  }
  return password;
}

}  // namespace

Result<std::optional<std::string>> virtual_password(std::string_view url,
                                                    const PasswordSource& source) {
  if (source.file) {
    PX_ASSIGN_OR_RETURN(std::string password, password_from_file(*source.file));
    return std::optional<std::string>(std::move(password));
  }
  if (source.env) {
    const char* value = std::getenv(source.env->c_str());
    if (!value || !*value) {
      return Status::invalid("the environment variable {} (the password) is not set", *source.env);
    }
    return std::optional<std::string>(value);
  }
  const bool clickhouse = url.starts_with("clickhouse://");
  for (const char* name :
       {"PARALLAX_CLICKHOUSE_PASSWORD", "CLICKHOUSE_PASSWORD", "PARALLAX_VIRTUAL_PASSWORD"}) {
    if (!clickhouse && std::string_view(name) != "PARALLAX_VIRTUAL_PASSWORD") continue;
    if (const char* value = std::getenv(name); value && *value) {
      return std::optional<std::string>(value);
    }
  }
  return std::optional<std::string>();
}

Result<std::unique_ptr<Backend>> connect_with_password(const std::string& url,
                                                       const PasswordSource& source,
                                                       BackendOptions options) {
  PX_ASSIGN_OR_RETURN(options.password, virtual_password(url, source));
  return connect_backend(url, std::move(options));
}

Result<BackendTable> backend_table(Backend& backend, const std::string& name) {
  PX_ASSIGN_OR_RETURN(std::vector<BackendTable> tables, backend.tables());
  std::string names;
  for (auto& table : tables) {
    if (table.name == name) return std::move(table);
    names += (names.empty() ? "" : ", ") + table.name;
  }
  return Status::invalid("{} has no table '{}' (it has: {})", backend.url(), name,
                         names.empty() ? "none" : names);
}

}  // namespace parallax
