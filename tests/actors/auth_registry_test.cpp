// Unit tests of the auth registry: registration rules, login, token checks,
// expiry, logout (with its watchers) and the hash pool's back-pressure.
#include "actors/auth_registry.hpp"

#include <doctest/doctest.h>

#include <thread>

#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "protocol/atoms.hpp"
#include "protocol/chat_error.hpp"
#include "tests/support/fake_storage.hpp"

using namespace std::chrono_literals;

namespace {

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  chat::storage_actor storage = chat::test::spawn_fake_storage(sys);
  std::shared_ptr<chat::auth::hash_pool> pool;
  chat::registry_actor registry;
  caf::scoped_actor self{sys};

  explicit fixture(std::int64_t ttl_s = 3600, std::string server_password = {},
                   std::size_t queue_max = 64) {
    REQUIRE(chat::auth::init());
    pool = std::make_shared<chat::auth::hash_pool>(2, queue_max);
    chat::auth_settings s;
    s.server_password = std::move(server_password);
    s.token_ttl_s = ttl_s;
    s.cost = {1, 8 * 1024};
    registry = chat::spawn_auth_registry(sys, storage, pool, s, {}, {});
  }

  ~fixture() {
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(storage, caf::exit_reason::user_shutdown);
  }

  template <class T, class... Ts>
  std::pair<T, std::optional<chat::chat_errc>> ask(Ts... xs) {
    std::pair<T, std::optional<chat::chat_errc>> out;
    self->request(registry, 10s, xs...)
      .receive([&](T& x) { out.first = std::move(x); },
               [&](caf::error& err) { out.second = chat::to_chat_errc(err); });
    return out;
  }

  auto enroll(const std::string& name, const std::string& pw, const std::string& spw = {}) {
    return ask<chat::identity>(chat::register_atom::value, name, pw, spw);
  }

  auto login(const std::string& name, const std::string& pw, const std::string& spw = {}) {
    return ask<chat::login_result>(chat::login_atom::value, name, pw, spw);
  }

  auto check(const std::string& token) {
    return ask<chat::token_grant>(chat::auth_atom::value, token);
  }
};

struct short_lived_tokens : fixture {
  short_lived_tokens() : fixture(1) {}
};

struct password_protected : fixture {
  password_protected() : fixture(3600, "letmein") {}
};

struct saturated_pool : fixture {
  saturated_pool() : fixture(3600, {}, 0) {}
};

} // namespace

