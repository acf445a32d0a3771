// tcp_session, part two: the login. The first line is parsed and, for a
// password login, held to the per-name and per-address budgets here on the
// I/O thread; the credentials then go to the auth registry from a bridge
// actor (tcp_login.cpp), whose answer is posted back to the socket's I/O
// thread. A grant opens the session (one of max_connections, its
// connection actor); anything else refuses it with an error line.
#include "transport/tcp_session.hpp"

#include <nlohmann/json.hpp>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "protocol/frames.hpp"
#include "transport/tcp_login.hpp"

namespace chat {

void tcp_session::on_greeting(const std::string& line) {
  auto g = parse_greeting(line);
  if (!g)
    return refuse(greeting_help);
  if (g->login) {
    beast::error_code ec;
    auto peer = stream_.socket().remote_endpoint(ec);
    auto address = ec ? std::string("?") : peer.address().to_string();
    if (auto wait = ctx_->logins->login(g->name, address, steady_ms()); wait > 0) {
      log_warn("TCP login as '" + g->name + "' from " + address + " refused: too many attempts");
      return refuse("too many login attempts, retry in " + std::to_string(wait) + " ms",
                    chat_errc::rate_limited);
    }
  }
  phase_ = phase::authorizing;
  line_mode_ = g->line_mode;
  room_ = g->room;
  auto self = shared_as<tcp_session>();
  authorize(
    *ctx_, std::move(*g),
    [self](token_grant grant) {
      net::post(self->stream_.get_executor(), [self, grant = std::move(grant)]() mutable {
        self->on_authorized(std::move(grant));
      });
    },
    [self](caf::error err) {
      net::post(self->stream_.get_executor(), [self, err = std::move(err)] {
        // Whatever failed (credentials, a timeout), this socket is not in.
        self->refuse(error_text(err));
      });
    });
}

void tcp_session::on_authorized(token_grant grant) {
  if (closing_ || finished_)
    return; // the login deadline passed meanwhile
  timer_.cancel();
  auto place = ctx_->limits->take_connection();
  if (!place || ctx_->shutting_down) {
    metrics::get().refused_connections.add();
    return refuse(place ? "shutting down" : "server full: max_connections reached",
                  chat_errc::busy);
  }
  phase_ = phase::open;
  open(std::move(grant), std::move(place));
  if (line_mode_) // as if the client had sent it after its login
    to_actor({{"action", "join"}, {"target", room_}});
  take_lines(); // pipelined after the login line
  do_read();
}

void tcp_session::refuse(const std::string& message, chat_errc code) {
  if (closing_)
    return;
  std::string ack;
  queue_.push_back(
    {to_line(std::make_shared<const std::string>(error_frame(code, message, "")), ack), false});
  if (in_flight_.empty())
    do_write();
  start_close();
}

} // namespace chat
