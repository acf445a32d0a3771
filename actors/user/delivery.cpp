// The user actor's live traffic (actors/user/user_state.hpp): deliveries are
// tracked in the ack ledger, then written to each connection's session, a
// burst's frames as one batch, held back while that connection's replay is
// still out.
#include "actors/user/user_state.hpp"

#include "common/clock.hpp"
#include "protocol/session.hpp"

namespace chat::user_detail {

bool user_connection::covered(const delivery& d) const {
  if (d.id.empty() || !memo)
    return false; // presence: never replayed
  if (d.room.empty())
    return memo->replayed_directs.count(d.id) > 0;
  auto it = memo->replayed_up_to.find(d.room);
  return it != memo->replayed_up_to.end() && d.seq <= it->second;
}

void user_connection::send_or_hold(frame_ptr frame) {
  if (replaying)
    remember().held.emplace_back(std::move(frame));
  else
    session->send(std::move(frame));
}

void user_state::report_unacked() {
  auto now = static_cast<std::int64_t>(ledger.in_flight());
  if (now != unacked_reported) {
    metrics::get().unacked.add(now - unacked_reported);
    unacked_reported = now;
  }
}

user_connection* user_state::find(const caf::actor_addr& addr) {
  for (auto& c : connections)
    if (c.actor.address() == addr)
      return &c;
  return nullptr;
}

void deliver(user_pointer self, const std::vector<delivery_ptr>& ds) {
  auto& st = self->state;
  if (st.connections.empty())
    return; // storage keeps them: the cursor (or the direct's row) says so
  auto deadline = steady_ms() + st.settings->ack_timeout.count();
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
  for (auto& c : st.connections) {
    if (c.replaying) {
      auto& held = c.remember().held;
      for (const auto* d : owed)
        held.emplace_back(*d);
      continue;
    }
    if (owed.size() == 1) { // light traffic: no vector per delivery
      const auto& d = **owed.front();
      if (!c.covered(d)) {
        c.session->send(d.frame);
        sent += d.id.empty() ? 0 : 1;
      }
      continue;
    }
    frame_batch out;
    out.reserve(owed.size());
    for (const auto* d : owed)
      if (!c.covered(**d)) { // else the replay carried it already
        out.push_back((*d)->frame);
        sent += (*d)->id.empty() ? 0 : 1; // presence is not a delivery
      }
    if (!out.empty())
      c.session->send_batch(std::move(out), true);
  }
  if (sent > 0)
    metrics::get().deliveries.add(sent);
}

} // namespace chat::user_detail
