#include "transport/tls_store.hpp"

#include <utility>

#include <openssl/ssl.h>

namespace chat {

namespace {

namespace ssl = boost::asio::ssl;

// A server context from the files, or nullptr and why.
std::shared_ptr<ssl::context> load(const tls_store::files& f, std::string& error) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression
                     | ssl::context::single_dh_use,
                   ec);
  int version = f.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), version) != 1) {
    error = "cannot set the minimum TLS version " + f.min_version;
    return nullptr;
  }
  if (ctx->use_certificate_chain_file(f.cert_file, ec); ec) {
    error = "[tls] cert_file " + f.cert_file + ": " + ec.message();
    return nullptr;
  }
  if (ctx->use_private_key_file(f.key_file, ssl::context::pem, ec); ec) {
    error = "[tls] key_file " + f.key_file + ": " + ec.message();
    return nullptr;
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    error = "[tls] key_file " + f.key_file + " is not the key of " + f.cert_file;
    return nullptr;
  }
  return ctx;
}

} // namespace

std::shared_ptr<tls_store> tls_store::open(files f, std::string& error) {
  std::shared_ptr<tls_store> store{new tls_store(std::move(f))};
  store->current_ = load(store->files_, error);
  return store->current_ ? store : nullptr;
}

std::string tls_store::reload() {
  std::string error;
  auto fresh = load(files_, error);
  if (!fresh)
    return error;
  std::lock_guard<std::mutex> guard(mtx_);
  current_ = std::move(fresh);
  return {};
}

std::shared_ptr<boost::asio::ssl::context> tls_store::current() const {
  std::lock_guard<std::mutex> guard(mtx_);
  return current_;
}

} // namespace chat
