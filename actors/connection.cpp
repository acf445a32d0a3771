#include "actors/connection.hpp"

#include <unordered_map>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "common/token_bucket.hpp"
#include "protocol/atoms.hpp"
#include "protocol/chat_error.hpp"
#include "protocol/frames.hpp"
#include "protocol/names.hpp"
#include "protocol/request.hpp"

namespace chat {

namespace {

struct connection_state {
  connection_params params;
  caf::actor user;
  std::unordered_map<std::string, caf::actor> rooms; // looked up before
  // The frame budget (actor_settings::messages_per_second / burst) and the
  // rejections since the last frame that passed.
  token_bucket budget{1, 1, 0};
  std::int64_t rejected_in_a_row = 0;
  metrics::live_count alive{metrics::get().connections};
  static inline const char* name = "connection";

  void send(std::string text) { params.session->send(make_frame(std::move(text))); }

  void send_error(const caf::error& err, const std::string& ref) {
    send_error(to_chat_errc(err), error_text(err), ref);
  }

  // Every error frame is counted by code (GET /metrics); those that are
  // about the server rather than the request are logged with who got them.
  void send_error(chat_errc code, const std::string& text, const std::string& ref) {
    count_error(code);
    if (code == chat_errc::storage || code == chat_errc::timeout)
      log_error("conn=" + params.id + " user=" + params.grant.who.user_id + " ("
                + params.grant.who.name + "): " + to_code(code) + ": " + text);
    send(error_frame(code, text, ref));
  }

