// The cluster bus's notification format (storage/pg_notice.hpp).
#include "storage/pg_notice.hpp"

#include <map>
#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

namespace chat {

namespace {

using json = nlohmann::json;

json message_json(const chat_message& msg) {
  return json{{"id", msg.id},     {"seq", msg.seq},   {"user_id", msg.user_id},
              {"name", msg.name}, {"body", msg.body}, {"ts", msg.ts}};
}

} // namespace

std::string commit_notice(const commit_summary& commit) {
  auto& messages = commit.messages;
  if (messages.empty() && commit.logouts.empty() && commit.directs.empty())
    return {};
  // Rooms in name order; each room's messages keep the commit's (seq) order.
  std::map<std::string, std::vector<const chat_message*>> by_room;
  for (auto& msg : messages)
    by_room[msg.room].push_back(&msg);
  auto build = [&](bool inline_messages) {
    json rooms = json::array();
    for (auto& [room, list] : by_room) {
      json entry{{"room", room}, {"last", list.back()->seq}};
      if (inline_messages) {
        json inlined = json::array();
        for (auto* msg : list)
          inlined.push_back(message_json(*msg));
        entry["messages"] = std::move(inlined);
      }
      rooms.push_back(std::move(entry));
    }
    // Invalid UTF-8 cannot reach here (frames are parsed as JSON), but a
    // notification must never throw inside a commit.
    json doc{{"from", commit.instance}, {"rooms", std::move(rooms)}, {"logouts", commit.logouts}};
    if (inline_messages) {
      json directs = json::array();
      for (auto& d : commit.directs)
        directs.push_back(json{{"id", d.id},
                               {"to", d.to_user},
                               {"from_user", d.from_user},
                               {"from_name", d.from_name},
                               {"body", d.body},
                               {"ts", d.ts}});
      doc["directs"] = std::move(directs);
    }
    return doc.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  auto full = build(true);
  if (full.size() <= notice_max_bytes)
    return full;
  return build(false);
}

bus_notice parse_commit_notice(const std::string& payload) {
  bus_notice out;
  auto& events = out.rooms;
  auto doc = json::parse(payload, nullptr, false);
  if (!doc.is_object())
    return out;
  if (auto it = doc.find("from"); it != doc.end() && it->is_string())
    out.from = it->get<std::string>();
  if (auto it = doc.find("directs"); it != doc.end() && it->is_array())
    for (auto& d : *it)
      try {
        out.directs.push_back(
          direct_message{d.at("id").get<std::string>(), d.at("to").get<std::string>(),
                         d.at("from_user").get<std::string>(), d.at("from_name").get<std::string>(),
                         d.at("body").get<std::string>(), d.at("ts").get<std::int64_t>()});
      } catch (const json::exception&) {
        continue; // not written by a chat-actors node: skipped
      }
  if (auto it = doc.find("logouts"); it != doc.end() && it->is_array())
    for (auto& digest : *it)
      if (digest.is_string())
        out.logouts.push_back(digest.get<std::string>());
  if (!doc.contains("rooms") || !doc["rooms"].is_array())
    return out;
  for (auto& entry : doc["rooms"])
    try {
      if (!entry.is_object() || !entry.value("room", json{}).is_string()
          || !entry.value("last", json{}).is_number_integer())
        continue;
      auto event = std::make_shared<room_event>();
      event->room = entry["room"].get<std::string>();
      event->last_seq = entry["last"].get<std::int64_t>();
      if (auto it = entry.find("messages"); it != entry.end() && it->is_array()) {
        for (auto& m : *it) {
          if (!m.is_object())
            continue;
          chat_message msg;
          msg.id = m.value("id", std::string{});
          msg.seq = m.value("seq", std::int64_t{0});
          msg.room = event->room;
          msg.user_id = m.value("user_id", std::string{});
          msg.name = m.value("name", std::string{});
          msg.body = m.value("body", std::string{});
          msg.ts = m.value("ts", std::int64_t{0});
          event->messages.push_back(std::move(msg));
        }
      }
      events.push_back(std::move(event));
    } catch (const json::exception&) {
      continue; // not written by a chat-actors node: skipped
    }
  return out;
}

} // namespace chat
