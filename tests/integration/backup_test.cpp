// `chat-actors --backup FILE` against a running server: the copy is a
// database another server starts on, with the accounts and the history
// confirmed before the backup; an existing file is refused, untouched.
#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;

TEST_SUITE("backup") {

TEST_CASE("a backup taken while the server runs starts a server with the history") {
  server_process live{{{"limits.messages_per_second", "100000"}, {"limits.burst", "100000"}}};
  auto ann = make_account(live.port(), "ann_backup");
  auto ws = open_session(live.port(), ann.token);
  REQUIRE(ws.call(make_frame("join", "archive")));
  constexpr int count = 20;
  for (int n = 0; n < count; ++n) {
    auto sent = ws.call(make_frame("send", "archive", {{"text", "kept " + std::to_string(n)}}));
    REQUIRE(sent);
    REQUIRE(type_of(*sent) == "sent");
  }

  temp_dir dir;
  auto file = dir.path() + "/chat-backup.db";
  auto result = run_binary({"--config", live.config_path(), "--backup", file});
  INFO("backup output: ", result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("backed up") != std::string::npos);
  // The live server went on: it still takes messages.
  auto after = ws.call(make_frame("send", "archive", {{"text", "after the backup"}}));
  REQUIRE(after);
  CHECK(type_of(*after) == "sent");

  server_process restored{{{"storage.path", file}}};
  auto token = login(restored.port(), ann.name, ann.password);
  auto res = request(restored.port(), "GET", "/history?room=archive&page=0", "", bearer(token));
  REQUIRE(res.status == 200);
  auto messages = res.json()["messages"];
  INFO("history: ", res.body);
  REQUIRE(messages.size() == count); // the message sent after the backup is not in it
  for (const auto& m : messages)
    CHECK(m["body"]["text"].get<std::string>().rfind("kept ", 0) == 0);
  CHECK(restored.stop() == 0);
}

TEST_CASE("a backup into a file that exists is refused and leaves it alone") {
  server_process live;
  temp_dir dir;
  auto file = dir.write("there.db", "not mine to overwrite");
  auto result = run_binary({"--config", live.config_path(), "--backup", file});
  INFO("output: ", result.output);
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("exists") != std::string::npos);
  std::ifstream in(file);
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(kept == "not mine to overwrite");
}

TEST_CASE("a backup of a PostgreSQL deployment is refused and points at pg_dump") {
  temp_dir dir;
  auto config = dir.write(
    "server.ini",
    ini_text({{"storage.backend", "postgres"}, {"storage.url", "host=/nonexistent dbname=chat"}}));
  auto file = dir.path() + "/never.db";
  auto result = run_binary({"--config", config, "--backup", file});
  INFO("output: ", result.output);
  CHECK(result.exit_code == 2);
  CHECK(result.output.find("pg_dump") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(file));
}

} // TEST_SUITE("backup")
