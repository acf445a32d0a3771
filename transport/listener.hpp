// Accepts sockets and hands each to a session: on the HTTP port an
// http_session (which may upgrade it to a websocket_session), on the raw TCP
// port a tcp_session (newline-delimited JSON).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "transport/server_context.hpp"

namespace chat {

class io_pool;
class listener_impl;

class listener {
public:
  /// What an accepted socket speaks.
  enum class kind { http, tcp };

  /// Accepts on `pool`'s first thread; each socket goes to the pool's next.
  listener(io_pool& pool, std::shared_ptr<server_context> ctx, kind k = kind::http);
  ~listener();

  /// Binds and listens; "" on success, else what failed (e.g. the port is
  /// in use). Port 0 picks a free port: see port().
  std::string open(const std::string& address, std::uint16_t port);

  /// The port actually bound.
  std::uint16_t port() const;

  /// Starts accepting (asynchronously).
  void run();

  /// Stops accepting; sessions already open carry on.
  void stop();

private:
  std::shared_ptr<listener_impl> impl_;
};

} // namespace chat
