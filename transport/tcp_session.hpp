// One raw TCP chat session in JSON mode: newline-delimited JSON, one object
// per line, the WebSocket envelope and frames. The first line logs in or
// authenticates (through a short-lived bridge actor, never a blocking
// request); after that the session bridges to its connection actor through
// the session core (chat_session.hpp) exactly as websocket_session does:
// lines go to the actor as frames, the actors' frames come back through the
// socket_outbox of this socket's I/O thread. Owns the socket, its read
// buffer and a bounded write queue whose waiting frames go out in one gather
// write. Private to transport/.
//
// Line mode (a first line {"name","password","room"}) puts text in between:
// typed lines and "/" commands become frames (tcp_line_mode.cpp), frames
// become readable lines (line_format), and shown messages are acked once
// written.
//
// The body is split by role: tcp_session.cpp (start, reading, line
// framing), tcp_session_login.cpp (the first line), tcp_line_mode.cpp,
// tcp_session_write.cpp (the write queue, gather writes, closing).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "protocol/chat_error.hpp"
#include "transport/byte_stream.hpp"
#include "transport/chat_session.hpp"
#include "transport/net.hpp"

namespace chat {

class tcp_session : public chat_session {
public:
  /// Bytes asked of the socket per read.
  static constexpr std::size_t read_chunk = 16384;
  /// After we shut down our side, how long the peer has to close its own
  /// before the socket is closed regardless.
  static constexpr std::chrono::seconds linger_timeout{2};

  /// An empty `address_slot` (the address is at max_connections_per_ip):
  /// the session answers with an error line and closes.
  tcp_session(byte_stream&& stream, std::shared_ptr<server_context> ctx,
              connection_limits::slot address_slot);

  /// Starts reading the first (login or auth) line.
  void run();

  // socket_outbox::target: on this socket's I/O thread.
  void take_frames(frame_ptr* frames, std::size_t n, bool counted) override;
  void take_close(std::uint16_t code, std::string reason) override;
  void write_queued() override;

private:
  enum class phase { greeting, authorizing, open };

  // Reading (tcp_session.cpp).
  void on_handshake(beast::error_code ec);
  void start(); // after the TLS handshake, if any
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void take_lines(); // hands every complete line in in_ on
  void on_line(std::string line);
  void reply_error(chat_errc code, const std::string& message);
  // The first line (tcp_session_login.cpp).
  void on_greeting(const std::string& line);
  void on_authorized(token_grant grant);
  void refuse(const std::string& message, chat_errc code = chat_errc::unauthorized);
  // Line mode (tcp_line_mode.cpp).
  void on_text_line(const std::string& line);
  void to_actor(const nlohmann::json& frame);
  frame_ptr to_line(const frame_ptr& frame, std::string& ack);
  void ack_written();
  // Writing and closing (tcp_session_write.cpp).
  void enqueue(frame_ptr* frames, std::size_t n, bool counted); // moves from frames
  void do_write();
  void on_write(beast::error_code ec, std::size_t bytes);
  void start_close();
  void do_shutdown(); // everything is written: FIN, then wait for the peer's
  void finish();      // close the socket and detach

  byte_stream stream_;      // the socket, or TLS over it ([tls] tcp = true)
  net::steady_timer timer_; // handshake and login deadline, then the linger after shutdown
  std::string in_;          // bytes read, not yet a complete line
  std::vector<char> chunk_;
  bool discarding_ = false; // an over-long line: drop bytes up to its newline
  bool reading_ = false;
  bool peer_done_ = false; // EOF or a read error
  phase phase_ = phase::greeting;

  // queue_ waits; in_flight_ is being written in one gather write. Only
  // what waits counts against write_queue_max (a replay's frames never do),
  // and only once more than next_write_bytes wait: in flight is at most
  // that, the limit and one hand-over.
  static constexpr std::size_t next_write_bytes = 64 * 1024;
  struct queued {
    frame_ptr frame;
    bool counted;
    std::string ack = {}; // line mode: the id to ack once written
  };
  std::vector<queued> queue_; // not a deque: that allocates 0.6 KiB even empty
  std::vector<queued> in_flight_;
  std::size_t counted_ = 0;      // counted frames in queue_
  std::size_t queued_bytes_ = 0; // bytes in queue_, newlines included
  bool closing_ = false;         // no more frames accepted
  bool shut_down_ = false;       // our FIN is out
  bool finished_ = false;

  bool line_mode_ = false;
  std::string room_;    // line mode: where plain lines go
  std::string joining_; // line mode: becomes room_ when its joined arrives
};

} // namespace chat
