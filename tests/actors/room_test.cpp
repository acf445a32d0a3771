// Unit tests of the room actor: membership rules, presence, fan-out of one
// shared frame, and history access. Storage is the fake; members' user
// actors are scoped actors that collect what the room delivers.
#include "actors/room.hpp"

#include <doctest/doctest.h>

#include <thread>

#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <nlohmann/json.hpp>

#include "protocol/atoms.hpp"
#include "protocol/chat_error.hpp"
#include "tests/support/fake_storage.hpp"
#include "tests/support/stub_actors.hpp"
#include "tests/support/user_probe.hpp"

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct room_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  chat::storage_actor storage = chat::test::spawn_fake_storage(sys);
  std::vector<chat::room_actor> spawned; // stopped with the room_fixture

  chat::room_actor make_room(std::uint32_t max_members = 10, std::string key = {},
                             bool is_private = false) {
    chat::room_record rec{"devroom", is_private, std::move(key), max_members, 0, {}};
    spawned.push_back(chat::spawn_room(sys, rec, storage, chat::actor_settings{}));
    return spawned.back();
  }

  // Sends `xs` and returns the reply, or the chat error code it failed with.
  template <class T, class... Ts>
  std::pair<T, std::optional<chat::chat_errc>> ask(caf::scoped_actor& self,
                                                   const chat::room_actor& dest, Ts... xs) {
    std::pair<T, std::optional<chat::chat_errc>> out;
    self->request(dest, 5s, xs...)
      .receive([&](T& x) { out.first = std::move(x); },
               [&](caf::error& err) { out.second = chat::to_chat_errc(err); });
    return out;
  }

  // A connection's join as `user` (standing in for its user actor): the
  // room answers the asker and sends `joined` through `user`.
  std::pair<chat::member_list, std::optional<chat::chat_errc>>
  join(caf::scoped_actor& self, const chat::room_actor& room, const chat::identity& who,
       const chat::user_actor& user, const std::string& key) {
    return ask<chat::member_list>(self, room, chat::join_atom::value, who, user, key,
                                  std::string{"7"}); // a ref is JSON text
  }

  // The member list once `pred` holds for it (a user actor's going reaches
  // the room as a down message, some time after it stopped), or after a
  // second, whatever it is then.
  template <class Pred>
  chat::member_list members_when(caf::scoped_actor& self, const chat::room_actor& room, Pred pred) {
    chat::member_list now;
    for (int i = 0; i < 100; ++i) {
      now = ask<chat::member_list>(self, room, chat::who_atom::value).first;
      if (pred(now))
        break;
      std::this_thread::sleep_for(10ms);
    }
    return now;
  }

  // The next frame delivered to `user` (a scoped actor standing in for the
  // user actor of `who`), skipping what that user actor would skip: its own
  // join's presence.
  json next_frame(caf::scoped_actor& user, const chat::identity& who) {
    for (int batches = 0; batches < 10; ++batches) {
      chat::delivery_batch batch;
      user->receive([&](chat::deliver_atom, const chat::delivery_batch& b) { batch = b; },
                    caf::after(5s) >> [&] { FAIL("no frame delivered"); });
      if (!batch)
        break;
      for (const auto& d : *batch)
        if (d->skip_user != who.user_id)
          return json::parse(*d->frame);
    }
    return json();
  }

  ~room_fixture() {
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(storage, caf::exit_reason::user_shutdown);
  }
};

// A scoped actor standing in for a user actor: it receives what the room
// sends one (the test reads it with receive()).
chat::user_actor as_user(caf::scoped_actor& self) {
  return caf::actor_cast<chat::user_actor>(self);
}

chat::identity alice{"u1", "alice"};
chat::identity bob{"u2", "bob"};

bool online(const chat::member_list& members, const std::string& user_id) {
  for (const auto& m : members)
    if (m.user_id == user_id)
      return m.online;
  return false;
}

} // namespace

