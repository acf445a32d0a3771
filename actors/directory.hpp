// The directory actor: maps room names and user ids to their actors,
// spawning them on demand. Rooms are loaded from storage the first time
// someone asks for them (or created, for a join); user actors live while the
// user has a connection or deliveries in flight. Its interface:
// directory_actor (actors/interfaces.hpp).
#pragma once

#include <caf/actor_system.hpp>

#include "actors/interfaces.hpp"
#include "actors/settings.hpp"
#include "protocol/storage_api.hpp"

namespace chat {

directory_actor spawn_directory(caf::actor_system& sys, storage_actor storage,
                                shared_settings settings);

} // namespace chat
