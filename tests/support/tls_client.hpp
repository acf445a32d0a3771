// TLS for the integration tests: a throwaway CA with server certificates
// made by the `openssl` tool, and clients that check a server's certificate
// the way a browser does (the CA, the host name, the dates): one HTTPS
// request, or a WebSocket over wss. Each call gives up at its deadline (an
// asynchronous operation run until then, then cancelled), Beast and OpenSSL
// hidden behind a pimpl.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/server_process.hpp" // temp_dir

namespace chat::test {

/// A CA and certificates it signed, in a temp_dir of their own. Throws if
/// openssl fails.
class test_pki {
public:
  test_pki();

  const std::string& ca_file() const { return ca_file_; }

  struct cert {
    std::string cert_file; // PEM: the certificate, then the CA's (a chain)
    std::string key_file;
  };

  /// A server certificate for 127.0.0.1 and localhost, valid now, unless
  /// `expired` (its validity ended a day ago); `host` replaces the names
  /// (a certificate for another host).
  cert issue(const std::string& name, bool expired = false, const std::string& host = "") const;

private:
  temp_dir dir_; // removed with everything in it
  std::string ca_file_, ca_key_;
};

struct tls_options {
  std::string ca_file;            // trusted CA (PEM)
  std::string host = "127.0.0.1"; // checked against the certificate, sent as SNI
  bool tls12_only = false;        // a client that cannot speak TLS 1.3
  std::chrono::milliseconds timeout = std::chrono::seconds(10);
};

struct https_response {
  int status = 0;    // 0: no response
  std::string error; // why (a refused certificate says so here)
  std::string body;
};

/// One HTTPS request to 127.0.0.1:port.
https_response https_request(std::uint16_t port, const std::string& method,
                             const std::string& target, const std::string& body,
                             const tls_options& tls);

/// Newline-delimited text over TLS to 127.0.0.1:port (the raw TCP port
/// with [tls] tcp = true).
class tls_line_client {
public:
  tls_line_client();
  ~tls_line_client();
  tls_line_client(const tls_line_client&) = delete;
  tls_line_client& operator=(const tls_line_client&) = delete;

  /// TCP and the TLS handshake (certificate checked); "" or what failed.
  std::string connect(std::uint16_t port, const tls_options& tls);

  bool send(const nlohmann::json& frame);

  /// The next line parsed (a JSON string if it is not JSON); nullopt on
  /// timeout, EOF or error.
  std::optional<nlohmann::json> read(std::chrono::milliseconds timeout = std::chrono::seconds(5));

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// A WebSocket over TLS to 127.0.0.1:port.
class wss_client {
public:
  wss_client();
  ~wss_client();
  wss_client(const wss_client&) = delete;
  wss_client& operator=(const wss_client&) = delete;

  /// TCP, TLS handshake (certificate checked), upgrade at `target`; "" or
  /// what failed.
  std::string connect(std::uint16_t port, const std::string& target, const tls_options& tls);

  bool send(const nlohmann::json& frame);

  /// The next text frame parsed; nullopt on timeout, close or error.
  std::optional<nlohmann::json> read(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// Frames until one of `type`; nullopt if none within the timeout.
  std::optional<nlohmann::json> read_type(const std::string& type, std::chrono::milliseconds timeout
                                                                   = std::chrono::seconds(5));

  /// A close handshake; its status code as the peer answered, or 0.
  int close();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace chat::test
