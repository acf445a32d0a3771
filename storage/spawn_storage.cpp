// Picks the storage backend (storage/store_options.hpp).
#include "storage/message_store.hpp"
#include "storage/pg_store.hpp"
#include "storage/store_options.hpp"

namespace chat {

caf::expected<storage_actor> spawn_storage(caf::actor_system& sys, const store_options& opts) {
  if (opts.backend == store_backend::postgres)
    return spawn_pg_store(sys, opts);
  return spawn_message_store(sys, opts);
}

} // namespace chat
