// What the user actor writes back and when it retires (actors/user/
// user_state.hpp). Acks of directs go to storage at once (each deletes a
// row); moved cursors are written once per `cursor_flush` (actor_settings),
// when the last connection goes and before the actor stops. In cluster
// mode an ack frame's cursors and directs are written at once, in one
// write whose commit its `acked` waits for (persist_now), and the user's
// presence on this node is reported to storage. With no connection left
// it waits for the in-flight deadlines, then reports itself idle to the
// directory.
#include "actors/user/user_state.hpp"

#include <algorithm>
#include <chrono>

#include "common/clock.hpp"

namespace chat::user_detail {

void write_cursors(user_pointer self) {
  auto& st = self->state;
  for (const auto& room : st.dirty_rooms)
    if (auto c = st.ledger.cursor_of(room)) // else left meanwhile: no row to update
      self->send(st.storage, cursor_atom::value, st.who.user_id, c->room, c->acked_seq,
                 c->acked_above);
  st.dirty_rooms.clear();
}

namespace {

// The unacked gauge and the dirty rooms after an ack.
void note_changes(user_state& st, const ack_ledger::ack_result& changes) {
  st.report_unacked();
  for (const auto& c : changes.cursors)
    st.dirty_rooms.insert(c.room);
}

// Moved cursors wait for the persist beat's tick, and so does the memory of
// an emptied in-flight table (kept for the next deliveries meanwhile).
// Every user is ticked on the same beat, the next multiple of cursor_flush on the steady clock, not
// cursor_flush after its own first ack: with a thousand users acking, their
// cursor writes reach the storage actor together, in one batch
// (bench/profile.md, issue 18's sixth pass). The beat is one actor for the
// server, not a timer per user: each timer set wakes CAF's clock thread
// (twelfth pass). A cursor still waits at most cursor_flush.
void arm_persist(user_pointer self) {
  auto& st = self->state;
  if (st.persist_armed || (st.dirty_rooms.empty() && !st.ledger.holds_spare()))
    return;
  st.persist_armed = true;
  self->send(st.beat, persist_atom::value, persist_target{self});
}

} // namespace

void on_persist_tick(user_pointer self) {
  self->state.persist_armed = false;
  write_cursors(self);
  self->state.ledger.release_spare();
}

void persist(user_pointer self, const ack_ledger::ack_result& changes) {
  auto& st = self->state;
  note_changes(st, changes);
  arm_persist(self);
  if (!changes.directs.empty())
    self->send(st.storage, ack_atom::value, st.who.user_id, changes.directs);
}

caf::typed_response_promise<bool> persist_now(user_pointer self,
                                              const ack_ledger::ack_result& changes) {
  auto& st = self->state;
  auto rp = self->make_response_promise<bool>();
  // The cursors this ack moved and those moved since the last write.
  note_changes(st, changes);
  cursor_list cursors;
  for (const auto& room : st.dirty_rooms)
    if (auto c = st.ledger.cursor_of(room))
      cursors.push_back(std::move(*c));
  st.dirty_rooms.clear();
  arm_persist(self); // for the spare memory: the cursors are written here
  if (cursors.empty() && changes.directs.empty())
    return rp.deliver(true); // nothing moved: acked already, or not in flight
  return rp.delegate(st.storage, ack_atom::value, st.who.user_id, std::move(cursors),
                     changes.directs);
}

void report_presence(user_pointer self, bool online) {
  auto& st = self->state;
  if (st.settings->cluster)
    self->send(st.storage, online_atom::value, st.who.user_id, online);
}

void check_idle(user_pointer self) {
  auto& st = self->state;
  if (!st.connections.empty())
    return;
  write_cursors(self); // the last connection went: its acks reach storage now
  auto now = steady_ms();
  auto all_expired = st.ledger.expire(now);
  st.ledger.release_spare();
  st.report_unacked();
  if (all_expired) {
    self->send(st.directory, idle_atom::value, st.who.user_id, st.connects);
    return;
  }
  if (st.deadline_armed)
    return;
  st.deadline_armed = true;
  auto wait = std::max<std::int64_t>(st.ledger.latest_deadline() - now, 1);
  self->delayed_send(self, std::chrono::milliseconds{wait}, deadline_atom::value);
}

} // namespace chat::user_detail
