// One user of the DM mesh stress test (dm_mesh_test.cpp): its socket, its
// sends awaiting "sent", its acks, and the checks on what it reads. Per
// connection: the replay comes right after "welcome", directs in increasing
// id order, then "replayed" with their count. Over all connections: no copy
// of an id whose "acked" had arrived. Frames are few here: parsed in full.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/stress/stress_support.hpp"
#include "tests/support/ws_client.hpp"

namespace chat::test::dm {

using namespace chat::test::stress;

/// A direct as its sender learned it from "sent".
struct sent_direct {
  std::string id;
  int to = -1;
  int k = -1;
};

/// A direct as its recipient read it.
struct got_direct { // NOLINT(bugprone-exception-escape): see frame_view in stress_support.hpp
  int copies = 0;
  std::string from_id;
  std::string to_id;
  json body;
};

struct client {
  client(io_loop& loop, int i) : ws(loop), index(i) {}

  ws_client ws;
  int index;
  bool online = false, welcomed = false, replaying = false, leaving = false;
  std::int64_t last_replayed_id = 0;           // this connection's replay, numeric part
  std::int64_t replay_count = 0;               // this connection's replay
  std::int64_t last_replayed = -1;             // "count" of the latest "replayed"
  std::vector<int> targets;                    // whom it writes to (user indexes)
  std::vector<clock_type::time_point> send_at; // when (empty: not yet scheduled)
  int next_k = 0;
  std::optional<clock_type::time_point> leave_at;
  std::map<int, int> sending; // k -> target, awaiting "sent"
  std::vector<sent_direct> sent;
  std::vector<std::string> to_ack;
  std::map<std::string, std::vector<std::string>> acks_out; // ref -> ids
  std::set<std::string> confirmed;
  std::map<std::string, got_direct> got; // id -> what came
  int duplicates = 0;                    // copies of ids delivered but never confirmed acked
  int replayed_total = 0;
  int acks_sent = 0;
  std::vector<std::string> problems;

  bool ready() const { return online && welcomed && !replaying; }

  void problem(const std::string& what) {
    if (problems.size() < 20)
      problems.push_back("user " + std::to_string(index) + ": " + what);
  }

  void send_dm(int k, const account& to) {
    auto frame = make_frame("dm", to.user_id, {{"from", index}, {"k", k}});
    frame["ref"] = "dm" + std::to_string(k);
    sending[k] = targets[k];
    if (!ws.send(frame, std::chrono::seconds(5)))
      problem("dm " + std::to_string(k) + " could not be written: " + ws.error());
  }

  void send_acks() {
    if (to_ack.empty())
      return;
    auto ref = "ack" + std::to_string(++acks_sent);
    if (ws.send(json{{"action", "ack"}, {"ref", ref}, {"body", {{"ids", to_ack}}}},
                std::chrono::seconds(5)))
      acks_out[ref] = std::move(to_ack);
    to_ack.clear();
  }

  /// Our side closed the socket: acks not confirmed are void.
  void dropped() {
    online = welcomed = replaying = leaving = false;
    to_ack.clear();
    acks_out.clear();
    if (!sending.empty())
      problem("left with " + std::to_string(sending.size()) + " directs awaiting \"sent\"");
    sending.clear();
  }

  void handle(const std::string& text) {
    auto f = json::parse(text, nullptr, false);
    auto type = type_of(f);
    auto ref = f.is_object() && f.contains("ref") && f["ref"].is_string()
                 ? f["ref"].get<std::string>()
                 : std::string();
    if (type == "welcome") {
      welcomed = replaying = true;
      last_replayed_id = replay_count = 0;
    } else if (type == "direct") {
      on_direct(f);
    } else if (type == "replayed") {
      last_replayed = f.value("count", std::int64_t{-1});
      if (!replaying || last_replayed != replay_count)
        problem("replayed count " + std::to_string(last_replayed) + " after "
                + std::to_string(replay_count) + " replayed directs");
      replaying = false;
    } else if (type == "sent" && ref.rfind("dm", 0) == 0
               && sending.count(std::stoi(ref.substr(2))) > 0) {
      auto k = std::stoi(ref.substr(2));
      sent.push_back({f.value("id", std::string("?")), sending[k], k});
      sending.erase(k);
    } else if (type == "acked" && acks_out.count(ref) > 0) {
      if (f.value("count", std::size_t{0}) != acks_out[ref].size())
        problem("acked count differs from the ids sent: " + text);
      confirmed.insert(acks_out[ref].begin(), acks_out[ref].end());
      acks_out.erase(ref);
    } else {
      problem("unexpected frame: " + text.substr(0, 200));
    }
  }

  void on_direct(const json& f) {
    auto id = f.value("id", std::string("?"));
    bool replay = f.value("replay", false);
    if (replay != replaying)
      problem(std::string(replay ? "replayed direct after \"replayed\": "
                                 : "live direct inside the replay: ")
              + id);
    if (replay) {
      auto number = std::strtoll(id.c_str() + 1, nullptr, 10);
      if (number <= last_replayed_id)
        problem("replayed direct " + id + " after d" + std::to_string(last_replayed_id));
      last_replayed_id = number;
      ++replay_count;
      ++replayed_total;
    }
    if (confirmed.count(id) > 0)
      problem("direct " + id + " came again after its ack was confirmed");
    else if (got.count(id) > 0)
      ++duplicates;
    auto& g = got[id];
    if (g.copies++ == 0) {
      g.from_id = f["from"].value("user_id", std::string("?"));
      g.to_id = f.value("to", std::string("?"));
      g.body = f["body"];
    } else if (g.body != f["body"]) {
      problem("direct " + id + " came with two bodies");
    }
    to_ack.push_back(id);
  }
};

} // namespace chat::test::dm
