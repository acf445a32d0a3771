// The room actor (actors/room.hpp). A stored message waits in the room's
// pending batch until a fanout message the room sends itself comes up; by
// then every reply already in its mailbox (a storage batch commits many at
// once) has joined, and each online member's user actor gets the batch as
// one message. Presence goes through the same batch, so it keeps its place
// among the messages; a membership change fans out what is pending first,
// so each batch reaches the members it was meant for.
//
// Messages leave in seq order, each once: `delivered_seq` is the last one
// fanned out. In cluster mode other nodes commit to the room too; the bus
// reports their messages (actors/room.hpp), and a message that arrives
// ahead of one not seen yet (a stored reply or a bus event after a gap)
// waits in `early` while the room reads the gap from storage. On one node
// replies come in seq order and take the direct path.
#include "actors/room.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <vector>

#include <caf/typed_event_based_actor.hpp>

#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "protocol/chat_error.hpp"
#include "protocol/frames.hpp"

namespace chat {

namespace {

using room_impl = room_actor::extend<caf::reacts_to<fanout_atom>>;

struct member {
  std::string name;
  user_actor user; // the member's user actor while it is online, else null
};

struct room_state;
using room_pointer = room_impl::stateful_pointer<room_state>;

struct room_state {
  room_record info; // `members` is moved into `members` below
  std::unordered_map<std::string, member> members;
  // Whose user actor each monitored actor is, so a user actor's going is one
  // lookup: a scan of the members per down message made a room whose
  // members all went at once (a restart, a network cut) quadratic in its
  // size. Entries go with their down message.
  std::unordered_map<caf::actor_id, std::string> monitored;
  // The online members' user actors, side by side, for the fan-out: a big
  // room is mostly offline members, and walking every member per batch made
  // a message cost what the member list holds, not who is online (10,000
  // offline members took 2.8-3x the time per message, 100,000 took 85x;
  // bench/room_fanout.cpp). Rebuilt at the next fan-out after someone came
  // or went, so a batch never costs more than the walk it replaces.
  std::vector<user_actor> online;
  bool online_stale = true;
  storage_actor storage;
  actor_settings settings;
  // Stored messages and presence not yet fanned out.
  std::vector<delivery_ptr> pending;
  // The last seq queued for fan-out; messages above it that came early (a
  // gap before them), by seq; the highest seq known to be stored; whether a
  // read of the gap is on its way.
  std::int64_t delivered_seq = 0;
  std::map<std::int64_t, chat_message> early;
  std::int64_t known_seq = 0;
  bool repairing = false;
  metrics::live_count alive{metrics::get().rooms};
  static inline const char* name = "room";

  member_list views() const {
    member_list out;
    out.reserve(members.size());
    for (const auto& [id, m] : members)
      out.push_back({id, m.name, static_cast<bool>(m.user)});
    return out;
  }

  // No timer: the fanout message queues behind what is already in the
  // mailbox, so light traffic leaves at once and a burst leaves as one
  // message per member instead of one per member per message.
  void queue(room_pointer self, delivery_ptr d) {
    pending.push_back(std::move(d));
    if (pending.size() == 1)
      self->send(self, fanout_atom::value);
  }

  // Sends the pending batch, one immutable vector, to every online member.
  void fan_out(room_pointer self) {
    if (pending.empty())
      return;
    auto batch = std::make_shared<const std::vector<delivery_ptr>>(std::move(pending));
    pending.clear();
    if (online_stale) {
      online.clear();
      for (const auto& [id, m] : members)
        if (m.user)
          online.push_back(m.user);
      online_stale = false;
    }
    for (const auto& user : online)
      self->send(user, deliver_atom::value, batch);
  }

  // Removes a member (a leave, here or on another node).
  void forget(std::unordered_map<std::string, member>::iterator it) {
    if (it->second.user)
      online_stale = true;
    members.erase(it);
  }

  void presence(room_pointer self, const char* event, const identity& who, std::string skip_user) {
    queue(self, std::make_shared<const delivery>(
                  delivery{make_frame(presence_frame(info.name, event, who)),
                           {},
                           info.name,
                           0,
                           std::move(skip_user)}));
  }

  // One frame, one delivery record: every member shares both.
  void emit(room_pointer self, const chat_message& msg) {
    delivered_seq = msg.seq;
    info.last_seq = std::max(info.last_seq, msg.seq);
    queue(self, std::make_shared<const delivery>(
                  delivery{make_frame(message_frame(msg)), msg.id, msg.room, msg.seq, {}}));
  }

