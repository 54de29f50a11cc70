// Where a virtual table's database password comes from: a file or the environment, never
// the command line (`ps` shows every process's arguments to every user), so a URL holding
// one is refused (connect_backend) and no error quotes one (shown_url).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "virtual/backend.h"

namespace parallax {

struct PasswordSource {
  std::optional<std::string> file;  // its first line is the password
  std::optional<std::string> env;   // the name of an environment variable holding it
};

// The password for the database at `url`, first found of: `source.file`, `source.env`,
// then by backend $PARALLAX_CLICKHOUSE_PASSWORD or $CLICKHOUSE_PASSWORD (ClickHouse), and
// $PARALLAX_VIRTUAL_PASSWORD (both); none found is nullopt (PostgreSQL's libpq then reads
// PGPASSWORD, PGPASSFILE or ~/.pgpass itself). A file that cannot be read or a named
// variable that is not set is an error; a file others may read gets a warning on stderr.
Result<std::optional<std::string>> virtual_password(std::string_view url,
                                                    const PasswordSource& source);

// Connects to the database at `url` with the password `source` gives.
Result<std::unique_ptr<Backend>> connect_with_password(const std::string& url,
                                                       const PasswordSource& source,
                                                       BackendOptions options = {});

// The database's table `name`: an error lists the tables there are when it is missing.
Result<BackendTable> backend_table(Backend& backend, const std::string& name);

}  // namespace parallax
