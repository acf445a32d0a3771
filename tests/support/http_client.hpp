// A small blocking HTTP/1.1 client for integration tests (Beast inside, one
// connection per request, every step bounded by a timeout so a hung server
// fails the test instead of hanging it), plus account helpers.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace chat::test {

/// Header names are stored lower-case.
using header_map = std::map<std::string, std::string>;

struct http_response {
  int status = 0;    // 0: no response (connect failed, timeout, closed)
  std::string error; // why status is 0
  std::string body;
  header_map headers;

  /// The body as JSON, or null if it does not parse.
  nlohmann::json json() const;

  /// A header by (case-insensitive) name, or "".
  std::string header(const std::string& name) const;
};

/// Sends one request to 127.0.0.1:port and reads the response. `method` is
/// e.g. "GET"; `target` is sent as given. Content-Length follows `body`.
http_response request(std::uint16_t port, const std::string& method, const std::string& target,
                      const std::string& body = "", const header_map& headers = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Sends `bytes` exactly as given (a whole request, e.g. with a raw target
/// holding "..", "%2e" or a NUL) and parses whatever response comes back.
http_response raw_request(std::uint16_t port, const std::string& bytes,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// {"Authorization": "Bearer <token>"}.
header_map bearer(const std::string& token);

/// POST /register {"name","password"} plus `extra` fields; returns the
/// user id. Throws std::runtime_error unless the status is 201.
std::string register_user(std::uint16_t port, const std::string& name, const std::string& password,
                          const nlohmann::json& extra = nlohmann::json::object());

/// POST /login; returns the token. Throws unless the status is 200.
std::string login(std::uint16_t port, const std::string& name, const std::string& password,
                  const nlohmann::json& extra = nlohmann::json::object());

/// A registered and logged-in user.
struct account {
  std::string name;
  std::string password;
  std::string user_id;
  std::string token;
};

/// Registers `name` and logs it in (throws on any unexpected status).
account make_account(std::uint16_t port, const std::string& name,
                     const std::string& password = "password123");

/// The samples of GET /metrics, "name{labels}" -> value; empty if the
/// request failed. For tests that wait on a counter; the format itself is
/// checked in tests/integration/metrics_test.cpp.
std::map<std::string, double> scrape_metrics(std::uint16_t port);

/// One sample of GET /metrics, e.g. "chat_acks_total" or
/// "chat_actors{kind=\"user\"}"; -1 if absent or the request failed.
double metric(std::uint16_t port, const std::string& name);

} // namespace chat::test