  // A stored message of this room, from this node's post or from the bus.
  void stored(room_pointer self, const chat_message& msg) {
    if (msg.seq <= delivered_seq)
      return; // delivered already (the bus echoes this node's own commits)
    if (msg.seq == delivered_seq + 1 && early.empty()) {
      emit(self, msg);
      return;
    }
    known_seq = std::max(known_seq, msg.seq);
    early.emplace(msg.seq, msg);
    drain(self);
  }

  // Emits what now follows delivered_seq; reads the rest of a gap.
  void drain(room_pointer self) {
    for (auto it = early.begin(); it != early.end() && it->first <= delivered_seq + 1;
         it = early.erase(it))
      if (it->first == delivered_seq + 1)
        emit(self, it->second);
    if (delivered_seq < known_seq)
      repair(self);
  }

  // Reads the messages after delivered_seq from storage: a seq known to be
  // committed means every seq below it is too (storage numbers them in
  // commit order), so the read fills the gap.
  void repair(room_pointer self) {
    if (repairing)
      return;
    repairing = true;
    self
      ->request(storage, settings.request_timeout, since_atom::value, info.name, delivered_seq,
                settings.backlog_max)
      .then(
        [self](message_list& found) {
          auto& st = self->state;
          st.repairing = false;
          for (auto& msg : found)
            if (msg.seq > st.delivered_seq && st.early.count(msg.seq) == 0) {
              metrics::get().gaps_repaired.add();
              st.known_seq = std::max(st.known_seq, msg.seq);
              st.early.emplace(msg.seq, std::move(msg));
            }
          if (!found.empty())
            st.drain(self);
        },
        // The next bus event or check tries again.
        [self](caf::error&) { self->state.repairing = false; });
  }

  void mark_online(room_pointer self, const std::string& user_id, member& m,
                   const user_actor& user) {
    if (user && m.user != user) {
      m.user = user;
      online_stale = true;
      monitored.insert_or_assign(user.id(), user_id);
      self->monitor(user);
    }
  }

