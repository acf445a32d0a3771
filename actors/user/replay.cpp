// What a new connection of the user is owed (actors/user/user_state.hpp):
// once the user is online, storage is asked for everything unacked
// (directs, then each room's backlog after its cursor); the connection gets
// that as one batch, then the live frames held back meanwhile, minus what
// the replay already carried. In cluster mode the cursors are read again
// first: the user may have acked on another node.
#include "actors/request_timeouts.hpp"
#include "actors/user/user_state.hpp"

#include "common/clock.hpp"
#include "protocol/frames.hpp"
#include "protocol/session.hpp"

namespace chat::user_detail {

namespace {

// Sends `c` what the user has not acked, then the live frames held back.
void finish_replay(user_pointer self, user_connection& c, replay_batch& batch) {
  auto& st = self->state;
  auto deadline = steady_ms() + st.settings->ack_timeout.count();
  frame_batch replay; // sent as one unit: it may exceed the write queue limit
  std::size_t count = 0;
  for (const auto& d : batch.directs) {
    replay.push_back(make_frame(direct_frame(d, true)));
    st.ledger.track(d.id, {}, 0, deadline);
    c.remember().replayed_directs.insert(d.id);
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
      c.remember().replayed_up_to[m.room] = m.seq;
      ++count;
    }
  }
  replay.push_back(make_frame(replayed_frame(count)));
  metrics::get().replayed.add(count);
  st.report_unacked();
  c.session->send_batch(std::move(replay), false);
  c.replaying = false;
  if (!c.memo)
    return; // nothing held, nothing carried
  frame_batch held;
  held.reserve(c.memo->held.size());
  for (auto& h : c.memo->held) {
    if (auto* f = std::get_if<frame_ptr>(&h)) {
      held.push_back(std::move(*f));
      continue;
    }
    const auto& d = std::get<delivery_ptr>(h);
    if (!c.covered(*d)) // else the replay carried it already
      held.push_back(d->frame);
  }
  if (c.memo->carried_nothing())
    c.memo.reset();
  else
    std::vector<held_frame>().swap(c.memo->held);
  if (!held.empty())
    c.session->send_batch(std::move(held), true);
}

void finish_replay(user_pointer self, const caf::actor_addr& addr, replay_batch& batch) {
  if (auto* c = self->state.find(addr))
    finish_replay(self, *c, batch);
  // else the connection went away meanwhile
}

void request_replay(user_pointer self, const caf::actor_addr& addr) {
  auto& st = self->state;
  then_dropping(
    self,
    self->request(st.storage, st.settings->request_timeout, replay_atom::value, st.who.user_id,
                  st.ledger.cursors(), st.settings->backlog_max),
    [self, addr](replay_batch& batch) { finish_replay(self, addr, batch); },
    [self, addr](const caf::error&) {
      // Storage trouble: go live; the next connect replays again.
      replay_batch none;
      finish_replay(self, addr, none);
    });
}

} // namespace

void start_replay(user_pointer self, const connection_actor& connection) {
  auto& st = self->state;
  auto addr = connection.address();
  if (!st.settings->cluster) {
    request_replay(self, addr);
    return;
  }
  // The user's actor on another node may have moved a cursor since this one
  // loaded it: `acked` there waited for that commit, so this read sees it.
  then_dropping(
    self,
    self->request(st.storage, st.settings->request_timeout, load_atom::value, cursor_atom::value,
                  st.who.user_id),
    [self, addr](const cursor_list& stored) {
      for (const auto& c : stored)
        self->state.ledger.absorb(c);
      request_replay(self, addr);
    },
    [self, addr](const caf::error&) { request_replay(self, addr); });
}

} // namespace chat::user_detail
