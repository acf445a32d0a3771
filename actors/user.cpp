#include "actors/user.hpp"

#include <cstdint>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/user/ack_ledger.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "protocol/atoms.hpp"
#include "protocol/frames.hpp"
#include "protocol/session.hpp"

namespace chat {

namespace {

using held_frame = std::variant<frame_ptr, delivery_ptr>;

// One connection of the user. Until its replay went out, live traffic for it
// is held back, so the connection sees the replay first and then live
// frames, in order and without what the replay already covered.
//
// Frames go to the connection's socket (`sink`) directly, not through its
// connection actor: on the fan-out path that is one CAF message less per
// delivered frame. The connection actor's own replies take the other way
// to the socket, so the two may interleave; what must not be overtaken
// (`joined` by the room's messages) comes through here too.
struct link {
  caf::actor conn; // monitored: its end removes the link
  session_ptr session;
  bool replaying = true;
  std::vector<held_frame> held;
  // What the replay carried. Storage reads see writes whose batch has not
  // committed yet, so a replayed message's live copy may still be on its
  // way (it leaves the room after the commit): it must not go out twice.
  std::unordered_map<std::string, std::int64_t> replayed_up_to; // room -> seq
  std::unordered_set<std::string> replayed_directs;

  bool covered(const delivery& d) const {
    if (d.id.empty())
      return false; // presence: never replayed
    if (d.room.empty())
      return replayed_directs.count(d.id) > 0;
    auto it = replayed_up_to.find(d.room);
    return it != replayed_up_to.end() && d.seq <= it->second;
  }
};

struct user_state {
  identity who;
  std::vector<link> links;
  ack_ledger ledger;
  std::size_t rooms_pending = 0;                     // rooms not yet told we are online
  std::vector<caf::response_promise> online_waiters; // (start_atom) askers
  std::uint64_t attaches = 0;
  bool tick_armed = false; // one pending idle check at most, however often it reconnects
  caf::actor directory;
  caf::actor storage;
  actor_settings settings;
  metrics::live_count alive{metrics::get().users};
  std::int64_t unacked_reported = 0; // this user's share of the unacked gauge
  std::set<std::string> dirty_rooms; // cursors moved since the last write
  bool cursor_flush_armed = false;
  static inline const char* name = "user";

  user_state() = default;
  user_state(const user_state&) = delete;
  user_state& operator=(const user_state&) = delete;
  ~user_state() { metrics::get().unacked.add(-unacked_reported); }

  // Brings the unacked gauge up to date after the in-flight set changed.
  void report_unacked() {
    auto now = static_cast<std::int64_t>(ledger.in_flight());
    if (now != unacked_reported) {
      metrics::get().unacked.add(now - unacked_reported);
      unacked_reported = now;
    }
  }

