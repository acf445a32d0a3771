// The storage tests' fixture: each test gets a store on its own database
// (a file in a fresh temporary folder, or a fresh PostgreSQL database), a
// scoped actor to ask it, and restart() to close the actor system and reopen
// the database. Shared by every storage test file.
//
// The same tests run against both backends: storage_tests on SQLite, and
// storage_pg_tests (label `cluster`, built with CHAT_TEST_PG) on a
// throwaway PostgreSQL server (tests/support/pg_server.hpp). A test of
// something only one backend has is inside `#if CHAT_TEST_PG` or
// `#if !CHAT_TEST_PG`, with the reason.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <utility>

#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <doctest/doctest.h>

#include "protocol/atoms.hpp"
#include "protocol/chat_error.hpp"
#include "protocol/messages.hpp"
#include "storage/store_options.hpp"
#if CHAT_TEST_PG
#include "tests/support/pg_server.hpp"
#endif

namespace chat::test {

using namespace std::chrono_literals;

inline std::filesystem::path unique_dir() {
  std::random_device rd;
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  return std::filesystem::temp_directory_path()
         / ("chat-storage-test-" + std::to_string(now) + "-" + std::to_string(rd()));
}

/// A temporary folder, removed with everything in it.
struct scratch_dir {
  std::filesystem::path path = unique_dir();
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

inline user_record make_user(const std::string& id, const std::string& name) {
  return user_record{id, name, "hash-of-" + name};
}

/// A user's channel as the caller builds it: private, the user its member.
inline room_record make_channel(const user_record& user) {
  room_record room;
  room.name = "@" + user.name;
  room.is_private = true;
  room.members.push_back(member_record{user.user_id, user.name});
  return room;
}

inline room_record make_room(const std::string& name, bool is_private = false) {
  room_record room;
  room.name = name;
  room.is_private = is_private;
  return room;
}

inline chat_message make_message(const std::string& room, std::int64_t seq) {
  return chat_message{"",
                      seq,
                      room,
                      "u1",
                      "alice",
                      "{\"text\":\"hello " + std::to_string(seq) + "\"}",
                      1700000000000 + seq};
}

struct fixture {
  // Declared first so the folder is removed after the actor system is gone.
  scratch_dir scratch;
  store_options opts;
  std::optional<caf::actor_system_config> cfg;
  std::optional<caf::actor_system> sys;
  std::optional<caf::scoped_actor> self;
  chat::storage_actor store;
  std::string db_name; // PostgreSQL: this test's database

  fixture() {
    // The db folder does not exist yet: opening the store has to create it.
    opts.path = (scratch.path / "data" / "chat.db").string();
#if CHAT_TEST_PG
    opts.backend = store_backend::postgres;
    db_name = pg_server::shared().fresh_database();
    opts.url = pg_server::shared().url(db_name);
#endif
    start();
  }

  ~fixture() {
    stop();
  }

  void start() {
    cfg.emplace();
    sys.emplace(*cfg);
    self.emplace(*sys);
    auto spawned = spawn_storage(*sys, opts);
    REQUIRE_MESSAGE(spawned, "cannot open store: " << error_text(spawned.error()));
    store = std::move(*spawned);
  }

  /// Stops the store and waits for the actor system to end: afterwards the
  /// database file is closed.
  void stop() {
    if (store)
      caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
    store = nullptr;
    self.reset();
    sys.reset();
    cfg.reset();
  }

  void restart() {
    stop();
    start();
  }

  /// Sends a request and returns its reply; any error fails the test.
  template <class T, class... Ts>
  T ask(Ts&&... xs) {
    T result{};
    caf::error failure;
    (*self)
      ->request(store, 5s, std::forward<Ts>(xs)...)
      .receive([&](T& x) { result = std::move(x); },
               [&](caf::error& err) { failure = std::move(err); });
    REQUIRE_MESSAGE(!failure, "request failed: " << error_text(failure));
    return result;
  }

  /// Sends a request that must fail and returns its error.
  template <class T, class... Ts>
  caf::error ask_error(Ts&&... xs) {
    caf::error failure;
    (*self)
      ->request(store, 5s, std::forward<Ts>(xs)...)
      .receive([&](T&) { FAIL_CHECK("request succeeded unexpectedly"); },
               [&](caf::error& err) { failure = std::move(err); });
    return failure;
  }

  /// Commits one write (a room of its own), so that the store is no longer
  /// quiet: a write that follows at once waits for a whole commit window
  /// instead of committing straight away.
  void end_quiet_spell() {
    CHECK(ask<bool>(create_atom::value, room_atom::value, make_room("warm-up")));
  }

  bool create_user(const user_record& user) {
    return ask<bool>(create_atom::value, user_atom::value, user, make_channel(user));
  }

  std::optional<room_record> room(const std::string& name) {
    return ask<std::optional<room_record>>(load_atom::value, room_atom::value, name);
  }

  history_page history(const std::string& room, std::int64_t page) {
    return ask<history_page>(history_atom::value, room, page, std::int64_t{100});
  }

  chat_message append(const chat_message& msg) {
    return ask<chat_message>(append_atom::value, msg);
  }

  /// A fire-and-forget membership change (committed with the next batch).
  void member(const std::string& room, const std::string& user_id, bool joined = true) {
    caf::anon_send(store, member_atom::value, room, user_id, joined);
  }

  cursor_list cursors(const std::string& user_id) {
    return ask<cursor_list>(load_atom::value, cursor_atom::value, user_id);
  }

  /// The rooms the user belongs to, by name.
  name_list member_rooms(const std::string& user_id) {
    name_list result;
    for (auto& cursor : cursors(user_id))
      result.push_back(cursor.room);
    return result;
  }
};

} // namespace chat::test
