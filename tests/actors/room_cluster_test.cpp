// Unit tests of the room actor in cluster mode: messages other nodes commit
// reach it as bus events (stored_atom), possibly late, twice, or not at all;
// it delivers each seq once and in order, reading what it missed from
// storage. Storage is the fake, seeded with "another node's" messages;
// the member's user actor is a scoped actor that collects deliveries.
#include "actors/room.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "protocol/atoms.hpp"
#include "tests/support/fake_storage.hpp"
#include "tests/support/user_probe.hpp"

using namespace std::chrono_literals;

namespace {

chat::chat_message stored_message(std::int64_t seq) {
  return chat::chat_message{
    "m" + std::to_string(seq), seq, "devroom", "u9", "zoe", R"({"text":"from node 2"})",
    1700000000000 + seq};
}

chat::room_event_ptr event(std::int64_t last_seq,
                           const std::vector<std::int64_t>& inline_seqs = {}) {
  auto ev = std::make_shared<chat::room_event>();
  ev->room = "devroom";
  ev->last_seq = last_seq;
  for (auto seq : inline_seqs)
    ev->messages.push_back(stored_message(seq));
  return ev;
}

struct cluster_room_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  chat::storage_actor storage;
  chat::room_actor room;
  caf::scoped_actor alice{sys}; // stands in for alice's user actor

  // The room starts knowing `room_last_seq`; storage holds 1..stored_seqs
  // (committed by another node).
  void start(std::int64_t room_last_seq, std::int64_t stored_seqs) {
    chat::test::fake_storage_config fake;
    auto& rec = fake.rooms["devroom"];
    rec.name = "devroom";
    rec.max_members = 10;
    rec.last_seq = stored_seqs;
    for (std::int64_t seq = 1; seq <= stored_seqs; ++seq)
      fake.messages["devroom"].push_back(stored_message(seq));
    storage = chat::test::spawn_fake_storage(sys, std::move(fake));
    chat::room_record known{"devroom", false, {}, 10, room_last_seq, {}};
    room = chat::spawn_room(sys, known, storage, chat::actor_settings{});
    alice
      ->request(room, 5s, chat::join_atom::value, chat::identity{"u1", "alice"},
                caf::actor_cast<chat::user_actor>(alice), std::string{}, std::string{"1"})
      .receive([](const chat::member_list&) {}, [](caf::error&) { FAIL("join failed"); });
  }

  // The seqs of the room messages alice's user actor gets within `wait`
  // (presence and the joined relay skipped).
  std::vector<std::int64_t> delivered(std::size_t want, std::chrono::milliseconds wait = 5s) {
    std::vector<std::int64_t> seqs;
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (seqs.size() < want && std::chrono::steady_clock::now() < deadline)
      chat::test::receive_delivery(alice, seqs, wait / 10);
    return seqs;
  }

  ~cluster_room_fixture() {
    caf::anon_send_exit(room, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(storage, caf::exit_reason::user_shutdown);
  }
};

using seqs = std::vector<std::int64_t>;

} // namespace

TEST_SUITE("room cluster") {

TEST_CASE_FIXTURE(cluster_room_fixture,
                  "a bus event past what the room delivered makes it read the gap, in order") {
  start(0, 3);
  caf::anon_send(room, chat::stored_atom::value, event(3));
  CHECK(delivered(3) == seqs{1, 2, 3});
}

TEST_CASE_FIXTURE(cluster_room_fixture,
                  "inline messages are delivered once: echoes are dropped and a gap is read") {
  start(0, 4);
  caf::anon_send(room, chat::stored_atom::value, event(2, {1, 2}));
  CHECK(delivered(2) == seqs{1, 2});
  caf::anon_send(room, chat::stored_atom::value, event(2, {1, 2})); // again: an echo
  caf::anon_send(room, chat::stored_atom::value, event(4, {4}));    // 3 was missed
  CHECK(delivered(3, 1s) == seqs{3, 4});
}

TEST_CASE_FIXTURE(cluster_room_fixture,
                  "a post numbered past what the room delivered waits until the gap is read") {
  // Another node stored 1 and 2 and the bus has not said so yet: this
  // node's post gets seq 3 and must not overtake them.
  start(0, 2);
  chat::chat_message mine;
  alice
    ->request(room, 5s, chat::post_atom::value, chat::identity{"u1", "alice"},
              std::string{R"({"text":"hi"})"})
    .receive([&](chat::chat_message& msg) { mine = msg; },
             [](caf::error&) { FAIL("post failed"); });
  CHECK(mine.seq == 3);
  CHECK(delivered(3) == seqs{1, 2, 3});
}

TEST_CASE_FIXTURE(cluster_room_fixture,
                  "another node's join and leave change the members and tell the members here") {
  start(0, 0);
  caf::scoped_actor bob{sys}; // bob's user actor on this node
  caf::anon_send(room, chat::member_atom::value, chat::identity{"u2", "bob"},
                 caf::actor_cast<chat::user_actor>(bob), true);
  std::vector<std::string> presence;
  auto collect = [&](std::size_t want) {
    for (int i = 0; i < 20 && presence.size() < want; ++i)
      alice->receive(
        [&](chat::deliver_atom, const chat::delivery_batch& batch) {
          for (const auto& d : *batch)
            if (d->id.empty() && d->frame->find("bob") != std::string::npos)
              presence.push_back(*d->frame); // not alice's own join
        },
        [](chat::relay_atom, const caf::actor_addr&, const chat::frame_ptr&) {},
        caf::after(250ms) >> [] {});
  };
  collect(1);
  REQUIRE(presence.size() == 1);
  CHECK(presence[0].find(R"("event":"join")") != std::string::npos);
  CHECK(presence[0].find(R"("name":"bob")") != std::string::npos);
  // bob's actor here learns the membership and gets the room's messages.
  bob->receive([](chat::joined_atom, const std::string& r, std::int64_t) { CHECK(r == "devroom"); },
               caf::after(5s) >> [] { FAIL("bob's user actor not told"); });
  chat::member_list members;
  alice->request(room, 5s, chat::who_atom::value)
    .receive([&](chat::member_list& m) { members = m; }, [](caf::error&) { FAIL("who failed"); });
  REQUIRE(members.size() == 2);
  auto& joined = members[0].user_id == "u2" ? members[0] : members[1];
  CHECK(joined.name == "bob");
  CHECK(joined.online);
  // The same join again (a late notice) changes nothing; the leave does.
  caf::anon_send(room, chat::member_atom::value, chat::identity{"u2", "bob"}, chat::user_actor{},
                 true);
  caf::anon_send(room, chat::member_atom::value, chat::identity{"u2", "bob"}, chat::user_actor{},
                 false);
  collect(2);
  REQUIRE(presence.size() == 2);
  CHECK(presence[1].find(R"("event":"leave")") != std::string::npos);
  bob->receive([](chat::left_atom, const std::string& r) { CHECK(r == "devroom"); },
               caf::after(5s) >> [] { FAIL("bob's user actor not told of the leave"); });
  alice->request(room, 5s, chat::who_atom::value)
    .receive([&](chat::member_list& m) { members = m; }, [](caf::error&) { FAIL("who failed"); });
  CHECK(members.size() == 1);
}

} // TEST_SUITE("room cluster")
