// The connection actor's frames in (actors/connection.hpp; its state and
// the files its actions live in: actors/connection/connection_state.hpp).
// Each frame is charged against the connection's budget, checked against
// the token's expiry, parsed and dispatched by action.
#include "actors/connection.hpp"

#include <unordered_map>

#include "actors/connection/connection_state.hpp"
#include "actors/request_timeouts.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "protocol/frames.hpp"
#include "protocol/names.hpp"
#include "protocol/session.hpp"

namespace chat {

using namespace connection_detail;

void connection_state::send(std::string text) {
  params.session->send(make_frame(std::move(text)));
}

void connection_state::send_error(const caf::error& err, const std::string& ref) {
  send_error(to_chat_errc(err), error_text(err), ref);
}

void connection_state::send_error(chat_errc code, const std::string& text, const std::string& ref) {
  count_error(code);
  if (code == chat_errc::storage || code == chat_errc::timeout || code == chat_errc::internal)
    log_error("conn=" + params.id + " user=" + params.grant.who.user_id + " ("
              + params.grant.who.name + "): " + to_code(code) + ": " + text);
  send(error_frame(code, text, ref));
}

void connection_state::count_error(chat_errc code) {
  auto i = static_cast<std::size_t>(code);
  if (i < metrics::max_error_codes)
    metrics::get().rejected[i].add();
}

namespace {

void dispatch(connection_pointer self, client_request& req) {
  using handler = void (*)(connection_pointer, client_request&);
  static const std::unordered_map<std::string, handler> actions{
    {"rooms", on_rooms},
    {"dm", on_dm},
    {"ack", on_ack},
  };
  // Actions on a room: "target" must be a room name.
  static const std::unordered_map<std::string, handler> room_actions{
    {"join", on_join},       {"leave", on_leave}, {"send", on_send},
    {"history", on_history}, {"who", on_who},
  };
  auto& st = self->state;
  if (req.action == "ping") {
    st.send(pong_frame(req.ref));
    return;
  }
  if (auto it = actions.find(req.action); it != actions.end()) {
    it->second(self, req);
    return;
  }
  auto it = room_actions.find(req.action);
  if (it == room_actions.end()) {
    st.send_error(chat_errc::unknown_action, "unknown action: " + req.action, req.ref);
    return;
  }
  if (!valid_room_name(req.target)) {
    st.send_error(chat_errc::bad_request,
                  "target must be a room name (1-64 of A-Z a-z 0-9 _ . -, or @user)", req.ref);
    return;
  }
  it->second(self, req);
}

void close_and_quit(connection_pointer self, std::uint16_t code, const char* reason) {
  self->state.params.session->close(code, reason);
  self->quit();
}

// What a frame costs from the connection's budget: what makes other people's
// sockets busy (send, dm) or touches rooms costs a token; the frames a
// well-behaved client sends often (acks, pings, history pages while
// scrolling) cost a quarter. Frames that do not parse cost a full token.
double frame_cost(const std::string& action) {
  if (action == "ack" || action == "ping" || action == "history")
    return 0.25;
  return 1;
}

// Charges a frame; false (and an error frame, or a close after too many in
// a row) when the connection is over its budget.
bool within_budget(connection_pointer self, double cost, const std::string& ref) {
  auto& st = self->state;
  auto wait_ms = st.budget.take(cost, steady_ms());
  if (wait_ms == 0) {
    st.rejected_in_a_row = 0;
    return true;
  }
  metrics::get().rate_limited.add();
  connection_state::count_error(chat_errc::rate_limited);
  st.send(rate_limited_frame(wait_ms, ref));
  if (++st.rejected_in_a_row >= st.params.settings->rate_limit_close_after) {
    log_warn("conn=" + st.params.id + " user=" + st.params.grant.who.user_id + " ("
             + st.params.grant.who.name + "): closed after " + std::to_string(st.rejected_in_a_row)
             + " rate-limited frames in a row");
    close_and_quit(self, 1008, "rate limit exceeded");
  }
  return false;
}

void on_frame(connection_pointer self, const std::string& text) {
  auto& st = self->state;
  metrics::get().frames_in.add();
  std::string ref;
  if (text.size() > st.params.settings->max_frame_bytes) {
    if (within_budget(self, 1, ref))
      st.send_error(chat_errc::too_large, "frame exceeds max_frame_bytes", ref);
    return;
  }
  auto req = parse_request(text, ref);
  if (!within_budget(self, req ? frame_cost(req->action) : 1, ref))
    return;
  if (unix_ms() >= st.params.grant.expires_at_ms) {
    st.send_error(chat_errc::unauthorized, "token expired", ref);
    close_and_quit(self, 1008, "token expired");
    return;
  }
  if (!req) {
    st.send_error(req.error(), ref);
    return;
  }
  dispatch(self, *req);
}

connection_actor::behavior_type connection(connection_pointer self, connection_params params) {
  auto& st = self->state;
  st.params = std::move(params);
  st.budget
    = token_bucket{st.params.settings->messages_per_second, st.params.settings->burst, steady_ms()};
  st.send(welcome_frame(st.params.id, st.params.grant.who));
  // The registry keeps the digest; the actor needs it for nothing else.
  self->send(st.params.registry, watch_atom::value, std::move(st.params.grant.token_hash),
             connection_actor{self});
  // No frame is handled before the user actor is known (await)...
  await_dropping(
    self,
    self->request(st.params.directory, st.params.settings->request_timeout, connect_atom::value,
                  st.params.grant.who, connection_actor{self}, st.params.session),
    [self](const user_actor& user) {
      self->state.user = user;
      // ... and none before the user is online in its rooms.
      await_dropping(
        self, self->request(user, self->state.params.settings->request_timeout, start_atom::value),
        [](bool) {},
        [self](const caf::error&) { close_and_quit(self, 1011, "server busy, try again"); });
    },
    [self](const caf::error&) { close_and_quit(self, 1011, "server busy, try again"); });
  return {
    [self](frame_atom, const std::string& text) { on_frame(self, text); },
    // From the registry's sweep: an idle socket learns of its token's end
    // too, not only at its next frame.
    [self](expire_atom) {
      self->state.send_error(chat_errc::unauthorized, "token expired", {});
      close_and_quit(self, 1008, "token expired");
    },
    [self](revoked_atom) { close_and_quit(self, 1008, "logged out"); },
    [self](close_atom) { close_and_quit(self, 1001, "server shutting down"); },
  };
}

} // namespace

connection_actor spawn_connection(caf::actor_system& sys, connection_params params) {
  return sys.spawn(connection, std::move(params));
}

} // namespace chat
