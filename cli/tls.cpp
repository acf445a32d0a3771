#include "cli/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace chat::cli {

std::shared_ptr<boost::asio::ssl::context> tls_context(const endpoint& ep, std::string& error) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (ep.ca_file.empty())
    ctx->set_default_verify_paths(ec);
  else
    ctx->load_verify_file(ep.ca_file, ec);
  if (ec) {
    error = (ep.ca_file.empty() ? std::string("the system's CAs") : "--ca-file " + ep.ca_file)
            + ": " + ec.message();
    return nullptr;
  }
  return ctx;
}

bool certificate_refused(const boost::system::error_code& ec) {
  return ec.category() == boost::asio::error::get_ssl_category()
         && ERR_GET_REASON(static_cast<unsigned long>(ec.value()))
              == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

} // namespace chat::cli
