// Unit tests of the user actor as a mailbox: the replay a new connection
// gets (order, truncation, the end marker), live traffic held back during
// it without duplicates, multi-device fan-out, and acks reaching storage.
#include "actors/user.hpp"

#include <doctest/doctest.h>

#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/frames.hpp"

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

chat::chat_message msg(std::int64_t seq) {
  return {"m" + std::to_string(seq), seq, "devroom", "u2", "bob", R"({"n":1})", 1};
}

// Storage that owes the user two directs and a truncated room backlog, and
// reports cursor updates and direct acks to `probe`.
caf::behavior owing_storage(caf::event_based_actor*, const caf::actor& probe) {
  return {
    [](chat::user_atom, chat::rooms_atom, const std::string&) {
      return chat::cursor_list{{"devroom", 3, {}}};
    },
    [](chat::replay_atom, const std::string&, const chat::cursor_list& cursors, std::int64_t) {
      chat::replay_batch batch;
      batch.directs.push_back({"d1", "u1", "u2", "bob", R"({"t":"a"})", 1});
      batch.directs.push_back({"d2", "u1", "u2", "bob", R"({"t":"b"})", 2});
      REQUIRE(cursors.size() == 1);
      batch.rooms.push_back({"devroom", true, 8, {msg(8), msg(9)}});
      return batch;
    },
    [probe](chat::cursor_atom, const std::string&, const std::string& room, std::int64_t seq,
            const std::vector<std::int64_t>&) {
      caf::anon_send(probe, chat::cursor_atom::value, room, seq);
    },
    [probe](chat::ack_atom, const std::string&, const chat::id_list& ids) {
      caf::anon_send(probe, chat::ack_atom::value, ids);
    },
  };
}

// A directory that answers room lookups with one fake room.
caf::behavior one_room_directory(caf::event_based_actor*, const caf::actor& room) {
  return {
    [room](chat::room_atom, const std::string&, bool, const chat::join_options&) { return room; },
    [](chat::idle_atom, const std::string&, std::uint64_t) {},
  };
}

struct user_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor probe{sys};
  caf::actor storage = sys.spawn(owing_storage, caf::actor{probe});
  caf::actor room = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](chat::attach_atom, const std::string&, const caf::actor&) { return true; }};
  });
  caf::actor directory = sys.spawn(one_room_directory, room);
  caf::actor user = chat::spawn_user(sys, {"u1", "alice"}, directory, storage, [] {
    chat::actor_settings s;
    s.ack_timeout = 60s;
    return s;
  }());

  ~user_fixture() {
    caf::anon_send(user, chat::close_atom::value);
    for (auto& a : {storage, room, directory})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  // Frames a "connection" (a scoped actor) got: batches are flattened.
  static std::vector<json> frames(caf::scoped_actor& conn, std::size_t count) {
    std::vector<json> out;
    while (out.size() < count) {
      bool got = false;
      conn->receive(
        [&](chat::deliver_atom, chat::replay_atom, const chat::frame_batch& batch) {
          for (const auto& f : batch)
            out.push_back(json::parse(*f));
          got = true;
        },
        [&](chat::deliver_atom, const chat::frame_batch& batch) {
          for (const auto& f : batch)
            out.push_back(json::parse(*f));
          got = true;
        },
        [&](chat::deliver_atom, const chat::frame_ptr& f) {
          out.push_back(json::parse(*f));
          got = true;
        },
        caf::after(5s) >> [] {});
      if (!got)
        break;
    }
    return out;
  }
};

} // namespace

