// Unit tests of the connection actor, with a fake socket (session)
// and the real directory, rooms and user actors over a fake storage.
#include "actors/connection.hpp"

#include <doctest/doctest.h>

#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/auth_registry.hpp"
#include "actors/directory.hpp"
#include "common/clock.hpp"
#include "fake_session.hpp"
#include "protocol/atoms.hpp"
#include "protocol/chat_error.hpp"
#include "tests/support/fake_storage.hpp"

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using chat::test::fake_session;

struct connection_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor probe{sys}; // sees storage's cursor writes and direct acks
  chat::storage_actor storage = chat::test::spawn_fake_storage(sys, {{}, {}, {}, probe, {}});
  chat::directory_actor directory
    = chat::spawn_directory(sys, storage, std::make_shared<const chat::actor_settings>());
  // The real registry, knowing alice and bob (bob for directs by name) and
  // the tokens their connections watch (else its sweep would expire them);
  // no password is ever checked here, so the hash pool stays idle.
  chat::registry_actor registry = chat::spawn_auth_registry(
    sys, storage, std::make_shared<chat::auth::hash_pool>(1, 4), chat::auth_settings{},
    {{"u1", "alice", "not-a-real-hash"}, {"u2", "bob", "not-a-real-hash"}},
    {{"digest-u1", "u1", chat::unix_ms() + 3600000},
     {"digest-u2", "u2", chat::unix_ms() + 3600000}});
  std::vector<chat::connection_actor> conns;

  std::shared_ptr<fake_session> connect(const std::string& user_id, const std::string& name,
                                        std::int64_t expires_at_ms = chat::unix_ms() + 60000) {
    auto session = std::make_shared<fake_session>();
    chat::token_grant grant{{user_id, name}, "digest-" + user_id, expires_at_ms};
    auto settings = std::make_shared<chat::actor_settings>();
    settings->max_frame_bytes = 256;
    conns.push_back(chat::spawn_connection(sys, {"c" + std::to_string(conns.size() + 1), grant,
                                                 session, directory, registry, storage, settings}));
    return session;
  }

  void say(std::size_t conn, const json& frame) {
    caf::anon_send(conns.at(conn), chat::frame_atom::value, frame.dump());
  }

  void say_raw(std::size_t conn, std::string text) {
    caf::anon_send(conns.at(conn), chat::frame_atom::value, std::move(text));
  }

  ~connection_fixture() {
    caf::anon_send(directory, chat::close_atom::value);
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(storage, caf::exit_reason::user_shutdown);
  }
};

} // namespace

