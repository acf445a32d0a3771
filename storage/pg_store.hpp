// The storage actor on PostgreSQL (cluster mode): implements storage_actor
// (protocol/storage_api.hpp) like the SQLite store, so that several
// chat-actors nodes can share one database. It runs detached (libpq's calls
// block) and owns one connection.
//
// Group commit as on SQLite, but a write is held in the open batch instead
// of running at once: the commit runs the batch as one transaction in one
// pipeline (storage/pg_batch.hpp), and only then are the writes answered.
// A read first commits the open batch, so it sees every write that came
// before it, as on SQLite. While the database is unreachable every request
// fails with `storage`, health says why (GET /healthz 503), and the store
// reconnects by itself with a backoff of 0.1 s doubling to 5 s.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "protocol/storage_api.hpp"
#include "storage/store_options.hpp"

namespace chat {

/// Connects to `opts.url`, creates or checks the schema, then spawns the
/// storage actor. Fails with a readable error if the database cannot be
/// reached or its schema is newer than this server's.
caf::expected<storage_actor> spawn_pg_store(caf::actor_system& sys, const store_options& opts);

} // namespace chat
