// What actors see of a transport session (websocket_session, tcp_session):
// where a connection's frames go. Keeping Beast behind this interface keeps
// it out of every actor's translation unit, and lets tests stand in for a
// socket.
#pragma once

#include <cstdint>
#include <string>

#include "protocol/messages.hpp"

namespace chat {

class session {
public:
  virtual ~session() = default;

  /// Queues a frame for the socket. Thread-safe and never blocks: sessions
  /// only hand it to their socket's I/O thread.
  virtual void send(frame_ptr frame) = 0;

  /// Queues several frames at once (one hand-over for a burst). Live frames
  /// are `counted` against the session's write queue limit. A replay's are
  /// not: storage already bounds a replay (backlog_max per room), and a user
  /// owed more than the limit must still be able to catch up.
  virtual void send_batch(frame_batch frames, bool counted) = 0;

  /// Closes the socket (WebSocket close `code` and `reason`).
  virtual void close(std::uint16_t code, std::string reason) = 0;
};

} // namespace chat
