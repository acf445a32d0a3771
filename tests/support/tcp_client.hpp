// A small blocking line client for the raw TCP transport (newline-delimited
// JSON), for tests: every read is bounded by poll(), so a silent server
// fails a test instead of hanging it.
#pragma once

#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp" // type_of

namespace chat::test {

/// A port that was free a moment ago (bind to 0, read it, close).
inline std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// One line-oriented TCP connection to 127.0.0.1.
class line_client {
public:
  line_client() = default;
  line_client(const line_client&) = delete;
  line_client& operator=(const line_client&) = delete;
  ~line_client() {
    if (fd_ >= 0)
      ::close(fd_);
  }

  bool connect(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0)
      return false;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }

  bool send_raw(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      auto n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  bool send(const nlohmann::json& frame) { return send_raw(frame.dump() + "\n"); }

  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  /// True once a read met the server's end of the connection.
  bool closed() const { return eof_; }

  /// The next line (without "\n"); nullopt on timeout or EOF.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout
                                       = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        auto line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      if (eof_)
        return std::nullopt;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        continue;
      char chunk[65536];
      auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0)
        eof_ = true;
      else
        buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  /// The next line parsed (a JSON string holding the raw text if it is not JSON).
  std::optional<nlohmann::json> read(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto line = read_line(timeout);
    if (!line)
      return std::nullopt;
    return json_or_text(*line);
  }

  std::optional<nlohmann::json> read_type(const std::string& type, std::chrono::milliseconds timeout
                                                                   = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (auto frame = read(std::chrono::duration_cast<std::chrono::milliseconds>(
             deadline - std::chrono::steady_clock::now()))) {
      if (type_of(*frame) == type)
        return frame;
    }
    return std::nullopt;
  }

  /// Sends `frame` with a unique ref; returns the first reply carrying it.
  std::optional<nlohmann::json> call(nlohmann::json frame,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto ref = "t" + std::to_string(++refs_);
    frame["ref"] = ref;
    if (!send(frame))
      return std::nullopt;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (auto reply = read(std::chrono::duration_cast<std::chrono::milliseconds>(
             deadline - std::chrono::steady_clock::now()))) {
      if (reply->is_object() && reply->value("ref", nlohmann::json()) == ref)
        return reply;
    }
    return std::nullopt;
  }

  /// Discards lines until the server closes; true if it did in time.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      read_line(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
      if (eof_)
        return true;
    }
    return eof_;
  }

private:
  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
  int refs_ = 0;
};

/// Starts a server with the raw TCP port on a port that was free a moment
/// ago, retrying (3 tries) if it was taken in between; `tcp_port` gets it.
/// A WebSocket upgrade made by hand on a plain socket: after the 101 nothing
/// reads frames or answers pings, like a peer whose network went away.
/// Returns the response's status line.
inline std::optional<std::string> raw_upgrade(line_client& c, std::uint16_t port,
                                              const std::string& token) {
  REQUIRE(c.connect(port));
  REQUIRE(c.send_raw("GET /ws?token=" + token
                     + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                       "Sec-WebSocket-Version: 13\r\n\r\n"));
  return c.read_line();
}

inline std::unique_ptr<server_process> start_with_tcp(server_process::overrides extra,
                                                      std::uint16_t& tcp_port) {
  for (int attempt = 0;; ++attempt) {
    tcp_port = free_port();
    extra["server.tcp_port"] = std::to_string(tcp_port);
    try {
      return std::make_unique<server_process>(extra);
    } catch (const std::exception&) {
      if (attempt == 2)
        throw;
    }
  }
}

} // namespace chat::test
