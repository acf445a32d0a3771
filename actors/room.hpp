// Room actor: owns one room's membership, settings and sequence counter, and
// fans its messages out to the members' user actors. Spawned by the
// directory with the room as stored.
//
// Messages (request -> reply):
//   (join_atom, identity, caf::actor user, std::string key, std::string ref)
//        -> member_list: a connection's join; the `joined` frame (with
//        `ref`) goes to the asking connection through `user`, ahead of the
//        room's next deliveries. errors: forbidden (wrong key), room_full
//   (leave_atom, std::string user_id)            -> bool; error: not_member
//   (post_atom, identity, std::string body)      -> chat_message (stored:
//        id and seq set); every online member's user actor gets it in a
//        (deliver_atom, delivery_batch) with the others stored meanwhile
//        error: not_member
//   (history_atom, std::string user_id, int64 page) -> history_page
//        error: forbidden (private room, not a member)
//   (who_atom)                                    -> member_list
//   (attach_atom, std::string user_id, caf::actor user): a member's user
//        actor came online (no reply); it is monitored to see it go.
//   (close_atom): server shutdown, quit.
#pragma once

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/settings.hpp"
#include "protocol/atoms.hpp"
#include "protocol/messages.hpp"

namespace chat {

caf::actor spawn_room(caf::actor_system& sys, room_record rec, caf::actor storage,
                      actor_settings settings);

} // namespace chat
