#include "server/tls_context.h"

namespace parallax::server {

namespace ssl = boost::asio::ssl;

Result<std::unique_ptr<ssl::context>> make_tls_context(const std::string& cert_file,
                                                       const std::string& key_file) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  boost::system::error_code error;
  context->use_certificate_chain_file(cert_file, error);
  if (error) return Status::invalid("--tls-cert '{}': {}", cert_file, error.message());
  // Loaded after the certificate, the key is checked against it ("key values mismatch").
  context->use_private_key_file(key_file, ssl::context::pem, error);
  if (error) return Status::invalid("--tls-key '{}': {}", key_file, error.message());
  return context;
}

}  // namespace parallax::server
