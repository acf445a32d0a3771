#include "actors/room.hpp"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "protocol/atoms.hpp"
#include "protocol/chat_error.hpp"
#include "protocol/frames.hpp"

namespace chat {

namespace {

struct member {
  std::string name;
  caf::actor user; // the member's user actor while it is online, else null
};

struct room_state {
  room_record info; // `members` is moved into `members` below
  std::unordered_map<std::string, member> members;
  caf::actor storage;
  actor_settings settings;
  // Stored messages not yet fanned out: a burst leaves as one message per
  // member instead of one per member per message (see flush).
  std::vector<delivery_ptr> outbox;
  metrics::live_count alive{metrics::get().rooms};
  static inline const char* name = "room";

  member_list views() const {
    member_list out;
    out.reserve(members.size());
    for (const auto& [id, m] : members)
      out.push_back({id, m.name, static_cast<bool>(m.user)});
    return out;
  }

  // Sends one immutable batch to every online member.
  void broadcast(caf::event_based_actor* self, const delivery_batch& batch) {
    for (const auto& [id, m] : members)
      if (m.user)
        self->send(m.user, deliver_atom::value, batch);
  }

  // A stored message (or a presence frame) waits in the outbox until the flush_atom sent to
  // ourselves comes up: by then every reply already in the mailbox (a
  // storage batch commits many at once) has joined it. No timer, so no
  // added latency when traffic is light.
  void queue(caf::event_based_actor* self, delivery_ptr d) {
    outbox.push_back(std::move(d));
    if (outbox.size() == 1)
      self->send(self, flush_atom::value);
  }

