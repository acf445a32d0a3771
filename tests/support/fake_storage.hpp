// A stand-in for the storage actor in actor unit tests: the whole storage
// contract (protocol/storage_api.hpp) in memory, so it cannot drift from the
// real store. Rooms and their members live in a map; writes a test wants to
// see (cursor writes, direct acks) are reported to a probe.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "protocol/atoms.hpp"
#include "protocol/storage_api.hpp"

namespace chat::test {

/// The names of the rooms loaded so far, in order (shared with the test).
using load_log = std::shared_ptr<std::vector<std::string>>;

struct fake_storage_config {
  /// The rooms "stored" before the test starts (members and last_seq).
  std::map<std::string, room_record> rooms;
  /// Each room load is written here, if given.
  load_log loads;
  /// What a replay answers (the same whatever the cursors).
  replay_batch replay;
  /// Gets (cursor_atom, room, acked_seq) for every cursor write,
  /// (ack_atom, id_list) for every direct ack and (online_atom, user_id,
  /// online) for every presence report, if given.
  caf::actor probe;
  /// Each room's stored messages, in seq order: appends add to them (another
  /// node's messages can be put here before the test starts).
  std::map<std::string, message_list> messages;
};

inline storage_actor spawn_fake_storage(caf::actor_system& sys, fake_storage_config cfg = {}) {
  auto st = std::make_shared<fake_storage_config>(std::move(cfg));
  return sys.spawn([st](storage_actor::pointer) -> storage_actor::behavior_type {
    return {
      [](load_atom, users_atom) { return user_list{}; },
      [](load_atom, token_atom, std::int64_t) { return token_list{}; },
      [](load_atom, user_atom, const std::string&) { return std::optional<user_record>{}; },
      [](load_atom, token_atom, const std::string&) { return std::optional<token_grant>{}; },
      [st](load_atom, room_atom, const std::string& name) {
        if (st->loads)
          st->loads->push_back(name);
        std::optional<room_record> out;
        if (auto it = st->rooms.find(name); it != st->rooms.end())
          out = it->second;
        return out;
      },
      [st](load_atom, cursor_atom, const std::string& user_id) {
        cursor_list out;
        for (const auto& [name, rec] : st->rooms)
          for (const auto& m : rec.members)
            if (m.user_id == user_id)
              out.push_back({name, rec.last_seq, {}});
        return out;
      },
      [](history_atom, const std::string& room, std::int64_t page, std::int64_t) {
        return history_page{room, page, {}, false};
      },
      // Every room, whatever the offer: the connection trims an offer's list.
      [st](rooms_atom, const std::string& user_id, std::int64_t /*offer*/) {
        room_list out;
        for (const auto& [name, rec] : st->rooms) {
          auto mine = std::any_of(rec.members.begin(), rec.members.end(),
                                  [&](const auto& m) { return m.user_id == user_id; });
          out.push_back(
            {name, static_cast<std::int64_t>(rec.members.size()), rec.is_private, mine});
        }
        return out;
      },
      [st](replay_atom, const std::string&, const cursor_list&, std::int64_t) {
        return st->replay;
      },
      [st](since_atom, const std::string& room, std::int64_t after_seq, std::int64_t limit) {
        message_list out;
        for (const auto& msg : st->messages[room])
          if (msg.seq > after_seq && static_cast<std::int64_t>(out.size()) < limit)
            out.push_back(msg);
        return out;
      },
      [](health_atom) { return true; },
      [st](create_atom, user_atom, const user_record&, room_record channel) {
        st->rooms[channel.name] = std::move(channel);
        return true;
      },
      [](create_atom, token_atom, const token_record&) { return true; },
      [](delete_atom, token_atom, const std::string&) { return true; },
      [st](create_atom, room_atom, const room_record& rec) {
        st->rooms[rec.name] = rec;
        return true;
      },
      // Numbers each room's messages from its stored last seq, as storage
      // does; the id is "m" + seq, unique enough within one room.
      [st](append_atom, chat_message msg) {
        msg.seq = ++st->rooms[msg.room].last_seq;
        msg.id = "m" + std::to_string(msg.seq);
        st->messages[msg.room].push_back(msg);
        return msg;
      },
      [](append_atom, direct_message msg) {
        msg.id = "d1";
        return msg;
      },
      [st](member_atom, const std::string& room, const std::string& user, bool joined) {
        auto& members = st->rooms[room].members;
        if (joined)
          members.push_back({user, user});
        else
          for (auto it = members.begin(); it != members.end(); ++it)
            if (it->user_id == user) {
              members.erase(it);
              break;
            }
      },
      [st](cursor_atom, const std::string&, const std::string& room, std::int64_t seq,
           const std::vector<std::int64_t>&) {
        if (st->probe)
          caf::anon_send(st->probe, cursor_atom::value, room, seq);
      },
      [st](ack_atom, const std::string&, const id_list& ids) {
        if (st->probe)
          caf::anon_send(st->probe, ack_atom::value, ids);
      },
      // The probe sees one ack frame as its cursor writes and direct acks.
      [st](ack_atom, const std::string&, const cursor_list& cursors, const id_list& ids) {
        if (st->probe) {
          for (const auto& c : cursors)
            caf::anon_send(st->probe, cursor_atom::value, c.room, c.acked_seq);
          if (!ids.empty())
            caf::anon_send(st->probe, ack_atom::value, ids);
        }
        return true;
      },
      [st](online_atom, const std::string& user_id, bool online) {
        if (st->probe)
          caf::anon_send(st->probe, online_atom::value, user_id, online);
      },
    };
  });
}

} // namespace chat::test
