// tcp_session's line mode: typed lines and "/" commands in, readable lines
// out, and the acks for what was shown. Everything here runs on the
// socket's I/O thread (a /dm names its recipient as "@name", which the
// connection actor resolves).
#include "transport/tcp_session.hpp"

#include <nlohmann/json.hpp>

#include "protocol/frames.hpp"
#include "transport/line_format.hpp"

namespace chat {

namespace {
using json = nlohmann::json;
} // namespace

void tcp_session::on_text_line(const std::string& line) {
  using kind = line_command::kind;
  auto cmd = parse_line(line);
  switch (cmd.what) {
    case kind::quit: return start_close();
    case kind::bad: return reply_error(chat_errc::bad_request, cmd.text);
    case kind::join: joining_ = cmd.arg; return to_actor(command_frame(cmd, room_));
    default: return to_actor(command_frame(cmd, room_));
  }
}

void tcp_session::to_actor(const json& frame) {
  if (connected() && !closing_)
    // Typed text may be any bytes: invalid UTF-8 becomes U+FFFD instead of
    // an exception on the I/O thread.
    to_connection(frame.dump(-1, ' ', false, json::error_handler_t::replace));
}

frame_ptr tcp_session::to_line(const frame_ptr& frame, std::string& ack) {
  if (!line_mode_)
    return frame;
  auto doc = json::parse(*frame, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return nullptr;
  if (doc.value("type", "") == "joined" && doc.value("room", "") == joining_) {
    room_ = joining_; // a /join succeeded: its room is the current one now
    joining_.clear();
  }
  auto text = format_frame(doc);
  if (!text)
    return nullptr;
  ack = ack_id(doc).value_or("");
  return std::make_shared<const std::string>(std::move(*text));
}

void tcp_session::ack_written() {
  // In line mode a message counts as acked once it is on the wire: the
  // user has no other way to ack. Its "acked" reply is not shown.
  if (!line_mode_ || !connected())
    return;
  json ids = json::array();
  for (auto& q : in_flight_)
    if (!q.ack.empty())
      ids.push_back(q.ack);
  if (!ids.empty())
    to_connection(json{{"action", "ack"}, {"body", {{"ids", std::move(ids)}}}}.dump());
}

} // namespace chat
