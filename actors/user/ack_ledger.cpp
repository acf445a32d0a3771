#include "actors/user/ack_ledger.hpp"

#include <algorithm>

#include "protocol/message_id.hpp"

namespace chat {

void ack_ledger::load(const cursor_list& cursors) {
  for (const auto& c : cursors) {
    auto& entry = rooms_[c.room];
    entry.acked_seq = c.acked_seq;
    entry.acked_above.insert(c.acked_above.begin(), c.acked_above.end());
  }
}

void ack_ledger::joined(const std::string& room, std::int64_t last_seq) {
  if (rooms_.count(room) == 0)
    rooms_[room].acked_seq = last_seq;
}

void ack_ledger::left(const std::string& room) {
  auto entry = rooms_.find(room);
  if (entry == rooms_.end())
    return;
  erase_in_flight_if([&](const pending& p) { return p.room == &*entry; });
  rooms_.erase(entry);
}

bool ack_ledger::member_of(const std::string& room) const {
  return rooms_.count(room) > 0;
}

bool ack_ledger::owed(const std::string& room, std::int64_t seq) const {
  auto it = rooms_.find(room);
  return it != rooms_.end() && owes(it->second, seq);
}

bool ack_ledger::owes(const cursor& c, std::int64_t seq) {
  return seq > c.acked_seq && c.acked_above.count(seq) == 0;
}

void ack_ledger::advance(cursor& c) {
  while (!c.acked_above.empty() && *c.acked_above.begin() == c.acked_seq + 1) {
    ++c.acked_seq;
    c.acked_above.erase(c.acked_above.begin());
  }
}

room_cursor ack_ledger::to_record(const std::string& room, const cursor& c) {
  return {room, c.acked_seq, {c.acked_above.begin(), c.acked_above.end()}};
}

cursor_list ack_ledger::cursors() const {
  cursor_list out;
  out.reserve(rooms_.size());
  for (const auto& [room, c] : rooms_)
    out.push_back(to_record(room, c));
  return out;
}

std::optional<room_cursor> ack_ledger::cursor_of(const std::string& room) const {
  auto it = rooms_.find(room);
  if (it == rooms_.end())
    return std::nullopt;
  return to_record(room, it->second);
}

std::optional<ack_ledger::flight_key> ack_ledger::key_of(const std::string& id) {
  auto parsed = parse_message_id(id);
  if (!parsed)
    return std::nullopt;
  return flight_key{parsed->kind != message_kind::room, parsed->row};
}

bool ack_ledger::track(const std::string& id, const std::string& room, std::int64_t seq,
                       std::int64_t deadline_ms) {
  room_entry entry = nullptr;
  if (!room.empty()) {
    auto it = rooms_.find(room);
    if (it == rooms_.end() || !owes(it->second, seq))
      return false;
    entry = &*it;
  }
  // Storage makes every id; one of another form could never be acked, so it
  // is not kept (a room message stays owed through its cursor).
  if (auto key = key_of(id))
    table_of(*key).put(key->row, pending{entry, seq, deadline_ms});
  return true;
}

ack_ledger::ack_result ack_ledger::ack(const id_list& ids) {
  ack_result out;
  std::vector<room_entry> touched; // an ack frame rarely spans many rooms
  for (const auto& id : ids) {
    auto key = key_of(id);
    auto p = key ? table_of(*key).take(key->row) : std::nullopt;
    if (!p) {
      if (key && key->direct)
        out.directs.push_back(id); // storage deletes only this user's own
      continue;
    }
    if (p->room == nullptr) {
      out.directs.push_back(id);
      continue;
    }
    auto& c = p->room->second;
    if (p->seq <= c.acked_seq)
      continue; // acked already
    if (p->seq == c.acked_seq + 1 && c.acked_above.empty()) {
      ++c.acked_seq; // the usual case, in order: no set to touch
    } else {
      c.acked_above.insert(p->seq);
      advance(c);
    }
    if (std::find(touched.begin(), touched.end(), p->room) == touched.end())
      touched.push_back(p->room);
  }
  for (const auto& room : touched)
    out.cursors.push_back(to_record(room->first, room->second));
  return out;
}

void ack_ledger::absorb(const room_cursor& stored) {
  auto entry = rooms_.find(stored.room);
  if (entry == rooms_.end())
    return;
  auto& c = entry->second;
  if (stored.acked_seq > c.acked_seq) {
    c.acked_seq = stored.acked_seq;
    c.acked_above.erase(c.acked_above.begin(), c.acked_above.upper_bound(c.acked_seq));
  }
  for (auto seq : stored.acked_above)
    if (seq > c.acked_seq)
      c.acked_above.insert(seq);
  advance(c);
  erase_in_flight_if([&](const pending& p) { return p.room == &*entry && !owes(c, p.seq); });
}

room_cursor ack_ledger::skip_before(const std::string& room, std::int64_t from_seq) {
  auto& c = rooms_[room];
  if (from_seq - 1 > c.acked_seq) {
    c.acked_seq = from_seq - 1;
    c.acked_above.erase(c.acked_above.begin(), c.acked_above.upper_bound(c.acked_seq));
  }
  return to_record(room, c);
}

bool ack_ledger::expire(std::int64_t now_ms) {
  erase_in_flight_if([&](const pending& p) { return p.deadline_ms <= now_ms; });
  return in_flight() == 0;
}

std::int64_t ack_ledger::latest_deadline() const {
  std::int64_t latest = 0;
  auto later
    = [&](std::int64_t /*key*/, const pending& p) { latest = std::max(latest, p.deadline_ms); };
  room_flight_.for_each(later);
  direct_flight_.for_each(later);
  return latest;
}

} // namespace chat
