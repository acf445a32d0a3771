// Tests of the storage actor (storage/message_store): schema, accounts,
// tokens, rooms, members, messages and history, restarts, and group commit.
// Each test gets its own database file in a fresh temporary folder (see
// store_fixture.hpp). Delivery (directs, cursors, replay) is tested in
// delivery_store_test.cpp.
#include "protocol/atoms.hpp"
#include "storage/message_store.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <doctest/doctest.h>
#include <sqlite3.h>

#include "common/metrics.hpp"
#include "protocol/chat_error.hpp"
#include "store_fixture.hpp"

using namespace chat;
using namespace chat::test;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> names_of(const room_list& rooms) {
  std::vector<std::string> result;
  for (auto& room : rooms)
    result.push_back(room.name);
  return result;
}

} // namespace

TEST_SUITE("storage") {

TEST_CASE_FIXTURE(fixture, "opening a fresh file creates its folder and the schema") {
  CHECK(std::filesystem::exists(opts.path));
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(opts.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db,
                             "SELECT name FROM sqlite_master WHERE type = "
                             "'table' ORDER BY name",
                             -1, &st, nullptr)
          == SQLITE_OK);
  std::set<std::string> tables;
  while (sqlite3_step(st) == SQLITE_ROW)
    tables.emplace(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  sqlite3_close(db);
  for (auto name : {"users", "tokens", "rooms", "members", "messages", "directs"})
    CHECK_MESSAGE(tables.count(name) == 1, "missing table " << name);
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

TEST_CASE_FIXTURE(fixture, "a refused write fails alone and the rest of its batch commits") {
  opts.commit_window = 200ms; // room for all three writes in one batch
  restart();
  CHECK(create_user(make_user("u1", "alice")));
  auto& self_ref = *self;
  auto taken = make_user("u2", "alice");
  auto ok1 = self_ref->request(store, 5s, append_atom::value, make_message("lobby", 1));
  auto dup = self_ref->request(store, 5s, create_atom::value, user_atom::value, taken,
                               make_channel(taken));
  auto ok2 = self_ref->request(store, 5s, append_atom::value, make_message("lobby", 2));
  std::vector<std::int64_t> seqs;
  caf::error dup_error;
  auto keep = [&](chat_message& msg) { seqs.push_back(msg.seq); };
  auto fail = [&](caf::error& err) { FAIL_CHECK(error_text(err)); };
  ok1.receive(keep, fail);
  dup.receive([&](bool) { FAIL_CHECK("taken name accepted"); },
              [&](caf::error& err) { dup_error = std::move(err); });
  ok2.receive(keep, fail);
  CHECK(to_chat_errc(dup_error) == chat_errc::name_taken);
  CHECK(seqs == std::vector<std::int64_t>{1, 2});
  restart();
  CHECK(history("lobby", 0).messages.size() == 2);
  CHECK(ask<user_list>(load_atom::value, users_atom::value).size() == 1);
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
  auto for_member = ask<room_list>(rooms_atom::value, std::string{"u1"});
  CHECK(names_of(for_member) == std::vector<std::string>{"attic", "lobby", "secret"});
  CHECK(for_member[1].members == 2);
  CHECK_FALSE(for_member[1].is_private);
  CHECK(for_member[2].members == 1);
  CHECK(for_member[2].is_private);
  CHECK_FALSE(for_member[0].member);
  CHECK(for_member[1].member);
  CHECK(for_member[2].member);
  auto for_other = ask<room_list>(rooms_atom::value, std::string{"u3"});
  CHECK(names_of(for_other) == std::vector<std::string>{"attic", "lobby"});
  CHECK(for_other[0].members == 0);
  CHECK_FALSE(for_other[1].member);
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
  // Ids keep counting after a restart (AUTOINCREMENT never reuses one).
  CHECK(append(make_message("lobby", 4)).id == "m4");
}

TEST_CASE_FIXTURE(fixture, "a clean shutdown commits writes still waiting for their batch") {
  opts.commit_window = 1h; // the timer never fires: only the exit commits
  restart();
  end_quiet_spell();
  // Replies to these would wait for the commit, so nobody asks for them.
  caf::anon_send(store, create_atom::value, room_atom::value, make_room("lobby"));
  caf::anon_send(store, member_atom::value, std::string{"lobby"}, std::string{"u1"}, true);
  for (std::int64_t seq = 1; seq <= 5; ++seq)
    caf::anon_send(store, append_atom::value, make_message("lobby", seq));
  // Reads see the open transaction; then the exit must commit it and answer
  // a request that is still waiting for its batch.
  CHECK(history("lobby", 0).messages.size() == 5);
  auto waiting = (*self)->request(store, 5s, create_atom::value, token_atom::value,
                                  token_record{"t1", "u1", 5000});
  caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
  bool stored = false;
  waiting.receive([&](bool x) { stored = x; },
                  [&](caf::error& err) { FAIL_CHECK(error_text(err)); });
  CHECK(stored);
  restart();
  CHECK(ask<token_list>(load_atom::value, token_atom::value, std::int64_t{0}).size() == 1);
  auto lobby = room("lobby");
  REQUIRE(lobby);
  CHECK(lobby->last_seq == 5);
  CHECK(lobby->members.size() == 1);
  CHECK(history("lobby", 0).messages.size() == 5);
}

TEST_CASE_FIXTURE(fixture, "write replies wait for the commit while reads see the write at once") {
  opts.commit_window = 300ms;
  restart();
  end_quiet_spell();
  auto start = std::chrono::steady_clock::now();
  auto write = (*self)->request(store, 5s, create_atom::value, token_atom::value,
                                token_record{"t1", "u1", 5000});
  auto tokens = ask<token_list>(load_atom::value, token_atom::value, std::int64_t{0});
  auto read_time = std::chrono::steady_clock::now() - start;
  CHECK(tokens.size() == 1);
  CHECK(read_time < 250ms);
  bool stored = false;
  write.receive([&](bool x) { stored = x; }, [&](caf::error& err) { FAIL_CHECK(error_text(err)); });
  CHECK(stored);
  CHECK(std::chrono::steady_clock::now() - start >= 250ms);
}

TEST_CASE_FIXTURE(fixture, "a write to a quiet store commits at once, the writes after it gather") {
  constexpr int quiet_windows = 5; // storage/store_state.cpp's
  opts.commit_window = 200ms;      // quiet after 5 windows: 1 s
  restart();
  auto timed_append = [&](std::int64_t seq) {
    auto start = std::chrono::steady_clock::now();
    CHECK(append(make_message("lobby", seq)).seq == seq);
    return std::chrono::steady_clock::now() - start;
  };
  // A fresh store is quiet: the lone write does not wait for the window.
  CHECK(timed_append(1) < 150ms);
  // Right after a commit it is busy: the next write waits a whole window.
  CHECK(timed_append(2) >= 180ms);
  // Becoming quiet again is what is checked here: a sleep of exactly the
  // quiet spell (five windows since that commit, which came before its reply).
  std::this_thread::sleep_for(quiet_windows * opts.commit_window);
  CHECK(timed_append(3) < 150ms);
  restart();
  CHECK(history("lobby", 0).messages.size() == 3);
}

TEST_CASE_FIXTURE(fixture, "a store that never committed is quiet however long the machine is up") {
  // Five one-hour windows: "quiet since the steady clock's origin" would hold
  // only on a machine up for five hours. A fresh store must not wait.
  opts.commit_window = 1h;
  restart();
  auto start = std::chrono::steady_clock::now();
  CHECK(append(make_message("lobby", 1)).seq == 1);
  CHECK(std::chrono::steady_clock::now() - start < 2s);
}

TEST_CASE_FIXTURE(fixture, "a burst of appends sent without waiting completes with distinct ids") {
  constexpr std::int64_t burst = 2000;
  using handle = decltype((*self)->request(store, 5s, append_atom::value, chat_message{}));
  std::vector<handle> pending;
  pending.reserve(burst);
  for (std::int64_t seq = 1; seq <= burst; ++seq)
    pending.push_back((*self)->request(store, 10s, append_atom::value, make_message("lobby", seq)));
  std::set<std::string> ids;
  std::int64_t expected_seq = 1;
  bool in_order = true;
  for (auto& reply : pending)
    reply.receive(
      [&](chat_message& msg) {
        ids.insert(msg.id);
        in_order = in_order && msg.seq == expected_seq++;
      },
      [&](caf::error& err) { FAIL_CHECK(error_text(err)); });
  CHECK(ids.size() == static_cast<std::size_t>(burst));
  CHECK(in_order);
  CHECK(room("lobby") == std::nullopt); // messages alone create no room
  restart();
  auto page = ask<history_page>(history_atom::value, std::string{"lobby"}, std::int64_t{0}, burst);
  CHECK(page.messages.size() == static_cast<std::size_t>(burst));
  CHECK_FALSE(page.has_more);
}

TEST_CASE_FIXTURE(fixture,
                  "the store checkpoints its WAL after commits, so the WAL stays bounded") {
  // The store replaces SQLite's auto-checkpoint with its own, run after a
  // commit's replies: without it the WAL would hold every write below.
  auto checkpoints = [] { return metrics::get().storage_checkpoint_seconds.cumulative().back(); };
  auto before = checkpoints();
  // ~600 commits of a 12 KiB message each: some 3,000 WAL frames (4 KiB
  // pages), three times the checkpoint threshold.
  std::string text(12 * 1024, 'x');
  for (std::int64_t i = 1; i <= 600; ++i) {
    auto msg = make_message("lobby", i);
    msg.body = R"({"text":")" + text + R"("})";
    append(msg);
  }
  CHECK(checkpoints() - before >= 2);
  // The WAL file is reused from its start after a checkpoint: its size is
  // the most it held between two, about 1,000 frames of 4 KiB plus headers.
  auto wal = std::filesystem::file_size(opts.path + "-wal");
  CHECK(wal > 0);
  CHECK(wal < 6u * 1024 * 1024);
  restart();
  auto page = ask<history_page>(history_atom::value, std::string{"lobby"}, std::int64_t{0},
                                std::int64_t{600});
  REQUIRE(page.messages.size() == 600);
  CHECK(page.messages.back().body.size() > text.size());
}

} // TEST_SUITE("storage")
