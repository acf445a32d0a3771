// The storage actor: the only owner of the SQLite connection, implementing
// storage_actor (protocol/storage_api.hpp). It runs detached (its own
// thread), so SQLite's blocking calls never occupy a CAF scheduler thread or
// an I/O thread.
//
// Writes run inside one open transaction that commits after
// `commit_window` or once `batch_max` writes are pending, whichever comes
// first (group commit); a write that finds the store quiet does not wait
// out the window (storage/store_state.hpp). Replies to writes go out only
// after that commit, so a reply means "durable". Reads run on the same
// connection and therefore see writes still waiting for their commit.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "protocol/storage_api.hpp"
#include "storage/store_options.hpp"

namespace chat {

/// Opens (and creates, if needed) the database, then spawns the storage actor
/// that owns it. Fails with a readable error if the file cannot be opened.
caf::expected<storage_actor> spawn_message_store(caf::actor_system& sys, const store_options& opts);

} // namespace chat