  // The member whose user actor `source` was goes offline, unless a newer
  // user actor of the same user has come online since.
  void gone(const caf::actor_addr& source) {
    auto found = monitored.find(source.id());
    if (found == monitored.end())
      return;
    if (auto it = members.find(found->second);
        it != members.end() && it->second.user && it->second.user.address() == source) {
      it->second.user = nullptr;
      online_stale = true;
    }
    monitored.erase(found);
  }
};

// Adds `who` (a new member is owed what comes after the current seq) or
// finds it, and marks `user` as its online user actor.
caf::expected<member_list> join(room_pointer self, const identity& who, const user_actor& user,
                                const std::string& key) {
  auto& st = self->state;
  auto it = st.members.find(who.user_id);
  if (it == st.members.end()) {
    if (!st.info.key.empty() && key != st.info.key)
      return make_error(chat_errc::forbidden, "wrong or missing room key");
    if (st.members.size() >= st.info.max_members)
      return make_error(chat_errc::room_full, "the room is full");
    // A batch already pending reaches the new member too: its user actor
    // drops the messages (their seq is not owed to it). A message still
    // being stored is numbered after last_seq, so it is owed.
    it = st.members.emplace(who.user_id, member{who.name, {}}).first;
    self->send(st.storage, member_atom::value, st.info.name, who.user_id, true);
    if (user)
      self->send(user, joined_atom::value, st.info.name, st.info.last_seq);
    st.presence(self, "join", who, who.user_id); // the joiner has `joined`
  }
  st.mark_online(self, it->first, it->second, user);
  return st.views();
}

// Stores the message (storage numbers it, so one that fails to store leaves
// no gap in the room's seqs), then queues it for the members and answers.
// The sender's identity and the body are the request's own copies: moved
// into the message, not copied again.
caf::typed_response_promise<chat_message> post(room_pointer self, identity& who,
                                               std::string& body) {
  auto& st = self->state;
  auto rp = self->make_response_promise<chat_message>();
  if (st.members.count(who.user_id) == 0)
    return rp.deliver(make_error(chat_errc::not_member, "join the room before sending"));
  chat_message msg{
    {}, 0, st.info.name, std::move(who.user_id), std::move(who.name), std::move(body), unix_ms()};
  // Storage answers in the order it was asked, so messages go out in seq
  // order, and only once stored. No timeout, here or on the connection's
  // post: storage always answers (a failed commit with an error, a stopped
  // actor's requests bounce), and a timeout costs an entry in CAF's clock
  // per message on the busiest path there is.
  self->request(st.storage, caf::infinite, append_atom::value, std::move(msg))
    .then(
      [self, rp](chat_message& stored) mutable {
        self->state.stored(self, stored);
        rp.deliver(std::move(stored));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

room_impl::behavior_type room(room_pointer self, room_record rec, storage_actor storage,
                              actor_settings settings) {
  auto& st = self->state;
  for (auto& m : rec.members)
    st.members.emplace(std::move(m.user_id), member{std::move(m.name), {}});
  rec.members.clear();
  st.info = std::move(rec);
  st.delivered_seq = st.info.last_seq;
  st.known_seq = st.info.last_seq;
  st.storage = std::move(storage);
  st.settings = settings;
  // A member's user actor stops when it retires.
  self->set_down_handler([self](const caf::down_msg& dm) { self->state.gone(dm.source); });
  return {
    [self](join_atom, const identity& who, const user_actor& user, const std::string& key,
           const std::string& ref) -> caf::result<member_list> {
      auto members = join(self, who, user, key);
      if (!members)
        return std::move(members.error());
      // `joined` goes through the user actor, in line with this room's
      // deliveries, so no message of the room reaches the client before it.
      if (user)
        self->send(user, relay_atom::value,
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
      st.fan_out(self); // the leaver still gets what was stored before it left
      if (it->second.user)
        self->send(it->second.user, left_atom::value, st.info.name);
      st.forget(it);
      self->send(st.storage, member_atom::value, st.info.name, user_id, false);
      st.presence(self, "leave", who, {});
      return true;
    },
    [self](post_atom, identity& who, std::string& body) { return post(self, who, body); },
    [self](history_atom, const std::string& user_id,
           std::int64_t page) -> caf::typed_response_promise<history_page> {
      auto& st = self->state;
      auto rp = self->make_response_promise<history_page>();
      if (st.info.is_private && st.members.count(user_id) == 0)
        return rp.deliver(make_error(chat_errc::forbidden, "private room: members only"));
      return rp.delegate(st.storage, history_atom::value, st.info.name, page,
                         st.settings.history_page_size);
    },
    [self](who_atom) { return self->state.views(); },
    [self](online_atom, const std::string& user_id, const user_actor& user) {
      auto& st = self->state;
      st.fan_out(self); // what came before, the user's replay brings
      if (auto it = st.members.find(user_id); it != st.members.end())
        st.mark_online(self, it->first, it->second, user);
      return true; // from now on the user gets this room's messages live
    },
    [self](close_atom) {
      self->state.fan_out(self);
      self->quit();
    },
    [self](fanout_atom) { self->state.fan_out(self); },
    // Another node's join or leave: the member list follows it, the
    // member's user actor here (if any) too, and the members here get the
    // presence event.
    [self](member_atom, const identity& who, const user_actor& user, bool joined) {
      auto& st = self->state;
      auto it = st.members.find(who.user_id);
      if (joined && it == st.members.end()) {
        st.fan_out(self); // what is pending was sent before the join
        it = st.members.emplace(who.user_id, member{who.name, {}}).first;
        if (user)
          self->send(user, joined_atom::value, st.info.name, st.info.last_seq);
        st.mark_online(self, it->first, it->second, user);
        st.presence(self, "join", who, who.user_id);
      } else if (!joined && it != st.members.end()) {
        st.fan_out(self);
        if (it->second.user)
          self->send(it->second.user, left_atom::value, st.info.name);
        st.forget(it);
        st.presence(self, "leave", who, {});
      }
    },
    [self](stored_atom, const room_event_ptr& event) {
      auto& st = self->state;
      st.known_seq = std::max(st.known_seq, event->last_seq);
      for (const auto& msg : event->messages)
        if (msg.seq > st.delivered_seq)
          st.early.emplace(msg.seq, msg);
      st.drain(self);
    },
  };
}

} // namespace

room_actor spawn_room(caf::actor_system& sys, room_record rec, storage_actor storage,
                      actor_settings settings) {
  return sys.spawn(room, std::move(rec), std::move(storage), settings);
}

} // namespace chat
