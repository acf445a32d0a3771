// The cluster bus's notification format (storage/pg_notice.hpp): what one
// node's commit says, the other nodes read back, whatever its size.
#include "storage/pg_notice.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace chat;

namespace {

chat_message message(const std::string& room, std::int64_t seq, std::size_t body_bytes = 10) {
  return chat_message{"m" + std::to_string(seq),    seq,          room, "u1", "ann",
                      std::string(body_bytes, 'x'), 1700000000000};
}

/// Every notice of a commit, read back and merged.
bus_notice read_all(const std::vector<std::string>& notices) {
  bus_notice all;
  for (auto& payload : notices) {
    CHECK(payload.size() <= notice_max_bytes);
    auto one = parse_commit_notice(payload);
    CHECK(one.from == "inst-1");
    all.rooms.insert(all.rooms.end(), one.rooms.begin(), one.rooms.end());
    all.directs.insert(all.directs.end(), one.directs.begin(), one.directs.end());
    all.logouts.insert(all.logouts.end(), one.logouts.begin(), one.logouts.end());
    all.acks.insert(all.acks.end(), one.acks.begin(), one.acks.end());
    all.members.insert(all.members.end(), one.members.begin(), one.members.end());
    all.presence.insert(all.presence.end(), one.presence.begin(), one.presence.end());
  }
  return all;
}

} // namespace

TEST_SUITE("storage") {

TEST_CASE("a commit's notice carries its messages, directs, logouts, acks, members and presence") {
  commit_summary commit;
  commit.instance = "inst-1";
  commit.messages = {message("lobby", 4), message("side", 1), message("lobby", 5)};
  commit.directs = {direct_message{"d7", "u2", "u1", "ann", "{\"text\":\"hi\"}", 17}};
  commit.logouts = {std::string(64, 'a')};
  commit.acks = {ack_notice{"u2", {room_cursor{"lobby", 3, {5}}}, {"d6"}}};
  commit.members = {member_notice{"lobby", identity{"u3", "cy"}, true},
                    member_notice{"side", identity{"u4", "di"}, false}};
  commit.presence = {node_presence{"u2", "node-1", true}, node_presence{"u4", "node-1", false}};
  auto notices = commit_notices(commit);
  REQUIRE(notices.size() == 1);
  auto read = read_all(notices);
  REQUIRE(read.rooms.size() == 2); // by name, each with its messages in seq order
  CHECK(read.rooms[0]->room == "lobby");
  CHECK(read.rooms[0]->last_seq == 5);
  REQUIRE(read.rooms[0]->messages.size() == 2);
  CHECK(read.rooms[0]->messages[1].id == "m5");
  CHECK(read.rooms[0]->messages[1].room == "lobby");
  CHECK(read.rooms[1]->room == "side");
  REQUIRE(read.directs.size() == 1);
  CHECK(read.directs[0].to_user == "u2");
  CHECK(read.directs[0].body == "{\"text\":\"hi\"}");
  CHECK(read.logouts == commit.logouts);
  REQUIRE(read.acks.size() == 1);
  CHECK(read.acks[0].user_id == "u2");
  REQUIRE(read.acks[0].cursors.size() == 1);
  CHECK(read.acks[0].cursors[0].acked_seq == 3);
  CHECK(read.acks[0].cursors[0].acked_above == std::vector<std::int64_t>{5});
  CHECK(read.acks[0].directs == id_list{"d6"});
  REQUIRE(read.members.size() == 2);
  CHECK(read.members[0].who.name == "cy");
  CHECK(read.members[0].joined);
  CHECK_FALSE(read.members[1].joined);
  REQUIRE(read.presence.size() == 2);
  CHECK(read.presence[0].node_id == "node-1");
  CHECK(read.presence[0].online);
  CHECK_FALSE(read.presence[1].online);
}

TEST_CASE("a commit too big for one notice is split, each under NOTIFY's limit, nothing lost") {
  commit_summary commit;
  commit.instance = "inst-1";
  for (int r = 0; r < 300; ++r)
    commit.messages.push_back(message("room-" + std::to_string(r), 1));
  for (int u = 0; u < 500; ++u)
    commit.presence.push_back(node_presence{"user-" + std::to_string(u), "node-1", true});
  for (int t = 0; t < 150; ++t)
    commit.logouts.push_back(std::string(63, 'a') + std::to_string(t % 10));
  auto notices = commit_notices(commit);
  CHECK(notices.size() > 3);
  auto read = read_all(notices);
  CHECK(read.rooms.size() == 300);
  CHECK(read.presence.size() == 500);
  CHECK(read.logouts.size() == 150);
}

TEST_CASE("entries too big to inline go without their optional part") {
  commit_summary commit;
  commit.instance = "inst-1";
  commit.messages = {message("lobby", 1, 3000), message("side", 7)};
  commit.directs = {direct_message{"d1", "u2", "u1", "ann", std::string(5000, 'y'), 1},
                    direct_message{"d2", "u2", "u1", "ann", "{}", 2}};
  auto read = read_all(commit_notices(commit));
  REQUIRE(read.rooms.size() == 2);
  // The room still says how far its seqs reach: its nodes read the rest.
  CHECK(read.rooms[0]->room == "lobby");
  CHECK(read.rooms[0]->last_seq == 1);
  CHECK(read.rooms[0]->messages.empty());
  CHECK(read.rooms[1]->messages.size() == 1);
  REQUIRE(read.directs.size() == 1); // the big one waits for its recipient's replay
  CHECK(read.directs[0].id == "d2");
}

TEST_CASE("a commit with nothing to tell sends no notice, and garbage reads as nothing") {
  commit_summary commit;
  commit.instance = "inst-1";
  CHECK(commit_notices(commit).empty());
  for (const char* payload : {"", "[]", "{\"rooms\":7}", "{\"rooms\":[{\"room\":1}]}",
                              "{\"acks\":[{\"user_id\":\"u\"}],\"members\":[3],\"presence\":{}}"}) {
    auto read = parse_commit_notice(payload);
    CHECK(read.rooms.empty());
    CHECK(read.acks.empty());
    CHECK(read.members.empty());
    CHECK(read.presence.empty());
  }
}

} // TEST_SUITE
