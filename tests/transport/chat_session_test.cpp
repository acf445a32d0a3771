// transport/chat_session.hpp, the core both chat sessions stand on, without
// a socket: a probe session on an io_pool's first io_context, the real
// connection actor, and typed stand-ins for the registry, the directory,
// storage and the user actor (tests/support). What the core promises: each session gets its own id;
// open() counts the session as live and spawns its connection actor, whose frames come back through
// the outbox on the I/O thread; detach() makes that actor close the session and let go of it; the
// live count and the place end with the session.
#include "transport/chat_session.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "common/metrics.hpp"
#include "protocol/atoms.hpp"
#include "tests/support/fake_storage.hpp"
#include "tests/support/stub_actors.hpp"
#include "transport/io_pool.hpp"

#include "recording.hpp"

using namespace std::chrono_literals;

namespace {

// A session without a socket: records what the outbox hands it, and on
// which thread.
class probe_session : public chat::test::recording<chat::chat_session> {
public:
  probe_session(transport kind, const chat::net::any_io_executor& ex,
                std::shared_ptr<chat::server_context> ctx)
    : recording(kind, ex, std::move(ctx), {}) {}

  using chat_session::detach;
  using chat_session::open;
  using chat_session::to_connection;
};

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  chat::user_actor user = sys.spawn(chat::test::silent_user);
  chat::directory_actor directory = sys.spawn(chat::test::directory_of, user);
  chat::registry_actor registry = sys.spawn(chat::test::silent_registry);
  chat::storage_actor storage = chat::test::spawn_fake_storage(sys);
  chat::io_pool pool{1};
  std::shared_ptr<chat::server_context> ctx = make_context();

  std::shared_ptr<chat::server_context> make_context() {
    auto result = std::make_shared<chat::server_context>(
      sys, registry, directory, storage, std::make_shared<const chat::actor_settings>(),
      chat::transport_settings{});
    result->pool = &pool;
    return result;
  }

  std::shared_ptr<probe_session> make_session(chat::chat_session::transport kind) {
    return std::make_shared<probe_session>(kind, pool.first().get_executor(), ctx);
  }

  chat::token_grant grant(const std::string& name) {
    return {{"u-" + name, name}, "digest-" + name, INT64_MAX};
  }

  // Runs the I/O thread's work here until `done` or 5 s.
  template <class Predicate>
  bool run_until(Predicate done) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done() && std::chrono::steady_clock::now() < deadline)
      pool.first().run_for(5ms);
    return done();
  }

  // Detaches `s` and waits for its connection actor to close it and let go
  // of it (the actor's last push must not outlive the pool).
  bool end(const std::shared_ptr<probe_session>& s) {
    s->detach();
    return run_until([&] { return closed(*s) && s.use_count() == 1; });
  }

  static bool closed(const probe_session& s) {
    return !s.got.empty() && s.got.back().rfind("close ", 0) == 0;
  }

  ~fixture() {
    caf::anon_send_exit(user, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(storage, caf::exit_reason::user_shutdown);
  }
};

std::string connection_id_of(const std::string& welcome) {
  auto doc = nlohmann::json::parse(welcome, nullptr, false);
  return doc.is_object() ? doc.value("connection_id", "") : "";
}

} // namespace

TEST_SUITE("chat_session") {

TEST_CASE_FIXTURE(fixture, "an opened session is greeted by its connection actor, under its id") {
  auto a = make_session(chat::chat_session::transport::websocket);
  auto b = make_session(chat::chat_session::transport::tcp);
  a->open(grant("alice"), ctx->limits->take_connection());
  b->open(grant("bob"), ctx->limits->take_connection());
  REQUIRE(run_until([&] { return !a->got.empty() && !b->got.empty(); }));
  auto id_a = connection_id_of(a->got.front());
  auto id_b = connection_id_of(b->got.front());
  CHECK(id_a.rfind('c', 0) == 0);
  CHECK(id_b.rfind('c', 0) == 0);
  CHECK(id_a != id_b);
  // On the thread that runs the socket's io_context: here.
  CHECK(a->threads.front() == std::this_thread::get_id());
  CHECK(end(a));
  CHECK(end(b));
}

TEST_CASE_FIXTURE(fixture, "hand-overs from any thread reach the session in order") {
  auto s = make_session(chat::chat_session::transport::websocket);
  auto frame = [](const char* text) { return std::make_shared<const std::string>(text); };
  std::thread actor_thread{[&] {
    s->send(frame("one"));
    s->send_batch({frame("two"), frame("three")}, false);
    s->close(1013, "write queue overflow");
  }};
  actor_thread.join();
  REQUIRE(run_until([&] { return s->got.size() == 4; }));
  CHECK(s->got
        == std::vector<std::string>{"one", "two (uncounted)", "three (uncounted)",
                                    "close 1013 write queue overflow"});
}

TEST_CASE_FIXTURE(fixture, "detach tells the connection actor, which closes and lets go") {
  auto& m = chat::metrics::get();
  auto live_before = m.tcp_live.value();
  auto closed_before = m.tcp_closed.value();
  auto places_before = ctx->limits->live();
  auto s = make_session(chat::chat_session::transport::tcp);
  s->open(grant("carol"), ctx->limits->take_connection());
  CHECK(m.tcp_live.value() == live_before + 1);
  CHECK(ctx->limits->live() == places_before + 1);
  REQUIRE(run_until([&] { return !s->got.empty(); })); // welcome
  // The actor answers its close_atom with a close and quits, dropping its
  // reference to the session.
  REQUIRE(end(s));
  CHECK(s->got.back() == "close 1001 server shutting down");
  s->detach(); // told already: nothing more to tell
  std::weak_ptr<probe_session> gone = s;
  s.reset();
  CHECK(gone.expired());
  CHECK(m.tcp_live.value() == live_before);
  CHECK(m.tcp_closed.value() == closed_before + 1);
  CHECK(ctx->limits->live() == places_before);
}

TEST_CASE_FIXTURE(fixture, "a session never opened counts nothing and spawns no actor") {
  auto& m = chat::metrics::get();
  auto live_before = m.ws_live.value();
  auto closed_before = m.ws_closed.value();
  {
    auto s = make_session(chat::chat_session::transport::websocket);
    s->to_connection("{}"); // no connection actor yet: dropped
    s->detach();
    CHECK(s.use_count() == 1);
  }
  CHECK(m.ws_live.value() == live_before);
  CHECK(m.ws_closed.value() == closed_before);
}

} // TEST_SUITE("chat_session")
