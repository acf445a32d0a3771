// Tests of the storage actor (storage/message_store): schema, accounts,
// tokens, rooms, members, messages and history, and restarts. Each test gets
// its own database file in a fresh temporary folder (see store_fixture.hpp).
// Group commit is tested in group_commit_test.cpp, delivery (cursors,
// directs, replay) in room_cursors_test.cpp and direct_messages_test.cpp.
#include "protocol/atoms.hpp"
#include "storage/message_store.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <doctest/doctest.h>

#include "protocol/chat_error.hpp"
#include "store_fixture.hpp"
#if !CHAT_TEST_PG
#include "tests/storage/sqlite_file.hpp"
#endif

using namespace chat;
using namespace chat::test;

namespace {

constexpr std::int64_t every_room = -1; // rooms_atom without an offer

std::vector<std::string> names_of(const room_list& rooms) {
  std::vector<std::string> result;
  for (auto& room : rooms)
    result.push_back(room.name);
  return result;
}

} // namespace

TEST_SUITE("storage") {

#if !CHAT_TEST_PG // SQLite's file and folder (PostgreSQL: pg_store_test.cpp)

TEST_CASE_FIXTURE(fixture, "opening a fresh file creates its folder and the schema") {
  CHECK(std::filesystem::exists(opts.path));
  auto db = open_db(opts.path);
  for (std::string name : {"users", "tokens", "rooms", "members", "messages", "directs"})
    CHECK_MESSAGE(single_int(db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
                                 " AND name = '"
                                   + name + "'")
                    == 1,
                  "missing table " << name);
  CHECK(ask<user_list>(load_atom::value, users_atom::value).empty());
}

TEST_CASE("opening a path that cannot hold a database fails with a message") {
  scratch_dir scratch;
  std::filesystem::create_directories(scratch.path);
  std::ofstream{scratch.path / "not-a-folder"} << "plain file";
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  store_options opts;
  opts.path = (scratch.path / "not-a-folder" / "chat.db").string();
  auto store = spawn_message_store(sys, opts);
  REQUIRE_FALSE(store);
  CHECK(to_chat_errc(store.error()) == chat_errc::storage);
  CHECK(error_text(store.error()).find("not-a-folder") != std::string::npos);
}

// Message rows are never deleted, so plain rowids never repeat an id; a
// table with AUTOINCREMENT rewrote sqlite_sequence on every INSERT for
// nothing (bench/profile.md). Files made before keep their table as it is.
TEST_CASE_FIXTURE(fixture, "message ids are plain row ids, and an older file's table is kept") {
  const std::string with_autoincrement
    = "SELECT count(*) FROM sqlite_master WHERE name = 'messages' AND sql LIKE '%AUTOINCREMENT%'";
  CHECK(ask<bool>(create_atom::value, room_atom::value, make_room("lobby")));
  for (std::int64_t seq = 1; seq <= 3; ++seq)
    append(make_message("lobby", seq));
  stop();
  {
    auto db = open_db(opts.path);
    CHECK(single_int(db, with_autoincrement) == 0);
    CHECK(single_int(db, "SELECT count(*) FROM sqlite_sequence WHERE name = 'messages'") == 0);
  }

  // A file from before: messages with AUTOINCREMENT, and its newest row
  // deleted by hand, so only sqlite_sequence still knows id 3 was used.
  std::filesystem::remove_all(std::filesystem::path(opts.path).parent_path());
  {
    auto db = open_db(opts.path);
    exec(db, "CREATE TABLE messages(id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " room TEXT NOT NULL, seq INTEGER NOT NULL, user_id TEXT, name TEXT,"
             " body TEXT, ts INTEGER, UNIQUE(room, seq));"
             "INSERT INTO messages(room, seq, body) VALUES"
             " ('lobby', 1, '{}'), ('lobby', 2, '{}'), ('lobby', 3, '{}');"
             "DELETE FROM messages WHERE id = 3;");
  }
  start();
  CHECK(ask<bool>(create_atom::value, room_atom::value, make_room("lobby")));
  CHECK(append(make_message("lobby", 3)).id == "m4");
  stop();
  auto db = open_db(opts.path);
  CHECK(single_int(db, with_autoincrement) == 1);
}

#endif

TEST_CASE_FIXTURE(fixture, "a user is stored with its channel and its membership there") {
  auto alice = make_user("u1", "alice");
  CHECK(create_user(alice));
  auto channel = room("@alice");
  REQUIRE(channel);
  CHECK(channel->is_private);
  REQUIRE(channel->members.size() == 1);
  CHECK(channel->members[0].user_id == "u1");
  CHECK(channel->members[0].name == "alice");
  CHECK(member_rooms("u1") == name_list{"@alice"});
}

TEST_CASE_FIXTURE(fixture, "a taken user name gets name_taken and stores nothing") {
  CHECK(create_user(make_user("u1", "alice")));
  auto other = make_user("u2", "alice");
  auto channel = make_channel(other);
  channel.name = "@alice-2"; // a fresh channel name: only the user name clashes
  auto err = ask_error<bool>(create_atom::value, user_atom::value, other, channel);
  CHECK(to_chat_errc(err) == chat_errc::name_taken);
  CHECK_FALSE(room("@alice-2"));
  CHECK(member_rooms("u2").empty());
  auto users = ask<user_list>(load_atom::value, users_atom::value);
  REQUIRE(users.size() == 1);
  CHECK(users[0].user_id == "u1");
}

TEST_CASE_FIXTURE(fixture, "load users returns every stored account") {
  CHECK(create_user(make_user("u1", "alice")));
  CHECK(create_user(make_user("u2", "bob")));
  auto users = ask<user_list>(load_atom::value, users_atom::value);
  REQUIRE(users.size() == 2);
  CHECK(users[0].user_id == "u1");
  CHECK(users[0].name == "alice");
  CHECK(users[0].password_hash == "hash-of-alice");
  CHECK(users[1].name == "bob");
}

TEST_CASE_FIXTURE(fixture, "one account loads by name and one token by digest, with its user") {
  CHECK(create_user(make_user("u1", "alice")));
  CHECK(ask<bool>(create_atom::value, token_atom::value, token_record{"t-1", "u1", 2000}));
  auto alice
    = ask<std::optional<user_record>>(load_atom::value, user_atom::value, std::string{"alice"});
  REQUIRE(alice);
  CHECK(alice->user_id == "u1");
  CHECK(alice->password_hash == "hash-of-alice");
  CHECK_FALSE(
    ask<std::optional<user_record>>(load_atom::value, user_atom::value, std::string{"nobody"}));
  auto grant
    = ask<std::optional<token_grant>>(load_atom::value, token_atom::value, std::string{"t-1"});
  REQUIRE(grant);
  CHECK(grant->who.user_id == "u1");
  CHECK(grant->who.name == "alice");
  CHECK(grant->token_hash == "t-1");
  CHECK(grant->expires_at_ms == 2000); // expired ones too: the asker checks
  CHECK_FALSE(
    ask<std::optional<token_grant>>(load_atom::value, token_atom::value, std::string{"t-2"}));
}

TEST_CASE_FIXTURE(fixture, "tokens are stored, expired ones skipped and logout removes one") {
  CHECK(ask<bool>(create_atom::value, token_atom::value, token_record{"t-live", "u1", 2000}));
  CHECK(ask<bool>(create_atom::value, token_atom::value, token_record{"t-old", "u1", 1000}));
  CHECK(ask<bool>(create_atom::value, token_atom::value, token_record{"t-other", "u2", 3000}));
  auto tokens = ask<token_list>(load_atom::value, token_atom::value, std::int64_t{1500});
  REQUIRE(tokens.size() == 2);
  CHECK(tokens[0].token_hash == "t-live");
  CHECK(tokens[0].user_id == "u1");
  CHECK(tokens[0].expires_at_ms == 2000);
  CHECK(tokens[1].token_hash == "t-other");
  CHECK(ask<bool>(delete_atom::value, token_atom::value, std::string{"t-live"}));
  CHECK_FALSE(ask<bool>(delete_atom::value, token_atom::value, std::string{"t-unknown"}));
  tokens = ask<token_list>(load_atom::value, token_atom::value, std::int64_t{1500});
  REQUIRE(tokens.size() == 1);
  CHECK(tokens[0].token_hash == "t-other");
}

TEST_CASE_FIXTURE(fixture, "a created room loads with its settings, named members and last seq") {
  CHECK(create_user(make_user("u1", "alice")));
  CHECK(create_user(make_user("u2", "bob")));
  auto lobby = make_room("lobby", true);
  lobby.key = "sesame";
  lobby.max_members = 10;
  lobby.members.push_back(member_record{"u1", "alice"});
  CHECK(ask<bool>(create_atom::value, room_atom::value, lobby));
  caf::anon_send(store, member_atom::value, std::string{"lobby"}, std::string{"u2"}, true);
  // Storage numbers a room's messages itself, whatever seq they come with.
  CHECK(append(make_message("lobby", 1)).seq == 1);
  CHECK(append(make_message("lobby", 7)).seq == 2);
  auto loaded = room("lobby");
  REQUIRE(loaded);
  CHECK(loaded->name == "lobby");
  CHECK(loaded->is_private);
  CHECK(loaded->key == "sesame");
  CHECK(loaded->max_members == 10);
  CHECK(loaded->last_seq == 2);
  REQUIRE(loaded->members.size() == 2);
  CHECK(loaded->members[0].user_id == "u1");
  CHECK(loaded->members[0].name == "alice");
  CHECK(loaded->members[1].user_id == "u2");
  CHECK(loaded->members[1].name == "bob");
  CHECK_FALSE(room("nowhere"));
  auto again = ask_error<bool>(create_atom::value, room_atom::value, lobby);
  CHECK(to_chat_errc(again) == chat_errc::name_taken);
}

TEST_CASE_FIXTURE(fixture, "a room without messages has last seq 0") {
  CHECK(ask<bool>(create_atom::value, room_atom::value, make_room("empty")));
  auto loaded = room("empty");
  REQUIRE(loaded);
  CHECK(loaded->last_seq == 0);
  CHECK(loaded->members.empty());
}

TEST_CASE_FIXTURE(fixture, "member joins and leaves are persisted") {
  CHECK(ask<bool>(create_atom::value, room_atom::value, make_room("lobby")));
  caf::anon_send(store, member_atom::value, std::string{"lobby"}, std::string{"u1"}, true);
  caf::anon_send(store, member_atom::value, std::string{"lobby"}, std::string{"u2"}, true);
  caf::anon_send(store, member_atom::value, std::string{"lobby"}, std::string{"u1"}, false);
  restart();
  auto loaded = room("lobby");
  REQUIRE(loaded);
  REQUIRE(loaded->members.size() == 1);
  CHECK(loaded->members[0].user_id == "u2");
  CHECK(member_rooms("u1").empty());
  CHECK(member_rooms("u2") == name_list{"lobby"});
}

TEST_CASE_FIXTURE(fixture, "appended messages get ids m<row id> and keep their seq") {
  auto first = append(make_message("lobby", 1));
  auto second = append(make_message("lobby", 2));
  auto other = append(make_message("side", 1));
  CHECK(first.id == "m1");
  CHECK(second.id == "m2");
  CHECK(other.id == "m3");
  CHECK(second.seq == 2);
  CHECK(second.room == "lobby");
  CHECK(second.body == make_message("lobby", 2).body);
  CHECK(second.ts == make_message("lobby", 2).ts);
}

TEST_CASE_FIXTURE(fixture, "history pages hold the newest messages oldest first") {
  for (std::int64_t seq = 1; seq <= 250; ++seq)
    caf::anon_send(store, append_atom::value, make_message("lobby", seq));
  auto page0 = history("lobby", 0);
  CHECK(page0.room == "lobby");
  CHECK(page0.page == 0);
  REQUIRE(page0.messages.size() == 100);
  CHECK(page0.messages.front().seq == 151);
  CHECK(page0.messages.back().seq == 250);
  CHECK(page0.messages.back().id == "m250");
  CHECK(page0.messages.back().body == make_message("lobby", 250).body);
  CHECK(page0.has_more);
  auto page1 = history("lobby", 1);
  REQUIRE(page1.messages.size() == 100);
  CHECK(page1.messages.front().seq == 51);
  CHECK(page1.messages.back().seq == 150);
  CHECK(page1.has_more);
  auto page2 = history("lobby", 2);
  REQUIRE(page2.messages.size() == 50);
  CHECK(page2.messages.front().seq == 1);
  CHECK(page2.messages.back().seq == 50);
  CHECK_FALSE(page2.has_more);
  CHECK(history("lobby", 3).messages.empty());
  auto unknown = history("nowhere", 0);
  CHECK(unknown.messages.empty());
  CHECK_FALSE(unknown.has_more);
}

TEST_CASE_FIXTURE(fixture, "a page that exactly ends the history has no more") {
  for (std::int64_t seq = 1; seq <= 100; ++seq)
    caf::anon_send(store, append_atom::value, make_message("lobby", seq));
  auto page0 = history("lobby", 0);
  CHECK(page0.messages.size() == 100);
  CHECK_FALSE(page0.has_more);
  auto bad = ask_error<history_page>(history_atom::value, std::string{"lobby"}, std::int64_t{-1},
                                     std::int64_t{100});
  CHECK(to_chat_errc(bad) == chat_errc::bad_request);
}

TEST_CASE_FIXTURE(fixture, "the room list hides private rooms from non-members") {
  CHECK(ask<bool>(create_atom::value, room_atom::value, make_room("lobby")));
  CHECK(ask<bool>(create_atom::value, room_atom::value, make_room("attic")));
  CHECK(ask<bool>(create_atom::value, room_atom::value, make_room("secret", true)));
  caf::anon_send(store, member_atom::value, std::string{"secret"}, std::string{"u1"}, true);
  caf::anon_send(store, member_atom::value, std::string{"lobby"}, std::string{"u1"}, true);
  caf::anon_send(store, member_atom::value, std::string{"lobby"}, std::string{"u2"}, true);
  auto for_member = ask<room_list>(rooms_atom::value, std::string{"u1"}, every_room);
  CHECK(names_of(for_member) == std::vector<std::string>{"attic", "lobby", "secret"});
  CHECK(for_member[1].members == 2);
  CHECK_FALSE(for_member[1].is_private);
  CHECK(for_member[2].members == 1);
  CHECK(for_member[2].is_private);
  CHECK_FALSE(for_member[0].member);
  CHECK(for_member[1].member);
  CHECK(for_member[2].member);
  auto for_other = ask<room_list>(rooms_atom::value, std::string{"u3"}, every_room);
  CHECK(names_of(for_other) == std::vector<std::string>{"attic", "lobby"});
  CHECK(for_other[0].members == 0);
  CHECK_FALSE(for_other[1].member);
}

TEST_CASE_FIXTURE(fixture,
                  "an offer lists the user's rooms and the first rooms and channels it is not in") {
  // "9lives" sorts before the channels ("@..."), the other rooms after them.
  for (const char* name : {"beta", "9lives", "alpha", "gamma", "@ann", "@bob", "@cat"})
    CHECK(ask<bool>(create_atom::value, room_atom::value, make_room(name)));
  CHECK(ask<bool>(create_atom::value, room_atom::value, make_room("secret", true)));
  CHECK(ask<bool>(create_atom::value, room_atom::value, make_room("hidden", true)));
  for (const char* room : {"gamma", "secret", "@ann"})
    caf::anon_send(store, member_atom::value, std::string{room}, std::string{"u1"}, true);
  caf::anon_send(store, member_atom::value, std::string{"gamma"}, std::string{"u2"}, true);
  caf::anon_send(store, member_atom::value, std::string{"alpha"}, std::string{"u2"}, true);
  auto offer
    = [&](std::int64_t n) { return ask<room_list>(rooms_atom::value, std::string{"u1"}, n); };
  CHECK(names_of(offer(0)) == std::vector<std::string>{"@ann", "gamma", "secret"});
  CHECK(names_of(offer(1))
        == std::vector<std::string>{"9lives", "@ann", "@bob", "gamma", "secret"});
  auto two = offer(2);
  CHECK(names_of(two)
        == std::vector<std::string>{"9lives", "@ann", "@bob", "@cat", "alpha", "gamma", "secret"});
  // Members as joined above; a room nobody joined counts 0.
  std::map<std::string, std::int64_t> members{
    {"@ann", 1}, {"alpha", 1}, {"gamma", 2}, {"secret", 1}};
  for (const auto& r : two) {
    bool mine = r.name == "@ann" || r.name == "gamma" || r.name == "secret";
    CHECK_MESSAGE(r.member == mine, r.name);
    CHECK_MESSAGE(r.is_private == (r.name == "secret"), r.name);
    CHECK_MESSAGE(r.members == members[r.name], r.name);
  }
  // Never another's private room, however much is offered; every room
  // there is when the offer covers them all.
  CHECK(names_of(offer(100))
        == std::vector<std::string>{"9lives", "@ann", "@bob", "@cat", "alpha", "beta", "gamma",
                                    "secret"});
  CHECK(names_of(offer(100))
        == names_of(ask<room_list>(rooms_atom::value, std::string{"u1"}, every_room)));
}

TEST_CASE_FIXTURE(fixture, "everything survives closing the actor system and reopening the file") {
  CHECK(create_user(make_user("u1", "alice")));
  CHECK(ask<bool>(create_atom::value, token_atom::value, token_record{"t1", "u1", 5000}));
  CHECK(ask<bool>(create_atom::value, room_atom::value, make_room("lobby")));
  caf::anon_send(store, member_atom::value, std::string{"lobby"}, std::string{"u1"}, true);
  for (std::int64_t seq = 1; seq <= 3; ++seq)
    append(make_message("lobby", seq));
  restart();
  auto users = ask<user_list>(load_atom::value, users_atom::value);
  REQUIRE(users.size() == 1);
  CHECK(users[0].name == "alice");
  CHECK(ask<token_list>(load_atom::value, token_atom::value, std::int64_t{0}).size() == 1);
  auto lobby = room("lobby");
  REQUIRE(lobby);
  CHECK(lobby->last_seq == 3);
  REQUIRE(lobby->members.size() == 1);
  CHECK(lobby->members[0].name == "alice");
  CHECK(history("lobby", 0).messages.size() == 3);
  // Ids keep counting after a restart (rows are never deleted, so the next
  // rowid is one past the newest).
  CHECK(append(make_message("lobby", 4)).id == "m4");
}

} // TEST_SUITE("storage")
