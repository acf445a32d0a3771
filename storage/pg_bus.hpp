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
// At each check it also writes this node's heartbeat and reads who is online
// on the other nodes whose heartbeat is fresh (a snapshot for the listener;
// notifications carry the changes in between), so a dead node's users stop
// showing online within stale_after + check_every.
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
  std::string node_id;  // [cluster] node_id: its heartbeat's name
  std::chrono::milliseconds check_every{3000};
  // A node whose heartbeat is older than this is taken for dead: its users
  // are not online any more.
  std::chrono::milliseconds stale_after{7000};
};

/// Connects and LISTENs, then spawns the bus; fails with a readable error if
/// the database cannot be reached. Room events and the other nodes' directs,
/// acks, membership changes and presence go to `rooms`, logged-out token
/// digests to `tokens`. The actor takes no requests: stop it with an exit
/// message.
caf::expected<caf::actor> spawn_pg_bus(caf::actor_system& sys, const bus_options& opts,
                                       bus_listener rooms, token_listener tokens);

} // namespace chat
