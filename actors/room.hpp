// The room actor: owns one room's membership, settings and the last stored
// seq, and fans its messages out to the members' user actors. Spawned by
// the directory with the room as stored. Its interface: room_actor
// (actors/interfaces.hpp).
#pragma once

#include <caf/actor_system.hpp>

#include "actors/interfaces.hpp"
#include "actors/settings.hpp"
#include "protocol/storage_api.hpp"

namespace chat {

room_actor spawn_room(caf::actor_system& sys, room_record rec, storage_actor storage,
                      actor_settings settings);

} // namespace chat
