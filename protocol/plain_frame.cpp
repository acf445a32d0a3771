#include "protocol/plain_frame.hpp"

#include <cstdint>
#include <utility>

#include <nlohmann/json.hpp>

#include "protocol/json_text.hpp"

namespace chat {

namespace {

using json = nlohmann::json;

// A SAX handler that follows the plain shapes and gives up (returns false,
// which stops the parse) at the first event outside them.
class plain_frame_reader {
public:
  explicit plain_frame_reader(std::size_t frame_size) : frame_size_(frame_size) {}

  // Where the next event lands: a top-level value, an ack body's keys and
  // ids, or anywhere inside a send / dm body (`text`, written out as it comes).
  enum class place { start, top, action, ref, target, body, ack_keys, ids_value, ids, text, end };

  bool null() {
    if (at_ == place::text)
      return write_scalar("null");
    if (at_ == place::ref || at_ == place::target)
      return back_to_top();
    return false;
  }

  bool boolean(bool value) {
    if (at_ == place::text)
      return write_scalar(value ? "true" : "false");
    return take_ref(value ? "true" : "false");
  }

  bool number_integer(json::number_integer_t value) {
    if (at_ == place::text)
      return write_scalar(std::to_string(value));
    return take_ref(std::to_string(value));
  }

  bool number_unsigned(json::number_unsigned_t value) {
    if (at_ == place::text)
      return write_scalar(std::to_string(value));
    return take_ref(std::to_string(value));
  }

  // dump()'s rendering of a float (shortest round trip), through a DOM
  // value: rare in bodies, and a float ref is left to the DOM altogether.
  bool number_float(json::number_float_t value, const json::string_t& /*raw*/) {
    if (at_ == place::text)
      return write_scalar(json(value).dump());
    return false;
  }

  bool string(json::string_t& value) {
    switch (at_) {
      case place::text:
        separate();
        append_json_string(out_.body_text.value(), value);
        need_comma_ = true;
        return true;
      case place::action: return take_action(value);
      case place::ref: append_json_string(out_.ref, value); return back_to_top();
      case place::target: out_.target = std::move(value); return back_to_top();
      case place::ids: out_.ack_ids.value().push_back(std::move(value)); return true;
      default: return false;
    }
  }

  bool binary(json::binary_t& /*value*/) { return false; }

  bool start_object(std::size_t /*size*/) {
    switch (at_) {
      case place::start: return go(place::top);
      case place::body:
        // A body after "send" / "dm" is written out; any other body is read
        // as an ack's (the action may still come after it, and must then be
        // "ack").
        if (message_) {
          out_.body_text.emplace().reserve(frame_size_);
          return open('{');
        }
        out_.ack_ids.emplace();
        return go(place::ack_keys);
      case place::text: return open('{');
      default: return false;
    }
  }

  bool key(json::string_t& name) {
    switch (at_) {
      case place::text:
        separate();
        append_json_string(out_.body_text.value(), name);
        out_.body_text->push_back(':');
        need_comma_ = false;
        return true;
      case place::top:
        if (name == "action")
          return first_time(seen_action_, place::action);
        if (name == "ref")
          return first_time(seen_ref_, place::ref);
        if (name == "target")
          return first_time(seen_target_, place::target);
        if (name == "body")
          return first_time(seen_body_, place::body);
        return false;
      case place::ack_keys:
        if (name == "ids")
          return first_time(seen_ids_, place::ids_value);
        return false;
      default: return false;
    }
  }

  bool end_object() {
    switch (at_) {
      case place::text: return close('}');
      case place::ack_keys: return back_to_top();
      case place::top: return go(place::end);
      default: return false;
    }
  }

  bool start_array(std::size_t /*size*/) {
    if (at_ == place::text)
      return open('[');
    return at_ == place::ids_value && go(place::ids);
  }

  bool end_array() {
    if (at_ == place::text)
      return close(']');
    return at_ == place::ids && go(place::ack_keys);
  }

  template <class Exception>
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const Exception& /*error*/) {
    return false;
  }

  // The whole frame was read and had one of the plain shapes.
  bool complete() const {
    if (at_ != place::end || !seen_action_)
      return false;
    return message_ ? out_.body_text.has_value() : seen_ids_;
  }

  client_request take() { return std::move(out_); }

private:
  bool go(place next) {
    at_ = next;
    return true;
  }

  bool back_to_top() { return go(place::top); }

  // A repeated key is left to the DOM, whose rule (the last one wins) this
  // reader does not copy.
  bool first_time(bool& seen, place next) {
    if (seen)
      return false;
    seen = true;
    return go(next);
  }

  bool take_action(const std::string& action) {
    if (action == "ack") {
      if (message_)
        return false;
    } else if (action == "send" || action == "dm") {
      if (seen_body_)
        return false; // its body was read as an ack's
      message_ = true;
    } else {
      return false;
    }
    out_.action = action;
    return back_to_top();
  }

  bool take_ref(std::string text) {
    if (at_ != place::ref)
      return false;
    out_.ref = std::move(text);
    return back_to_top();
  }

  // -- the body text: compact, a comma before every element but the first --
  void separate() {
    if (need_comma_)
      out_.body_text->push_back(',');
  }

  bool write_scalar(const std::string& text) {
    separate();
    out_.body_text->append(text);
    need_comma_ = true;
    return true;
  }

  bool open(char bracket) {
    separate();
    out_.body_text->push_back(bracket);
    ++depth_;
    need_comma_ = false;
    return go(place::text);
  }

  bool close(char bracket) {
    out_.body_text->push_back(bracket);
    need_comma_ = true;
    if (--depth_ == 0)
      return back_to_top(); // the body's own closing brace
    return true;
  }

  std::size_t frame_size_;
  place at_ = place::start;
  bool message_ = false; // the action is "send" or "dm"
  bool seen_action_ = false;
  bool seen_ref_ = false;
  bool seen_target_ = false;
  bool seen_body_ = false;
  bool seen_ids_ = false;
  bool need_comma_ = false;
  std::size_t depth_ = 0; // nesting inside a send / dm body
  client_request out_;
};

} // namespace

std::optional<client_request> read_plain_frame(std::string_view text) {
  plain_frame_reader reader{text.size()};
  if (!json::sax_parse(text.begin(), text.end(), &reader) || !reader.complete())
    return std::nullopt;
  return reader.take();
}

} // namespace chat
