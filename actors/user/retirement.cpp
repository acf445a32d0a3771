// What the user actor writes back and when it retires (actors/user/
// user_state.hpp). Acks of directs go to storage at once (each deletes a
// row); moved cursors are written once per `cursor_flush` (actor_settings),
// when the last connection goes and before the actor stops. With no
// connection left it waits for the in-flight deadlines, then reports itself
// idle to the directory.
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

void persist(user_pointer self, const ack_ledger::ack_result& changes) {
  auto& st = self->state;
  st.report_unacked();
  for (const auto& c : changes.cursors)
    st.dirty_rooms.insert(c.room);
  if (st.settings.cursor_flush.count() == 0)
    write_cursors(self);
  else if (!st.dirty_rooms.empty() && !st.persist_armed) {
    st.persist_armed = true;
    self->delayed_send(self, st.settings.cursor_flush, persist_atom::value);
  }
  if (!changes.directs.empty())
    self->send(st.storage, ack_atom::value, st.who.user_id, changes.directs);
}

void check_idle(user_pointer self) {
  auto& st = self->state;
  if (!st.connections.empty())
    return;
  write_cursors(self); // the last connection went: its acks reach storage now
  auto now = steady_ms();
  auto all_expired = st.ledger.expire(now);
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
