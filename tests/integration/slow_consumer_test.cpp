// A slow consumer against the real server: with [limits] write_queue_max =
// 100, one member's socket stops reading while another member sends 2,000
// large messages to the room. The readers that keep reading get all of them
// in order, the stalled socket is closed (1013, log line "slow consumer"),
// the server's memory stays bounded, and on reconnect the slow user gets by
// replay everything it did not read before the close.
//
// Message size: on loopback the kernel buffers of one stalled connection hold
// about 4 MB (server send buffer autotuned to ~3.9 MB plus the client's
// receive buffer; measured on the CI box), so 2,000 messages of 1 KB would
// all fit there and the server's write queue would never grow. Bodies of
// ~4 KB make 2,000 messages about 8 MB: twice what the kernel can absorb.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

#include <doctest/doctest.h>

#include "tests/support/http_client.hpp"
#include "tests/support/replay_session.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/tcp_client.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr int message_count = 2000;
constexpr std::size_t text_bytes = 4000;
constexpr int send_window = 20; // sends awaiting "sent"
#ifdef CHAT_SANITIZED
// scripts/sanitize's builds: ASan's quarantine (256 MB by default) and
// shadow memory, and TSan's shadow memory, are resident too (measured: ~450
// MB under ASan, ~210 MB under TSan); what the bound guards against, a
// queue growing with what the slow socket misses, would still go far past
// this.
constexpr long rss_limit_kib = 800 * 1024;
#else
constexpr long rss_limit_kib = 200 * 1024; // server resident memory bound
#endif
constexpr auto budget = std::chrono::seconds(120);
const std::string room = "firehose";

/// VmRSS of `pid` in KiB, or -1.
long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return -1;
}

/// What one socket read of the room; filled by read_room, checked later (no
/// doctest assertions off the main thread).
struct reader_result {
  std::vector<std::string> ids;
  std::vector<std::int64_t> seqs;
  int replay_flags = 0; // live frames carrying "replay"
  int garbage = 0;      // frames that are not JSON objects
  bool closed = false;
  std::optional<int> close_code;
  double seconds = 0;
};

/// Reads until `count` messages of the room arrived, the socket closed, the
/// deadline passed or (with `quiet`) nothing came for that long.
void read_room(ws_client& ws, std::size_t count, clock_type::time_point deadline,
               reader_result& out,
               std::chrono::milliseconds quiet = std::chrono::milliseconds::max()) {
  auto start = clock_type::now();
  while (out.ids.size() < count && clock_type::now() < deadline) {
    bool patient = quiet == std::chrono::milliseconds::max();
    auto wait = patient ? std::chrono::milliseconds(1000) : quiet;
    auto text = ws.read_text(std::min(wait, time_left(deadline)));
    if (!text) {
      if (ws.closed() || !patient)
        break;
      continue;
    }
    auto f = json::parse(*text, nullptr, false);
    if (f.is_discarded() || !f.is_object()) {
      ++out.garbage;
      continue;
    }
    if (type_of(f) == "message" && f["room"] == room) {
      out.ids.push_back(f["id"].is_string() ? f["id"].get<std::string>() : "?");
      out.seqs.push_back(f["seq"].is_number_integer() ? f["seq"].get<std::int64_t>() : -1);
      if (f.contains("replay"))
        ++out.replay_flags;
    }
  }
  out.closed = ws.closed();
  out.close_code = ws.close_code();
  out.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
}

std::string tail(const std::string& output, std::size_t max = 3000) {
  return output.size() > max ? output.substr(output.size() - max) : output;
}

/// A server with the raw TCP port on and `write_queue_max`; ann is in the
/// room over WebSocket, ben over raw TCP (logged in, joined, all read).
struct mixed_room {
  std::uint16_t tcp_port = 0;
  std::unique_ptr<server_process> server;
  std::optional<ws_client> ann;
  line_client ben;

