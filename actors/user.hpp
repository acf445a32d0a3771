// User actor: one per user with at least one open connection. It sits
// between the rooms and the user's connections: rooms deliver a frame once to
// the user, the user forwards it to every connection (multi-device). Spawned
// by the directory, which also hands it its connections.
//
// Messages:
//   (attach_atom, caf::actor connection): from the directory; monitored.
//   (deliver_atom, frame_ptr): a frame for every connection of the user.
//   (close_atom): the directory agreed the user is idle (or the server stops):
//        quit.
// When its last connection goes, it tells the directory
// (idle_atom, user_id, attaches seen) and waits for the directory's close_atom:
// the count lets the directory tell whether an attach is still in flight.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/atoms.hpp"
#include "actors/settings.hpp"

namespace chat {

/// On start the user actor looks up the user's rooms in `storage` and
/// announces itself to each of them through `directory`.
caf::actor spawn_user(caf::actor_system& sys, identity who,
                      caf::actor directory, caf::actor storage,
                      actor_settings settings);

} // namespace chat
