// Unit tests of the directory actor: rooms loaded or created on demand, one
// actor per room, and user actors that live exactly while connected.
#include "actors/directory.hpp"

#include <doctest/doctest.h>

#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "fake_session.hpp"
#include "protocol/atoms.hpp"
#include "protocol/chat_error.hpp"
#include "protocol/frames.hpp"
#include "tests/support/fake_storage.hpp"
#include "tests/support/stub_actors.hpp"

using namespace std::chrono_literals;

namespace {

/// The fake storage of these tests: one stored room, every load logged.
chat::test::fake_storage_config stored_room(chat::test::load_log loads) {
  chat::test::fake_storage_config cfg;
  cfg.rooms.emplace("stored", chat::room_record{"stored", false, "", 10, 5, {{"u9", "zed"}}});
  cfg.loads = std::move(loads);
  return cfg;
}

struct directory_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  chat::test::load_log loads = std::make_shared<std::vector<std::string>>();
  chat::storage_actor storage = chat::test::spawn_fake_storage(sys, stored_room(loads));
  chat::directory_actor directory
    = chat::spawn_directory(sys, storage, std::make_shared<const chat::actor_settings>());
  caf::scoped_actor self{sys};

  std::pair<chat::room_actor, std::optional<chat::chat_errc>>
  room(const std::string& name, bool create, const chat::join_options& opts = {}) {
    std::pair<chat::room_actor, std::optional<chat::chat_errc>> out;
    self->request(directory, 5s, chat::room_atom::value, name, create, opts)
      .receive([&](chat::room_actor& r) { out.first = r; },
               [&](caf::error& err) { out.second = chat::to_chat_errc(err); });
    return out;
  }

  // Connects `who` (an actor standing in for its connection, and a socket)
  // and waits until its user actor is online: `replayed` comes after every
  // room it belongs to was told.
  chat::user_actor connect(const chat::identity& who,
                           const std::shared_ptr<chat::test::fake_session>& session) {
    auto connection = make_connection();
    chat::user_actor user;
    self
      ->request(directory, 5s, chat::connect_atom::value, who, connection,
                chat::session_ptr{session})
      .receive([&](chat::user_actor& u) { user = u; }, [](caf::error&) { FAIL("user lookup"); });
    CHECK_FALSE(session->next_of("replayed").is_null());
    return user;
  }

  // Whether `user_id` is listed online in `room`'s `who`.
  // A connection actor for the user actor to monitor.
  chat::connection_actor make_connection() {
    auto connection = sys.spawn(chat::test::silent_connection);
    spawned.push_back(connection);
    return connection;
  }

  bool listed_online(const chat::room_actor& room, const std::string& user_id) {
    bool online = false;
    self->request(room, 5s, chat::who_atom::value)
      .receive(
        [&](chat::member_list& members) {
          for (const auto& m : members)
            online = online || (m.user_id == user_id && m.online);
        },
        [](caf::error&) { FAIL("who failed"); });
    return online;
  }

  std::vector<chat::connection_actor> spawned; // stopped with the fixture

  ~directory_fixture() {
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send(directory, chat::close_atom::value);
    caf::anon_send_exit(storage, caf::exit_reason::user_shutdown);
  }
};

} // namespace

