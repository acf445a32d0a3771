// Unit tests of the user actor: the replay a new connection
// gets (order, truncation, the end marker), live traffic held back during
// it without duplicates, multi-device fan-out, and acks reaching storage.
#include "actors/user.hpp"

#include <thread>

#include <doctest/doctest.h>

#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/directory.hpp"
#include "actors/persist_beat.hpp"
#include "common/clock.hpp"
#include "fake_session.hpp"
#include "protocol/atoms.hpp"
#include "protocol/frames.hpp"
#include "tests/support/fake_storage.hpp"

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

chat::chat_message msg(std::int64_t seq) {
  return {"m" + std::to_string(seq), seq, "devroom", "u2", "bob", R"({"n":1})", 1};
}

chat::delivery_ptr message(std::int64_t seq) {
  return std::make_shared<const chat::delivery>(
    chat::delivery{chat::make_frame(chat::message_frame(msg(seq))),
                   "m" + std::to_string(seq),
                   "devroom",
                   seq,
                   {}});
}

template <class... Ds>
chat::delivery_batch batch_of(Ds... ds) {
  return std::make_shared<const std::vector<chat::delivery_ptr>>(
    std::vector<chat::delivery_ptr>{std::move(ds)...});
}

// Storage that owes the user two directs and a truncated room backlog, and
// reports cursor updates and direct acks to `probe`.
chat::test::fake_storage_config owing(const caf::actor& probe) {
  chat::test::fake_storage_config cfg;
  chat::room_record devroom;
  devroom.name = "devroom";
  devroom.last_seq = 3;
  devroom.members.push_back({"u1", "alice"});
  cfg.rooms.emplace("devroom", devroom);
  cfg.replay.directs.push_back({"d1", "u1", "u2", "bob", R"({"t":"a"})", 1});
  cfg.replay.directs.push_back({"d2", "u1", "u2", "bob", R"({"t":"b"})", 2});
  cfg.replay.rooms.push_back({"devroom", true, 8, {msg(8), msg(9)}});
  cfg.probe = probe;
  return cfg;
}

chat::actor_settings settings(bool cluster = false) {
  chat::actor_settings s;
  s.ack_timeout = 60s;
  // Well inside cursor_writes()' quiet second, whatever the default is.
  s.cursor_flush = 250ms;
  s.cluster = cluster;
  return s;
}

// The real directory (no room of the user is running, so going online asks
// none) over the fake storage; the test talks to the user actor directly.
// Cluster: the user actor as in cluster mode.
template <bool Cluster>
struct basic_user_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor probe{sys};
  chat::storage_actor storage = chat::test::spawn_fake_storage(sys, owing(caf::actor{probe}));
  chat::directory_actor directory = chat::spawn_directory(
    sys, storage, std::make_shared<const chat::actor_settings>(settings(Cluster)));
  chat::persist_beat_actor beat = chat::spawn_persist_beat(sys, settings(Cluster).cursor_flush);
  chat::user_actor user
    = chat::spawn_user(sys, {"u1", "alice"}, directory, storage,
                       std::make_shared<const chat::actor_settings>(settings(Cluster)), beat);

  ~basic_user_fixture() {
    caf::anon_send(user, chat::close_atom::value);
    caf::anon_send(directory, chat::close_atom::value);
    caf::anon_send(beat, chat::close_atom::value);
    caf::anon_send_exit(storage, caf::exit_reason::user_shutdown);
  }

  // A "connection": an actor for the user to monitor, and its socket.
  struct conn {
    explicit conn(caf::actor_system& sys) : actor{sys} {}
    caf::scoped_actor actor;
    std::shared_ptr<chat::test::fake_session> session
      = std::make_shared<chat::test::fake_session>();
  };

  void connect(conn& c) {
    probe->send(user, chat::connect_atom::value, caf::actor_cast<chat::connection_actor>(c.actor),
                chat::session_ptr{c.session});
  }

  /// connect(), then the replay taken (m8 and m9 in flight) and the cursor
  /// its truncation moved (devroom to 7) seen by storage.
  void connect_replayed(conn& c) {
    connect(c);
    REQUIRE(c.session->take(6).size() == 6);
    probe->receive([](chat::cursor_atom, const std::string&, std::int64_t seq) { CHECK(seq == 7); },
                   caf::after(5s) >> [] { FAIL("truncation cursor not persisted"); });
  }

  /// The cursor writes storage gets within `wait` after the last one.
  std::vector<std::int64_t> cursor_writes(std::chrono::milliseconds wait = 1s) {
    std::vector<std::int64_t> written;
    for (bool got = true; got;) {
      got = false;
      probe->receive(
        [&](chat::cursor_atom, const std::string&, std::int64_t seq) {
          written.push_back(seq);
          got = true;
        },
        caf::after(wait) >> [] {});
    }
    return written;
  }
};