  static void count_error(chat_errc code) {
    auto i = static_cast<std::size_t>(code);
    if (i < metrics::max_error_codes)
      metrics::get().rejected[i].add();
  }
};

using connection_actor = caf::stateful_actor<connection_state>;

// Runs `f(room)` once the room actor is known. A lookup blocks this
// connection's later frames (await) so that a join and the send right behind
// it reach the room in the order the client sent them.
template <class F>
void with_room(connection_actor* self, const std::string& name, bool create, join_options opts,
               const std::string& ref, F f) {
  auto& st = self->state;
  if (auto it = st.rooms.find(name); it != st.rooms.end()) {
    f(it->second);
    return;
  }
  self
    ->request(st.params.directory, st.params.settings.request_timeout, room_atom::value, name,
              create, std::move(opts))
    .await(
      [self, name, f](const caf::actor& room) mutable {
        self->state.rooms.emplace(name, room);
        f(room);
      },
      [self, ref](const caf::error& err) { self->state.send_error(err, ref); });
}

// Reads the creation / entry options of a join: {"max_members","private","key"}.
caf::expected<join_options> read_join_options(const nlohmann::json& body) {
  join_options opts;
  if (!body.is_object())
    return make_error(chat_errc::bad_request, "body must be a JSON object");
  if (auto it = body.find("max_members"); it != body.end()) {
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() < 1
        || it->get<std::uint64_t>() > 1000000)
      return make_error(chat_errc::bad_request, "max_members must be 1..1000000");
    opts.max_members = it->get<std::uint32_t>();
  }
  if (auto it = body.find("private"); it != body.end()) {
    if (!it->is_boolean())
      return make_error(chat_errc::bad_request, "private must be true or false");
    opts.is_private = it->get<bool>();
  }
  if (auto it = body.find("key"); it != body.end()) {
    if (!it->is_string())
      return make_error(chat_errc::bad_request, "key must be a string");
    opts.key = it->get<std::string>();
  }
  return opts;
}

void on_join(connection_actor* self, client_request& req) {
  auto opts = read_join_options(req.body);
  if (!opts) {
    self->state.send_error(opts.error(), req.ref);
    return;
  }
  // Channels ("@name") come into being with their user, never by a join.
  bool create = req.target.front() != '@';
  auto key = opts->key;
  with_room(self, req.target, create, std::move(*opts), req.ref,
            [self, ref = req.ref, key](const caf::actor& room) {
              auto& st = self->state;
              self
                ->request(room, st.params.settings.request_timeout, join_atom::value,
                          st.params.grant.who, st.user, key, ref)
                .then(
                  // `joined` comes through the user actor (see room.hpp).
                  [](const member_list&) {},
                  [self, ref](const caf::error& err) { self->state.send_error(err, ref); });
            });
}

void on_send(connection_actor* self, client_request& req) {
  if (!req.body.is_object()) {
    self->state.send_error(chat_errc::bad_request, "body must be a JSON object", req.ref);
    return;
  }
  with_room(self, req.target, false, {}, req.ref,
            [self, body = req.body.dump(), ref = req.ref](const caf::actor& room) {
              auto& st = self->state;
              self->request(room, caf::infinite, post_atom::value, st.params.grant.who, body)
                .then(
                  [self, ref](const chat_message& msg) { self->state.send(sent_frame(ref, msg)); },
                  [self, ref](const caf::error& err) { self->state.send_error(err, ref); });
            });
}

void on_leave(connection_actor* self, client_request& req) {
  with_room(self, req.target, false, {}, req.ref,
            [self, room_name = req.target, ref = req.ref](const caf::actor& room) {
              auto& st = self->state;
              self
                ->request(room, st.params.settings.request_timeout, leave_atom::value,
                          st.params.grant.who.user_id)
                .then(
                  [self, room_name, ref](bool) { self->state.send(left_frame(room_name, ref)); },
                  [self, ref](const caf::error& err) { self->state.send_error(err, ref); });
            });
}

void on_history(connection_actor* self, client_request& req) {
  std::int64_t page = 0;
  if (req.body.is_object() && req.body.contains("page")) {
    const auto& p = req.body["page"];
    if (!p.is_number_unsigned()) {
      self->state.send_error(chat_errc::bad_request, "page must be a number >= 0", req.ref);
      return;
    }
    page = p.get<std::int64_t>();
  }
  with_room(
    self, req.target, false, {}, req.ref, [self, page, ref = req.ref](const caf::actor& room) {
      auto& st = self->state;
      self
        ->request(room, st.params.settings.request_timeout, history_atom::value,
                  st.params.grant.who.user_id, page)
        .then([self, ref](const history_page& hp) { self->state.send(history_frame(hp, ref)); },
              [self, ref](const caf::error& err) { self->state.send_error(err, ref); });
    });
}

void on_who(connection_actor* self, client_request& req) {
  with_room(self, req.target, false, {}, req.ref,
            [self, room_name = req.target, ref = req.ref](const caf::actor& room) {
              self->request(room, self->state.params.settings.request_timeout, who_atom::value)
                .then(
                  [self, room_name, ref](const member_list& members) {
                    self->state.send(members_frame(room_name, members, ref));
                  },
                  [self, ref](const caf::error& err) { self->state.send_error(err, ref); });
            });
}

void on_rooms(connection_actor* self, client_request& req) {
  auto& st = self->state;
  self
    ->request(st.params.directory, st.params.settings.request_timeout, rooms_atom::value,
              st.params.grant.who.user_id)
    .then(
      [self, ref = req.ref](const room_list& rooms) { self->state.send(rooms_frame(rooms, ref)); },
      [self, ref = req.ref](const caf::error& err) { self->state.send_error(err, ref); });
}

// Stores a direct to `to_user` (an id), confirms it, then routes it to the
// recipient's user actor if it is online.
void store_dm(connection_actor* self, std::string to_user, std::string body,
              const std::string& ref) {
  auto& st = self->state;
  direct_message msg{{},
                     std::move(to_user),
                     st.params.grant.who.user_id,
                     st.params.grant.who.name,
                     std::move(body),
                     unix_ms()};
  self->request(st.params.storage, caf::infinite, append_atom::value, std::move(msg))
    .then(
      [self, ref](const direct_message& stored) {
        auto& st = self->state;
        st.send(direct_sent_frame(ref, stored));
        auto d = std::make_shared<const delivery>(
          delivery{make_frame(direct_frame(stored)), stored.id, {}, 0, {}});
        self->send(st.params.directory, direct_atom::value, stored.to_user, d);
      },
      [self, ref](const caf::error& err) { self->state.send_error(err, ref); });
}

// {"action":"dm","target":"<user_id>" or "@<name>","body":{...}}.
void on_dm(connection_actor* self, client_request& req) {
  auto& st = self->state;
  if (req.target.empty() || req.target.size() > 64) {
    st.send_error(chat_errc::bad_request, "target must be a user id or @name", req.ref);
    return;
  }
  if (!req.body.is_object()) {
    st.send_error(chat_errc::bad_request, "body must be a JSON object", req.ref);
    return;
  }
  if (req.target.front() != '@') {
    store_dm(self, req.target, req.body.dump(), req.ref);
    return;
  }
  // By name: the registry knows names. Later frames wait (await) so that
  // directs keep the order they were sent in.
  self
    ->request(st.params.registry, st.params.settings.request_timeout, user_atom::value,
              req.target.substr(1))
    .await([self, body = req.body.dump(),
            ref = req.ref](const identity& who) { store_dm(self, who.user_id, body, ref); },
           [self, ref = req.ref](const caf::error& err) { self->state.send_error(err, ref); });
}

// {"action":"ack","body":{"ids":[...]}}: "acked" goes out once the ack is in
// the user actor's mailbox. That is enough for a client that reconnects
// after "acked": whatever its new connection makes the user actor do is
// queued behind the ack. No request, so no reply message and no timeout
// entry in CAF's clock for the busiest frame clients send.
void on_ack(connection_actor* self, client_request& req) {
  auto& st = self->state;
  id_list ids;
  if (req.ack_ids) {
    ids = std::move(*req.ack_ids);
  } else {
    const auto* arr = req.body.is_object() && req.body.contains("ids") ? &req.body["ids"] : nullptr;
    if (arr == nullptr || !arr->is_array()) {
      st.send_error(chat_errc::bad_request, "body.ids must be an array of ids", req.ref);
      return;
    }
    for (const auto& id : *arr) {
      if (!id.is_string()) {
        st.send_error(chat_errc::bad_request, "body.ids must be an array of ids", req.ref);
        return;
      }
      ids.push_back(id.get<std::string>());
    }
  }
  auto count = ids.size();
  self->send(st.user, ack_atom::value, std::move(ids));
  st.send(acked_frame(req.ref, count));
}

void dispatch(connection_actor* self, client_request& req) {
  auto& st = self->state;
  if (req.action == "ping") {
    st.send(pong_frame(req.ref));
    return;
  }
  if (req.action == "rooms") {
    on_rooms(self, req);
    return;
  }
  if (req.action == "dm") {
    on_dm(self, req);
    return;
  }
  if (req.action == "ack") {
    on_ack(self, req);
    return;
  }
  using handler = void (*)(connection_actor*, client_request&);
  static const std::unordered_map<std::string, handler> room_actions{
    {"join", on_join},       {"leave", on_leave}, {"send", on_send},
    {"history", on_history}, {"who", on_who},
  };
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

void close_and_quit(connection_actor* self, std::uint16_t code, const char* reason) {
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
bool within_budget(connection_actor* self, double cost, const std::string& ref) {
  auto& st = self->state;
  auto wait_ms = st.budget.take(cost, steady_ms());
  if (wait_ms == 0) {
    st.rejected_in_a_row = 0;
    return true;
  }
  metrics::get().rate_limited.add();
  st.count_error(chat_errc::rate_limited);
  st.send(rate_limited_frame(wait_ms, ref));
  if (++st.rejected_in_a_row >= st.params.settings.rate_limit_close_after) {
    log_warn("conn=" + st.params.id + " user=" + st.params.grant.who.user_id + " ("
             + st.params.grant.who.name + "): closed after " + std::to_string(st.rejected_in_a_row)
             + " rate-limited frames in a row");
    close_and_quit(self, 1008, "rate limit exceeded");
  }
  return false;
}

caf::behavior connection(connection_actor* self, connection_params params) {
  auto& st = self->state;
  st.params = std::move(params);
  st.budget
    = token_bucket{st.params.settings.messages_per_second, st.params.settings.burst, steady_ms()};
  st.send(welcome_frame(st.params.id, st.params.grant.who));
  self->send(st.params.registry, watch_atom::value, st.params.grant.token_hash, caf::actor{self});
  // No frame is handled before the user actor is known (await).
  self
    ->request(st.params.directory, st.params.settings.request_timeout, user_atom::value,
              st.params.grant.who, caf::actor{self}, st.params.session)
    .await(
      [self](const caf::actor& user) {
        self->state.user = user;
        // And none before the user is online in its rooms.
        self->request(user, self->state.params.settings.request_timeout, start_atom::value)
          .await(
            [](bool) {},
            [self](const caf::error&) { close_and_quit(self, 1011, "server busy, try again"); });
      },
      [self](const caf::error&) { close_and_quit(self, 1011, "server busy, try again"); });
  return {
    [self](frame_atom, const std::string& text) {
      auto& st = self->state;
      metrics::get().frames_in.add();
      std::string ref;
      if (text.size() > st.params.settings.max_frame_bytes) {
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
    },
    // From the registry's sweep: an idle socket learns of its token's end
    // too, not only at its next frame.
    [self](expire_atom) {
      self->state.send_error(chat_errc::unauthorized, "token expired", {});
      close_and_quit(self, 1008, "token expired");
    },
    [self](logout_atom) { close_and_quit(self, 1008, "logged out"); },
    [self](close_atom) { close_and_quit(self, 1001, "server shutting down"); },
  };
}

} // namespace

caf::actor spawn_connection(caf::actor_system& sys, connection_params params) {
  return sys.spawn(connection, std::move(params));
}

} // namespace chat
