// Unit tests of the connection actor, with a fake socket (connection_sink)
// and the real directory, rooms and user actors over a fake storage.
#include "actors/connection.hpp"

#include <doctest/doctest.h>

#include <condition_variable>
#include <deque>
#include <mutex>

#include <caf/actor_system_config.hpp>
#include <nlohmann/json.hpp>

#include "actors/auth_registry.hpp"
#include "actors/chat_error.hpp"
#include "actors/directory.hpp"
#include "fake_storage.hpp"

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// Collects what the connection actor writes, as a socket would.
class fake_sink : public chat::connection_sink {
public:
  void send(chat::frame_ptr frame) override {
    std::lock_guard<std::mutex> guard{mtx_};
    frames_.push_back(json::parse(*frame));
    cv_.notify_all();
  }

  void send_batch(chat::frame_batch frames, bool) override {
    for (auto& f : frames)
      send(std::move(f));
  }

  void close(std::uint16_t code, std::string) override {
    std::lock_guard<std::mutex> guard{mtx_};
    close_code_ = code;
    cv_.notify_all();
  }

  // The next frame, waiting up to 5 s; null if none came.
  json next() {
    std::unique_lock<std::mutex> guard{mtx_};
    if (!cv_.wait_for(guard, 5s, [this] { return !frames_.empty(); }))
      return nullptr;
    auto out = frames_.front();
    frames_.pop_front();
    return out;
  }

  // The next frame of `type`, skipping others.
  json next_of(const std::string& type) {
    for (auto f = next(); !f.is_null(); f = next())
      if (f["type"] == type)
        return f;
    return nullptr;
  }

  std::uint16_t wait_closed() {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait_for(guard, 5s, [this] { return close_code_ != 0; });
    return close_code_;
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<json> frames_;
  std::uint16_t close_code_ = 0;
};

struct connection_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::actor storage = chat::test::spawn_fake_storage(sys);
  caf::actor directory = chat::spawn_directory(sys, storage, chat::actor_settings{});
  caf::actor registry = sys.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](chat::watch_atom, const std::string&, const caf::actor&) {},
            [](chat::user_atom, const std::string& name) -> caf::result<chat::identity> {
              if (name == "bob")
                return chat::identity{"u2", "bob"};
              return chat::make_error(chat::chat_errc::unknown_user, "no such user");
            }};
  });
  std::vector<caf::actor> conns;

  std::shared_ptr<fake_sink> connect(const std::string& user_id, const std::string& name,
                                     std::int64_t expires_at_ms = chat::now_ms() + 60000) {
    auto sink = std::make_shared<fake_sink>();
    chat::session_info session{{user_id, name}, "digest-" + user_id, expires_at_ms};
    chat::actor_settings settings;
    settings.max_frame_bytes = 256;
    conns.push_back(chat::spawn_connection(sys, {"c" + std::to_string(conns.size() + 1), session,
                                                 sink, directory, registry, storage, settings}));
    return sink;
  }

  void say(std::size_t conn, const json& frame) {
    caf::anon_send(conns.at(conn), chat::frame_atom::value, frame.dump());
  }

  void say_raw(std::size_t conn, std::string text) {
    caf::anon_send(conns.at(conn), chat::frame_atom::value, std::move(text));
  }

  ~connection_fixture() {
    caf::anon_send(directory, chat::close_atom::value);
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(storage, caf::exit_reason::user_shutdown);
  }
};

} // namespace