TEST_SUITE("auth_registry") {

TEST_CASE_FIXTURE(fixture, "registration checks names and passwords and refuses duplicates") {
  auto [who, err] = enroll("alice", "password1");
  REQUIRE_FALSE(err);
  CHECK(who.name == "alice");
  CHECK(who.user_id.size() == 16);
  CHECK(enroll("alice", "password2").second == chat::chat_errc::name_taken);
  CHECK(enroll("bad name", "password1").second == chat::chat_errc::bad_request);
  CHECK(enroll("", "password1").second == chat::chat_errc::bad_request);
  CHECK(enroll(std::string(33, 'a'), "password1").second == chat::chat_errc::bad_request);
  CHECK(enroll("bob", "short").second == chat::chat_errc::bad_request);
  CHECK_FALSE(enroll(std::string(32, 'b'), "12345678").second);
}

TEST_CASE_FIXTURE(fixture, "two registrations of one name at once: exactly one wins") {
  // Both requests are out before either answer is read.
  caf::scoped_actor other{sys};
  auto first = self->request(registry, 10s, chat::register_atom::value, std::string{"twin"},
                             std::string{"password1"}, std::string{});
  auto second = other->request(registry, 10s, chat::register_atom::value, std::string{"twin"},
                               std::string{"password1"}, std::string{});
  int ok = 0;
  int taken = 0;
  auto on_ok = [&](chat::identity&) { ++ok; };
  auto on_err
    = [&](caf::error& err) { taken += chat::to_chat_errc(err) == chat::chat_errc::name_taken; };
  first.receive(on_ok, on_err);
  second.receive(on_ok, on_err);
  CHECK(ok == 1);
  CHECK(taken == 1);
}

TEST_CASE_FIXTURE(fixture, "login gives a token that identifies the user") {
  auto [who, e1] = enroll("carol", "password1");
  REQUIRE_FALSE(e1);
  auto [res, e2] = login("carol", "password1");
  REQUIRE_FALSE(e2);
  CHECK(res.token.size() == 64);
  CHECK(res.who.user_id == who.user_id);
  CHECK(res.expires_in == 3600);
  auto [session, e3] = check(res.token);
  REQUIRE_FALSE(e3);
  CHECK(session.who.name == "carol");
  CHECK(session.token_hash == chat::auth::token_digest(res.token));
  CHECK(login("carol", "wrong-password").second == chat::chat_errc::unauthorized);
  CHECK(login("nobody", "password1").second == chat::chat_errc::unauthorized);
  CHECK(check("not-a-token").second == chat::chat_errc::unauthorized);
}

TEST_CASE_FIXTURE(fixture, "a user name resolves to its identity") {
  auto [who, e1] = enroll("dave", "password1");
  REQUIRE_FALSE(e1);
  auto [found, e2] = ask<chat::identity>(chat::user_atom::value, std::string{"dave"});
  REQUIRE_FALSE(e2);
  CHECK(found.user_id == who.user_id);
  CHECK(found.name == "dave");
  CHECK(ask<chat::identity>(chat::user_atom::value, std::string{"nobody"}).second
        == chat::chat_errc::unknown_user);
}

TEST_CASE_FIXTURE(short_lived_tokens, "tokens stop working once expired") {
  enroll("dave", "password1");
  auto [res, err] = login("dave", "password1");
  auto answered = std::chrono::steady_clock::now();
  REQUIRE_FALSE(err);
  REQUIRE(res.expires_in == 1);
  CHECK_FALSE(check(res.token).second);
  // Expiry is what is checked here, so this sleeps the lifetime the login
  // advertised, counted from its answer (the token was made before it).
  std::this_thread::sleep_until(answered + std::chrono::seconds(res.expires_in));
  CHECK(check(res.token).second == chat::chat_errc::unauthorized);
}

TEST_CASE_FIXTURE(short_lived_tokens, "watchers of a token are told when it expires") {
  enroll("dora", "password1");
  auto [res, err] = login("dora", "password1");
  REQUIRE_FALSE(err);
  caf::scoped_actor watcher{sys};
  self->send(registry, chat::watch_atom::value, chat::auth::token_digest(res.token),
             caf::actor_cast<chat::connection_actor>(watcher));
  auto start = std::chrono::steady_clock::now();
  bool told = false;
  watcher->receive([&](chat::expire_atom) { told = true; }, caf::after(5s) >> [] {});
  CHECK(told);
  // Not before the token's one second is over.
  CHECK(std::chrono::steady_clock::now() - start >= 900ms);
  CHECK(check(res.token).second == chat::chat_errc::unauthorized);
}

TEST_CASE_FIXTURE(fixture, "logout kills the token and closes its watchers") {
  enroll("erin", "password1");
  auto [res, err] = login("erin", "password1");
  REQUIRE_FALSE(err);
  caf::scoped_actor watcher{sys};
  self->send(registry, chat::watch_atom::value, chat::auth::token_digest(res.token),
             caf::actor_cast<chat::connection_actor>(watcher));
  auto [ok, e1] = ask<bool>(chat::logout_atom::value, res.token);
  CHECK_FALSE(e1);
  bool told = false;
  watcher->receive([&](chat::revoked_atom) { told = true; }, caf::after(5s) >> [] {});
  CHECK(told);
  CHECK(check(res.token).second == chat::chat_errc::unauthorized);
  CHECK(ask<bool>(chat::logout_atom::value, res.token).second == chat::chat_errc::unauthorized);
}

TEST_CASE_FIXTURE(fixture, "a logout reaches the token's watchers that are still there") {
  enroll("ezra", "password1");
  auto [res, err] = login("ezra", "password1");
  REQUIRE_FALSE(err);
  auto digest = chat::auth::token_digest(res.token);
  caf::scoped_actor staying{sys};
  {
    caf::scoped_actor leaving{sys};
    self->send(registry, chat::watch_atom::value, digest,
               caf::actor_cast<chat::connection_actor>(leaving));
    self->send(registry, chat::watch_atom::value, digest,
               caf::actor_cast<chat::connection_actor>(staying));
    // The registry has both once it answers a later request.
    CHECK_FALSE(check(res.token).second);
  } // `leaving` ends: the registry drops its watch, and only its own
  CHECK_FALSE(ask<bool>(chat::logout_atom::value, res.token).second);
  bool told = false;
  staying->receive([&](chat::revoked_atom) { told = true; }, caf::after(5s) >> [] {});
  CHECK(told);
}

TEST_CASE_FIXTURE(fixture, "a watch on a token that is already gone is told at once") {
  enroll("enzo", "password1");
  auto [res, err] = login("enzo", "password1");
  REQUIRE_FALSE(err);
  REQUIRE_FALSE(ask<bool>(chat::logout_atom::value, res.token).second);
  caf::scoped_actor watcher{sys};
  self->send(registry, chat::watch_atom::value, chat::auth::token_digest(res.token),
             caf::actor_cast<chat::connection_actor>(watcher));
  // Once the registry answered a later request, the answer to the watch is
  // already there: it did not wait for the next expiry sweep.
  CHECK(check(res.token).second == chat::chat_errc::unauthorized);
  bool told = false;
  watcher->receive([&](chat::expire_atom) { told = true; }, caf::after(0s) >> [] {});
  CHECK(told);
}

TEST_CASE_FIXTURE(password_protected, "a server password guards register and login") {
  CHECK(enroll("frank", "password1").second == chat::chat_errc::unauthorized);
  CHECK(enroll("frank", "password1", "nope").second == chat::chat_errc::unauthorized);
  CHECK_FALSE(enroll("frank", "password1", "letmein").second);
  CHECK(login("frank", "password1").second == chat::chat_errc::unauthorized);
  CHECK_FALSE(login("frank", "password1", "letmein").second);
}

TEST_CASE_FIXTURE(saturated_pool, "a saturated hash pool answers busy instead of queueing") {
  CHECK(enroll("gina", "password1").second == chat::chat_errc::busy);
  // The name was not kept reserved by the refused attempt.
  CHECK(enroll("gina", "password1").second == chat::chat_errc::busy);
}

} // TEST_SUITE("auth_registry")
