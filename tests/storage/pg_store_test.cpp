// Tests of what only the PostgreSQL store has (storage/pg_store): its schema
// and version, start-up failures, reads that commit the held batch first, a
// database that goes away and comes back, and several stores (nodes) on one
// database. The contract both backends share is tested by the other storage
// test files, built a second time against PostgreSQL (store_fixture.hpp).
#include "protocol/atoms.hpp"
#include "storage/pg_bus.hpp"
#include "storage/store_options.hpp"

#include <chrono>
#include <cstdint>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <doctest/doctest.h>

#include "protocol/chat_error.hpp"
#include "store_fixture.hpp"
#include "tests/support/pg_server.hpp"

using namespace chat;
using namespace chat::test;
using namespace std::chrono_literals;

namespace {

/// Asks for health until it is `want` or `limit` has passed.
bool health_becomes(fixture& f, bool want, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    bool healthy = false;
    (*f.self)
      ->request(f.store, 5s, health_atom::value)
      .receive([&](bool ok) { healthy = ok; }, [&](caf::error&) {});
    if (healthy == want)
      return true;
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(50ms);
  }
}

} // namespace

TEST_SUITE("storage postgres") {

TEST_CASE_FIXTURE(fixture, "opening a fresh database creates the schema at version 1") {
  auto& pg = pg_server::shared();
  for (auto table : {"schema_version", "users", "tokens", "rooms", "room_seqs", "members",
                     "messages", "directs"})
    CHECK_MESSAGE(pg.value(db_name, std::string{"SELECT to_regclass('"} + table + "') IS NOT NULL")
                    == "t",
                  "missing table " << table);
  CHECK(pg.value(db_name, "SELECT string_agg(version::text, ',') FROM schema_version") == "1");
  // Opening it again keeps the one version row.
  restart();
  CHECK(pg.value(db_name, "SELECT count(*) FROM schema_version") == "1");
}

TEST_CASE_FIXTURE(fixture, "a database written by a newer server is refused with a message") {
  stop();
  REQUIRE(pg_server::shared().exec(db_name, "UPDATE schema_version SET version = 99"));
  caf::actor_system_config cfg2;
  caf::actor_system sys2{cfg2};
  auto spawned = spawn_storage(sys2, opts);
  REQUIRE_FALSE(spawned);
  CHECK(to_chat_errc(spawned.error()) == chat_errc::storage);
  CHECK(error_text(spawned.error()).find("schema version 99 is newer") != std::string::npos);
}

TEST_CASE("an unreachable database fails start-up with a message") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  store_options opts;
  opts.backend = store_backend::postgres;
  // Port 1 on loopback: nothing listens there.
  opts.url = "host=127.0.0.1 port=1 user=postgres dbname=chat connect_timeout=5";
  auto spawned = spawn_storage(sys, opts);
  REQUIRE_FALSE(spawned);
  CHECK(to_chat_errc(spawned.error()) == chat_errc::storage);
  CHECK(error_text(spawned.error()).find("cannot connect to PostgreSQL") != std::string::npos);
}

TEST_CASE_FIXTURE(fixture, "a read commits the writes held before it, so it sees them") {
  opts.commit_window = 1h; // only the read (or the exit) commits
  restart();
  end_quiet_spell();
  auto start = std::chrono::steady_clock::now();
  auto write = (*self)->request(store, 5s, create_atom::value, token_atom::value,
                                token_record{"t1", "u1", 5000});
  auto tokens = ask<token_list>(load_atom::value, token_atom::value, std::int64_t{0});
  CHECK(tokens.size() == 1);
  bool stored = false;
  write.receive([&](bool x) { stored = x; }, [&](caf::error& err) { FAIL_CHECK(error_text(err)); });
  CHECK(stored);
  CHECK(std::chrono::steady_clock::now() - start < 2s);
}

