// The auth registry's state and the helpers its handlers share
// (actors/auth_registry.cpp: the behavior; actors/auth/registry_cluster.cpp:
// the storage look-ups of cluster mode). Private to the registry.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/auth_registry.hpp"
#include "protocol/atoms.hpp"
#include "protocol/chat_error.hpp"

namespace chat::registry_detail {

struct token_entry {
  identity who;
  std::int64_t expires_at_ms = 0;
  // The connections that use the token (each closes when it ends): kept
  // with the token, so a connection costs the registry one pointer here and
  // one entry in `watched`, not a copy of the 64-character digest.
  std::vector<connection_actor> watchers;
};

// How often expired tokens are swept (and their sockets closed).
inline constexpr std::chrono::seconds expiry_sweep{1};

/// The registry's interface plus the hash pool's answers and its sweep timer.
using registry_impl
  = registry_actor::extend<caf::reacts_to<hashed_atom, std::uint64_t, std::string>,
                           caf::reacts_to<verified_atom, std::uint64_t, bool>,
                           caf::reacts_to<sweep_atom>>;

// A register or login waiting for the hash pool.
struct pending_job {
  caf::response_promise rp; // typed as the request's answer where it is made
  user_record user;         // register: the new account; login: the account
};

struct registry_state {
  storage_actor storage;
  std::shared_ptr<auth::hash_pool> pool;
  auth_settings settings;
  std::unordered_map<std::string, user_record> users;  // by name
  std::unordered_map<std::string, token_entry> tokens; // by token digest
  // The token each watcher watches, so a closing connection is found
  // without scanning every token (thousands may close at once). Elements
  // of an unordered_map keep their address until erased, and a token is
  // erased only through drop_token, which erases its watchers here first.
  std::unordered_map<caf::actor_id, token_entry*> watched;
  std::unordered_map<std::uint64_t, pending_job> jobs;
  std::uint64_t next_job = 0;
  static inline const char* name = "auth_registry";

  bool server_password_ok(const std::string& given) const {
    return settings.server_password.empty() || auth::equal_secret(given, settings.server_password);
  }
};

using registry_pointer = registry_impl::stateful_pointer<registry_state>;

// Queues `work` (run on a pool thread) for the request behind `rp`; its
// result comes back to this actor as (DoneAtom, job id, result). False when
// the pool is saturated.
template <class DoneAtom, class Work>
bool submit(registry_pointer self, caf::response_promise& rp, user_record user, Work work) {
  auto& st = self->state;
  auto id = st.next_job++;
  registry_impl me = self;
  if (!st.pool->submit([me, id, work] { caf::anon_send(me, DoneAtom::value, id, work()); }))
    return false;
  st.jobs.emplace(id, pending_job{rp, std::move(user)});
  return true;
}

template <class T>
caf::typed_response_promise<T> fail(caf::typed_response_promise<T>& rp, chat_errc code,
                                    std::string text) {
  return rp.deliver(make_error(code, std::move(text)));
}

// Takes the pending job `id` out of the state.
inline pending_job take_job(registry_pointer self, std::uint64_t id) {
  auto it = self->state.jobs.find(id);
  auto job = std::move(it->second);
  self->state.jobs.erase(it);
  return job;
}

/// Starts checking `password` against `user`'s hash for the login behind
/// `rp` (the answer comes back as verified_atom).
caf::typed_response_promise<login_result> verify_login(registry_pointer self,
                                                       caf::typed_response_promise<login_result> rp,
                                                       const user_record& user,
                                                       const std::string& password);

/// Keeps (or renews) a token, and the connections already watching it.
void remember_token(registry_state& st, const std::string& digest, identity who,
                    std::int64_t expires_at_ms);

/// Erases a token and tells the connections that use it why: `revoked`
/// (a logout) or `expire`. Returns the next token.
using token_iterator = std::unordered_map<std::string, token_entry>::iterator;
enum class token_end { revoked, expired };
token_iterator drop_token(registry_pointer self, token_iterator it, token_end why);

/// Forgets a token and closes the connections that use it (revoked).
void forget_token(registry_pointer self, const std::string& digest);

// -- cluster mode (auth_settings::shared_storage) ---------------------------------
// Other nodes register users and issue tokens in the same database: a name
// or token this node does not know is looked up there, and kept once found.

// Each answers the request behind `rp` (made by the caller: CAF 0.17 hands
// out one promise per request).
caf::typed_response_promise<login_result>
login_from_storage(registry_pointer self, caf::typed_response_promise<login_result> rp,
                   const std::string& name, const std::string& password);

caf::typed_response_promise<token_grant>
auth_from_storage(registry_pointer self, caf::typed_response_promise<token_grant> rp,
                  const std::string& digest);

caf::typed_response_promise<identity> user_from_storage(registry_pointer self,
                                                        caf::typed_response_promise<identity> rp,
                                                        const std::string& name);

/// A token issued by another node: checked there, then deleted (which tells
/// every node, through the bus, to close its sockets).
caf::typed_response_promise<bool> logout_from_storage(registry_pointer self,
                                                      caf::typed_response_promise<bool> rp,
                                                      const std::string& digest);

} // namespace chat::registry_detail
