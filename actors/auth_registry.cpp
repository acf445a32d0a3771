#include "actors/auth_registry.hpp"

#include <chrono>
#include <cstdint>
#include <iterator>
#include <unordered_map>

#include <caf/typed_event_based_actor.hpp>

#include "actors/auth/registry_state.hpp"
#include "common/clock.hpp"
#include "protocol/atoms.hpp"
#include "protocol/chat_error.hpp"
#include "protocol/frames.hpp"
#include "protocol/names.hpp"

namespace chat {

namespace registry_detail {

caf::typed_response_promise<login_result> verify_login(registry_pointer self,
                                                       caf::typed_response_promise<login_result> rp,
                                                       const user_record& user,
                                                       const std::string& password) {
  auto encoded = user.password_hash;
  caf::response_promise untyped = rp;
  if (!submit<verified_atom>(self, untyped, user, [encoded, password] {
        return auth::verify_password(encoded, password);
      }))
    return fail(rp, chat_errc::busy, "password hashing is saturated, retry later");
  return rp;
}

void remember_token(registry_state& st, const std::string& digest, identity who,
                    std::int64_t expires_at_ms) {
  auto& entry = st.tokens[digest];
  entry.who = std::move(who);
  entry.expires_at_ms = expires_at_ms;
}

token_iterator drop_token(registry_pointer self, token_iterator it, token_end why) {
  auto& st = self->state;
  for (const auto& w : it->second.watchers) {
    if (why == token_end::revoked)
      self->send(w, revoked_atom::value);
    else
      self->send(w, expire_atom::value);
    st.watched.erase(w.id());
  }
  return st.tokens.erase(it);
}

void forget_token(registry_pointer self, const std::string& digest) {
  if (auto it = self->state.tokens.find(digest); it != self->state.tokens.end())
    drop_token(self, it, token_end::revoked);
}

} // namespace registry_detail

namespace {

using namespace registry_detail;

registry_impl::behavior_type registry(registry_pointer self, storage_actor storage,
                                      std::shared_ptr<auth::hash_pool> pool, auth_settings settings,
                                      user_list users, token_list tokens) {
  auto& st = self->state;
  st.storage = std::move(storage);
  st.pool = std::move(pool);
  st.settings = std::move(settings);
  for (auto& u : users)
    st.users.emplace(u.name, std::move(u));
  std::unordered_map<std::string, std::string> names; // user_id -> name
  for (const auto& [name, u] : st.users)
    names.emplace(u.user_id, name);
  for (auto& t : tokens)
    if (auto it = names.find(t.user_id); it != names.end())
      st.tokens.emplace(t.token_hash, token_entry{{t.user_id, it->second}, t.expires_at_ms, {}});
  self->delayed_send(self, expiry_sweep, sweep_atom::value);
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& st = self->state;
    auto found = st.watched.find(dm.source.id());
    if (found == st.watched.end())
      return;
    auto& watchers = found->second->watchers;
    for (auto it = watchers.begin(); it != watchers.end(); ++it)
      if (it->address() == dm.source) {
        watchers.erase(it);
        break;
      }
    if (watchers.empty())
      std::vector<connection_actor>().swap(watchers); // most tokens outlive their sockets
    st.watched.erase(found);
  });
  return {
    [self](register_atom, const std::string& name, const std::string& password,
           const std::string& server_password) {
      auto& st = self->state;
      auto rp = self->make_response_promise<identity>();
      if (!st.server_password_ok(server_password))
        return fail(rp, chat_errc::unauthorized, "wrong server password");
      if (!valid_user_name(name))
        return fail(rp, chat_errc::bad_request,
                    "name must be 1-32 characters of A-Z a-z 0-9 _ . -");
      if (password.size() < 8)
        return fail(rp, chat_errc::bad_request, "password must be at least 8 characters");
      if (st.users.count(name) > 0)
        return fail(rp, chat_errc::name_taken, "name is taken");
      user_record rec{auth::random_user_id(), name, {}};
      auto cost = st.settings.cost;
      if (!submit<hashed_atom>(self, rp, rec,
                               [password, cost] { return auth::hash_password(password, cost); }))
        return fail(rp, chat_errc::busy, "password hashing is saturated, retry later");
      // Reserve the name now so a second register of it fails at once.
      st.users.emplace(name, std::move(rec));
      return rp;
    },
    [self](hashed_atom, std::uint64_t id, std::string& hash) {
      auto job = take_job(self, id);
      auto& st = self->state;
      if (hash.empty()) {
        st.users.erase(job.user.name);
        job.rp.deliver(make_error(chat_errc::busy, "password hashing failed"));
        return;
      }
      job.user.password_hash = std::move(hash);
      room_record channel;
      channel.name = channel_of(job.user.name);
      channel.max_members = st.settings.default_max_members;
      channel.members.push_back({job.user.user_id, job.user.name});
      self
        ->request(st.storage, st.settings.request_timeout, create_atom::value, user_atom::value,
                  job.user, channel)
        .then(
          [self, job](bool) mutable {
            self->state.users[job.user.name] = job.user;
            job.rp.deliver(identity{job.user.user_id, job.user.name});
          },
          [self, job](caf::error& err) mutable {
            self->state.users.erase(job.user.name);
            job.rp.deliver(std::move(err));
          });
    },
    [self](login_atom, const std::string& name, const std::string& password,
           const std::string& server_password) {
      auto& st = self->state;
      auto rp = self->make_response_promise<login_result>();
      if (!st.server_password_ok(server_password))
        return fail(rp, chat_errc::unauthorized, "wrong server password");
      auto it = st.users.find(name);
      if (it == st.users.end() && st.settings.shared_storage)
        return login_from_storage(self, rp, name, password);
      if (it == st.users.end() || it->second.password_hash.empty())
        return fail(rp, chat_errc::unauthorized, "wrong name or password");
      return verify_login(self, rp, it->second, password);
    },
    [self](verified_atom, std::uint64_t id, bool ok) {
      auto job = take_job(self, id);
      auto& st = self->state;
      if (!ok) {
        job.rp.deliver(make_error(chat_errc::unauthorized, "wrong name or password"));
        return;
      }
      auto token = auth::random_token();
      token_record rec{auth::token_digest(token), job.user.user_id,
                       unix_ms() + st.settings.token_ttl_s * 1000};
      identity who{job.user.user_id, job.user.name};
      self
        ->request(st.storage, st.settings.request_timeout, create_atom::value, token_atom::value,
                  rec)
        .then(
          [self, job, rec, who, token](bool) mutable {
            remember_token(self->state, rec.token_hash, who, rec.expires_at_ms);
            job.rp.deliver(login_result{token, who, self->state.settings.token_ttl_s});
          },
          [job](caf::error& err) mutable { job.rp.deliver(std::move(err)); });
    },
    [self](auth_atom, const std::string& token) -> caf::result<token_grant> {
      auto digest = auth::token_digest(token);
      auto& tokens = self->state.tokens;
      auto it = tokens.find(digest);
      if (it == tokens.end() && self->state.settings.shared_storage)
        return auth_from_storage(self, self->make_response_promise<token_grant>(), digest);
      if (it == tokens.end())
        return make_error(chat_errc::unauthorized, "unknown or logged-out token");
      if (it->second.expires_at_ms <= unix_ms()) {
        drop_token(self, it, token_end::expired);
        return make_error(chat_errc::unauthorized, "token expired");
      }
      return token_grant{it->second.who, digest, it->second.expires_at_ms};
    },
    [self](logout_atom, const std::string& token) {
      auto& st = self->state;
      auto rp = self->make_response_promise<bool>();
      auto digest = auth::token_digest(token);
      auto it = st.tokens.find(digest);
      if (it == st.tokens.end() && st.settings.shared_storage)
        return logout_from_storage(self, rp, digest);
      if (it == st.tokens.end() || it->second.expires_at_ms <= unix_ms())
        return fail(rp, chat_errc::unauthorized, "unknown or expired token");
      forget_token(self, digest);
      // Answer once the token is gone from disk too: a restart must not revive it.
      self
        ->request(st.storage, st.settings.request_timeout, delete_atom::value, token_atom::value,
                  digest)
        .then([rp](bool) mutable { rp.deliver(true); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self](user_atom, const std::string& name) -> caf::result<identity> {
      auto& users = self->state.users;
      auto it = users.find(name);
      if (it == users.end() && self->state.settings.shared_storage)
        return user_from_storage(self, self->make_response_promise<identity>(), name);
      // An empty hash is a registration still being hashed: not a user yet.
      if (it == users.end() || it->second.password_hash.empty())
        return make_error(chat_errc::unknown_user, "no user called " + name);
      return identity{it->second.user_id, it->second.name};
    },
    // Once per expiry_sweep: expired tokens are dropped and the connections
    // that use them told (each closes with 1008), so idle sockets end on time.
    [self](sweep_atom) {
      auto& st = self->state;
      auto now = unix_ms();
      for (auto it = st.tokens.begin(); it != st.tokens.end();)
        it = it->second.expires_at_ms > now ? std::next(it)
                                            : drop_token(self, it, token_end::expired);
      self->delayed_send(self, expiry_sweep, sweep_atom::value);
    },
    // Cluster mode: a logout on another node (the bus).
    [self](revoked_atom, const std::string& digest) { forget_token(self, digest); },
    [self](watch_atom, const std::string& digest, const connection_actor& connection) {
      auto& st = self->state;
      auto it = st.tokens.find(digest);
      if (it == st.tokens.end()) {
        // Gone between the socket's login and now (expired, or a logout).
        self->send(connection, expire_atom::value);
        return;
      }
      it->second.watchers.push_back(connection);
      st.watched.emplace(connection.id(), &it->second);
      self->monitor(connection);
    },
  };
}

} // namespace

registry_actor spawn_auth_registry(caf::actor_system& sys, storage_actor storage,
                                   std::shared_ptr<auth::hash_pool> pool, auth_settings settings,
                                   user_list users, token_list tokens) {
  return sys.spawn(registry, std::move(storage), std::move(pool), std::move(settings),
                   std::move(users), std::move(tokens));
}

} // namespace chat