TEST_SUITE("directory") {

TEST_CASE_FIXTURE(directory_fixture, "an unknown room is an error unless the caller creates it") {
  auto [none, err] = room("newroom", false);
  CHECK(err == chat::chat_errc::unknown_room);
  chat::join_options opts;
  opts.max_members = 1;
  auto [created, err2] = room("newroom", true, opts);
  REQUIRE_FALSE(err2);
  auto [again, err3] = room("newroom", false);
  CHECK(again == created);
  // The creator's max_members took effect: a second member is refused.
  caf::scoped_actor a{sys};
  a->request(created, 5s, chat::join_atom::value, chat::identity{"u1", "a"},
             caf::actor_cast<chat::user_actor>(a), std::string{}, std::string{"1"})
    .receive([](chat::member_list&) {}, [](caf::error&) { FAIL("first join failed"); });
  a->request(created, 5s, chat::join_atom::value, chat::identity{"u2", "b"},
             caf::actor_cast<chat::user_actor>(a), std::string{}, std::string{"1"})
    .receive([](chat::member_list&) { FAIL("second join should be refused"); },
             [](caf::error& err) { CHECK(chat::to_chat_errc(err) == chat::chat_errc::room_full); });
}

TEST_CASE_FIXTURE(directory_fixture, "a stored room is loaded with its members and seq") {
  auto [stored, err] = room("stored", false);
  REQUIRE_FALSE(err);
  self->request(stored, 5s, chat::who_atom::value)
    .receive(
      [](chat::member_list& members) {
        REQUIRE(members.size() == 1);
        CHECK(members[0].name == "zed");
        CHECK_FALSE(members[0].online);
      },
      [](caf::error&) { FAIL("who failed"); });
  self
    ->request(stored, 5s, chat::join_atom::value, chat::identity{"u1", "a"},
              caf::actor_cast<chat::user_actor>(self), std::string{}, std::string{"1"})
    .receive([](chat::member_list&) {}, [](caf::error&) { FAIL("join failed"); });
  self->request(stored, 5s, chat::post_atom::value, chat::identity{"u1", "a"}, std::string{"{}"})
    .receive([](chat::chat_message& m) { CHECK(m.seq == 6); },
             [](caf::error&) { FAIL("post failed"); });
}

TEST_CASE_FIXTURE(directory_fixture, "concurrent lookups of one room get the same actor") {
  std::vector<chat::room_actor> seen;
  std::vector<std::unique_ptr<caf::scoped_actor>> askers;
  using handle = decltype(self->request(directory, 5s, chat::room_atom::value, std::string{}, true,
                                        chat::join_options{}));
  std::vector<handle> pending;
  for (int i = 0; i < 20; ++i) {
    askers.push_back(std::make_unique<caf::scoped_actor>(sys));
    pending.push_back((*askers.back())
                        ->request(directory, 5s, chat::room_atom::value, std::string{"busy"}, true,
                                  chat::join_options{}));
  }
  for (auto& p : pending)
    p.receive([&](chat::room_actor& r) { seen.push_back(r); },
              [](caf::error&) { FAIL("no answer"); });
  REQUIRE(seen.size() == 20);
  for (const auto& r : seen)
    CHECK(r == seen.front());
}

TEST_CASE_FIXTURE(directory_fixture,
                  "a user actor serves all its connections and stops after the last") {
  chat::identity alice{"u1", "alice"};
  // Two connections, each with its session.
  auto s1 = std::make_shared<chat::test::fake_session>();
  auto s2 = std::make_shared<chat::test::fake_session>();
  auto u1 = connect(alice, s1);
  auto u2 = connect(alice, s2);
  REQUIRE(u1 == u2);
  // A direct for alice: both sessions write the very same bytes.
  auto frame = chat::make_frame(R"({"type":"direct","id":"d5"})");
  auto direct = std::make_shared<const chat::delivery>(chat::delivery{frame, "d5", {}, 0, {}});
  self->send(directory, chat::direct_atom::value, alice.user_id, direct);
  CHECK(s1->next_raw() == frame);
  CHECK(s2->next_raw() == frame);
  // Acked (from either connection), nothing is in flight: once the last
  // connection ends, the user actor retires.
  self->send(u1, chat::ack_atom::value, chat::id_list{"d5"});
  self->monitor(u1);
  for (auto& connection : spawned)
    caf::anon_send_exit(connection, caf::exit_reason::user_shutdown);
  bool down = false;
  self->receive([&](const caf::down_msg& dm) { down = dm.source == u1.address(); },
                caf::after(5s) >> [] {});
  CHECK(down);
}

TEST_CASE_FIXTURE(
  directory_fixture,
  "a login does not load the user's idle rooms, and one loaded later lists it online") {
  chat::identity zed{"u9", "zed"};
  auto session = std::make_shared<chat::test::fake_session>();
  connect(zed, session);
  CHECK(loads->empty()); // "stored" is zed's, but nobody used it
  auto [stored, err] = room("stored", false);
  REQUIRE_FALSE(err);
  CHECK(*loads == std::vector<std::string>{"stored"});
  CHECK(listed_online(stored, "u9"));
}

TEST_CASE_FIXTURE(directory_fixture, "a login tells the user's running rooms") {
  auto [stored, err] = room("stored", false);
  REQUIRE_FALSE(err);
  CHECK_FALSE(listed_online(stored, "u9"));
  auto session = std::make_shared<chat::test::fake_session>();
  connect(chat::identity{"u9", "zed"}, session);
  CHECK(listed_online(stored, "u9"));
  CHECK(loads->size() == 1); // loaded once, by room() above
}

TEST_CASE_FIXTURE(directory_fixture,
                  "an idle report that a reconnect overtook does not retire the user actor") {
  chat::identity alice{"u1", "alice"};
  auto s1 = std::make_shared<chat::test::fake_session>();
  auto s2 = std::make_shared<chat::test::fake_session>();
  auto user = connect(alice, s1); // the directory has forwarded 1 connect
  self->monitor(user);
  // The user actor saw one connect and went idle (its connection closed);
  // meanwhile a reconnect reached the directory, which forwarded a second
  // connect. The idle report, sent before that connect arrived, says 1.
  REQUIRE(connect(alice, s2) == user);
  self->send(directory, chat::idle_atom::value, alice.user_id, std::uint64_t{1});
  // Stale: the actor stays and keeps serving the new connection.
  auto frame = chat::make_frame(R"({"type":"direct","id":"d7"})");
  self->send(directory, chat::direct_atom::value, alice.user_id,
             std::make_shared<const chat::delivery>(chat::delivery{frame, "d7", {}, 0, {}}));
  CHECK(s2->next_raw() == frame);
  bool retired = false;
  self->receive([&](const caf::down_msg&) { retired = true; }, caf::after(300ms) >> [] {});
  CHECK_FALSE(retired);
  auto s3 = std::make_shared<chat::test::fake_session>();
  CHECK(connect(alice, s3) == user); // the same actor, not a second one
  // A report that saw every connect (3) retires it.
  self->send(directory, chat::idle_atom::value, alice.user_id, std::uint64_t{3});
  self->receive([&](const caf::down_msg& dm) { retired = dm.source == user.address(); },
                caf::after(5s) >> [] {});
  CHECK(retired);
}

TEST_CASE_FIXTURE(directory_fixture,
                  "who counts users online on other nodes, from snapshots and changes") {
  auto report = [&](bool snapshot, std::vector<chat::node_presence> entries) {
    self->send(directory, chat::online_atom::value,
               std::make_shared<const chat::presence_report>(
                 chat::presence_report{snapshot, std::move(entries)}));
  };
  auto online = [&]() {
    chat::member_list in{{"u1", "ann", false}, {"u2", "bob", false}, {"u3", "cy", true}};
    std::string out;
    self->request(directory, 5s, chat::who_atom::value, in)
      .receive(
        [&](const chat::member_list& members) {
          for (const auto& m : members)
            if (m.online)
              out += m.user_id + " ";
        },
        [](caf::error&) { FAIL("who failed"); });
    return out;
  };
  CHECK(online() == "u3 "); // online here, as the room said
  report(true, {{"u1", "n2", true}, {"u2", "n2", true}, {"u2", "n3", true}});
  CHECK(online() == "u1 u2 u3 ");
  report(false, {{"u2", "n2", false}}); // still on n3
  CHECK(online() == "u1 u2 u3 ");
  report(false, {{"u2", "n3", false}, {"u1", "n2", false}});
  CHECK(online() == "u3 ");
  report(false, {{"u1", "n3", true}});
  CHECK(online() == "u1 u3 ");
  // A snapshot replaces all: n3 stopped beating, its users are gone.
  report(true, {{"u2", "n2", true}});
  CHECK(online() == "u2 u3 ");
}

} // TEST_SUITE("directory")