using user_fixture = basic_user_fixture<false>;
using cluster_user_fixture = basic_user_fixture<true>;

} // namespace

TEST_SUITE("user") {

TEST_CASE_FIXTURE(user_fixture,
                  "a new connection gets directs, then the room backlog, then replayed") {
  conn c{sys};
  connect(c);
  auto got = c.session->take(6);
  REQUIRE(got.size() == 6);
  CHECK(got[0]["type"] == "direct");
  CHECK(got[0]["id"] == "d1");
  CHECK(got[0]["replay"] == true);
  CHECK(got[1]["id"] == "d2");
  CHECK(got[2] == json{{"type", "truncated"}, {"room", "devroom"}, {"from_seq", 8}});
  CHECK(got[3]["seq"] == 8);
  CHECK(got[3]["replay"] == true);
  CHECK(got[4]["seq"] == 9);
  CHECK(got[5] == json{{"type", "replayed"}, {"count", 4}});
  // One batch, not counted against the socket's write queue limit.
  CHECK(c.session->uncounted_batches() == 1);
  // The truncation moved the cursor: what was cut is history now.
  probe->receive(
    [](chat::cursor_atom, const std::string& r, std::int64_t seq) {
      CHECK(r == "devroom");
      CHECK(seq == 7);
    },
    caf::after(5s) >> [] { FAIL("cursor not persisted"); });
}

TEST_CASE_FIXTURE(user_fixture, "live traffic follows the replay without what it already carried") {
  conn c{sys};
  connect(c);
  // Live deliveries racing the replay: seq 9 duplicates it, seq 10 is new.
  for (std::int64_t seq : {9, 10})
    probe->send(user, chat::deliver_atom::value, batch_of(message(seq)));
  auto got = c.session->take(7);
  REQUIRE(got.size() == 7);
  CHECK(got[5]["type"] == "replayed");
  CHECK(got[6]["seq"] == 10);
  CHECK_FALSE(got[6].contains("replay"));
  CHECK(c.session->take(1, 1s).empty()); // seq 9 was not sent twice
  // Storage reads see uncommitted writes, so a replayed message's live copy
  // can come after the replay is out: still not sent twice.
  for (std::int64_t seq : {9, 11})
    probe->send(user, chat::deliver_atom::value, batch_of(message(seq)));
  auto late = c.session->take(2);
  REQUIRE(late.size() == 1);
  CHECK(late[0]["seq"] == 11);
}

TEST_CASE_FIXTURE(
  user_fixture,
  "a room batch reaches a connection minus its own join and what its replay carried") {
  conn c{sys};
  connect(c);
  c.session->take(6); // the replay
  auto presence = [](const char* user_id, const char* name) {
    auto frame = chat::make_frame(chat::presence_frame("devroom", "join", {user_id, name}));
    return std::make_shared<const chat::delivery>(chat::delivery{frame, {}, "devroom", 0, user_id});
  };
  // Seq 9 was replayed (the cursor is owed 8 and 9); seq 10 is new.
  probe->send(user, chat::deliver_atom::value,
              batch_of(presence("u1", "alice"), presence("u2", "bob"), message(9), message(10)));
  auto got = c.session->take(2);
  REQUIRE(got.size() == 2);
  CHECK(got[0]["type"] == "presence");
  CHECK(got[0]["user"]["name"] == "bob");
  CHECK(got[1]["seq"] == 10);
  CHECK(c.session->take(1, 1s).empty());
}

TEST_CASE_FIXTURE(user_fixture,
                  "every connection gets live traffic, and an ack on one reaches storage") {
  conn c1{sys};
  conn c2{sys};
  connect(c1);
  connect(c2);
  c1.session->take(6);
  c2.session->take(6);
  probe->receive([](chat::cursor_atom, const std::string&, std::int64_t) {},
                 caf::after(5s) >> [] {});
  probe->receive([](chat::cursor_atom, const std::string&, std::int64_t) {},
                 caf::after(5s) >> [] {});
  probe->send(user, chat::deliver_atom::value, batch_of(message(10)));
  CHECK(c1.session->take(1).at(0)["id"] == "m10");
  CHECK(c2.session->take(1).at(0)["id"] == "m10");
  probe->send(user, chat::ack_atom::value, chat::id_list{"m8", "m9", "m10", "d1"});
  bool cursor_seen = false;
  bool directs_seen = false;
  for (int i = 0; i < 2; ++i)
    probe->receive(
      [&](chat::cursor_atom, const std::string&, std::int64_t seq) { cursor_seen = seq == 10; },
      [&](chat::ack_atom, const chat::id_list& ids) { directs_seen = ids == chat::id_list{"d1"}; },
      caf::after(5s) >> [] {});
  CHECK(cursor_seen);
  CHECK(directs_seen);
}

TEST_CASE_FIXTURE(user_fixture,
                  "a frame for one connection reaches that one only, and after its replay") {
  conn c1{sys};
  conn c2{sys};
  connect(c1);
  // Sent to c2 before its replay is out: held back, then after `replayed`.
  connect(c2);
  auto joined = chat::make_frame(R"({"type":"joined","room":"devroom"})");
  probe->send(user, chat::relay_atom::value, caf::actor_cast<caf::actor_addr>(c2.actor), joined);
  c1.session->take(6);
  auto replay = c2.session->take(7);
  REQUIRE(replay.size() == 7);
  CHECK(replay[5]["type"] == "replayed");
  CHECK(replay[6]["type"] == "joined");
  CHECK(c1.session->take(1, 1s).empty());
}

TEST_CASE_FIXTURE(user_fixture, "acks close together reach storage as one cursor write") {
  conn c{sys};
  connect_replayed(c);
  probe->send(user, chat::deliver_atom::value, batch_of(message(10)));
  REQUIRE(c.session->take(1).size() == 1);
  // Three ack frames, as a client acking every message at once would send.
  for (const char* id : {"m8", "m9", "m10"})
    probe->send(user, chat::ack_atom::value, chat::id_list{id});
  CHECK(cursor_writes() == std::vector<std::int64_t>{10});
}

TEST_CASE_FIXTURE(user_fixture,
                  "a moved cursor is written on the users' shared beat, within cursor_flush") {
  conn c{sys};
  connect_replayed(c);
  // Ack well inside a beat (cursor_flush = 250 ms here): the write comes at
  // the beat's end, not a whole cursor_flush after the ack, so every user's
  // writes of that beat reach storage together.
  const auto flush = settings().cursor_flush.count();
  for (auto in_beat = chat::steady_ms() % flush; in_beat < 100 || in_beat > 130;
       in_beat = chat::steady_ms() % flush)
    std::this_thread::sleep_for(1ms);
  const auto acked_at = chat::steady_ms();
  probe->send(user, chat::ack_atom::value, chat::id_list{"m8", "m9"});
  probe->receive([](chat::cursor_atom, const std::string&, std::int64_t seq) { CHECK(seq == 9); },
                 caf::after(5s) >> [] { FAIL("cursor not persisted"); });
  const auto written_at = chat::steady_ms();
  CHECK(written_at - acked_at < flush);
  CHECK(written_at % flush < 80); // soon after the beat, however late in it the ack came
}

TEST_CASE_FIXTURE(cluster_user_fixture,
                  "cluster mode: an ack is answered after its cursor and directs are stored") {
  auto owned = std::make_unique<conn>(sys);
  auto& c = *owned;
  connect(c);
  probe->receive(
    [](chat::online_atom, const std::string& u, bool online) {
      CHECK(u == "u1");
      CHECK(online);
    },
    caf::after(5s) >> [] { FAIL("presence not reported"); });
  REQUIRE(c.session->take(6).size() == 6);                // m8, m9, d1, d2 in flight
  CHECK(cursor_writes() == std::vector<std::int64_t>{7}); // the truncation
  bool answered = false;
  probe
    ->request(user, 5s, chat::ack_atom::value, chat::commit_atom::value,
              chat::id_list{"m8", "m9", "d1"})
    .receive([&](bool ok) { answered = ok; }, [](caf::error&) { FAIL("ack failed"); });
  CHECK(answered);
  // The fake storage reported the write before it answered.
  CHECK(cursor_writes(100ms) == std::vector<std::int64_t>{9});
  probe->receive(
    [](chat::ack_atom, const chat::id_list& ids) { CHECK(ids == chat::id_list{"d1"}); },
    caf::after(5s) >> [] { FAIL("direct ack not stored"); });
  // The last connection gone: not online on this node any more.
  owned.reset();
  probe->receive([](chat::online_atom, const std::string&, bool online) { CHECK_FALSE(online); },
                 caf::after(5s) >> [] { FAIL("going offline not reported"); });
}

TEST_CASE_FIXTURE(cluster_user_fixture,
                  "cluster mode: acks another node committed are not waited for or written here") {
  conn c{sys};
  connect(c);
  REQUIRE(c.session->take(6).size() == 6);
  CHECK(cursor_writes() == std::vector<std::int64_t>{7});
  // The user acked m8, m9 and d2 through another node.
  probe->send(user, chat::ack_atom::value, chat::cursor_list{chat::room_cursor{"devroom", 9, {}}},
              chat::id_list{"d2"});
  // A late ack of them here (from a client that acked on both) moves
  // nothing: nothing to store, answered at once.
  bool answered = false;
  probe
    ->request(user, 5s, chat::ack_atom::value, chat::commit_atom::value, chat::id_list{"m8", "m9"})
    .receive([&](bool ok) { answered = ok; }, [](caf::error&) { FAIL("ack failed"); });
  CHECK(answered);
  CHECK(cursor_writes(300ms).empty());
}

} // TEST_SUITE("user")
