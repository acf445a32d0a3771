// One WebSocket connection. Owns the socket, its read buffer and a bounded
// write queue, and bridges to its connection actor: text frames go to the
// actor as messages; the actors' frames come back through send(), which
// only hands them to this socket's I/O thread (its socket_outbox). Private
// to transport/.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include <caf/actor.hpp>

#include "protocol/session.hpp"
#include "transport/coalescing_stream.hpp"
#include "transport/net.hpp"
#include "transport/server_context.hpp"
#include "transport/socket_outbox.hpp"

namespace chat {

class websocket_session : public session,
                          public socket_outbox::target,
                          public std::enable_shared_from_this<websocket_session> {
public:
  /// `address_slot` and `place` (one of max_connections) are held for as
  /// long as the socket lives.
  websocket_session(tcp::socket&& socket, std::shared_ptr<server_context> ctx, token_grant grant,
                    connection_limits::slot address_slot, connection_limits::slot place);
  ~websocket_session() override;

  /// Completes the upgrade `req` and starts reading.
  void run(const http_request& req);

  // session: callable from any thread.
  void send(frame_ptr frame) override;
  void send_batch(frame_batch frames, bool counted) override;
  void close(std::uint16_t code, std::string reason) override;

  // socket_outbox::target: on this socket's I/O thread.
  void take_frames(frame_ptr* frames, std::size_t n, bool counted) override;
  void take_close(std::uint16_t code, std::string reason) override;

private:
  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void do_write();
  void start_close(websocket::close_reason reason);
  void do_close();
  void detach(); // the socket is done: tell the actor, once

  websocket::stream<coalescing_stream<beast::tcp_stream>> ws_;
  socket_outbox& outbox_; // of the thread that runs ws_
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
  bool accepted_ = false;
  std::optional<websocket::close_reason> close_reason_;
  std::shared_ptr<server_context> ctx_;
  token_grant grant_;
  std::string id_;
  connection_actor conn_;
  connection_limits::slot address_slot_;
  connection_limits::slot place_;
};

} // namespace chat
