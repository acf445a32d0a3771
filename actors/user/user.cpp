// The user actor's handlers and start-up (actors/user.hpp; its state and the
// phases it goes through: actors/user/user_state.hpp).
#include "actors/user.hpp"

#include <caf/typed_event_based_actor.hpp>

#include "actors/request_timeouts.hpp"
#include "actors/user/user_state.hpp"
#include "common/metrics.hpp"

namespace chat {

using namespace user_detail;

namespace {

// Every running room knows the user is online: replays may start (none can
// miss a message now: what is not in the replay will arrive live).
void now_online(user_pointer self) {
  // Swapped out, not cleared: a user online for hours keeps no capacity.
  std::vector<caf::response_promise> waiters;
  waiters.swap(self->state.online_waiters);
  for (auto& rp : waiters)
    rp.deliver(true);
  for (auto& c : self->state.connections)
    if (c.replaying)
      start_replay(self, c.actor);
}

void room_told(user_pointer self) {
  if (--self->state.rooms_pending == 0)
    now_online(self);
}

// Tells the rooms the user belongs to that it is online, through the
// directory, which tells only the rooms that are running (the others learn
// it when they load).
void go_online(user_pointer self, const cursor_list& cursors) {
  auto& st = self->state;
  st.ledger.load(cursors);
  st.rooms_pending = cursors.size() + 1; // +1: this function's own share
  for (const auto& c : cursors)
    then_dropping(
      self,
      self->request(st.directory, st.settings->request_timeout, online_atom::value, c.room,
                    st.who.user_id, user_actor{self}),
      [self](bool) { room_told(self); }, [self](const caf::error&) { room_told(self); });
  room_told(self);
}

user_impl::behavior_type user(user_pointer self, identity who, directory_actor directory,
                              storage_actor storage, shared_settings settings,
                              persist_beat_actor beat) {
  auto& st = self->state;
  st.who = std::move(who);
  st.directory = std::move(directory);
  st.storage = std::move(storage);
  st.settings = std::move(settings);
  st.beat = std::move(beat);
  st.rooms_pending = 1; // until the cursors are loaded
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& connections = self->state.connections;
    for (auto it = connections.begin(); it != connections.end(); ++it)
      if (it->actor.address() == dm.source) {
        connections.erase(it);
        if (connections.empty())
          report_presence(self, false);
        break;
      }
    check_idle(self);
  });
  await_dropping(
    self,
    self->request(st.storage, st.settings->request_timeout, load_atom::value, cursor_atom::value,
                  st.who.user_id),
    [self](const cursor_list& cursors) { go_online(self, cursors); },
    [self](const caf::error&) { go_online(self, {}); });
  return {
    [self](connect_atom, const connection_actor& connection, const session_ptr& session) {
      auto& st = self->state;
      ++st.connects;
      st.connections.emplace_back();
      st.connections.back().actor = connection;
      st.connections.back().session = session;
      self->monitor(connection);
      if (st.connections.size() == 1)
        report_presence(self, true);
      if (st.online())
        start_replay(self, connection);
    },
    [self](deliver_atom, const delivery_batch& ds) { deliver(self, *ds); },
    [self](relay_atom, const caf::actor_addr& connection, frame_ptr& frame) {
      if (auto* c = self->state.find(connection))
        c->send_or_hold(std::move(frame));
      // else that connection is gone
    },
    [self](joined_atom, const std::string& room, std::int64_t last_seq) {
      self->state.ledger.joined(room, last_seq);
    },
    [self](left_atom, const std::string& room) {
      self->state.ledger.left(room);
      self->state.report_unacked();
    },
    [self](ack_atom, const id_list& ids) {
      metrics::get().acks.add(ids.size());
      persist(self, self->state.ledger.ack(ids));
    },
    [self](ack_atom, commit_atom, const id_list& ids) {
      metrics::get().acks.add(ids.size());
      return persist_now(self, self->state.ledger.ack(ids));
    },
    [self](ack_atom, const cursor_list& cursors, const id_list& ids) {
      auto& st = self->state;
      for (const auto& c : cursors)
        st.ledger.absorb(c);
      st.ledger.ack(ids); // storage deleted these directs already
      st.report_unacked();
    },
    // Answered once every running room knows the user is online, so a
    // connection that waits for it sees itself online in `who` from its
    // first frame.
    [self](start_atom) {
      auto& st = self->state;
      auto rp = self->make_response_promise<bool>();
      if (st.online())
        rp.deliver(true);
      else
        st.online_waiters.push_back(rp);
      return rp;
    },
    [self](close_atom) {
      write_cursors(self);
      if (!self->state.connections.empty())
        report_presence(self, false);
      for (const auto& c : self->state.connections)
        self->send(c.actor, close_atom::value);
      self->quit();
    },
    [self](persist_atom) { on_persist_tick(self); },
    [self](deadline_atom) {
      self->state.deadline_armed = false;
      check_idle(self);
    },
  };
}

} // namespace

user_actor spawn_user(caf::actor_system& sys, identity who, directory_actor directory,
                      storage_actor storage, shared_settings settings, persist_beat_actor beat) {
  return sys.spawn(user, std::move(who), std::move(directory), std::move(storage),
                   std::move(settings), std::move(beat));
}

} // namespace chat
