// The core of a chat session, shared by websocket_session and tcp_session:
// what makes a socket a chat session once it is authenticated, whatever it
// speaks.
//
// - Identity and accounting: the connection id ("c" + a process-wide
//   counter), the socket's address slot and its place among
//   max_connections, the per-transport live/accepted/closed metrics and
//   the connect/disconnect log lines.
// - Actor -> session: send/send_batch/close are each one push onto the
//   socket_outbox of the socket's I/O thread, which hands them back to the
//   session there (take_frames/take_close), in push order.
// - Session -> actor: spawning the connection actor (the one call of
//   spawn_connection for both transports), handing it the client's frames,
//   and telling it, once, that the socket is gone (detach).
//
// A base class rather than a member component: the outbox and the
// connection actor hold the session through one shared_ptr (as
// socket_outbox::target and as chat::session), and a hand-over reaches the
// derived session's take_frames through the one virtual call the outbox
// already makes. A member would need a back pointer to its session and a
// forwarding function per hand-over in each of them. What each derived
// session keeps is what differs: the Beast WebSocket stream and its
// coalescing writes; line framing, the login line and gather writes.
//
// Threading: send/send_batch/close from any thread; everything else on the
// socket's I/O thread, except the destructor, which runs wherever the last
// reference goes (often the connection actor's thread): it only counts,
// logs and gives the slots back, all safe from any thread. Private to
// transport/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "actors/interfaces.hpp"
#include "protocol/session.hpp"
#include "transport/net.hpp"
#include "transport/server_context.hpp"
#include "transport/socket_outbox.hpp"

namespace chat {

class chat_session : public session,
                     public socket_outbox::target,
                     public std::enable_shared_from_this<chat_session> {
public:
  /// Which metrics count the session, and how its log lines name it.
  enum class transport { websocket, tcp };

  chat_session(const chat_session&) = delete;
  chat_session& operator=(const chat_session&) = delete;

  ~chat_session() override;

  // session: callable from any thread. Each is one push onto the outbox of
  // the socket's I/O thread, so frames and the close keep their order.
  void send(frame_ptr frame) final;
  void send_batch(frame_batch frames, bool counted) final;
  void close(std::uint16_t code, std::string reason) final;

protected:
  /// `socket_executor` names the socket's I/O thread (and so its outbox).
  /// `address_slot` is held for as long as the session lives.
  chat_session(transport kind, const net::any_io_executor& socket_executor,
               std::shared_ptr<server_context> ctx, connection_limits::slot address_slot);

  /// Authenticated as `grant`, holding `place` (one of max_connections)
  /// until destroyed: counts the session as live, logs the connect and
  /// spawns its connection actor.
  void open(token_grant grant, connection_limits::slot place);

  /// Hands a client frame to the connection actor (none yet or any more:
  /// dropped).
  void to_connection(std::string text);

  /// Whether the connection actor is there to hear from this session.
  bool connected() const { return static_cast<bool>(connection_); }

  /// The socket is done: tells the connection actor, once.
  void detach();

  /// The address was at max_connections_per_ip when the socket came in.
  bool over_address_limit() const { return !address_slot_; }

  /// Logs why a client that let its write queue fill up is closed.
  void warn_slow_consumer() const;

  /// This session as the derived type, for its own handlers.
  template <class Derived>
  std::shared_ptr<Derived> shared_as() {
    return std::static_pointer_cast<Derived>(shared_from_this());
  }

  std::shared_ptr<server_context> ctx_;
  std::string user_name_; // set by open(), for the log (the grant itself goes to the actor)

private:
  /// "conn=<id> user=<name>", and the transport for raw TCP.
  std::string who() const;

  transport kind_;
  socket_outbox& outbox_; // of the socket's I/O thread
  std::string id_;
  connection_actor connection_; // until detach()
  connection_limits::slot address_slot_;
  connection_limits::slot place_;
  bool live_ = false; // opened: counted as live until destroyed
};

} // namespace chat
