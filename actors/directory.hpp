// Directory actor: maps room names and user ids to their actors, spawning
// them on demand. Rooms are loaded from storage the first time someone asks
// for them (or created, for a join); user actors live while the user has a
// connection.
//
// Messages (request -> reply):
//   (room_atom, std::string name, bool create, join_options opts)
//        -> caf::actor (the room); a room that does not exist is created
//           with `opts` when `create`, else error unknown_room
//   (user_atom, identity, caf::actor connection, session_ptr socket)
//        -> caf::actor (the user actor, spawned if needed, with the
//           connection and its socket attached to it)
//   (attach_atom, std::string room, std::string user_id, caf::actor user)
//        -> bool: a user actor coming online tells its room, if the room
//           is running (the room's answer, true); a room not running is
//           not loaded for it (false): when it loads, its online members
//           are attached to it before anyone hears of it
//   (rooms_atom, std::string user_id) -> room_list (from storage)
//   (direct_atom, std::string to_user, delivery_ptr): a stored direct for
//        the recipient's user actor, if it is online
//   (idle_atom, std::string user_id, uint64 attaches): from a user actor
//   (close_atom): server shutdown: closes every user (and so every
//        connection) and room, then quits.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/settings.hpp"
#include "protocol/atoms.hpp"

namespace chat {

caf::actor spawn_directory(caf::actor_system& sys, caf::actor storage, actor_settings settings);

} // namespace chat
