// The cluster bus's notification format (storage/pg_notice.hpp).
#include "storage/pg_notice.hpp"

#include <map>
#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

namespace chat {

namespace {

using json = nlohmann::json;

/// The most an entry that may lose its optional part (a room's inline
/// messages, a direct, an ack) takes before it does.
constexpr std::size_t entry_max_bytes = notice_max_bytes / 4;

// Invalid UTF-8 cannot reach here (frames are parsed as JSON), but a
// notification must never throw inside a commit.
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json message_json(const chat_message& msg) {
  return json{{"id", msg.id},     {"seq", msg.seq},   {"user_id", msg.user_id},
              {"name", msg.name}, {"body", msg.body}, {"ts", msg.ts}};
}

json direct_json(const direct_message& d) {
  return json{
    {"id", d.id},     {"to", d.to_user}, {"from_user", d.from_user}, {"from_name", d.from_name},
    {"body", d.body}, {"ts", d.ts}};
}

json ack_json(const ack_notice& ack) {
  json cursors = json::array();
  for (auto& c : ack.cursors)
    cursors.push_back(json{{"room", c.room}, {"seq", c.acked_seq}, {"above", c.acked_above}});
  return json{{"user_id", ack.user_id}, {"cursors", std::move(cursors)}, {"directs", ack.directs}};
}

/// Packs entries into documents under notice_max_bytes, in the order given.
class notice_packer {
public:
  explicit notice_packer(std::string from) : from_(std::move(from)) { start(); }

  void add(const char* list, json entry) {
    auto size = dump(entry).size() + 1; // and a comma
    if (used_ + size + std::string_view{list}.size() + 5 > notice_max_bytes && has_entries_)
      flush();
    doc_[list].push_back(std::move(entry));
    used_ += size + std::string_view{list}.size() + 5;
    has_entries_ = true;
  }

  std::vector<std::string> finish() {
    if (has_entries_)
      flush();
    return std::move(out_);
  }

private:
  void start() {
    doc_ = json{{"from", from_}};
    used_ = dump(doc_).size();
    has_entries_ = false;
  }

  void flush() {
    out_.push_back(dump(doc_));
    start();
  }

  std::string from_;
  json doc_;
  std::size_t used_ = 0;
  bool has_entries_ = false;
  std::vector<std::string> out_;
};

template <class T, class Read>
void read_list(const json& doc, const char* list, std::vector<T>& out, Read&& read) {
  auto it = doc.find(list);
  if (it == doc.end() || !it->is_array())
    return;
  for (auto& entry : *it)
    try {
      out.push_back(read(entry));
    } catch (const json::exception&) {
      continue; // not written by a chat-actors node: skipped
    }
}

room_event_ptr read_room(const json& entry) {
  auto event = std::make_shared<room_event>();
  event->room = entry.at("room").get<std::string>();
  event->last_seq = entry.at("last").get<std::int64_t>();
  if (auto it = entry.find("messages"); it != entry.end())
    for (auto& m : *it)
      event->messages.push_back(
        chat_message{m.at("id").get<std::string>(), m.at("seq").get<std::int64_t>(), event->room,
                     m.at("user_id").get<std::string>(), m.at("name").get<std::string>(),
                     m.at("body").get<std::string>(), m.at("ts").get<std::int64_t>()});
  return event;
}

ack_notice read_ack(const json& entry) {
  ack_notice ack{entry.at("user_id").get<std::string>(), {}, entry.at("directs").get<id_list>()};
  for (auto& c : entry.at("cursors"))
    ack.cursors.push_back(room_cursor{c.at("room").get<std::string>(),
                                      c.at("seq").get<std::int64_t>(),
                                      c.at("above").get<std::vector<std::int64_t>>()});
  return ack;
}

} // namespace

std::vector<std::string> commit_notices(const commit_summary& commit) {
  notice_packer pack{commit.instance};
  // Rooms in name order; each room's messages keep the commit's (seq) order.
  std::map<std::string, std::vector<const chat_message*>> by_room;
  for (auto& msg : commit.messages)
    by_room[msg.room].push_back(&msg);
  for (auto& [room, list] : by_room) {
    json entry{{"room", room}, {"last", list.back()->seq}};
    json inlined = json::array();
    for (auto* msg : list)
      inlined.push_back(message_json(*msg));
    entry["messages"] = std::move(inlined);
    if (dump(entry).size() > entry_max_bytes)
      entry.erase("messages");
    pack.add("rooms", std::move(entry));
  }
  for (auto& d : commit.directs)
    if (auto entry = direct_json(d); dump(entry).size() <= entry_max_bytes)
      pack.add("directs", std::move(entry));
  for (auto& digest : commit.logouts)
    pack.add("logouts", digest);
  for (auto& ack : commit.acks)
    if (auto entry = ack_json(ack); dump(entry).size() <= entry_max_bytes)
      pack.add("acks", std::move(entry));
  for (auto& m : commit.members)
    pack.add("members", json{{"room", m.room},
                             {"user_id", m.who.user_id},
                             {"name", m.who.name},
                             {"joined", m.joined}});
  for (auto& p : commit.presence)
    pack.add("presence", json{{"user_id", p.user_id}, {"node", p.node_id}, {"online", p.online}});
  return pack.finish();
}

bus_notice parse_commit_notice(const std::string& payload) {
  bus_notice out;
  auto doc = json::parse(payload, nullptr, false);
  if (!doc.is_object())
    return out;
  if (auto it = doc.find("from"); it != doc.end() && it->is_string())
    out.from = it->get<std::string>();
  read_list(doc, "rooms", out.rooms, read_room);
  read_list(doc, "directs", out.directs, [](const json& d) {
    return direct_message{
      d.at("id").get<std::string>(),        d.at("to").get<std::string>(),
      d.at("from_user").get<std::string>(), d.at("from_name").get<std::string>(),
      d.at("body").get<std::string>(),      d.at("ts").get<std::int64_t>()};
  });
  read_list(doc, "logouts", out.logouts, [](const json& d) { return d.get<std::string>(); });
  read_list(doc, "acks", out.acks, read_ack);
  read_list(doc, "members", out.members, [](const json& m) {
    return member_notice{
      m.at("room").get<std::string>(),
      identity{m.at("user_id").get<std::string>(), m.at("name").get<std::string>()},
      m.at("joined").get<bool>()};
  });
  read_list(doc, "presence", out.presence, [](const json& p) {
    return node_presence{p.at("user_id").get<std::string>(), p.at("node").get<std::string>(),
                         p.at("online").get<bool>()};
  });
  return out;
}

} // namespace chat
