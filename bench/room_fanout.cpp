// chat-actors-room-bench: what a room's members who are offline cost its
// messages. One room actor (actors/room.hpp) with a few online members and
// with or without many offline ones, storage a stand-in that answers at once
// (tests/support/fake_storage.hpp), messages posted one at a time (each its
// own fan-out, as in a room with light traffic). The two rooms take turns in
// the same process and the result is their ratio: a room should cost what
// its online members cost, not what its member list holds.
//
//   chat-actors-room-bench [--offline N] [--online N] [--posts N] [--rounds N]
//
// Prints one JSON line; exits 1 if an online member missed a message.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/room.hpp"
#include "protocol/atoms.hpp"
#include "tests/support/fake_storage.hpp"

namespace {

using namespace std::chrono_literals;
using counter = std::shared_ptr<std::atomic<std::uint64_t>>;

struct options {
  int offline = 10000;
  int online = 20;
  int posts = 2000;
  int rounds = 3;
};

// An online member's user actor: counts the room messages delivered to it.
chat::user_actor::behavior_type counting_user(const counter& got) {
  return {
    [](chat::connect_atom, const chat::connection_actor&, const chat::session_ptr&) {},
    [got](chat::deliver_atom, const chat::delivery_batch& batch) {
      for (const auto& d : *batch)
        if (!d->id.empty())
          got->fetch_add(1, std::memory_order_relaxed);
    },
    [](chat::relay_atom, const caf::actor_addr&, const chat::frame_ptr&) {},
    [](chat::joined_atom, const std::string&, std::int64_t) {},
    [](chat::left_atom, const std::string&) {},
    [](chat::ack_atom, const chat::id_list&) {},
    [](chat::ack_atom, chat::commit_atom, const chat::id_list&) { return true; },
    [](chat::ack_atom, const chat::cursor_list&, const chat::id_list&) {},
    [](chat::start_atom) { return true; },
    [](chat::close_atom) {},
  };
}

struct room_run {
  double us_per_post = 0;
  bool all_delivered = false;
};

// One room with `offline` offline members and `online` online ones; times
// `posts` posts, each waiting for its `sent` before the next.
room_run run_room(caf::actor_system& sys, const options& opt, int offline) {
  chat::room_record rec{"bench", false, {}, 10000000, 0, {}};
  for (int i = 0; i < offline; ++i)
    rec.members.push_back({"off-" + std::to_string(i), "offline" + std::to_string(i)});
  auto storage = chat::test::spawn_fake_storage(sys);
  auto room = chat::spawn_room(sys, rec, storage, chat::actor_settings{});
  caf::scoped_actor self{sys};
  std::vector<counter> counts;
  std::vector<chat::user_actor> users;
  bool ok = true;
  for (int i = 0; i < opt.online; ++i) {
    counts.push_back(std::make_shared<std::atomic<std::uint64_t>>(0));
    users.push_back(sys.spawn(counting_user, counts.back()));
    chat::identity who{"on-" + std::to_string(i), "online" + std::to_string(i)};
    self
      ->request(room, 10s, chat::join_atom::value, who, users.back(), std::string{}, std::string{})
      .receive([](const chat::member_list&) {}, [&](const caf::error&) { ok = false; });
  }
  chat::identity sender{"on-0", "online0"};
  auto post = [&] {
    self->request(room, 10s, chat::post_atom::value, sender, std::string{"{}"})
      .receive([](const chat::chat_message&) {}, [&](const caf::error&) { ok = false; });
  };
  for (int i = 0; i < 50; ++i) // warm-up: caches, the room's first batches
    post();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < opt.posts; ++i)
    post();
  auto t1 = std::chrono::steady_clock::now();
  // Every online member gets every message: the fan-out is asynchronous, so
  // wait for the last ones (bounded).
  const std::uint64_t want = static_cast<std::uint64_t>(opt.posts) + 50;
  for (int i = 0; i < 500 && ok; ++i) {
    if (std::all_of(counts.begin(), counts.end(), [&](const counter& c) { return *c == want; }))
      break;
    std::this_thread::sleep_for(10ms);
  }
  room_run out;
  out.us_per_post = std::chrono::duration<double, std::micro>(t1 - t0).count() / opt.posts;
  out.all_delivered
    = ok && std::all_of(counts.begin(), counts.end(), [&](const counter& c) { return *c == want; });
  for (auto& u : users)
    caf::anon_send_exit(u, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(room, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(storage, caf::exit_reason::user_shutdown);
  return out;
}

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

bool read_int(int argc, char** argv, int& i, int& out) {
  if (i + 1 >= argc)
    return false;
  char* end = nullptr;
  long v = std::strtol(argv[++i], &end, 10);
  if (*end != '\0' || v < 0 || v > 10000000)
    return false;
  out = static_cast<int>(v);
  return true;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool ok = (a == "--offline" && read_int(argc, argv, i, opt.offline))
              || (a == "--online" && read_int(argc, argv, i, opt.online))
              || (a == "--posts" && read_int(argc, argv, i, opt.posts))
              || (a == "--rounds" && read_int(argc, argv, i, opt.rounds));
    if (!ok) {
      std::fprintf(stderr, "usage: chat-actors-room-bench [--offline N] [--online N] [--posts N]"
                           " [--rounds N]\n");
      return 2;
    }
  }
  if (opt.online < 1 || opt.posts < 1 || opt.rounds < 1) {
    std::fprintf(stderr, "chat-actors-room-bench: --online, --posts and --rounds must be >= 1\n");
    return 2;
  }
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::vector<double> without, with;
  bool delivered = true;
  for (int r = 0; r < opt.rounds; ++r) { // taking turns
    auto a = run_room(sys, opt, 0);
    auto b = run_room(sys, opt, opt.offline);
    without.push_back(a.us_per_post);
    with.push_back(b.us_per_post);
    delivered = delivered && a.all_delivered && b.all_delivered;
  }
  double base = median(without), big = median(with);
  std::printf("{\"bench\":\"room_fanout\",\"offline\":%d,\"online\":%d,\"posts\":%d,\"rounds\":%d,"
              "\"us_per_post_online_only\":%.2f,\"us_per_post_with_offline\":%.2f,"
              "\"ratio\":%.3f,\"all_delivered\":%s}\n",
              opt.offline, opt.online, opt.posts, opt.rounds, base, big, big / base,
              delivered ? "true" : "false");
  return delivered ? 0 : 1;
}