TEST_CASE_FIXTURE(fixture,
                  "while the database is down requests fail with storage and health says so, "
                  "and the store reconnects by itself when it is back") {
  auto& pg = pg_server::shared();
  CHECK(append(make_message("lobby", 1)).seq == 1);
  pg.kill9();
  auto failed = ask_error<chat_message>(append_atom::value, make_message("lobby", 2));
  CHECK(to_chat_errc(failed) == chat_errc::storage);
  CHECK(health_becomes(*this, false, 2s));
  pg.start();
  CHECK(health_becomes(*this, true, 15s));
  // The failed append took no seq: the next one is 2, and 1 survived.
  CHECK(append(make_message("lobby", 3)).seq == 2);
  auto page = history("lobby", 0);
  REQUIRE(page.messages.size() == 2);
  CHECK(page.messages[0].seq == 1);
  CHECK(page.messages[1].seq == 2);
}

TEST_CASE_FIXTURE(fixture, "two stores on one database number a room's messages 1..n, each once") {
  // Two nodes: a second store on the same database, appending to the same
  // room at the same time as the first.
  auto second = spawn_storage(*sys, opts);
  REQUIRE(second);
  constexpr std::int64_t each = 300;
  using handle = decltype((*self)->request(store, 5s, append_atom::value, chat_message{}));
  std::vector<handle> pending;
  for (std::int64_t i = 1; i <= each; ++i) {
    pending.push_back((*self)->request(store, 20s, append_atom::value, make_message("lobby", i)));
    pending.push_back((*self)->request(*second, 20s, append_atom::value, make_message("lobby", i)));
  }
  std::set<std::int64_t> seqs;
  std::set<std::string> ids;
  for (auto& reply : pending)
    reply.receive(
      [&](chat_message& msg) {
        seqs.insert(msg.seq);
        ids.insert(msg.id);
      },
      [&](caf::error& err) { FAIL_CHECK(error_text(err)); });
  CHECK(seqs.size() == 2 * each);
  CHECK(ids.size() == 2 * each);
  CHECK(*seqs.begin() == 1);
  CHECK(*seqs.rbegin() == 2 * each);
  CHECK(pg_server::shared().value(db_name, "SELECT count(*) FROM messages WHERE room = 'lobby'")
        == std::to_string(2 * each));
  caf::anon_send_exit(*second, caf::exit_reason::user_shutdown);
}

TEST_CASE("stores starting at once on a fresh database all start, with one schema") {
  auto& pg = pg_server::shared();
  auto name = pg.fresh_database();
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  store_options opts;
  opts.backend = store_backend::postgres;
  opts.url = pg.url(name);
  std::vector<std::future<bool>> starts;
  for (int i = 0; i < 4; ++i)
    starts.push_back(std::async(std::launch::async, [&] {
      auto spawned = spawn_storage(sys, opts);
      if (spawned)
        caf::anon_send_exit(*spawned, caf::exit_reason::user_shutdown);
      else
        MESSAGE(error_text(spawned.error()));
      return static_cast<bool>(spawned);
    }));
  for (auto& started : starts)
    CHECK(started.get());
  CHECK(pg.value(name, "SELECT count(*) FROM schema_version") == "1");
}

} // TEST_SUITE("storage postgres")

TEST_SUITE("storage postgres bus") {

TEST_CASE_FIXTURE(fixture, "the bus hands on each commit's messages with their seqs") {
  caf::scoped_actor listener{*sys};
  bus_options bus_opts;
  bus_opts.url = opts.url;
  auto bus = spawn_pg_bus(*sys, bus_opts, caf::actor_cast<bus_listener>(listener),
                          caf::actor_cast<token_listener>(listener));
  REQUIRE(bus);
  append(make_message("lobby", 1));
  append(make_message("lobby", 2));
  std::vector<std::int64_t> seqs;
  std::int64_t last = 0;
  for (int i = 0; i < 10 && seqs.size() < 2; ++i)
    listener->receive(
      [&](stored_atom, const room_event_ptr& event) {
        CHECK(event->room == "lobby");
        last = std::max(last, event->last_seq);
        for (auto& msg : event->messages)
          seqs.push_back(msg.seq);
      },
      caf::after(2s) >> [] {});
  CHECK(seqs == std::vector<std::int64_t>{1, 2});
  CHECK(last == 2);
  caf::anon_send_exit(*bus, caf::exit_reason::user_shutdown);
}

} // TEST_SUITE("storage postgres bus")
