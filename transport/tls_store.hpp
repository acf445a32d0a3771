// The server's TLS certificate and key ([tls] cert_file, key_file,
// min_version) as an OpenSSL context. Loaded at start; reload() (SIGHUP)
// reads the files again and swaps the context only if they load, so a bad
// file keeps the old certificate. A socket takes the current context when it
// is accepted and keeps it: a reload touches no open connection. Private to
// transport/ and app/ (it includes Asio's ssl).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace chat {

class tls_store {
public:
  struct files {
    std::string cert_file; // PEM: the certificate, then its chain
    std::string key_file;  // PEM
    std::string min_version = "1.2";
  };

  /// Loads `f`; nullptr and `error` says why if that fails.
  static std::shared_ptr<tls_store> open(files f, std::string& error);

  /// Reads the files again; "" when the new certificate is in use, else why
  /// not (the old one stays).
  std::string reload();

  /// The context a newly accepted socket uses.
  std::shared_ptr<boost::asio::ssl::context> current() const;

  /// Where the certificate comes from, for logs.
  const std::string& cert_file() const { return files_.cert_file; }

private:
  explicit tls_store(files f) : files_(std::move(f)) {}

  files files_;
  mutable std::mutex mtx_; // current_ is read on the accepting thread, swapped on the signal's
  std::shared_ptr<boost::asio::ssl::context> current_;
};

} // namespace chat