TEST_SUITE("connection") {

TEST_CASE_FIXTURE(connection_fixture, "the first frame is welcome with the user's channel") {
  auto sink = connect("u1", "alice");
  auto welcome = sink->next();
  CHECK(welcome
        == json{{"type", "welcome"},
                {"connection_id", "c1"},
                {"user_id", "u1"},
                {"name", "alice"},
                {"channel", "@alice"}});
}

TEST_CASE_FIXTURE(connection_fixture, "join then send at once: joined, message to all, sent") {
  auto a = connect("u1", "alice");
  auto b = connect("u2", "bob");
  say(0, {{"action", "join"}, {"target", "devroom"}, {"ref", "j"}});
  CHECK(a->next_of("joined")["ref"] == "j");
  // No waiting between join and send: the connection keeps them in order.
  say(1, {{"action", "join"}, {"target", "devroom"}});
  say(1, {{"action", "send"}, {"target", "devroom"}, {"body", {{"text", "hi"}}}, {"ref", 7}});
  auto sent = b->next_of("sent");
  CHECK(sent["ref"] == 7);
  CHECK(sent["seq"] == 1);
  auto msg = a->next_of("message");
  CHECK(msg["body"]["text"] == "hi");
  CHECK(msg["from"]["name"] == "bob");
  CHECK(msg["id"] == sent["id"]);
}

TEST_CASE_FIXTURE(connection_fixture, "bad frames get error frames and the connection goes on") {
  auto a = connect("u1", "alice");
  a->next(); // welcome
  CHECK(a->next_of("replayed")["count"] == 0);
  say_raw(0, "{not json");
  CHECK(a->next()["code"] == "bad_request");
  say(0, {{"action", "dance"}, {"ref", 1}});
  auto unknown = a->next();
  CHECK(unknown["code"] == "unknown_action");
  CHECK(unknown["ref"] == 1);
  say(0, {{"action", "join"}, {"target", "bad name!"}});
  CHECK(a->next()["code"] == "bad_request");
  say(0, {{"action", "join"}, {"target", "r"}, {"body", {{"max_members", "ten"}}}});
  CHECK(a->next()["code"] == "bad_request");
  say(0, {{"action", "send"}, {"target", "nowhere"}, {"body", json::object()}});
  CHECK(a->next()["code"] == "unknown_room");
  say(0, {{"action", "join"}, {"target", "@nobody"}});
  CHECK(a->next()["code"] == "unknown_room");
  say_raw(0, std::string(300, ' ')); // over max_frame_bytes (256 here)
  CHECK(a->next()["code"] == "too_large");
  say(0, {{"action", "join"}, {"target", "r"}});
  a->next_of("joined");
  say(0, {{"action", "send"}, {"target", "r"}, {"body", "not an object"}});
  CHECK(a->next()["code"] == "bad_request");
  say(0, {{"action", "ping"}, {"ref", "p"}});
  CHECK(a->next() == json{{"type", "pong"}, {"ref", "p"}});
}

TEST_CASE_FIXTURE(connection_fixture, "an expired token ends the connection with unauthorized") {
  auto a = connect("u1", "alice", chat::now_ms() - 1);
  a->next(); // welcome
  say(0, {{"action", "ping"}});
  CHECK(a->next_of("error")["code"] == "unauthorized");
  CHECK(a->wait_closed() == 1008);
}

TEST_CASE_FIXTURE(connection_fixture, "acks are answered once recorded; bad acks are bad_request") {
  auto a = connect("u1", "alice");
  a->next_of("replayed");
  say(0, {{"action", "ack"}, {"body", {{"ids", {"m1", "d2"}}}}, {"ref", "k"}});
  CHECK(a->next() == json{{"type", "acked"}, {"ref", "k"}, {"count", 2}});
  say(0, {{"action", "ack"}, {"body", {{"ids", "m1"}}}});
  CHECK(a->next()["code"] == "bad_request");
  say(0, {{"action", "ack"}, {"body", {{"ids", {1, 2}}}}});
  CHECK(a->next()["code"] == "bad_request");
}

TEST_CASE_FIXTURE(connection_fixture, "a dm is stored, confirmed and delivered to the recipient") {
  auto a = connect("u1", "alice");
  auto b = connect("u2", "bob");
  a->next_of("replayed");
  b->next_of("replayed");
  say(0, {{"action", "dm"}, {"target", "u2"}, {"body", {{"text", "psst"}}}, {"ref", 3}});
  auto sent = a->next_of("sent");
  CHECK(sent == json{{"type", "sent"}, {"ref", 3}, {"id", "d1"}});
  auto direct = b->next_of("direct");
  CHECK(direct["id"] == "d1");
  CHECK(direct["from"] == json{{"user_id", "u1"}, {"name", "alice"}});
  CHECK(direct["to"] == "u2");
  CHECK(direct["body"]["text"] == "psst");
  CHECK_FALSE(direct.contains("replay"));
  // By name: "@" + name is resolved through the registry.
  say(0, {{"action", "dm"}, {"target", "@bob"}, {"body", {{"text", "by name"}}}});
  CHECK(b->next_of("direct")["body"]["text"] == "by name");
  say(0, {{"action", "dm"}, {"target", "@nobody"}, {"body", {{"text", "x"}}}, {"ref", 4}});
  auto unknown = a->next_of("error");
  CHECK(unknown["code"] == "unknown_user");
  CHECK(unknown["ref"] == 4);
  say(0, {{"action", "dm"}, {"target", "u2"}, {"body", "no"}});
  CHECK(a->next_of("error")["code"] == "bad_request");
}

TEST_CASE_FIXTURE(connection_fixture, "two connections of one user both get room traffic") {
  auto a1 = connect("u1", "alice");
  auto a2 = connect("u1", "alice");
  auto b = connect("u2", "bob");
  say(0, {{"action", "join"}, {"target", "devroom"}});
  a1->next_of("joined");
  say(2, {{"action", "join"}, {"target", "devroom"}});
  b->next_of("joined");
  say(2, {{"action", "send"}, {"target", "devroom"}, {"body", {{"n", 1}}}});
  CHECK(a1->next_of("message")["body"]["n"] == 1);
  CHECK(a2->next_of("message")["body"]["n"] == 1);
}

} // TEST_SUITE("connection")