  // Fans out the outbox; also before a membership change, so each batch
  // goes to the members it was meant for.
  void flush(caf::event_based_actor* self) {
    if (outbox.empty())
      return;
    auto batch = std::make_shared<const std::vector<delivery_ptr>>(std::move(outbox));
    outbox.clear();
    broadcast(self, batch);
  }
};

using room_actor = caf::stateful_actor<room_state>;

// Adds `who` (a new member is owed what comes after the current seq) or
// finds it, and marks `user` as its online user actor.
caf::expected<member_list> join(room_actor* self, const identity& who, const caf::actor& user,
                                const std::string& key) {
  auto& st = self->state;
  auto it = st.members.find(who.user_id);
  if (it == st.members.end()) {
    if (!st.info.key.empty() && key != st.info.key)
      return make_error(chat_errc::forbidden, "wrong or missing room key");
    if (st.members.size() >= st.info.max_members)
      return make_error(chat_errc::room_full, "the room is full");
    // A batch already in the outbox reaches the new member too: its
    // user actor drops the messages (their seq is not owed to it). A
    // message still being stored is numbered after last_seq, so it is.
    it = st.members.emplace(who.user_id, member{who.name, {}}).first;
    self->send(st.storage, member_atom::value, st.info.name, who.user_id, true);
    // The new member is owed what comes after this seq, nothing before.
    if (user)
      self->send(user, member_atom::value, st.info.name, st.info.last_seq);
    st.queue(
      self,
      std::make_shared<const delivery>(delivery{
        make_frame(presence_frame(st.info.name, "join", who)), {}, st.info.name, 0, who.user_id}));
  }
  if (user && it->second.user != user) {
    it->second.user = user;
    self->monitor(user);
  }
  return st.views();
}

caf::behavior room(room_actor* self, room_record rec, caf::actor storage, actor_settings settings) {
  auto& st = self->state;
  for (auto& m : rec.members)
    st.members.emplace(std::move(m.user_id), member{std::move(m.name), {}});
  rec.members.clear();
  st.info = std::move(rec);
  st.storage = std::move(storage);
  st.settings = settings;
  // A member's user actor stops when the member's last connection closes.
  self->set_down_handler([self](const caf::down_msg& dm) {
    for (auto& [id, m] : self->state.members)
      if (m.user && m.user.address() == dm.source)
        m.user = nullptr;
  });
  return {
    // A connection's join: `joined` goes to the connection through its user
    // actor, in line with this room's deliveries, so no message of the room
    // reaches the client before it.
    [self](join_atom, const identity& who, const caf::actor& user, const std::string& key,
           const std::string& ref) -> caf::result<member_list> {
      auto members = join(self, who, user, key);
      if (!members)
        return std::move(members.error());
      if (user)
        self->send(user, deliver_atom::value,
                   caf::actor_cast<caf::actor_addr>(self->current_sender()),
                   make_frame(joined_frame(self->state.info.name, *members, ref)));
      return std::move(*members);
    },
    [self](leave_atom, const std::string& user_id) -> caf::result<bool> {
      auto& st = self->state;
      auto it = st.members.find(user_id);
      if (it == st.members.end())
        return make_error(chat_errc::not_member, "not a member of this room");
      identity who{user_id, it->second.name};
      st.flush(self); // the leaver still gets what was stored before it left
      if (it->second.user)
        self->send(it->second.user, leave_atom::value, st.info.name);
      st.members.erase(it);
      self->send(st.storage, member_atom::value, st.info.name, user_id, false);
      st.queue(self,
               std::make_shared<const delivery>(delivery{
                 make_frame(presence_frame(st.info.name, "leave", who)), {}, st.info.name, 0, {}}));
      return true;
    },
    [self](post_atom, const identity& who, std::string& body) -> caf::result<chat_message> {
      auto& st = self->state;
      if (st.members.count(who.user_id) == 0)
        return make_error(chat_errc::not_member, "join the room before sending");
      // Storage numbers the message (seq 0 here) as it stores it, so a
      // message that fails to store leaves no gap in the room's seqs.
      chat_message msg{{}, 0, st.info.name, who.user_id, who.name, std::move(body), unix_ms()};
      auto rp = self->make_response_promise<chat_message>();
      // The storage actor answers in the order it was asked, so messages go
      // out in seq order; they go out only once stored. No timeout, here or
      // on the connection's post: storage always answers (a failed commit
      // with an error, a stopped actor's requests bounce with one), and a
      // timeout costs an entry in CAF's clock per message on the busiest
      // path there is.
      self->request(st.storage, caf::infinite, append_atom::value, std::move(msg))
        .then(
          [self, rp](chat_message& stored) mutable {
            auto& last_seq = self->state.info.last_seq;
            last_seq = std::max(last_seq, stored.seq);
            // One frame, one delivery record: every member shares both.
            auto d = std::make_shared<const delivery>(
              delivery{make_frame(message_frame(stored)), stored.id, stored.room, stored.seq, {}});
            self->state.queue(self, std::move(d));
            rp.deliver(std::move(stored));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self](history_atom, const std::string& user_id, std::int64_t page) {
      auto& st = self->state;
      auto rp = self->make_response_promise<history_page>();
      if (st.info.is_private && st.members.count(user_id) == 0)
        rp.deliver(make_error(chat_errc::forbidden, "private room: members only"));
      else
        rp.delegate(st.storage, history_atom::value, st.info.name, page,
                    st.settings.history_page_size);
      return rp;
    },
    [self](who_atom) { return self->state.views(); },
    [self](attach_atom, const std::string& user_id, const caf::actor& user) {
      self->state.flush(self); // what came before the attach, its replay brings
      auto it = self->state.members.find(user_id);
      if (it != self->state.members.end() && it->second.user != user) {
        it->second.user = user;
        self->monitor(user);
      }
      return true; // from now on the user gets this room's messages live
    },
    [self](flush_atom) { self->state.flush(self); },
    [self](close_atom) {
      self->state.flush(self);
      self->quit();
    },
  };
}

} // namespace

caf::actor spawn_room(caf::actor_system& sys, room_record rec, caf::actor storage,
                      actor_settings settings) {
  return sys.spawn(room, std::move(rec), std::move(storage), settings);
}

} // namespace chat
