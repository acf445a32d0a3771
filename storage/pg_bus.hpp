// The cluster bus (cluster mode): one actor per node with a PostgreSQL
// connection of its own that LISTENs for the notifications commits send
// (storage/pg_notice.hpp) and hands each room event to a bus_listener (the
// directory, which passes it to the room if it runs here). A notification is
// only a hint: rooms keep their delivered seq and read what they miss from
// the database (actors/room.cpp), so a lost or late notification delays a
// message, never loses it.
//
// After a lost connection the bus reconnects (backoff 0.1 s doubling to 5 s),
// LISTENs again first and only then reports every room's last seq (a catch-up:
// the reverse order would lose what commits in between). It reports them every
// `check_every` too, which catches a bus that went quiet without an error,
// and reads PostgreSQL's notification queue usage for /metrics.
//
// It runs detached (libpq's calls block) and waits on its socket in short
// slices, so an exit message is seen within one slice. Another broker could
// replace it behind the same listener interface.
#pragma once

#include <chrono>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "protocol/storage_api.hpp"

namespace chat {

struct bus_options {
  std::string url;      // the database's libpq connection string
  std::string instance; // this process (store_options::instance): its own
                        // directs' echo is dropped
  std::chrono::milliseconds check_every{3000};
};

/// Connects and LISTENs, then spawns the bus; fails with a readable error if
/// the database cannot be reached. Room events and other nodes' directs go
/// to `rooms`, logged-out token digests to `tokens`. The actor takes no requests: stop it with an
/// exit message.
caf::expected<caf::actor> spawn_pg_bus(caf::actor_system& sys, const bus_options& opts,
                                       bus_listener rooms, token_listener tokens);

} // namespace chat
