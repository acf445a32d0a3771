// A stand-in for the storage actor in actor unit tests: answers the messages
// rooms and the directory send, in memory, and records member changes.
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
#include <caf/event_based_actor.hpp>

#include "protocol/atoms.hpp"
#include "protocol/messages.hpp"

namespace chat::test {

/// The names of the rooms loaded so far, in order (shared with the test).
using load_log = std::shared_ptr<std::vector<std::string>>;

/// `rooms` are the rooms "stored" before the test starts; each room load is
/// written to `loads`, if given.
inline caf::actor spawn_fake_storage(caf::actor_system& sys,
                                     std::map<std::string, room_record> rooms = {},
                                     const load_log& loads = nullptr) {
  auto stored = std::make_shared<std::map<std::string, room_record>>(std::move(rooms));
  return sys.spawn([stored, loads](caf::event_based_actor*) -> caf::behavior {
    return {
      // Numbers each room's messages from its stored last seq, as storage
      // does; the id is "m" + seq, unique enough within one room.
      [stored](append_atom, chat_message msg) {
        msg.seq = ++(*stored)[msg.room].last_seq;
        msg.id = "m" + std::to_string(msg.seq);
        return msg;
      },
      [stored](member_atom, const std::string& room, const std::string& user, bool joined) {
        auto& members = (*stored)[room].members;
        if (joined)
          members.push_back({user, user});
        else
          for (auto it = members.begin(); it != members.end(); ++it)
            if (it->user_id == user) {
              members.erase(it);
              break;
            }
      },
      [](history_atom, const std::string& room, std::int64_t page, std::int64_t) {
        return history_page{room, page, {}, false};
      },
      [stored, loads](load_atom, room_atom, const std::string& name) {
        if (loads)
          loads->push_back(name);
        std::optional<room_record> out;
        if (auto it = stored->find(name); it != stored->end())
          out = it->second;
        return out;
      },
      [stored](create_atom, room_atom, const room_record& rec) {
        (*stored)[rec.name] = rec;
        return true;
      },
      [stored](user_atom, rooms_atom, const std::string& user_id) {
        cursor_list out;
        for (const auto& [name, rec] : *stored)
          for (const auto& m : rec.members)
            if (m.user_id == user_id)
              out.push_back({name, rec.last_seq, {}});
        return out;
      },
      [](replay_atom, const std::string&, const cursor_list&, std::int64_t) {
        return replay_batch{};
      },
      [](cursor_atom, const std::string&, const std::string&, std::int64_t,
         const std::vector<std::int64_t>&) {},
      [](ack_atom, const std::string&, const id_list&) {},
      [](append_atom, direct_message msg) {
        msg.id = "d1";
        return msg;
      },
      [stored](create_atom, user_atom, const user_record&, room_record channel) {
        (*stored)[channel.name] = std::move(channel);
        return true;
      },
      [](create_atom, token_atom, const token_record&) { return true; },
      [](logout_atom, const std::string&) { return true; },
      [stored](rooms_atom, const std::string& user_id) {
        room_list out;
        for (const auto& [name, rec] : *stored) {
          auto mine = std::any_of(rec.members.begin(), rec.members.end(),
                                  [&](const auto& m) { return m.user_id == user_id; });
          out.push_back(
            {name, static_cast<std::int64_t>(rec.members.size()), rec.is_private, mine});
        }
        return out;
      },
    };
  });
}

} // namespace chat::test
