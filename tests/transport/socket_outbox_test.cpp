// transport/socket_outbox.hpp: what actors push for the sockets of one I/O
// thread reaches each session on that thread, in push order per session
// (frames and close alike), a run of pushes costs one post (one drain
// handler), not one per push, and each session writes once per drain.
#include "transport/socket_outbox.hpp"

#include "recording.hpp"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

namespace {

namespace net = chat::net;

// A session stand-in: records what it was handed, and on which thread.
using recording_target = chat::test::recording<chat::socket_outbox::target>;

chat::frame_ptr frame(const std::string& text) {
  return std::make_shared<const std::string>(text);
}

} // namespace

TEST_SUITE("socket_outbox") {

TEST_CASE("a run of pushes is one drain, handed over in push order per session") {
  net::io_context ioc{1};
  chat::socket_outbox outbox{ioc};
  auto a = std::make_shared<recording_target>();
  auto b = std::make_shared<recording_target>();
  outbox.push_frame(a, frame("a1"));
  outbox.push_frames(b, {frame("b1"), frame("b2")}, true);
  outbox.push_frames(a, {frame("a2"), frame("a3")}, false);
  outbox.push_close(a, 1013, "write queue overflow");
  outbox.push_frame(b, frame("b3"));
  CHECK(a->got.empty()); // nothing runs outside the I/O thread
  CHECK(ioc.poll() == 1);
  CHECK(a->got
        == std::vector<std::string>{"a1", "a2 (uncounted)", "a3 (uncounted)",
                                    "close 1013 write queue overflow"});
  CHECK(b->got == std::vector<std::string>{"b1", "b2", "b3"});
  // Each session writes once per drain, after all it was handed.
  CHECK(a->writes == 1);
  CHECK(b->writes == 1);
  // Drained: the next push posts a new drain.
  outbox.push_frame(b, frame("b4"));
  ioc.restart(); // poll() ran out of work, which stops an io_context
  CHECK(ioc.poll() == 1);
  CHECK(b->got.back() == "b4");
  CHECK(b->writes == 2);
  CHECK(a->writes == 1); // handed nothing this time
  CHECK(ioc.poll() == 0);
}

TEST_CASE("pushes from several threads all reach their session, on the I/O thread, in order") {
  net::io_context ioc{1};
  chat::socket_outbox outbox{ioc};
  constexpr int pushers = 4;
  constexpr int per_pusher = 2000;
  std::vector<std::shared_ptr<recording_target>> targets;
  for (int i = 0; i < pushers; ++i)
    targets.push_back(std::make_shared<recording_target>());
  auto work = net::make_work_guard(ioc);
  std::thread io([&] { ioc.run(); });
  auto io_id = io.get_id();
  std::vector<std::thread> threads;
  for (int p = 0; p < pushers; ++p)
    threads.emplace_back([&, p] {
      for (int i = 0; i < per_pusher; ++i)
        outbox.push_frame(targets[p], frame(std::to_string(i)));
    });
  for (auto& t : threads)
    t.join();
  work.reset(); // run() returns once every drain ran
  io.join();
  for (auto& t : targets) {
    REQUIRE(t->got.size() == per_pusher);
    for (int i = 0; i < per_pusher; ++i)
      CHECK(t->got[i] == std::to_string(i));
    for (auto id : t->threads)
      CHECK(id == io_id);
  }
}

} // TEST_SUITE("socket_outbox")
