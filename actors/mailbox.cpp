#include "actors/mailbox.hpp"

#include <algorithm>

namespace chat {

void mailbox::load(const cursor_list& cursors) {
  for (const auto& c : cursors) {
    auto& entry = rooms_[c.room];
    entry.acked_seq = c.acked_seq;
    entry.acked_above.insert(c.acked_above.begin(), c.acked_above.end());
  }
}

void mailbox::joined(const std::string& room, std::int64_t last_seq) {
  if (rooms_.count(room) == 0)
    rooms_[room].acked_seq = last_seq;
}

void mailbox::left(const std::string& room) {
  rooms_.erase(room);
  for (auto it = in_flight_.begin(); it != in_flight_.end();)
    it = it->second.room == room ? in_flight_.erase(it) : std::next(it);
}

bool mailbox::member_of(const std::string& room) const {
  return rooms_.count(room) > 0;
}

bool mailbox::owed(const std::string& room, std::int64_t seq) const {
  auto it = rooms_.find(room);
  return it != rooms_.end() && seq > it->second.acked_seq && it->second.acked_above.count(seq) == 0;
}

room_cursor mailbox::to_record(const std::string& room, const cursor& c) const {
  return {room, c.acked_seq, {c.acked_above.begin(), c.acked_above.end()}};
}

cursor_list mailbox::cursors() const {
  cursor_list out;
  out.reserve(rooms_.size());
  for (const auto& [room, c] : rooms_)
    out.push_back(to_record(room, c));
  return out;
}

std::optional<room_cursor> mailbox::cursor_of(const std::string& room) const {
  auto it = rooms_.find(room);
  if (it == rooms_.end())
    return std::nullopt;
  return to_record(room, it->second);
}

void mailbox::track(const std::string& id, const std::string& room, std::int64_t seq,
                    std::int64_t deadline_ms) {
  in_flight_[id] = pending{room, seq, deadline_ms};
}

mailbox::ack_result mailbox::ack(const id_list& ids) {
  ack_result out;
  std::set<std::string> touched;
  for (const auto& id : ids) {
    auto it = in_flight_.find(id);
    if (it == in_flight_.end()) {
      if (!id.empty() && id.front() == 'd')
        out.directs.push_back(id); // storage deletes only this user's own
      continue;
    }
    auto p = std::move(it->second);
    in_flight_.erase(it);
    if (p.room.empty()) {
      out.directs.push_back(id);
      continue;
    }
    auto room = rooms_.find(p.room);
    if (room == rooms_.end() || p.seq <= room->second.acked_seq)
      continue; // left meanwhile, or acked already
    auto& c = room->second;
    c.acked_above.insert(p.seq);
    // Advance over the contiguous run now acked.
    while (!c.acked_above.empty() && *c.acked_above.begin() == c.acked_seq + 1) {
      ++c.acked_seq;
      c.acked_above.erase(c.acked_above.begin());
    }
    touched.insert(p.room);
  }
  for (const auto& room : touched)
    out.cursors.push_back(to_record(room, rooms_[room]));
  return out;
}

room_cursor mailbox::skip_before(const std::string& room, std::int64_t from_seq) {
  auto& c = rooms_[room];
  if (from_seq - 1 > c.acked_seq) {
    c.acked_seq = from_seq - 1;
    c.acked_above.erase(c.acked_above.begin(), c.acked_above.upper_bound(c.acked_seq));
  }
  return to_record(room, c);
}

bool mailbox::expire(std::int64_t now_ms) {
  for (auto it = in_flight_.begin(); it != in_flight_.end();)
    it = it->second.deadline_ms <= now_ms ? in_flight_.erase(it) : std::next(it);
  return in_flight_.empty();
}

std::int64_t mailbox::latest_deadline() const {
  std::int64_t latest = 0;
  for (const auto& [id, p] : in_flight_)
    latest = std::max(latest, p.deadline_ms);
  return latest;
}

} // namespace chat
