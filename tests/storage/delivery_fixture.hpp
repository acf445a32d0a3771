// The delivery storage tests' fixture (room_cursors_test.cpp,
// direct_messages_test.cpp): store_fixture.hpp's store plus the requests of
// at-least-once delivery (cursors, acks, directs, the replay read) and the
// helpers their checks use.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <caf/send.hpp>
#include <doctest/doctest.h>

#include "protocol/atoms.hpp"
#include "protocol/messages.hpp"
#include "store_fixture.hpp"

namespace chat::test {

using seq_list = std::vector<std::int64_t>;

inline direct_message make_direct(const std::string& to, const std::string& from,
                                  const std::string& text) {
  return direct_message{"",           to, from, "name-of-" + from, "{\"text\":\"" + text + "\"}",
                        1700000000000};
}

inline seq_list seqs_of(const room_backlog& backlog) {
  seq_list result;
  for (auto& msg : backlog.messages)
    result.push_back(msg.seq);
  return result;
}

inline std::vector<std::string> ids_of(const std::vector<direct_message>& directs) {
  std::vector<std::string> result;
  for (auto& msg : directs)
    result.push_back(msg.id);
  return result;
}

struct delivery_fixture : fixture {
  void set_cursor(const std::string& user_id, const std::string& room, std::int64_t acked_seq,
                  seq_list acked_above = {}) {
    caf::anon_send(store, cursor_atom::value, user_id, room, acked_seq, std::move(acked_above));
  }

  void ack(const std::string& user_id, id_list ids) {
    caf::anon_send(store, ack_atom::value, user_id, std::move(ids));
  }

  direct_message send_direct(const direct_message& msg) {
    return ask<direct_message>(append_atom::value, msg);
  }

  replay_batch replay(const std::string& user_id, cursor_list list,
                      std::int64_t backlog_max = 100) {
    return ask<replay_batch>(replay_atom::value, user_id, std::move(list), backlog_max);
  }

  /// The room's only backlog in a replay of just that cursor.
  room_backlog backlog(const room_cursor& cursor, std::int64_t backlog_max) {
    auto batch = replay("u9", cursor_list{cursor}, backlog_max);
    REQUIRE(batch.rooms.size() == 1);
    CHECK(batch.rooms[0].room == cursor.room);
    return batch.rooms[0];
  }

  void append_range(const std::string& room, std::int64_t first, std::int64_t last) {
    for (auto seq = first; seq <= last; ++seq)
      caf::anon_send(store, append_atom::value, make_message(room, seq));
  }
};

} // namespace chat::test