TEST_SUITE("user") {

TEST_CASE_FIXTURE(user_fixture,
                  "a new connection gets directs, then the room backlog, then replayed") {
  caf::scoped_actor conn{sys};
  probe->send(user, chat::attach_atom::value, caf::actor{conn});
  auto got = frames(conn, 6);
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
  // The truncation moved the cursor: what was cut is history now.
  probe->receive(
    [](chat::cursor_atom, const std::string& r, std::int64_t seq) {
      CHECK(r == "devroom");
      CHECK(seq == 7);
    },
    caf::after(5s) >> [] { FAIL("cursor not persisted"); });
}

TEST_CASE_FIXTURE(user_fixture, "live traffic follows the replay without what it already carried") {
  caf::scoped_actor conn{sys};
  probe->send(user, chat::attach_atom::value, caf::actor{conn});
  // Live deliveries racing the replay: seq 9 duplicates it, seq 10 is new.
  for (std::int64_t seq : {9, 10})
    probe->send(user, chat::deliver_atom::value,
                std::make_shared<const chat::delivery>(
                  chat::delivery{chat::make_frame(chat::message_frame(msg(seq))),
                                 "m" + std::to_string(seq),
                                 "devroom",
                                 seq,
                                 {}}));
  auto got = frames(conn, 7);
  REQUIRE(got.size() == 7);
  CHECK(got[5]["type"] == "replayed");
  CHECK(got[6]["seq"] == 10);
  CHECK_FALSE(got[6].contains("replay"));
  CHECK(frames(conn, 1).empty()); // seq 9 was not sent twice
  // Storage reads see uncommitted writes, so a replayed message's live copy
  // can come after the replay is out: still not sent twice.
  for (std::int64_t seq : {9, 11})
    probe->send(user, chat::deliver_atom::value,
                std::make_shared<const chat::delivery>(
                  chat::delivery{chat::make_frame(chat::message_frame(msg(seq))),
                                 "m" + std::to_string(seq),
                                 "devroom",
                                 seq,
                                 {}}));
  auto late = frames(conn, 2);
  REQUIRE(late.size() == 1);
  CHECK(late[0]["seq"] == 11);
}

TEST_CASE_FIXTURE(
  user_fixture,
  "a room batch reaches a connection minus its own join and what its replay carried") {
  caf::scoped_actor conn{sys};
  probe->send(user, chat::attach_atom::value, caf::actor{conn});
  frames(conn, 6); // the replay
  auto presence = [](const char* user_id, const char* name) {
    auto frame = chat::make_frame(chat::presence_frame("devroom", "join", {user_id, name}));
    return std::make_shared<const chat::delivery>(chat::delivery{frame, {}, "devroom", 0, user_id});
  };
  auto message = [](std::int64_t seq) {
    return std::make_shared<const chat::delivery>(
      chat::delivery{chat::make_frame(chat::message_frame(msg(seq))),
                     "m" + std::to_string(seq),
                     "devroom",
                     seq,
                     {}});
  };
  // Seq 9 was replayed (the cursor is owed 8 and 9); seq 10 is new.
  probe->send(
    user, chat::deliver_atom::value,
    std::make_shared<const std::vector<chat::delivery_ptr>>(std::vector<chat::delivery_ptr>{
      presence("u1", "alice"), presence("u2", "bob"), message(9), message(10)}));
  auto got = frames(conn, 2);
  REQUIRE(got.size() == 2);
  CHECK(got[0]["type"] == "presence");
  CHECK(got[0]["user"]["name"] == "bob");
  CHECK(got[1]["seq"] == 10);
  CHECK(frames(conn, 1).empty());
}

TEST_CASE_FIXTURE(user_fixture,
                  "every connection gets live traffic; an ack on one reaches storage") {
  caf::scoped_actor c1{sys};
  caf::scoped_actor c2{sys};
  probe->send(user, chat::attach_atom::value, caf::actor{c1});
  probe->send(user, chat::attach_atom::value, caf::actor{c2});
  frames(c1, 6);
  frames(c2, 6);
  probe->receive([](chat::cursor_atom, const std::string&, std::int64_t) {},
                 caf::after(5s) >> [] {});
  probe->receive([](chat::cursor_atom, const std::string&, std::int64_t) {},
                 caf::after(5s) >> [] {});
  probe->send(user, chat::deliver_atom::value,
              std::make_shared<const chat::delivery>(chat::delivery{
                chat::make_frame(chat::message_frame(msg(10))), "m10", "devroom", 10, {}}));
  CHECK(frames(c1, 1).at(0)["id"] == "m10");
  CHECK(frames(c2, 1).at(0)["id"] == "m10");
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

} // TEST_SUITE("user")
