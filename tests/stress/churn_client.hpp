// One user of the room churn stress test (rooms_churn_test.cpp) as its worker
// (churn_worker.hpp) drives it: its socket, what it owes in acks, and the
// protocol checks on every frame it reads. Per connection: a replay right
// after "welcome" (frames flagged "replay" up to "replayed", whose count
// matches), live frames after it, and strictly increasing seqs per room.
// Over all its connections: no copy of an id whose "acked" had arrived.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tests/stress/stress_support.hpp"
#include "tests/support/ws_client.hpp"

namespace chat::test::churn {

using namespace chat::test::stress;

struct sent_record {
  std::string id;
  std::string room;
  std::int64_t seq = 0;
};

/// What one user saw over all its connections; checked by the main thread.
struct user_result {
  std::vector<std::string> rooms;
  std::unordered_map<std::string, int> copies;                                 // id -> copies
  std::unordered_map<std::string, std::pair<std::string, std::int64_t>> where; // id -> room, seq
  std::vector<sent_record> sent;
  std::vector<std::string> unknown_sends; // rooms of sends cut off by a drop before "sent"
  int connections = 0;
  int replayed_messages = 0;
  int allowed_duplicates = 0; // copies of ids delivered but never confirmed acked
  std::vector<std::string> problems;
  std::int64_t final_replayed = -1; // churners: "count" of the last connect's "replayed"
  bool complete = false;            // had every message of its rooms, all acked
};

struct client {
  client(io_loop& loop, int i) : ws(loop), index(i) {}

  ws_client ws;
  int index;
  bool online = false, welcomed = false, replaying = false, final_phase = false;
  std::size_t joined = 0;
  std::unordered_map<std::string, std::int64_t> last_seq; // this connection's, per room
  std::int64_t replay_messages = 0;                       // this connection's replay
  std::vector<std::string> to_ack;
  std::map<std::string, std::vector<std::string>> acks_out; // ref -> ids
  std::unordered_set<std::string> confirmed;                // ids whose "acked" came
  std::map<std::string, std::size_t> distinct;              // room -> ids received
  int next_k = 0, acks_sent = 0;
  std::map<int, std::string> sending;          // k -> room, awaiting "sent"
  std::vector<clock_type::time_point> send_at; // the sending moments
  std::vector<clock_type::time_point> drops;   // churn moments still ahead
  clock_type::time_point back_at;              // when to connect again
  user_result r;

  bool ready() const { return online && welcomed && !replaying; }

  /// Has all `truth` holds for its rooms, and every ack confirmed.
  bool complete(const std::map<std::string, std::size_t>& truth) {
    for (auto& room : r.rooms)
      if (distinct[room] < truth.at(room))
        return false;
    return ready() && to_ack.empty() && acks_out.empty();
  }

  void problem(const std::string& what) {
    if (r.problems.size() < 20)
      r.problems.push_back("user " + std::to_string(index) + " (connection "
                           + std::to_string(r.connections) + "): " + what);
  }

  /// The socket is gone: acks not confirmed are void, sends without "sent"
  /// have an unknown fate.
  void dropped() {
    online = welcomed = replaying = false;
    to_ack.clear();
    acks_out.clear();
    for (auto& [k, room] : sending)
      r.unknown_sends.push_back(room);
    sending.clear();
  }

  void handle(const std::string& text) {
    auto v = peek(text);
    if (v.type == "message")
      return on_message(v);
    if (v.type == "welcome") {
      welcomed = replaying = true;
      last_seq.clear();
      replay_messages = 0;
    } else if (v.type == "replayed") {
      auto count = v.doc.value("count", std::int64_t{-1});
      if (!replaying || count != replay_messages)
        problem("replayed count " + std::to_string(count) + " after "
                + std::to_string(replay_messages) + " replayed messages");
      replaying = false;
      if (final_phase)
        r.final_replayed = count;
    } else if (v.type == "joined") {
      ++joined;
    } else if (v.type == "sent") {
      auto it = sending.find(std::stoi(v.doc.value("ref", std::string("s-1")).substr(1)));
      if (it == sending.end())
        return problem("sent with an unknown ref: " + text);
      r.sent.push_back({v.id, it->second, v.seq});
      sending.erase(it);
    } else if (v.type == "acked") {
      auto it = acks_out.find(v.doc.value("ref", std::string()));
      if (it == acks_out.end())
        return problem("acked with an unknown ref: " + text);
      if (v.doc.value("count", std::size_t{0}) != it->second.size())
        problem("acked count differs from the ids sent: " + text);
      confirmed.insert(it->second.begin(), it->second.end());
      acks_out.erase(it);
    } else if (v.type != "presence") {
      problem("unexpected frame: " + text.substr(0, 200));
    }
  }

  void on_message(const frame_view& v) {
    if (v.replay != replaying)
      problem(std::string(v.replay ? "replayed message after \"replayed\": "
                                   : "live message inside the replay: ")
              + v.id);
    if (std::find(r.rooms.begin(), r.rooms.end(), v.room) == r.rooms.end())
      problem("message " + v.id + " of a foreign room " + v.room);
    auto& last = last_seq[v.room];
    if (v.seq <= last) // a gap is fine: an earlier connection may have had those
      problem("room " + v.room + ": seq " + std::to_string(v.seq) + " (" + v.id + ") after seq "
              + std::to_string(last) + " on one connection");
    last = std::max(last, v.seq);
    bool acked_before = confirmed.count(v.id) > 0;
    if (acked_before)
      problem("message " + v.id + " came again after its ack was confirmed");
    auto& copies = r.copies[v.id];
    if (copies++ == 0) {
      ++distinct[v.room];
      r.where[v.id] = {v.room, v.seq};
    } else if (!acked_before) {
      ++r.allowed_duplicates; // delivered, never confirmed acked: owed again
    }
    if (v.replay) {
      ++replay_messages;
      ++r.replayed_messages;
    }
    to_ack.push_back(v.id);
  }
};

} // namespace chat::test::churn
