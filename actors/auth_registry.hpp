// Auth registry actor: accounts and login tokens. Password hashing and
// verification run on the hash pool (never on a CAF or I/O thread); the
// registry gets their results back as messages. Tokens are stored by digest.
//
// Messages (request -> reply):
//   (register_atom, name, password, server_password) -> identity
//        errors: unauthorized (server password), bad_request, name_taken, busy
//   (login_atom, name, password, server_password) -> login_result
//        errors: unauthorized, busy
//   (auth_atom, token)               -> token_grant; error: unauthorized
//   (user_atom, name)                -> identity; error: unknown_user
//   (logout_atom, token)             -> bool; the token's watchers get
//        logout_atom; error: unauthorized
//   (watch_atom, token_hash, caf::actor connection): tell `connection`
//        logout_atom when the token is logged out, expire_atom within a
//        second of its expiry (monitored; no reply)
#pragma once

#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/settings.hpp"
#include "auth/hash_pool.hpp"
#include "auth/password.hpp"
#include "protocol/atoms.hpp"
#include "protocol/messages.hpp"

namespace chat {

struct auth_settings {
  std::string server_password; // empty = none
  std::int64_t token_ttl_s = defaults::token_ttl_s;
  auth::hash_cost cost;
  std::uint32_t default_max_members = defaults::default_max_members; // for users' channels
  std::chrono::milliseconds request_timeout{defaults::request_timeout_ms};
};

/// `users` and `tokens` are what storage holds at start-up.
caf::actor spawn_auth_registry(caf::actor_system& sys, caf::actor storage,
                               std::shared_ptr<auth::hash_pool> pool, auth_settings settings,
                               user_list users, token_list tokens);

} // namespace chat
