// How the storage actor is opened: which backend, where, and its group
// commit. One storage actor per server, SQLite (the default, embedded:
// storage/message_store.hpp) or PostgreSQL (cluster mode: several nodes on
// one database, storage/pg_store.hpp); spawn_storage picks.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "common/defaults.hpp"
#include "protocol/storage_api.hpp"

namespace chat {

enum class store_backend { sqlite, postgres };

struct store_options {
  std::string path; // SQLite file; its folder is created if missing
  std::chrono::milliseconds commit_window{defaults::commit_window_ms};
  std::size_t batch_max = defaults::batch_max;
  bool synchronous_full = defaults::synchronous_full; // PRAGMA synchronous = FULL instead of NORMAL
  store_backend backend = store_backend::sqlite;
  std::string url; // PostgreSQL: a libpq connection string or postgresql:// URL
  // PostgreSQL: this process among the nodes, unique per start (the bus
  // drops its own directs' echo by it).
  std::string instance;
  // PostgreSQL: this node's name ([cluster] node_id), for presence.
  std::string node_id;
};

/// Opens the backend `opts` names and spawns the storage actor on it; fails
/// with a readable error if the database cannot be opened.
caf::expected<storage_actor> spawn_storage(caf::actor_system& sys, const store_options& opts);

} // namespace chat
