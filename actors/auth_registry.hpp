// The auth registry actor: accounts and login tokens. Password hashing and
// verification run on the hash pool (never on a CAF or I/O thread); the
// registry gets their results back as messages. Tokens are kept by digest.
// Once a second it sweeps expired tokens and tells the connections that
// watch them. Its interface: registry_actor (actors/interfaces.hpp).
#pragma once

#include <memory>
#include <string>

#include <caf/actor_system.hpp>

#include "actors/interfaces.hpp"
#include "actors/settings.hpp"
#include "auth/hash_pool.hpp"
#include "auth/password.hpp"
#include "protocol/messages.hpp"
#include "protocol/storage_api.hpp"

namespace chat {

struct auth_settings {
  std::string server_password; // empty = none
  std::int64_t token_ttl_s = defaults::token_ttl_s;
  auth::hash_cost cost;
  std::uint32_t default_max_members = defaults::default_max_members; // for users' channels
  std::chrono::milliseconds request_timeout{defaults::request_timeout_ms};
  // Cluster mode: other nodes register users and issue tokens in the same
  // database, so a name or token unknown here is looked up in storage.
  bool shared_storage = false;
};

/// `users` and `tokens` are what storage holds at start-up.
registry_actor spawn_auth_registry(caf::actor_system& sys, storage_actor storage,
                                   std::shared_ptr<auth::hash_pool> pool, auth_settings settings,
                                   user_list users, token_list tokens);

} // namespace chat
