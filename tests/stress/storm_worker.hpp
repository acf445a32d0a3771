// The client side of the join/leave storm (join_leave_storm_test.cpp): one
// worker per thread drives 250 users on one io_loop. Each user makes 20
// random moves, one at a time (the next after the reply and 0-200 ms): join
// a room it is not in, leave one it is in, send to one it is in, or join one
// it is already in again (answered "joined", without presence). It keeps at
// most 3 rooms, acks what it receives every 250 ms, and records what the
// replies made of its memberships. Afterwards every 10th user reconnects and
// reads its "rooms": membership belongs to the user, not the socket.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/stress/stress_support.hpp"
#include "tests/support/ws_client.hpp"

namespace chat::test::storm {

using namespace chat::test::stress;

constexpr int thread_count = 2;
// $CHAT_STRESS_SCALE shrinks users and rooms; 5 rooms at least, so a user
// (max_rooms 3) always has a room it is not in to join.
const int user_count = scaled(500, thread_count);
const int room_count = scaled(20, 1, 5);
constexpr int moves_per_user = 20;
const int per_thread = user_count / thread_count;
constexpr std::size_t max_rooms = 3;
constexpr auto ack_every = std::chrono::milliseconds(250);

inline std::string room_name(int r) {
  return "storm_" + std::to_string(r);
}

inline bool resampled(int user) {
  return user % 10 == 0;
}

/// What one user did and saw; checked by the main thread.
struct user_result {
  std::set<std::string> rooms;              // memberships at the end, from the replies
  std::map<std::string, int> joins, leaves; // that changed membership
  std::map<std::string, int> sent;          // room -> "sent" replies
  std::map<std::string, bool> listed;       // after reconnecting: room -> "member"
  bool rooms_listed = false;
  int answered = 0; // moves answered
  std::vector<std::string> problems;
};

class worker {
public:
  /// Writes its users' results into `out`, then counts itself `finished`
  /// and keeps its users connected until `release`.
  worker(std::uint16_t port, const std::vector<account>& users, int first,
         clock_type::time_point deadline, std::uint64_t seed, std::vector<user_result>& out,
         std::atomic<int>& finished, const std::atomic<bool>& release)
    : port_(port),
      users_(users),
      first_(first),
      deadline_(deadline),
      rng_(seed),
      out_(out),
      finished_(finished),
      release_(release) {}

  void run() {
    clients_.reserve(per_thread);
    for (int i = 0; i < per_thread; ++i)
      clients_.emplace_back(loop_, first_ + i);
    for (auto& c : clients_)
      connect(c);
    while (!all([](client& c) { return c.moves == moves_per_user && c.pending.empty(); })
           && clock_type::now() < deadline_)
      step(true);
    for (auto& c : clients_)
      if (resampled(c.index) && c.ready) {
        c.ws.close();
        { auto old = std::move(c.ws); }
        c.ws = ws_client(loop_);
        connect(c);
        c.ws.send(json{{"action", "rooms"}, {"ref", "rooms"}}, time_to(deadline_));
      }
    while (!all([](client& c) { return !resampled(c.index) || c.r.rooms_listed; })
           && clock_type::now() < deadline_)
      step(false);
    for (auto& c : clients_)
      out_[c.index] = c.r;
    ++finished_;
    while (!release_)
      step(false); // stay online, and read, while the main thread checks
  }

private:
  struct client {
    client(io_loop& loop, int i) : ws(loop), index(i) {}
    ws_client ws;
    int index;
    bool ready = false; // welcomed and replayed
    int moves = 0, refs = 0;
    std::string pending, pending_room; // the ref and room of the move awaiting its reply
    clock_type::time_point next_move;
    std::map<std::string, std::int64_t> last_seq; // this connection's, per room
    std::vector<std::string> to_ack;
    user_result r;

    void problem(const std::string& what) {
      if (r.problems.size() < 20)
        r.problems.push_back("user " + std::to_string(index) + ": " + what);
    }
  };

  template <class Pred>
  bool all(Pred pred) {
    for (auto& c : clients_)
      if (!pred(c))
        return false;
    return true;
  }

  int random_int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  void connect(client& c) {
    int status = c.ws.connect(port_, "/ws?token=" + users_[c.index].token, time_to(deadline_));
    if (status != 101)
      c.problem("connect answered " + std::to_string(status) + " " + c.ws.error());
    c.ready = false;
    c.last_seq.clear();
  }