TEST_SUITE("connection") {

TEST_CASE_FIXTURE(connection_fixture, "the first frame is welcome with the user's channel") {
  auto session = connect("u1", "alice");
  auto welcome = session->next();
  CHECK(welcome
        == json{{"type", "welcome"},
                {"connection_id", "c1"},
                {"user_id", "u1"},
                {"name", "alice"},
                {"channel", "@alice"}});
}

TEST_CASE_FIXTURE(connection_fixture, "join then send at once: joined, message to all, sent") {
  auto a = connect("u1", "alice");
  auto b = connect("u2", "bob");
  say(0, {{"action", "join"}, {"target", "devroom"}, {"ref", "j"}});
  CHECK(a->next_of("joined")["ref"] == "j");
  // No waiting between join and send: the connection keeps them in order.
  say(1, {{"action", "join"}, {"target", "devroom"}});
  say(1, {{"action", "send"}, {"target", "devroom"}, {"body", {{"text", "hi"}}}, {"ref", 7}});
  auto sent = b->next_of("sent");
  CHECK(sent["ref"] == 7);
  CHECK(sent["seq"] == 1);
  auto msg = a->next_of("message");
  CHECK(msg["body"]["text"] == "hi");
  CHECK(msg["from"]["name"] == "bob");
  CHECK(msg["id"] == sent["id"]);
}

TEST_CASE_FIXTURE(connection_fixture,
                  "joined comes before any message of the room, even joining into traffic") {
  auto a = connect("u1", "alice");
  auto b = connect("u2", "bob");
  say(0, {{"action", "join"}, {"target", "devroom"}});
  a->next_of("joined");
  b->next_of("replayed");
  // Bob's connection knows the room already, so its join goes straight in.
  say(1, {{"action", "who"}, {"target", "devroom"}});
  b->next_of("members");
  // Bob joins while alice's messages stream through the room: its user
  // actor writes them to bob's socket, the connection actor does not.
  for (int i = 1; i <= 80; ++i) {
    say(0, {{"action", "send"}, {"target", "devroom"}, {"body", {{"n", i}}}});
    if (i == 40)
      say(1, {{"action", "join"}, {"target", "devroom"}, {"ref", "jb"}});
  }
  auto first = b->next();
  REQUIRE(first["type"] == "joined");
  CHECK(first["ref"] == "jb");
  // What follows are messages after some seq, every one of them, in order.
  std::int64_t last = 0;
  for (auto f = b->next(1s); !f.is_null(); f = b->next(1s)) {
    REQUIRE_MESSAGE(f["type"] == "message", f.dump());
    auto seq = f["seq"].get<std::int64_t>();
    if (last != 0)
      CHECK(seq == last + 1);
    last = seq;
  }
  if (last != 0) // else the join came after the last message
    CHECK(last == 80);
}

TEST_CASE_FIXTURE(connection_fixture, "bad frames get error frames and the connection goes on") {
  auto a = connect("u1", "alice");
  a->next(); // welcome
  CHECK(a->next_of("replayed")["count"] == 0);
  say_raw(0, "{not json");
  CHECK(a->next()["code"] == "bad_request");
  say(0, {{"action", "dance"}, {"ref", 1}});
  auto unknown = a->next();
  CHECK(unknown["code"] == "unknown_action");
  CHECK(unknown["ref"] == 1);
  say(0, {{"action", "join"}, {"target", "bad name!"}});
  CHECK(a->next()["code"] == "bad_request");
  say(0, {{"action", "join"}, {"target", "r"}, {"body", {{"max_members", "ten"}}}});
  CHECK(a->next()["code"] == "bad_request");
  say(0, {{"action", "send"}, {"target", "nowhere"}, {"body", json::object()}});
  CHECK(a->next()["code"] == "unknown_room");
  say(0, {{"action", "join"}, {"target", "@nobody"}});
  CHECK(a->next()["code"] == "unknown_room");
  say_raw(0, std::string(300, ' ')); // over max_frame_bytes (256 here)
  CHECK(a->next()["code"] == "too_large");
  say(0, {{"action", "join"}, {"target", "r"}});
  a->next_of("joined");
  say(0, {{"action", "send"}, {"target", "r"}, {"body", "not an object"}});
  CHECK(a->next()["code"] == "bad_request");
  say(0, {{"action", "ping"}, {"ref", "p"}});
  CHECK(a->next() == json{{"type", "pong"}, {"ref", "p"}});
}

TEST_CASE_FIXTURE(connection_fixture, "an expired token ends the connection with unauthorized") {
  auto a = connect("u1", "alice", chat::unix_ms() - 1);
  a->next(); // welcome
  say(0, {{"action", "ping"}});
  CHECK(a->next_of("error")["code"] == "unauthorized");
  CHECK(a->wait_closed() == 1008);
}

TEST_CASE_FIXTURE(connection_fixture,
                  "acks with a ref are answered once recorded, and bad acks are bad_request") {
  auto a = connect("u1", "alice");
  auto b = connect("u2", "bob");
  say(0, {{"action", "join"}, {"target", "devroom"}});
  a->next_of("joined");
  say(1, {{"action", "join"}, {"target", "devroom"}});
  say(1, {{"action", "send"}, {"target", "devroom"}, {"body", {{"n", 1}}}});
  REQUIRE(a->next_of("message")["id"] == "m1");
  say(0, {{"action", "ack"}, {"body", {{"ids", {"m1", "d2"}}}}, {"ref", "k"}});
  CHECK(a->next() == json{{"type", "acked"}, {"ref", "k"}, {"count", 2}});
  // The ack was recorded, not only answered: storage gets alice's cursor
  // past m1 and the direct to delete.
  bool cursor_written = false;
  bool direct_deleted = false;
  for (int i = 0; i < 2; ++i)
    probe->receive([&](chat::cursor_atom, const std::string& room,
                       std::int64_t seq) { cursor_written = room == "devroom" && seq == 1; },
                   [&](chat::ack_atom, const chat::id_list& ids) {
                     direct_deleted = ids == chat::id_list{"d2"};
                   },
                   caf::after(5s) >> [] {});
  CHECK(cursor_written);
  CHECK(direct_deleted);
  // Without a ref the ack is recorded and not answered: the next frame is
  // the pong of the ping behind it.
  say(1, {{"action", "send"}, {"target", "devroom"}, {"body", {{"n", 2}}}});
  REQUIRE(a->next_of("message")["id"] == "m2");
  say(0, {{"action", "ack"}, {"body", {{"ids", {"m2"}}}}});
  say(0, {{"action", "ping"}, {"ref", "after"}});
  CHECK(a->next() == json{{"type", "pong"}, {"ref", "after"}});
  bool cursor_moved = false;
  probe->receive([&](chat::cursor_atom, const std::string& room,
                     std::int64_t seq) { cursor_moved = room == "devroom" && seq == 2; },
                 caf::after(5s) >> [] {});
  CHECK(cursor_moved);
  say(0, {{"action", "ack"}, {"body", {{"ids", "m1"}}}});
  CHECK(a->next()["code"] == "bad_request");
  say(0, {{"action", "ack"}, {"body", {{"ids", {1, 2}}}}});
  CHECK(a->next()["code"] == "bad_request");
}

TEST_CASE_FIXTURE(connection_fixture, "a dm is stored, confirmed and delivered to the recipient") {
  auto a = connect("u1", "alice");
  auto b = connect("u2", "bob");
  a->next_of("replayed");
  b->next_of("replayed");
  say(0, {{"action", "dm"}, {"target", "u2"}, {"body", {{"text", "psst"}}}, {"ref", 3}});
  auto sent = a->next_of("sent");
  CHECK(sent == json{{"type", "sent"}, {"ref", 3}, {"id", "d1"}});
  auto direct = b->next_of("direct");
  CHECK(direct["id"] == "d1");
  CHECK(direct["from"] == json{{"user_id", "u1"}, {"name", "alice"}});
  CHECK(direct["to"] == "u2");
  CHECK(direct["body"]["text"] == "psst");
  CHECK_FALSE(direct.contains("replay"));
  // By name: "@" + name is resolved through the registry.
  say(0, {{"action", "dm"}, {"target", "@bob"}, {"body", {{"text", "by name"}}}});
  CHECK(b->next_of("direct")["body"]["text"] == "by name");
  say(0, {{"action", "dm"}, {"target", "@nobody"}, {"body", {{"text", "x"}}}, {"ref", 4}});
  auto unknown = a->next_of("error");
  CHECK(unknown["code"] == "unknown_user");
  CHECK(unknown["ref"] == 4);
  say(0, {{"action", "dm"}, {"target", "u2"}, {"body", "no"}});
  CHECK(a->next_of("error")["code"] == "bad_request");
}

TEST_CASE_FIXTURE(
  connection_fixture,
  "rooms with an offer keeps the asker's rooms and says whether others were left out") {
  auto a = connect("u1", "alice");
  auto b = connect("u2", "bob");
  for (const char* name : {"zoo", "attic"}) {
    say(1, {{"action", "join"}, {"target", name}});
    b->next_of("joined");
  }
  say(0, {{"action", "join"}, {"target", "devroom"}});
  a->next_of("joined");
  // The fake storage answers every room, as a storage that ignored the
  // offer would: the connection trims to the offer itself.
  auto names = [](const json& reply) {
    std::vector<std::string> out;
    for (const auto& r : reply["rooms"])
      out.push_back(r["name"]);
    return out;
  };
  say(0, {{"action", "rooms"}, {"body", {{"offer", 1}}}, {"ref", "r1"}});
  auto one = a->next_of("rooms");
  CHECK(names(one) == std::vector<std::string>{"attic", "devroom"});
  CHECK(one["more"] == true);
  say(0, {{"action", "rooms"}, {"body", {{"offer", 2}}}, {"ref", "r2"}});
  auto two = a->next_of("rooms");
  CHECK(names(two) == std::vector<std::string>{"attic", "devroom", "zoo"});
  CHECK(two["more"] == false);
}

TEST_CASE_FIXTURE(connection_fixture, "two connections of one user both get room traffic") {
  auto a1 = connect("u1", "alice");
  auto a2 = connect("u1", "alice");
  auto b = connect("u2", "bob");
  say(0, {{"action", "join"}, {"target", "devroom"}});
  a1->next_of("joined");
  say(2, {{"action", "join"}, {"target", "devroom"}});
  b->next_of("joined");
  say(2, {{"action", "send"}, {"target", "devroom"}, {"body", {{"n", 1}}}});
  CHECK(a1->next_of("message")["body"]["n"] == 1);
  CHECK(a2->next_of("message")["body"]["n"] == 1);
}

} // TEST_SUITE("connection")
