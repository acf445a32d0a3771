// Tests of the storage actor's group commit (storage/store_state): writes
// gather in one transaction for a commit window and are answered after its
// commit, a write to a quiet store commits at once, a refused write fails
// alone, a clean shutdown commits what waits, bursts, and the WAL checkpoint
// that follows commits. Each test gets its own database file in a fresh
// temporary folder (see store_fixture.hpp).
#include "protocol/atoms.hpp"
#include "storage/message_store.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <doctest/doctest.h>

#include "common/metrics.hpp"
#include "protocol/chat_error.hpp"
#include "store_fixture.hpp"

using namespace chat;
using namespace chat::test;
using namespace std::chrono_literals;

TEST_SUITE("storage") {

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

#if !CHAT_TEST_PG // PostgreSQL holds writes until the commit: a read commits them first

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

#endif

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

#if !CHAT_TEST_PG // SQLite's WAL

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

#endif

} // TEST_SUITE("storage")
