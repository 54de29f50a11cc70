// Credentials kept out of what a source says: its states and errors reach every client
// (pipeline_status.last_error) and the server's log, and libraries quote what they could not
// parse (libpq quotes a whole connection URI, password included).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace parallax {

// The passwords a PostgreSQL connection string may hold, as written and as read (quoted and
// escaped in key=value form, percent-escaped in a URI); found even when the string is
// malformed, since that is when libpq quotes it.
std::vector<std::string> dsn_passwords(std::string_view dsn);
// The password of a URL (scheme://user:password@host...), as written and as read.
std::vector<std::string> url_passwords(std::string_view url);
// `text` with every non-empty secret replaced by "***".
std::string without_secrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace parallax
