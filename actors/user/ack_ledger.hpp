// The bookkeeping of one user's at-least-once delivery, without any actor
// around it (the user actor owns one; unit tests drive it directly):
// per-room cursors of what the user acked, and the in-flight set of
// delivered-but-unacked messages with their deadlines.
//
// Room messages are never stored per recipient: a cursor (every seq up to
// `acked_seq`, plus `acked_above` for acks that came out of order) says what
// the user has; storage replays the rest of the room's log. Directs are
// stored per recipient and deleted when acked.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/user/in_flight_table.hpp"

#include "protocol/messages.hpp"

namespace chat {

class ack_ledger {
public:
  ack_ledger() = default;
  // In-flight entries point into rooms_: a copy would point into the original.
  ack_ledger(const ack_ledger&) = delete;
  ack_ledger& operator=(const ack_ledger&) = delete;

  /// What an ack changed: cursors to persist and directs to delete.
  struct ack_result {
    cursor_list cursors;
    id_list directs;
  };

  /// Takes the cursors stored for the user's memberships.
  void load(const cursor_list& cursors);

  /// A new membership; it is owed messages after `last_seq` only. Keeps an
  /// existing cursor.
  void joined(const std::string& room, std::int64_t last_seq);

  void left(const std::string& room);

  bool member_of(const std::string& room) const;

  /// Whether room message `seq` is owed: a member, and not acked (a member
  /// that joined after it was sent is not owed it either).
  bool owed(const std::string& room, std::int64_t seq) const;

  /// The cursors to ask storage for a replay with.
  cursor_list cursors() const;

  /// The cursor of one room; none when the user is not a member (any more).
  std::optional<room_cursor> cursor_of(const std::string& room) const;

  /// A message the user was just sent; unacked until `deadline_ms`. `id` is
  /// storage's: "m" or "d" and the row id. A room message (non-empty `room`)
  /// is tracked only if owed, and the result says whether it was.
  bool track(const std::string& id, const std::string& room, std::int64_t seq,
             std::int64_t deadline_ms);

  /// Records acks. Room ids must be in flight (that is how their room and
  /// seq are known); direct ids ("d...") count even when not in flight.
  ack_result ack(const id_list& ids);

  /// A cursor stored by the user's actor on another node (cluster mode):
  /// what it acked is not owed here either, in flight or not. Never moves a
  /// cursor back; nothing for a room the user is not a member of here.
  void absorb(const room_cursor& stored);

  /// Storage cut the backlog of `room` before `from_seq`: the older part is
  /// history now, not owed any more. Returns the cursor to persist.
  room_cursor skip_before(const std::string& room, std::int64_t from_seq);

  /// Drops in-flight entries whose deadline passed; true when none is left.
  bool expire(std::int64_t now_ms);

  std::size_t in_flight() const { return room_flight_.size() + direct_flight_.size(); }

  /// Whether an emptied in-flight table still holds memory for the next
  /// deliveries; release_spare() gives it back.
  bool holds_spare() const { return room_flight_.holds_spare() || direct_flight_.holds_spare(); }

  void release_spare() {
    room_flight_.release();
    direct_flight_.release();
  }

  /// The latest deadline in flight (0 if none).
  std::int64_t latest_deadline() const;

private:
  struct cursor {
    std::int64_t acked_seq = 0;
    std::set<std::int64_t> acked_above;
  };

  // A room's name and cursor, where rooms_ keeps them: map nodes stay put
  // until erased, and left() drops the room's in-flight entries first.
  using room_entry = std::map<std::string, cursor>::value_type*;

  // In flight, keyed by the id's row number (negated for a direct): no
  // string hashing and no copy of the room's name per delivered message.
  struct pending {
    room_entry room = nullptr; // nullptr for a direct
    std::int64_t seq = 0;
    std::int64_t deadline_ms = 0;
  };

  /// Where a storage id is kept in flight: its table and row id.
  struct flight_key {
    bool direct = false;
    std::int64_t row = 0;
  };

  /// The in-flight key of a storage id; none for anything else.
  static std::optional<flight_key> key_of(const std::string& id);

  static bool owes(const cursor& c, std::int64_t seq);

  /// Moves acked_seq over the contiguous run at the start of acked_above.
  static void advance(cursor& c);

  static room_cursor to_record(const std::string& room, const cursor& c);

  in_flight_table<pending>& table_of(const flight_key& key) {
    return key.direct ? direct_flight_ : room_flight_;
  }

  /// Removes from both tables what `pred(pending)` says.
  template <class Pred>
  void erase_in_flight_if(Pred pred) {
    auto by_value = [&](std::int64_t /*key*/, const pending& p) { return pred(p); };
    room_flight_.erase_if(by_value);
    direct_flight_.erase_if(by_value);
  }

  std::map<std::string, cursor> rooms_;

  // Every delivery adds an in-flight entry and its ack removes it; room
  // messages and directs apart, each table in its own row-id order
  // (in_flight_table.hpp says why not a hash map).
  in_flight_table<pending> room_flight_;
  in_flight_table<pending> direct_flight_;
};

} // namespace chat
