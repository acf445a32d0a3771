// The auth registry's storage look-ups in cluster mode
// (actors/auth/registry_state.hpp): accounts and tokens of other nodes.
#include "actors/auth/registry_state.hpp"

#include <optional>
#include <utility>

#include "common/clock.hpp"

namespace chat::registry_detail {

namespace {

/// Keeps a user found in storage, unless a registration of the name is
/// under way here (its reservation wins; storage refuses one of the two).
void keep_user(registry_pointer self, const user_record& user) {
  self->state.users.emplace(user.name, user);
}

} // namespace

caf::typed_response_promise<login_result>
login_from_storage(registry_pointer self, caf::typed_response_promise<login_result> rp,
                   const std::string& name, const std::string& password) {
  auto& st = self->state;
  self->request(st.storage, st.settings.request_timeout, load_atom::value, user_atom::value, name)
    .then(
      [self, rp, password](std::optional<user_record>& user) mutable {
        if (!user || user->password_hash.empty()) {
          rp.deliver(make_error(chat_errc::unauthorized, "wrong name or password"));
          return;
        }
        keep_user(self, *user);
        verify_login(self, rp, *user, password);
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

caf::typed_response_promise<token_grant>
auth_from_storage(registry_pointer self, caf::typed_response_promise<token_grant> rp,
                  const std::string& digest) {
  auto& st = self->state;
  self
    ->request(st.storage, st.settings.request_timeout, load_atom::value, token_atom::value, digest)
    .then(
      [self, rp](std::optional<token_grant>& grant) mutable {
        if (!grant || grant->expires_at_ms <= unix_ms()) {
          rp.deliver(make_error(chat_errc::unauthorized, "unknown, expired or logged-out token"));
          return;
        }
        remember_token(self->state, grant->token_hash, grant->who, grant->expires_at_ms);
        rp.deliver(std::move(*grant));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

caf::typed_response_promise<identity> user_from_storage(registry_pointer self,
                                                        caf::typed_response_promise<identity> rp,
                                                        const std::string& name) {
  auto& st = self->state;
  self->request(st.storage, st.settings.request_timeout, load_atom::value, user_atom::value, name)
    .then(
      [self, rp, name](std::optional<user_record>& user) mutable {
        if (!user) {
          rp.deliver(make_error(chat_errc::unknown_user, "no user called " + name));
          return;
        }
        keep_user(self, *user);
        rp.deliver(identity{user->user_id, user->name});
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

caf::typed_response_promise<bool> logout_from_storage(registry_pointer self,
                                                      caf::typed_response_promise<bool> rp,
                                                      const std::string& digest) {
  auto& st = self->state;
  self
    ->request(st.storage, st.settings.request_timeout, load_atom::value, token_atom::value, digest)
    .then(
      [self, rp, digest](std::optional<token_grant>& grant) mutable {
        if (!grant || grant->expires_at_ms <= unix_ms()) {
          rp.deliver(make_error(chat_errc::unauthorized, "unknown or expired token"));
          return;
        }
        // The deletion's commit notifies every node (this one too), and
        // each closes its sockets that use the token.
        auto& st = self->state;
        self
          ->request(st.storage, st.settings.request_timeout, delete_atom::value, token_atom::value,
                    digest)
          .then([rp](bool) mutable { rp.deliver(true); },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

} // namespace chat::registry_detail
