// The ClickHouse backend (HTTP interface); connect_backend picks it for clickhouse:// URLs.
#pragma once

#include <memory>
#include <string>

#include "virtual/backend.h"

namespace parallax {

std::unique_ptr<Backend> make_clickhouse_backend(std::string url, std::string host,
                                                 std::string port, std::string user,
                                                 std::string database, BackendOptions options);

}  // namespace parallax