  void step(bool moving) {
    loop_.run_for(std::chrono::milliseconds(10));
    auto now = clock_type::now();
    bool flush = now >= next_flush_;
    if (flush)
      next_flush_ = now + ack_every;
    for (auto& c : clients_) {
      while (auto text = c.ws.take_text())
        handle(c, *text);
      if (!c.ready)
        continue;
      if (moving && c.pending.empty() && c.moves < moves_per_user && now >= c.next_move)
        move(c);
      if (flush && !c.to_ack.empty()) {
        c.ws.send(json{{"action", "ack"}, {"body", {{"ids", c.to_ack}}}}, time_to(deadline_));
        c.to_ack.clear();
      }
    }
  }

  /// One random move, keeping between 1 and max_rooms rooms.
  void move(client& c) {
    auto& mine = c.r.rooms;
    int dice = random_int(0, 9);
    std::string action;
    if (mine.empty() || (mine.size() < max_rooms && dice < 4)) {
      std::vector<std::string> others;
      for (int r = 0; r < room_count; ++r)
        if (mine.count(room_name(r)) == 0)
          others.push_back(room_name(r));
      action = "join";
      c.pending_room = others[random_int(0, static_cast<int>(others.size()) - 1)];
    } else {
      auto it = mine.begin();
      std::advance(it, random_int(0, static_cast<int>(mine.size()) - 1));
      c.pending_room = *it;
      action = dice < 7 ? "leave" : dice < 9 ? "send" : "join";
    }
    auto frame = make_frame(action, c.pending_room);
    if (action == "send")
      frame["body"] = {{"u", c.index}, {"k", c.moves}};
    c.pending = action + std::to_string(++c.refs);
    frame["ref"] = c.pending;
    ++c.moves;
    if (!c.ws.send(frame, time_to(deadline_)))
      c.problem(action + " could not be sent: " + c.ws.error());
  }

  void handle(client& c, const std::string& text) {
    auto v = peek(text);
    if (v.type == "message") {
      auto& last = c.last_seq[v.room];
      if (v.seq <= last)
        c.problem(v.room + ": seq " + std::to_string(v.seq) + " after " + std::to_string(last));
      last = std::max(last, v.seq);
      c.to_ack.push_back(v.id);
      return;
    }
    if (v.type == "replayed") {
      c.ready = true;
      return;
    }
    if (v.type == "rooms") {
      for (auto& room : v.doc["rooms"]) {
        auto name = room.is_object() ? room.value("name", std::string()) : std::string();
        if (name.rfind("storm_", 0) == 0)
          c.r.listed[name] = room.value("member", false);
      }
      c.r.rooms_listed = true;
      return;
    }
    auto ref = v.doc.is_object() ? v.doc.value("ref", std::string()) : std::string();
    if (ref.empty() || ref != c.pending) {
      if (v.type == "error" || !ref.empty())
        c.problem("unexpected frame: " + text.substr(0, 200));
      return; // welcome, presence, acked
    }
    auto& room = c.pending_room;
    bool member = c.r.rooms.count(room) > 0;
    if (v.type == "joined") {
      if (find_member(v.doc["members"], users_[c.index].user_id).is_null())
        c.problem("joined " + room + " without being among its members");
      if (!member)
        ++c.r.joins[room];
      c.r.rooms.insert(room);
    } else if (v.type == "left" && member) {
      ++c.r.leaves[room];
      c.r.rooms.erase(room);
    } else if (v.type == "sent" && member) {
      ++c.r.sent[room];
    } else {
      c.problem("answer to " + ref + " on " + room + ": " + text.substr(0, 200));
    }
    ++c.r.answered;
    c.pending.clear();
    c.next_move = clock_type::now() + std::chrono::milliseconds(random_int(0, 200));
  }

  std::uint16_t port_;
  const std::vector<account>& users_;
  int first_;
  clock_type::time_point deadline_;
  std::mt19937_64 rng_;
  std::vector<user_result>& out_;
  std::atomic<int>& finished_;
  const std::atomic<bool>& release_;
  io_loop loop_;
  std::vector<client> clients_;
  clock_type::time_point next_flush_;
};

} // namespace chat::test::storm
