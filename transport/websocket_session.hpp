// One WebSocket chat session: the Beast stream over the socket, its read
// buffer and a bounded write queue whose frames it encodes itself into the
// coalescing layer under Beast's stream. Text frames go to its connection
// actor; the actors' frames come back through the session core
// (chat_session.hpp), which hands them to this socket's I/O thread. Private
// to transport/.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "transport/chat_session.hpp"
#include "transport/coalescing_stream.hpp"
#include "transport/net.hpp"

namespace chat {

class websocket_session : public chat_session {
public:
  /// `address_slot` is held for as long as the socket lives.
  websocket_session(tcp::socket&& socket, std::shared_ptr<server_context> ctx,
                    connection_limits::slot address_slot);

  /// Completes the upgrade `req` for `grant`, then holds `place` (one of
  /// max_connections) for as long as the socket lives, and starts reading.
  void run(const http_request& req, token_grant grant, connection_limits::slot place);

  // socket_outbox::target: on this socket's I/O thread.
  void take_frames(frame_ptr* frames, std::size_t n, bool counted) override;
  void take_close(std::uint16_t code, std::string reason) override;

private:
  void on_accept(beast::error_code ec, token_grant grant, connection_limits::slot place);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void do_write();
  void start_close(websocket::close_reason reason);
  void do_close();

  websocket::stream<coalescing_stream<beast::tcp_stream>> ws_;
  beast::flat_buffer buffer_;
  // Frames not yet encoded into the coalescing layer (it is full). A
  // replay's frames are not counted against write_queue_max (see
  // session::send_batch).
  struct queued {
    frame_ptr frame;
    bool counted;
  };
  std::deque<queued> queue_;
  std::size_t counted_ = 0; // queued frames that count against the limit
  bool waiting_ = false;    // for room in the coalescing layer
  bool closing_ = false;    // no more frames accepted
  bool close_sent_ = false;
  std::optional<websocket::close_reason> close_reason_;
};

} // namespace chat
