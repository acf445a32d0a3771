// The connection actor's room actions (actors/connection/connection_state.hpp):
// join, leave, send, history and who, each sent to the room actor named by
// the frame's target, and "rooms", answered by the directory.
#include "actors/connection/connection_state.hpp"

#include <caf/expected.hpp>

#include "protocol/frames.hpp"

namespace chat::connection_detail {

namespace {

// Runs `f(room)` once the room actor is known. A lookup blocks this
// connection's later frames (await) so that a join and the send right behind
// it reach the room in the order the client sent them.
template <class F>
void with_room(connection_pointer self, const std::string& name, bool create, join_options opts,
               const std::string& ref, F f) {
  auto& st = self->state;
  if (auto it = st.rooms.find(name); it != st.rooms.end()) {
    f(it->second);
    return;
  }
  self
    ->request(st.params.directory, st.params.settings->request_timeout, room_atom::value, name,
              create, std::move(opts))
    .await(
      [self, name, f = std::move(f)](const room_actor& room) mutable {
        self->state.rooms.emplace(name, room);
        f(room);
      },
      [self, ref](const caf::error& err) { self->state.send_error(err, ref); });
}

// The creation / entry options of a join: {"max_members","private","key"}.
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

// The most public rooms (and channels) on offer one `rooms` frame may ask
// for: a page of a list, not a way around the offer.
constexpr std::uint64_t offer_max = 1000;

// Keeps the asker's rooms and the first `offer` rooms and channels on offer
// (the list is by name); true when some on offer were left out.
bool trim_offer(room_list& rooms, std::int64_t offer) {
  std::int64_t rooms_seen = 0, channels_seen = 0;
  bool more = false;
  auto out = rooms.begin();
  for (auto& r : rooms) {
    if (!r.member) {
      auto& seen = r.name.front() == '@' ? channels_seen : rooms_seen;
      if (++seen > offer) {
        more = true;
        continue;
      }
    }
    if (&*out != &r)
      *out = std::move(r);
    ++out;
  }
  rooms.erase(out, rooms.end());
  return more;
}

} // namespace

void on_join(connection_pointer self, client_request& req) {
  auto opts = read_join_options(req.body);
  if (!opts) {
    self->state.send_error(opts.error(), req.ref);
    return;
  }
  // Channels ("@name") come into being with their user, never by a join.
  bool create = req.target.front() != '@';
  auto key = opts->key;
  with_room(self, req.target, create, std::move(*opts), req.ref,
            [self, ref = req.ref, key](const room_actor& room) {
              auto& st = self->state;
              self
                ->request(room, st.params.settings->request_timeout, join_atom::value,
                          st.params.grant.who, st.user, key, ref)
                .then(
                  // `joined` comes through the user actor (see room_actor).
                  [](const member_list&) {},
                  [self, ref](const caf::error& err) { self->state.send_error(err, ref); });
            });
}

void on_send(connection_pointer self, client_request& req) {
  auto body = object_body_text(req);
  if (!body) {
    self->state.send_error(chat_errc::bad_request, "body must be a JSON object", req.ref);
    return;
  }
  with_room(
    self, req.target, false, {}, req.ref,
    [self, body = std::move(*body), ref = req.ref](const room_actor& room) mutable {
      auto& st = self->state;
      self->request(room, caf::infinite, post_atom::value, st.params.grant.who, std::move(body))
        .then([self, ref](const chat_message& msg) { self->state.send(sent_frame(ref, msg)); },
              [self, ref](const caf::error& err) { self->state.send_error(err, ref); });
    });
}

void on_leave(connection_pointer self, client_request& req) {
  with_room(self, req.target, false, {}, req.ref,
            [self, room_name = req.target, ref = req.ref](const room_actor& room) {
              auto& st = self->state;
              self
                ->request(room, st.params.settings->request_timeout, leave_atom::value,
                          st.params.grant.who.user_id)
                .then(
                  [self, room_name, ref](bool) { self->state.send(left_frame(room_name, ref)); },
                  [self, ref](const caf::error& err) { self->state.send_error(err, ref); });
            });
}

void on_history(connection_pointer self, client_request& req) {
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
    self, req.target, false, {}, req.ref, [self, page, ref = req.ref](const room_actor& room) {
      auto& st = self->state;
      self
        ->request(room, st.params.settings->request_timeout, history_atom::value,
                  st.params.grant.who.user_id, page)
        .then([self, ref](const history_page& hp) { self->state.send(history_frame(hp, ref)); },
              [self, ref](const caf::error& err) { self->state.send_error(err, ref); });
    });
}

void on_who(connection_pointer self, client_request& req) {
  with_room(self, req.target, false, {}, req.ref,
            [self, room_name = req.target, ref = req.ref](const room_actor& room) {
              self->request(room, self->state.params.settings->request_timeout, who_atom::value)
                .then(
                  [self, room_name, ref](member_list& members) {
                    auto& st = self->state;
                    if (!st.params.settings->cluster) {
                      st.send(members_frame(room_name, members, ref));
                      return;
                    }
                    // The room knows who is online on this node; the
                    // directory adds the other nodes' users.
                    self
                      ->request(st.params.directory, st.params.settings->request_timeout,
                                who_atom::value, std::move(members))
                      .then(
                        [self, room_name, ref](const member_list& all) {
                          self->state.send(members_frame(room_name, all, ref));
                        },
                        [self, ref](const caf::error& err) { self->state.send_error(err, ref); });
                  },
                  [self, ref](const caf::error& err) { self->state.send_error(err, ref); });
            });
}

void on_rooms(connection_pointer self, client_request& req) {
  auto& st = self->state;
  std::int64_t offer = -1; // no offer asked: every room
  if (req.body.is_object() && req.body.contains("offer")) {
    const auto& o = req.body["offer"];
    if (!o.is_number_unsigned() || o.get<std::uint64_t>() > offer_max) {
      st.send_error(chat_errc::bad_request, "offer must be a number 0..1000", req.ref);
      return;
    }
    offer = o.get<std::int64_t>();
  }
  // One more of each kind than offered tells whether there are more.
  self
    ->request(st.params.directory, st.params.settings->request_timeout, rooms_atom::value,
              st.params.grant.who.user_id, offer < 0 ? offer : offer + 1)
    .then(
      [self, ref = req.ref, offer](room_list& rooms) {
        std::optional<bool> more;
        if (offer >= 0)
          more = trim_offer(rooms, offer);
        self->state.send(rooms_frame(rooms, ref, more));
      },
      [self, ref = req.ref](const caf::error& err) { self->state.send_error(err, ref); });
}

} // namespace chat::connection_detail