  link* find(const caf::actor_addr& addr) {
    for (auto& l : links)
      if (l.conn.address() == addr)
        return &l;
    return nullptr;
  }
};

using user_actor = caf::stateful_actor<user_state>;

// Writes the cursors that moved since the last time, as they are now.
void write_cursors(user_actor* self) {
  auto& st = self->state;
  for (const auto& room : st.dirty_rooms)
    if (auto c = st.ledger.cursor_of(room)) // else left meanwhile: no row to update
      self->send(st.storage, cursor_atom::value, st.who.user_id, c->room, c->acked_seq,
                 c->acked_above);
  st.dirty_rooms.clear();
}

// Directs' acks go to storage at once (each is a row to delete); moved
// cursors are written once per `cursor_flush` (see actor_settings), and
// before the actor retires or stops.
void persist(user_actor* self, const ack_ledger::ack_result& changes) {
  auto& st = self->state;
  st.report_unacked();
  for (const auto& c : changes.cursors)
    st.dirty_rooms.insert(c.room);
  if (st.settings.cursor_flush.count() == 0)
    write_cursors(self);
  else if (!st.dirty_rooms.empty() && !st.cursor_flush_armed) {
    st.cursor_flush_armed = true;
    self->delayed_send(self, st.settings.cursor_flush, flush_atom::value);
  }
  if (!changes.directs.empty())
    self->send(st.storage, ack_atom::value, st.who.user_id, changes.directs);
}

// No connection left: retire once nothing awaits its ack any more.
void check_idle(user_actor* self) {
  auto& st = self->state;
  if (!st.links.empty())
    return;
  write_cursors(self); // the last connection went: its acks reach storage now
  auto now = steady_ms();
  auto all_expired = st.ledger.expire(now);
  st.report_unacked();
  if (all_expired) {
    self->send(st.directory, idle_atom::value, st.who.user_id, st.attaches);
    return;
  }
  if (st.tick_armed)
    return;
  st.tick_armed = true;
  auto wait = std::max<std::int64_t>(st.ledger.latest_deadline() - now, 1);
  self->delayed_send(self, std::chrono::milliseconds{wait}, tick_atom::value);
}

// Sends `conn` what the user has not acked, then the live frames held back.
void finish_replay(user_actor* self, const caf::actor_addr& addr, replay_batch& batch) {
  auto& st = self->state;
  auto* l = st.find(addr);
  if (l == nullptr)
    return; // the connection went away meanwhile
  auto deadline = steady_ms() + st.settings.ack_timeout.count();
  frame_batch replay; // sent as one unit: it may exceed the write queue limit
  std::size_t count = 0;
  for (const auto& d : batch.directs) {
    replay.push_back(make_frame(direct_frame(d, true)));
    st.ledger.track(d.id, {}, 0, deadline);
    l->replayed_directs.insert(d.id);
    ++count;
  }
  for (const auto& backlog : batch.rooms) {
    if (!st.ledger.member_of(backlog.room))
      continue; // left meanwhile
    if (backlog.truncated) {
      replay.push_back(make_frame(truncated_frame(backlog.room, backlog.from_seq)));
      persist(self, {{st.ledger.skip_before(backlog.room, backlog.from_seq)}, {}});
    }
    for (const auto& m : backlog.messages) {
      replay.push_back(make_frame(message_frame(m, true)));
      st.ledger.track(m.id, m.room, m.seq, deadline);
      l->replayed_up_to[m.room] = m.seq;
      ++count;
    }
  }
  replay.push_back(make_frame(replayed_frame(count)));
  metrics::get().replayed.add(count);
  st.report_unacked();
  l->session->send_batch(std::move(replay), false);
  frame_batch held;
  held.reserve(l->held.size());
  for (auto& h : l->held) {
    if (auto* f = std::get_if<frame_ptr>(&h)) {
      held.push_back(std::move(*f));
      continue;
    }
    const auto& d = std::get<delivery_ptr>(h);
    if (!l->covered(*d)) // else the replay carried it already
      held.push_back(d->frame);
  }
  l->held.clear();
  if (!held.empty())
    l->session->send_batch(std::move(held), true);
  l->replaying = false;
}

// Live deliveries: tracked in the mailbox, then one message per connection
// (a frame, or the burst's frames as one batch), held back while that
// connection's replay is still out.
void deliver(user_actor* self, const std::vector<delivery_ptr>& ds) {
  auto& st = self->state;
  if (st.links.empty())
    return; // the mailbox keeps them: the cursor (or the direct's row) says so
  auto deadline = steady_ms() + st.settings.ack_timeout.count();
  std::vector<const delivery_ptr*> owed;
  owed.reserve(ds.size());
  for (const auto& d : ds) {
    if (!d->skip_user.empty() && d->skip_user == st.who.user_id)
      continue;          // its own join
    if (d->id.empty()) { // presence: needs no ack
      if (st.ledger.member_of(d->room))
        owed.push_back(&d);
      continue;
    }
    if (!st.ledger.track(d->id, d->room, d->seq, deadline))
      continue; // not (or no longer) a member, joined later, or acked
    owed.push_back(&d);
  }
  st.report_unacked();
  std::uint64_t sent = 0;
  for (auto& l : st.links) {
    if (l.replaying) {
      for (const auto* d : owed)
        l.held.emplace_back(*d);
      continue;
    }
    if (owed.size() == 1) { // light traffic: no vector per delivery
      const auto& d = **owed.front();
      if (!l.covered(d)) {
        l.session->send(d.frame);
        sent += d.id.empty() ? 0 : 1;
      }
      continue;
    }
    frame_batch out;
    out.reserve(owed.size());
    for (const auto* d : owed)
      if (!l.covered(**d)) { // else the replay carried it already
        out.push_back((*d)->frame);
        sent += (*d)->id.empty() ? 0 : 1; // presence is not a delivery
      }
    if (!out.empty())
      l.session->send_batch(std::move(out), true);
  }
  if (sent > 0)
    metrics::get().deliveries.add(sent);
}

void start_replay(user_actor* self, const caf::actor& conn) {
  auto& st = self->state;
  self
    ->request(st.storage, st.settings.request_timeout, replay_atom::value, st.who.user_id,
              st.ledger.cursors(), st.settings.backlog_max)
    .then([self, addr = conn.address()](replay_batch& batch) { finish_replay(self, addr, batch); },
          [self, addr = conn.address()](const caf::error&) {
            // Storage trouble: go live; the next connect replays again.
            replay_batch none;
            finish_replay(self, addr, none);
          });
}

// All rooms know we are online: replays may start (none can miss a message
// now: what is not in the replay will arrive live).
void rooms_ready(user_actor* self) {
  for (auto& rp : self->state.online_waiters)
    rp.deliver(true);
  self->state.online_waiters.clear();
  for (auto& l : self->state.links)
    if (l.replaying)
      start_replay(self, l.conn);
}

void room_done(user_actor* self) {
  if (--self->state.rooms_pending == 0)
    rooms_ready(self);
}

// Tells the rooms the user belongs to that it is online (those not running
// learn it when they load).
void go_online(user_actor* self, const cursor_list& cursors) {
  auto& st = self->state;
  st.ledger.load(cursors);
  st.rooms_pending = cursors.size() + 1; // +1: this function's own share
  // Through the directory, which tells only the rooms that are running.
  for (const auto& c : cursors)
    self
      ->request(st.directory, st.settings.request_timeout, attach_atom::value, c.room,
                st.who.user_id, caf::actor{self})
      .then([self](bool) { room_done(self); }, [self](const caf::error&) { room_done(self); });
  room_done(self);
}

caf::behavior user(user_actor* self, identity who, caf::actor directory, caf::actor storage,
                   actor_settings settings) {
  auto& st = self->state;
  st.who = std::move(who);
  st.directory = std::move(directory);
  st.storage = std::move(storage);
  st.settings = settings;
  st.rooms_pending = 1; // until the cursors are loaded
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& links = self->state.links;
    for (auto it = links.begin(); it != links.end(); ++it)
      if (it->conn.address() == dm.source) {
        links.erase(it);
        break;
      }
    check_idle(self);
  });
  self
    ->request(st.storage, settings.request_timeout, user_atom::value, rooms_atom::value,
              st.who.user_id)
    .await([self](const cursor_list& cursors) { go_online(self, cursors); },
           [self](const caf::error&) { go_online(self, {}); });
  return {
    [self](attach_atom, const caf::actor& conn, const session_ptr& session) {
      auto& st = self->state;
      ++st.attaches;
      st.links.emplace_back();
      st.links.back().conn = conn;
      st.links.back().session = session;
      self->monitor(conn);
      if (st.rooms_pending == 0)
        start_replay(self, conn);
    },
    [self](deliver_atom, const delivery_ptr& d) { deliver(self, {d}); },
    [self](deliver_atom, const delivery_batch& ds) { deliver(self, *ds); },
    [self](deliver_atom, const frame_ptr& frame) {
      for (auto& l : self->state.links) {
        if (l.replaying)
          l.held.emplace_back(frame);
        else
          l.session->send(frame);
      }
    },
    // A frame for one connection that must not be overtaken by what the
    // sender (a room) delivers after it: `joined`.
    [self](deliver_atom, const caf::actor_addr& conn, const frame_ptr& frame) {
      auto* l = self->state.find(conn);
      if (l == nullptr)
        return; // that connection is gone
      if (l->replaying)
        l->held.emplace_back(frame);
      else
        l->session->send(frame);
    },
    [self](member_atom, const std::string& room, std::int64_t last_seq) {
      self->state.ledger.joined(room, last_seq);
    },
    [self](leave_atom, const std::string& room) {
      self->state.ledger.left(room);
      self->state.report_unacked();
    },
    [self](ack_atom, const id_list& ids) {
      metrics::get().acks.add(ids.size());
      persist(self, self->state.ledger.ack(ids));
    },
    [self](start_atom) {
      // Answered once every room knows the user is online, so a connection
      // that waits for it sees itself online in `who` from its first frame.
      auto& st = self->state;
      auto rp = self->make_response_promise();
      if (st.rooms_pending == 0)
        rp.deliver(true);
      else
        st.online_waiters.push_back(rp);
      return rp;
    },
    [self](flush_atom) {
      self->state.cursor_flush_armed = false;
      write_cursors(self);
    },
    [self](tick_atom) {
      self->state.tick_armed = false;
      check_idle(self);
    },
    [self](close_atom) {
      write_cursors(self);
      for (const auto& l : self->state.links)
        self->send(l.conn, close_atom::value);
      self->quit();
    },
  };
}

} // namespace

caf::actor spawn_user(caf::actor_system& sys, identity who, caf::actor directory,
                      caf::actor storage, actor_settings settings) {
  return sys.spawn(user, std::move(who), std::move(directory), std::move(storage), settings);
}

} // namespace chat
