#include "protocol/frames.hpp"

#include <nlohmann/json.hpp>

#include "protocol/json_text.hpp"
#include "protocol/names.hpp"

namespace chat {

namespace {

using json = nlohmann::json;

// What a frame's fixed keys, numbers and quotes need besides its texts.
// Reserved up front, a frame is one allocation, not a doubling per field
// (a message's frame was five, on every message: bench/profile.md).
constexpr std::size_t frame_overhead = 128;

// Starts a frame: `{"type":"<type>"` plus `,"ref":<ref>` when there is one.
// Callers append their fields and the closing brace; `texts` is what they
// are about to write, to reserve room for it.
std::string open_frame(const char* type, const std::string& ref, std::size_t texts = 0) {
  std::string out;
  out.reserve(frame_overhead + ref.size() + texts);
  out += R"({"type":")";
  out += type;
  out += '"';
  if (!ref.empty()) {
    out += R"(,"ref":)";
    out += ref;
  }
  return out;
}

void open_field(std::string& out, const char* key) {
  out += ",\"";
  out += key;
  out += "\":";
}

// Arrays and objects go through nlohmann (member lists excepted, see
// append_members); the scalars below are written straight into the frame
// (a json value per field cost an allocation or two, and a std::map for
// "from", on every message).
void append_field(std::string& out, const char* key, const json& value) {
  open_field(out, key);
  out += value.dump();
}

void append_field(std::string& out, const char* key, std::string_view value) {
  open_field(out, key);
  append_json_string(out, value);
}

void append_field(std::string& out, const char* key, const std::string& value) {
  append_field(out, key, std::string_view{value});
}

void append_field(std::string& out, const char* key, const char* value) {
  append_field(out, key, std::string_view{value});
}

void append_field(std::string& out, const char* key, std::int64_t value) {
  open_field(out, key);
  out += std::to_string(value);
}

void append_field(std::string& out, const char* key, std::uint64_t value) {
  open_field(out, key);
  out += std::to_string(value);
}

void append_field(std::string& out, const char* key, bool value) {
  open_field(out, key);
  out += value ? "true" : "false";
}

// ,"<key>":{"user_id":...,"name":...}
void append_user(std::string& out, const char* key, const std::string& user_id,
                 const std::string& name) {
  open_field(out, key);
  out += R"({"user_id":)";
  append_json_string(out, user_id);
  out += R"(,"name":)";
  append_json_string(out, name);
  out += '}';
}

// ,"members":[{"name":...,"online":...,"user_id":...},...] (keys in the
// order dump() gave them). Written straight: as a DOM, a big room's list
// cost a score of allocations per member, once per join.
void append_members(std::string& out, const member_list& members) {
  out += R"(,"members":[)";
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i > 0)
      out += ',';
    out += R"({"name":)";
    append_json_string(out, members[i].name);
    out += R"(,"online":)";
    out += members[i].online ? "true" : "false";
    out += R"(,"user_id":)";
    append_json_string(out, members[i].user_id);
    out += '}';
  }
  out += ']';
}

// {"type":<type>,"ref","room","members":[...]}: `joined` and `members`.
std::string room_members_frame(const char* type, const std::string& room,
                               const member_list& members, const std::string& ref) {
  auto out = open_frame(type, ref);
  append_field(out, "room", room);
  append_members(out, members);
  out += '}';
  return out;
}

// The fields of a stored message, without braces: "id",...,"ts":N.
void append_message_fields(std::string& out, const chat_message& msg) {
  out += R"("id":)";
  append_json_string(out, msg.id);
  out += R"(,"seq":)";
  out += std::to_string(msg.seq);
  append_field(out, "room", msg.room);
  append_user(out, "from", msg.user_id, msg.name);
  // The body was validated and serialized when it arrived: embed it as is.
  out += R"(,"body":)";
  out += msg.body;
  out += R"(,"ts":)";
  out += std::to_string(msg.ts);
}

std::size_t message_texts(const chat_message& msg) {
  return msg.id.size() + msg.room.size() + msg.user_id.size() + msg.name.size() + msg.body.size();
}

void append_messages(std::string& out, const history_page& page) {
  // Room for the whole page at once, not a growth per message.
  std::size_t texts = 0;
  for (const auto& msg : page.messages)
    texts += frame_overhead + message_texts(msg);
  out.reserve(out.size() + texts + 16); // and ,"messages":[ ]
  out += R"(,"messages":[)";
  for (std::size_t i = 0; i < page.messages.size(); ++i) {
    if (i > 0)
      out += ',';
    append_message_json(out, page.messages[i]);
  }
  out += ']';
}

} // namespace

