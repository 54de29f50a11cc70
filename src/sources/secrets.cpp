#include "sources/secrets.h"

#include <algorithm>
#include <cctype>

#include "sources/broker_url.h"

namespace parallax {

namespace {

void add(std::vector<std::string>& secrets, std::string secret) {
  if (!secret.empty() && std::find(secrets.begin(), secrets.end(), secret) == secrets.end()) {
    secrets.push_back(std::move(secret));
  }
}

// Every `password=` value of a key=value string: quoted ('it''s' is not libpq's; it takes
// \' and \\ inside quotes) or up to the next blank.
void add_keyword_passwords(std::string_view dsn, std::vector<std::string>& secrets) {
  for (size_t at = dsn.find("password"); at != std::string_view::npos;
       at = dsn.find("password", at + 1)) {
    size_t i = at + std::string_view("password").size();
    while (i < dsn.size() && std::isspace(static_cast<unsigned char>(dsn[i]))) ++i;
    if (i >= dsn.size() || dsn[i] != '=') continue;
    ++i;
    while (i < dsn.size() && std::isspace(static_cast<unsigned char>(dsn[i]))) ++i;
    const size_t start = i;
    std::string read;
    if (i < dsn.size() && dsn[i] == '\'') {
      for (++i; i < dsn.size() && dsn[i] != '\''; ++i) {
        if (dsn[i] == '\\' && i + 1 < dsn.size()) ++i;
        read += dsn[i];
      }
      add(secrets, std::string(dsn.substr(start + 1, i - start - 1)));
    } else {
      while (i < dsn.size() && !std::isspace(static_cast<unsigned char>(dsn[i]))) read += dsn[i++];
    }
    add(secrets, std::string(dsn.substr(start, i - start)));
    add(secrets, read);
    add(secrets, percent_decoded(read));  // a URI's ?password=
  }
}

}  // namespace

std::vector<std::string> url_passwords(std::string_view url) {
  std::vector<std::string> secrets;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return secrets;
  const size_t from = scheme_end + 3;
  // libpq ends the user info at the first '@' (before any '/'); broker URLs at the last one.
  for (const size_t at : {url.find('@', from), url.rfind('@')}) {
    if (at == std::string_view::npos || at < from) continue;
    const std::string_view user_info = url.substr(from, at - from);
    const size_t colon = user_info.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view written = user_info.substr(colon + 1);
    add(secrets, std::string(written));
    add(secrets, percent_decoded(written));
  }
  return secrets;
}

std::vector<std::string> dsn_passwords(std::string_view dsn) {
  std::vector<std::string> secrets = url_passwords(dsn);
  add_keyword_passwords(dsn, secrets);
  return secrets;
}

std::string without_secrets(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

}  // namespace parallax
