// One WebSocket chat session: the Beast stream over the socket, its read
// buffer and a bounded write queue whose frames it encodes itself into the
// coalescing layer under Beast's stream. Text frames go to its connection
// actor; the actors' frames come back through the session core
// (chat_session.hpp), which hands them to this socket's I/O thread. Private
// to transport/.
#pragma once

#include <memory>
#include <string>

#include <boost/container/devector.hpp>

#include "transport/byte_stream.hpp"
#include "transport/chat_session.hpp"
#include "transport/coalescing_stream.hpp"
#include "transport/idle_watch.hpp"
#include "transport/net.hpp"

namespace chat {

class websocket_session : public chat_session, private idle_watch::entry {
public:
  /// `address_slot` is held for as long as the socket lives.
  websocket_session(byte_stream&& stream, std::shared_ptr<server_context> ctx,
                    connection_limits::slot address_slot);

  /// Completes the upgrade `req` for `grant`, then holds `place` (one of
  /// max_connections) for as long as the socket lives, and starts reading.
  void run(const http_request& req, token_grant grant, connection_limits::slot place);

  // socket_outbox::target: on this socket's I/O thread.
  void take_frames(frame_ptr* frames, std::size_t n, bool counted) override;
  void take_close(std::uint16_t code, std::string reason) override;
  void write_queued() override;

private:
  void on_accept(beast::error_code ec, token_grant grant, connection_limits::slot place);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void do_write();
  void start_close(websocket::close_reason reason);
  void ping_idle() override;
  void close_idle() override;
  void unwatch();
  void do_close();

  // Over the socket (or its TLS stream), not a beast::tcp_stream: the
  // WebSocket stream keeps its own timeouts, and a tcp_stream's timers and
  // the state its pending read carries cost each idle connection ~0.7 KiB.
  websocket::stream<coalescing_stream<byte_stream>> ws_;
  std::string text_;          // the message being read
  std::size_t asked_ = 0;     // bytes of text_'s end the pending read may fill
  std::size_t last_size_ = 0; // of the last whole text message
  // Frames not yet encoded into the coalescing layer (it is full). A
  // replay's frames are not counted against write_queue_max (see
  // session::send_batch).
  struct queued {
    frame_ptr frame;
    bool counted;
  };
  // Not std::deque: it allocates a block and its map (0.6 KiB) even empty.
  boost::container::devector<queued> queue_;
  std::size_t counted_ = 0; // queued frames that count against the limit
  bool waiting_ = false;    // for room in the coalescing layer
  bool closing_ = false;    // no more frames accepted
  bool close_sent_ = false;
  idle_watch* idle_ = nullptr; // while watched: from the open until the read ends
  // Boxed: a close_reason holds its 123-byte reason inline, and only a
  // closing session needs one.
  std::unique_ptr<websocket::close_reason> close_reason_;
};

} // namespace chat