  mixed_room(const std::string& write_queue_max, const std::string& suffix) {
    server = start_with_tcp({{"limits.write_queue_max", write_queue_max},
                             {"limits.messages_per_second", "100000"},
                             {"limits.burst", "100000"},
                             {"delivery.backlog_max", "5000"}},
                            tcp_port);
    REQUIRE(server->wait_for_output("listening on tcp://127.0.0.1:" + std::to_string(tcp_port)));
    auto port = server->port();
    auto a = make_account(port, "ann_" + suffix), b = make_account(port, "ben_" + suffix);
    ann.emplace(open_clean(port, a));
    auto ann_joined = ann->call(make_frame("join", room));
    REQUIRE(ann_joined);
    REQUIRE(type_of(*ann_joined) == "joined");
    REQUIRE(ben.connect(tcp_port));
    REQUIRE(
      ben.send({{"action", "login"}, {"body", {{"name", b.name}, {"password", b.password}}}}));
    REQUIRE(ben.read_type("replayed"));
    auto ben_joined = ben.call(make_frame("join", room));
    REQUIRE(ben_joined);
    REQUIRE(type_of(*ben_joined) == "joined");
  }
};

} // namespace

TEST_SUITE("slow consumer") {

TEST_CASE("a socket that stops reading is closed, the others get everything, and it catches up "
          "by replay") {
  server_process server{{{"limits.write_queue_max", "100"},
                         {"limits.messages_per_second", "100000"},
                         {"limits.burst", "100000"},
                         {"delivery.backlog_max", "5000"}}};
  auto port = server.port();
  auto ann = make_account(port, "ann_slow"), ben = make_account(port, "ben_slow"),
       cat = make_account(port, "cat_slow"), sid = make_account(port, "sid_slow");
  auto ca = open_clean(port, ann);
  auto cb = open_clean(port, ben);
  auto cc = open_clean(port, cat);
  auto cs = open_clean(port, sid);
  for (auto* ws : {&ca, &cb, &cc, &cs}) {
    auto joined = ws->call(make_frame("join", room));
    REQUIRE(joined);
    REQUIRE(type_of(*joined) == "joined");
  }
  // Let the presence frames of the joins reach the readers before they start.
  for (auto* ws : {&ca, &cb, &cc})
    ws->drain(std::chrono::milliseconds(100));
  // From here on nobody runs cs's event loop: sid's socket is stalled.

  auto start = clock_type::now();
  auto deadline = start + budget;
  reader_result ben_got, cat_got;
  std::thread ben_reader([&] { read_room(cb, message_count, deadline, ben_got); });
  std::thread cat_reader([&] { read_room(cc, message_count, deadline, cat_got); });

  // ann sends with at most send_window messages awaiting "sent", and reads
  // her own copies meanwhile (she is a member too).
  std::vector<std::string> sent_ids(message_count);
  reader_result ann_got;
  int acknowledged = 0, outstanding = 0;
  long peak_rss = rss_kib(server.pid());
  std::string send_failure;
  auto take = [&](const json& f) {
    if (type_of(f) == "sent" && f.contains("ref") && f["ref"].is_number_integer()) {
      auto n = f["ref"].get<int>();
      if (n >= 0 && n < message_count && f["id"].is_string())
        sent_ids[n] = f["id"].get<std::string>();
      ++acknowledged;
      --outstanding;
    } else if (type_of(f) == "message" && f["room"] == room) {
      ann_got.ids.push_back(f["id"].is_string() ? f["id"].get<std::string>() : "?");
    } else if (type_of(f) == "error" && send_failure.empty()) {
      send_failure = "error frame: " + f.dump();
    }
  };
  const std::string text(text_bytes, 'x');
  for (int n = 0; n < message_count && send_failure.empty(); ++n) {
    auto frame = make_frame("send", room, {{"text", text}, {"n", n}});
    frame["ref"] = n;
    if (!ca.send(frame, time_left(deadline))) {
      send_failure = "send " + std::to_string(n) + " failed: " + ca.error();
      break;
    }
    ++outstanding;
    while (outstanding >= send_window && send_failure.empty()) {
      auto f = ca.read(std::min(std::chrono::milliseconds(10000), time_left(deadline)));
      if (!f)
        send_failure = "no \"sent\" within 10 s after " + std::to_string(acknowledged)
                       + " (sender socket " + (ca.closed() ? "closed" : "open") + ")";
      else
        take(*f);
    }
    if (n % 100 == 0)
      peak_rss = std::max(peak_rss, rss_kib(server.pid()));
  }
  while (send_failure.empty() && (outstanding > 0 || ann_got.ids.size() < sent_ids.size())) {
    auto f = ca.read(std::min(std::chrono::milliseconds(10000), time_left(deadline)));
    if (!f) {
      send_failure = "sender: " + std::to_string(outstanding) + " sends unanswered, "
                     + std::to_string(ann_got.ids.size()) + " own messages received";
      break;
    }
    take(*f);
  }
  auto sent_after = std::chrono::duration<double>(clock_type::now() - start).count();
  ben_reader.join();
  cat_reader.join();
  peak_rss = std::max(peak_rss, rss_kib(server.pid()));
  MESSAGE("sent ", message_count, " x ", text_bytes, " B in ", sent_after,
          " s; readers done after ", ben_got.seconds, " / ", cat_got.seconds,
          " s; server VmRSS peak ", peak_rss / 1024, " MiB");

  INFO("server output (tail):\n", tail(server.output()));
  REQUIRE_MESSAGE(send_failure.empty(), send_failure);
  REQUIRE(std::count(sent_ids.begin(), sent_ids.end(), std::string()) == 0);
  CHECK(std::set<std::string>(sent_ids.begin(), sent_ids.end()).size() == sent_ids.size());

  // The readers were not held up by the stalled socket.
  for (auto* got : {&ann_got, &ben_got, &cat_got}) {
    std::string who = got == &ann_got ? "ann (sender)" : got == &ben_got ? "ben" : "cat";
    INFO("reader ", who, ": ", got->ids.size(), " messages, closed ", got->closed, " code ",
         got->close_code.value_or(0));
    CHECK(got->ids.size() == sent_ids.size());
    CHECK(got->ids == sent_ids);
    CHECK(got->replay_flags == 0);
    CHECK(got->garbage == 0);
    CHECK_FALSE(got->closed);
  }

  // The stalled socket was closed as a slow consumer.
  CHECK_MESSAGE(server.wait_for_output("slow consumer", std::chrono::seconds(20)),
                "no \"slow consumer\" line in the server log");
  peak_rss = std::max(peak_rss, rss_kib(server.pid()));
  CHECK_MESSAGE(peak_rss < rss_limit_kib, "server VmRSS peaked at ", peak_rss, " KiB");

  // sid reads again: whatever the kernel buffered, then the close.
  reader_result sid_live;
  read_room(cs, sent_ids.size(), clock_type::now() + std::chrono::seconds(30), sid_live,
            std::chrono::milliseconds(3000));
  if (!sid_live.closed)
    cs.wait_closed(std::chrono::seconds(5));
  MESSAGE("the stalled socket read ", sid_live.ids.size(), " messages live, then close code ",
          cs.close_code().value_or(0));
  REQUIRE_MESSAGE(cs.closed(), "the stalled socket is still open after reading ",
                  sid_live.ids.size(), " messages");
  WARN_MESSAGE(cs.close_code() == 1013, "close code ", cs.close_code().value_or(0),
               " instead of 1013");
  CHECK(sid_live.garbage == 0);
  CHECK(sid_live.replay_flags == 0);
  CHECK(sid_live.ids.size() < sent_ids.size());
  for (std::size_t k = 0; k < sid_live.ids.size() && k < sent_ids.size(); ++k)
    if (sid_live.ids[k] != sent_ids[k]) {
      FAIL_CHECK("live message ", k, " of the stalled socket is ", sid_live.ids[k], ", not ",
                 sent_ids[k]);
      break;
    }

  // Closing the slow consumer must not hurt the server.
  auto health = request(port, "GET", "/healthz", "", {}, std::chrono::seconds(5));
  if (health.status != 200) {
    auto code = server.stop(SIGTERM, std::chrono::seconds(2));
    FAIL("the server stopped answering after the stalled socket was drained and closed (",
         health.error, "); exit status ", code, " (-11 = SIGSEGV)");
  }

  // Reconnect: the replay brings everything not read live.
  replay r;
  auto cs2 = connect_replay(port, sid, r, std::chrono::seconds(60));
  peak_rss = std::max(peak_rss, rss_kib(server.pid()));
  INFO("sid's reconnect: ", r.describe());
  REQUIRE_MESSAGE(!r.done.is_null(), "no \"replayed\" after ", r.frames.size(), " frames; socket ",
                  std::string(cs2.closed() ? "closed" : "open"), " code ",
                  cs2.close_code().value_or(0));
  std::vector<std::string> replayed_ids;
  std::int64_t last_seq = 0;
  int bad = 0;
  for (auto& f : r.frames) {
    if (type_of(f) != "message" || f["room"] != room || f["replay"] != true
        || !f["seq"].is_number_integer() || f["seq"].get<std::int64_t>() <= last_seq) {
      if (++bad <= 3)
        FAIL_CHECK("unexpected replay frame: ", f.dump().substr(0, 200));
      continue;
    }
    last_seq = f["seq"].get<std::int64_t>();
    replayed_ids.push_back(f["id"].get<std::string>());
  }
  CHECK(bad == 0);
  CHECK(r.done["count"] == replayed_ids.size());
  std::set<std::string> seen(sid_live.ids.begin(), sid_live.ids.end());
  seen.insert(replayed_ids.begin(), replayed_ids.end());
  std::size_t missing = 0;
  std::string first_missing;
  for (auto& id : sent_ids)
    if (!seen.count(id) && missing++ == 0)
      first_missing = id;
  CHECK_MESSAGE(missing == 0, missing, " of ", sent_ids.size(),
                " messages neither read live nor replayed, the first ", first_missing);
  MESSAGE("replayed ", replayed_ids.size(), " messages to the reconnected slow user");
  CHECK(cs2.is_open());
  auto pong = cs2.call({{"action", "ping"}}, std::chrono::seconds(10));
  CHECK_MESSAGE(pong, "the reconnected socket does not answer ping: ", cs2.error());
  CHECK_MESSAGE(peak_rss < rss_limit_kib, "server VmRSS peaked at ", peak_rss, " KiB");
  for (auto* ws : {&ca, &cb, &cc, &cs2})
    ws->close();
  CHECK(server.stop() == 0);
}

// write_queue_max bounds what a socket could not take, not what one hand-over
// brings: a sender that pipelines its sends makes the room hand a reader's
// socket many frames per outbox drain, far more than a limit of 2.
TEST_CASE("a reader that keeps up is never closed, however many frames reach its socket at once") {
  constexpr int burst = 400;
  server_process server{{{"limits.write_queue_max", "2"},
                         {"limits.messages_per_second", "100000"},
                         {"limits.burst", "100000"}}};
  auto port = server.port();
  auto ann = make_account(port, "ann_keeps"), ben = make_account(port, "ben_keeps");
  auto ca = open_clean(port, ann);
  auto cb = open_clean(port, ben);
  for (auto* ws : {&ca, &cb}) {
    auto joined = ws->call(make_frame("join", room));
    REQUIRE(joined);
    REQUIRE(type_of(*joined) == "joined");
  }
  cb.drain(std::chrono::milliseconds(100)); // ann's presence
  auto deadline = clock_type::now() + std::chrono::seconds(60);
  reader_result ben_got;
  std::thread ben_reader([&] { read_room(cb, burst, deadline, ben_got); });
  std::string send_failure;
  for (int n = 0; n < burst && send_failure.empty(); ++n)
    if (!ca.send(make_frame("send", room, {{"text", "pipelined " + std::to_string(n)}}),
                 time_left(deadline)))
      send_failure = "send " + std::to_string(n) + " failed: " + ca.error();
  ben_reader.join();
  INFO("server output (tail):\n", tail(server.output()));
  REQUIRE_MESSAGE(send_failure.empty(), send_failure);
  CHECK_MESSAGE(ben_got.ids.size() == burst, "ben read ", ben_got.ids.size(), " of ", burst,
                ", socket closed ", ben_got.closed, " code ", ben_got.close_code.value_or(0));
  CHECK_FALSE(ben_got.closed);
  CHECK(server.output().find("slow consumer") == std::string::npos);
  for (auto* ws : {&ca, &cb})
    ws->close();
  CHECK(server.stop() == 0);
}

TEST_CASE("a TCP connection that stops reading is closed as a slow consumer, the sender goes on") {
  mixed_room mixed("100", "tcp_stalled");
  auto& server = mixed.server;
  auto& ca = *mixed.ann;
  auto& cb = mixed.ben;
  // From here on ben reads nothing until the end.

  auto deadline = clock_type::now() + budget;
  int acknowledged = 0, outstanding = 0;
  std::string send_failure;
  const std::string text(text_bytes, 'x');
  auto read_one = [&] {
    auto f = ca.read(std::min(std::chrono::milliseconds(10000), time_left(deadline)));
    if (!f)
      send_failure = "no frame for ann within 10 s after " + std::to_string(acknowledged) + " sent";
    else if (type_of(*f) == "error")
      send_failure = "error frame: " + f->dump();
    else if (type_of(*f) == "sent") {
      ++acknowledged;
      --outstanding;
    }
  };
  for (int n = 0; n < message_count && send_failure.empty(); ++n) {
    if (!ca.send(make_frame("send", room, {{"text", text}, {"n", n}}), time_left(deadline))) {
      send_failure = "send " + std::to_string(n) + " failed: " + ca.error();
      break;
    }
    ++outstanding;
    while (outstanding >= send_window && send_failure.empty())
      read_one();
  }
  while (outstanding > 0 && send_failure.empty())
    read_one();
  INFO("server output (tail):\n", tail(server->output()));
  REQUIRE_MESSAGE(send_failure.empty(), send_failure);
  CHECK(acknowledged == message_count);
  CHECK(server->wait_for_output("slow consumer"));
  // What the kernel buffered still arrives, then the server's end.
  CHECK(cb.wait_closed(std::chrono::seconds(20)));
  ca.close();
  CHECK(server->stop() == 0);
}

// The same over raw TCP: the limit counts lines waiting behind a write the
// socket has not finished, not the lines one hand-over brings.
TEST_CASE("a TCP reader that keeps up is never closed, however many lines reach it at once") {
  constexpr std::size_t burst = 400;
  mixed_room mixed("2", "tcp_keeps");
  auto& server = mixed.server;
  auto& ca = *mixed.ann;
  auto& cb = mixed.ben;

  auto deadline = clock_type::now() + std::chrono::seconds(60);
  std::set<std::string> ben_got;
  std::thread ben_reader([&] {
    while (ben_got.size() < burst && clock_type::now() < deadline && !cb.closed()) {
      auto f = cb.read(std::chrono::milliseconds(500));
      if (f && type_of(*f) == "message" && (*f)["room"] == room && (*f)["id"].is_string())
        ben_got.insert((*f)["id"].get<std::string>());
    }
  });
  std::string send_failure;
  for (std::size_t n = 0; n < burst && send_failure.empty(); ++n)
    if (!ca.send(make_frame("send", room, {{"text", "pipelined " + std::to_string(n)}}),
                 time_left(deadline)))
      send_failure = "send " + std::to_string(n) + " failed: " + ca.error();
  ben_reader.join();
  INFO("server output (tail):\n", tail(server->output()));
  REQUIRE_MESSAGE(send_failure.empty(), send_failure);
  CHECK_MESSAGE(ben_got.size() == burst, "ben read ", ben_got.size(), " of ", burst,
                ", connection closed ", cb.closed());
  CHECK_FALSE(cb.closed());
  CHECK(server->output().find("slow consumer") == std::string::npos);
  ca.close();
  CHECK(server->stop() == 0);
}

} // TEST_SUITE("slow consumer")
