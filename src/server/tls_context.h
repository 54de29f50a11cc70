// The server's TLS setup (--tls-cert, --tls-key): one OpenSSL context shared by every
// connection, TLS 1.2 and later only.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "common/status.h"

namespace parallax::server {

// Loads a PEM certificate chain and its private key; a clear error when either cannot be
// read or they do not belong together.
Result<std::unique_ptr<boost::asio::ssl::context>> make_tls_context(const std::string& cert_file,
                                                                    const std::string& key_file);

}  // namespace parallax::server
