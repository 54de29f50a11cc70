// The PostgreSQL backend (libpq); connect_backend picks it for postgres:// URLs.
#pragma once

#include <memory>
#include <string>

#include "virtual/backend.h"

namespace parallax {

std::unique_ptr<Backend> make_postgres_backend(std::string url, BackendOptions options);

}  // namespace parallax