TEST_SUITE("room") {

TEST_CASE_FIXTURE(room_fixture, "joining lists the members and tells the others") {
  auto room = make_room();
  caf::scoped_actor a{sys};
  caf::scoped_actor b{sys};
  auto [members, err] = join(a, room, alice, as_user(a), std::string{});
  REQUIRE_FALSE(err);
  REQUIRE(members.size() == 1);
  CHECK(members[0].online);
  // `joined` goes to the joining connection (the asker) through its user
  // actor, so that it is in line with the room's deliveries.
  a->receive(
    [&](chat::relay_atom, const caf::actor_addr& connection, const chat::frame_ptr& frame) {
      CHECK(connection == a->address());
      auto joined = json::parse(*frame);
      CHECK(joined["type"] == "joined");
      CHECK(joined["ref"] == 7);
      CHECK(joined["room"] == "devroom");
    },
    caf::after(5s) >> [] { FAIL("no joined frame"); });
  auto [members2, err2] = join(b, room, bob, as_user(b), std::string{});
  REQUIRE_FALSE(err2);
  CHECK(members2.size() == 2);
  auto presence = next_frame(a, alice);
  CHECK(presence["type"] == "presence");
  CHECK(presence["event"] == "join");
  CHECK(presence["user"]["name"] == "bob");
}

TEST_CASE_FIXTURE(room_fixture, "a keyed room needs its key and a full room refuses") {
  auto room = make_room(1, "s3cret");
  caf::scoped_actor a{sys};
  auto [m1, wrong] = join(a, room, alice, as_user(a), std::string{"nope"});
  CHECK(wrong == chat::chat_errc::forbidden);
  auto [m2, ok] = join(a, room, alice, as_user(a), std::string{"s3cret"});
  CHECK_FALSE(ok);
  auto [m3, full] = join(a, room, bob, as_user(a), std::string{"s3cret"});
  CHECK(full == chat::chat_errc::room_full);
  // A member joining again is not a new member: no room_full, no key check.
  auto [m4, again] = join(a, room, alice, as_user(a), std::string{});
  CHECK_FALSE(again);
}

TEST_CASE_FIXTURE(room_fixture, "a post is numbered, stored and shared as one frame") {
  auto room = make_room();
  caf::scoped_actor a{sys};
  caf::scoped_actor b{sys};
  join(a, room, alice, as_user(a), std::string{});
  join(b, room, bob, as_user(b), std::string{});
  next_frame(a, alice); // bob's presence
  b->receive(
    [](chat::deliver_atom, const chat::delivery_batch& own) { // skipped by bob's user
      CHECK(own->front()->skip_user == "u2");
    },
    caf::after(5s) >> [] { FAIL("no presence batch"); });
  for (std::int64_t seq = 1; seq <= 3; ++seq) {
    auto [msg, err] = ask<chat::chat_message>(a, room, chat::post_atom::value, alice,
                                              std::string{R"({"text":"hi"})"});
    REQUIRE_FALSE(err);
    CHECK(msg.seq == seq);
    CHECK(msg.id == "m" + std::to_string(seq));
  }
  // Each member gets the same batches (one allocation, the same frames),
  // together carrying seq 1, 2, 3 in order.
  auto batches = [](caf::scoped_actor& member) {
    std::vector<chat::delivery_batch> out;
    std::size_t count = 0;
    while (count < 3) {
      bool got = false;
      member->receive(
        [&](chat::deliver_atom, const chat::delivery_batch& b) {
          out.push_back(b);
          count += b->size();
          got = true;
        },
        caf::after(5s) >> [] {});
      if (!got)
        break;
    }
    return out;
  };
  auto of_a = batches(a);
  auto of_b = batches(b);
  REQUIRE(of_a.size() == of_b.size());
  std::vector<std::int64_t> seqs;
  for (std::size_t i = 0; i < of_a.size(); ++i) {
    CHECK(of_a[i].get() == of_b[i].get());
    for (const auto& d : *of_a[i])
      seqs.push_back(d->seq);
  }
  CHECK(seqs == std::vector<std::int64_t>{1, 2, 3});
  auto da = of_a.front()->front();
  CHECK(da->room == "devroom");
  CHECK(da->seq == 1);
  CHECK(da->id == "m1");
  auto frame = json::parse(*da->frame);
  CHECK(frame["type"] == "message");
  CHECK(frame["seq"] == 1);
  CHECK(frame["body"]["text"] == "hi");
  CHECK(frame["from"]["name"] == "alice");
}

TEST_CASE_FIXTURE(room_fixture, "non-members can neither post nor leave") {
  auto room = make_room();
  caf::scoped_actor a{sys};
  auto [msg, err]
    = ask<chat::chat_message>(a, room, chat::post_atom::value, alice, std::string{"{}"});
  CHECK(err == chat::chat_errc::not_member);
  auto [ok, err2] = ask<bool>(a, room, chat::leave_atom::value, alice.user_id);
  CHECK(err2 == chat::chat_errc::not_member);
}

TEST_CASE_FIXTURE(room_fixture, "leaving tells the others and goes to storage") {
  auto room = make_room();
  caf::scoped_actor a{sys};
  caf::scoped_actor b{sys};
  join(a, room, alice, as_user(a), std::string{});
  join(b, room, bob, as_user(b), std::string{});
  next_frame(a, alice);
  auto [ok, err] = ask<bool>(b, room, chat::leave_atom::value, bob.user_id);
  CHECK_FALSE(err);
  auto presence = next_frame(a, alice);
  CHECK(presence["event"] == "leave");
  CHECK(presence["user"]["user_id"] == "u2");
  auto [members, err2] = ask<chat::member_list>(a, room, chat::who_atom::value);
  CHECK(members.size() == 1);
}

TEST_CASE_FIXTURE(room_fixture, "members go offline when their user actor stops") {
  auto room = make_room();
  caf::scoped_actor a{sys};
  chat::user_actor user = sys.spawn(chat::test::silent_user);
  join(a, room, bob, user, std::string{});
  auto [before, e1] = ask<chat::member_list>(a, room, chat::who_atom::value);
  REQUIRE(before.size() == 1);
  CHECK(before[0].online);
  caf::anon_send_exit(user, caf::exit_reason::user_shutdown);
  auto now = members_when(
    a, room, [](const chat::member_list& ms) { return ms.size() == 1 && !ms[0].online; });
  REQUIRE(now.size() == 1);
  CHECK_FALSE(now[0].online);
  // Coming back online (what a new user actor does, through the directory).
  auto [online, e4] = ask<bool>(a, room, chat::online_atom::value, bob.user_id, as_user(a));
  CHECK(online);
  auto [after, e3] = ask<chat::member_list>(a, room, chat::who_atom::value);
  REQUIRE(after.size() == 1);
  CHECK(after[0].online);
}

TEST_CASE_FIXTURE(room_fixture, "a stopped user actor takes only its own member offline") {
  auto room = make_room();
  caf::scoped_actor a{sys};
  chat::identity carol{"u3", "carol"};
  chat::user_actor alice_user = sys.spawn(chat::test::silent_user);
  chat::user_actor bob_old = sys.spawn(chat::test::silent_user);
  chat::user_actor carol_user = sys.spawn(chat::test::silent_user);
  join(a, room, alice, alice_user, std::string{});
  join(a, room, bob, bob_old, std::string{});
  join(a, room, carol, carol_user, std::string{});
  // Bob's user actor is replaced by a newer one before the old one's down
  // message arrives (a retiring user actor and a new login racing).
  chat::user_actor bob_new = sys.spawn(chat::test::silent_user);
  CHECK(ask<bool>(a, room, chat::online_atom::value, bob.user_id, bob_new).first);
  caf::anon_send_exit(bob_old, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(carol_user, caf::exit_reason::user_shutdown);
  auto now = members_when(a, room,
                          [&](const chat::member_list& ms) { return !online(ms, carol.user_id); });
  REQUIRE(now.size() == 3);
  CHECK_FALSE(online(now, carol.user_id));
  CHECK(online(now, alice.user_id));
  CHECK(online(now, bob.user_id)); // the old actor's going is not the new one's
  caf::anon_send_exit(bob_new, caf::exit_reason::user_shutdown);
  now
    = members_when(a, room, [&](const chat::member_list& ms) { return !online(ms, bob.user_id); });
  CHECK_FALSE(online(now, bob.user_id));
  CHECK(online(now, alice.user_id));
  caf::anon_send_exit(alice_user, caf::exit_reason::user_shutdown);
}

TEST_CASE_FIXTURE(room_fixture, "the fan-out follows members joining, leaving and coming online") {
  auto room = make_room();
  caf::scoped_actor a{sys};
  caf::scoped_actor b{sys};
  caf::scoped_actor c{sys};
  caf::scoped_actor d{sys};
  chat::identity carol{"u3", "carol"};
  chat::identity dave{"u4", "dave"};
  auto post = [&] {
    auto [msg, err]
      = ask<chat::chat_message>(a, room, chat::post_atom::value, alice, std::string{"{}"});
    CHECK_FALSE(err);
  };
  join(a, room, alice, as_user(a), std::string{});
  join(b, room, bob, as_user(b), std::string{});
  post(); // 1
  ask<bool>(b, room, chat::leave_atom::value, bob.user_id);
  post(); // 2
  join(c, room, carol, as_user(c), std::string{});
  post();                                                 // 3
  join(d, room, dave, chat::user_actor{}, std::string{}); // a member, offline
  post();                                                 // 4
  CHECK(ask<bool>(d, room, chat::online_atom::value, dave.user_id, as_user(d)).first);
  post(); // 5
  // The message seqs each stand-in got, until nothing more comes.
  auto seqs_of = [](caf::scoped_actor& user) {
    std::vector<std::int64_t> out;
    while (chat::test::receive_delivery(user, out, 300ms)) {
    }
    return out;
  };
  CHECK(seqs_of(a) == std::vector<std::int64_t>{1, 2, 3, 4, 5});
  CHECK(seqs_of(b) == std::vector<std::int64_t>{1});
  CHECK(seqs_of(c) == std::vector<std::int64_t>{3, 4, 5});
  CHECK(seqs_of(d) == std::vector<std::int64_t>{5});
}

TEST_CASE_FIXTURE(room_fixture, "a joining member's user actor learns the seq it starts after") {
  auto room = make_room();
  caf::scoped_actor a{sys};
  join(a, room, alice, as_user(a), std::string{});
  ask<chat::chat_message>(a, room, chat::post_atom::value, alice, std::string{"{}"});
  ask<chat::chat_message>(a, room, chat::post_atom::value, alice, std::string{"{}"});
  caf::scoped_actor b{sys};
  join(b, room, bob, as_user(b), std::string{});
  std::int64_t start = -1;
  b->receive(
    [&](chat::joined_atom, const std::string& r, std::int64_t last_seq) {
      CHECK(r == "devroom");
      start = last_seq;
    },
    caf::after(5s) >> [] { FAIL("no member notice"); });
  CHECK(start == 2);
  ask<bool>(b, room, chat::leave_atom::value, bob.user_id);
  bool told = false;
  b->receive([&](chat::left_atom, const std::string& r) { told = r == "devroom"; },
             caf::after(5s) >> [] {});
  CHECK(told);
}

TEST_CASE_FIXTURE(room_fixture, "a private room's history is for members only") {
  auto room = make_room(10, {}, true);
  caf::scoped_actor a{sys};
  auto [page, err]
    = ask<chat::history_page>(a, room, chat::history_atom::value, alice.user_id, std::int64_t{0});
  CHECK(err == chat::chat_errc::forbidden);
  join(a, room, alice, as_user(a), std::string{});
  auto [page2, err2]
    = ask<chat::history_page>(a, room, chat::history_atom::value, alice.user_id, std::int64_t{2});
  CHECK_FALSE(err2);
  CHECK(page2.room == "devroom");
  CHECK(page2.page == 2);
}

} // TEST_SUITE("room")