frame_ptr make_frame(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

delivery_ptr direct_delivery(const direct_message& msg) {
  return std::make_shared<const delivery>(
    delivery{make_frame(direct_frame(msg)), msg.id, {}, 0, {}});
}

std::string welcome_frame(const std::string& connection_id, const identity& who) {
  auto out = open_frame("welcome", {});
  append_field(out, "connection_id", connection_id);
  append_field(out, "user_id", who.user_id);
  append_field(out, "name", who.name);
  append_field(out, "channel", channel_of(who.name));
  out += '}';
  return out;
}

std::string error_frame(chat_errc code, const std::string& message, const std::string& ref) {
  auto out = open_frame("error", ref);
  append_field(out, "code", to_code(code));
  append_field(out, "message", message);
  out += '}';
  return out;
}

std::string rate_limited_frame(std::int64_t retry_after_ms, const std::string& ref) {
  auto out = open_frame("error", ref);
  append_field(out, "code", to_code(chat_errc::rate_limited));
  append_field(out, "message", "too many frames: slow down");
  append_field(out, "retry_after_ms", retry_after_ms);
  out += '}';
  return out;
}

std::string joined_frame(const std::string& room, const member_list& members,
                         const std::string& ref) {
  return room_members_frame("joined", room, members, ref);
}

std::string presence_frame(const std::string& room, const char* event, const identity& who) {
  auto out = open_frame("presence", {});
  append_field(out, "room", room);
  append_field(out, "event", event);
  append_user(out, "user", who.user_id, who.name);
  out += '}';
  return out;
}

std::string left_frame(const std::string& room, const std::string& ref) {
  auto out = open_frame("left", ref);
  append_field(out, "room", room);
  out += '}';
  return out;
}

void append_message_json(std::string& out, const chat_message& msg) {
  out += '{';
  append_message_fields(out, msg);
  out += '}';
}

std::string message_frame(const chat_message& msg, bool replay) {
  // Same fields as the stored form, with "type" first.
  auto out = open_frame("message", {}, message_texts(msg));
  out += ',';
  append_message_fields(out, msg);
  if (replay)
    out += R"(,"replay":true)";
  out += '}';
  return out;
}

std::string direct_frame(const direct_message& msg, bool replay) {
  auto out = open_frame("direct", {});
  append_field(out, "id", msg.id);
  append_user(out, "from", msg.from_user, msg.from_name);
  append_field(out, "to", msg.to_user);
  out += R"(,"body":)";
  out += msg.body; // validated and serialized on arrival
  append_field(out, "ts", msg.ts);
  if (replay)
    out += R"(,"replay":true)";
  out += '}';
  return out;
}

std::string direct_sent_frame(const std::string& ref, const direct_message& msg) {
  auto out = open_frame("sent", ref);
  append_field(out, "id", msg.id);
  out += '}';
  return out;
}

std::string acked_frame(const std::string& ref, std::size_t count) {
  auto out = open_frame("acked", ref);
  append_field(out, "count", count);
  out += '}';
  return out;
}

std::string truncated_frame(const std::string& room, std::int64_t from_seq) {
  auto out = open_frame("truncated", {});
  append_field(out, "room", room);
  append_field(out, "from_seq", from_seq);
  out += '}';
  return out;
}

std::string replayed_frame(std::size_t count) {
  auto out = open_frame("replayed", {});
  append_field(out, "count", count);
  out += '}';
  return out;
}

std::string sent_frame(const std::string& ref, const chat_message& msg) {
  auto out = open_frame("sent", ref);
  append_field(out, "id", msg.id);
  append_field(out, "seq", msg.seq);
  out += '}';
  return out;
}

std::string history_frame(const history_page& page, const std::string& ref) {
  auto out = open_frame("history", ref);
  append_field(out, "room", page.room);
  append_field(out, "page", page.page);
  append_messages(out, page);
  append_field(out, "has_more", page.has_more);
  out += '}';
  return out;
}

std::string history_json(const history_page& page) {
  std::string out = R"({"room":)";
  append_json_string(out, page.room);
  append_field(out, "page", page.page);
  append_messages(out, page);
  append_field(out, "has_more", page.has_more);
  out += '}';
  return out;
}

std::string rooms_frame(const room_list& rooms, const std::string& ref, std::optional<bool> more) {
  auto arr = json::array();
  for (const auto& r : rooms)
    arr.push_back(
      {{"name", r.name}, {"members", r.members}, {"private", r.is_private}, {"member", r.member}});
  auto out = open_frame("rooms", ref);
  append_field(out, "rooms", arr);
  if (more)
    append_field(out, "more", *more);
  out += '}';
  return out;
}

std::string members_frame(const std::string& room, const member_list& members,
                          const std::string& ref) {
  return room_members_frame("members", room, members, ref);
}

std::string pong_frame(const std::string& ref) {
  return open_frame("pong", ref) + '}';
}

} // namespace chat
