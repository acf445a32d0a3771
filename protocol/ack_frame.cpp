#include "protocol/ack_frame.hpp"

#include <cstdint>
#include <utility>

#include <nlohmann/json.hpp>

#include "protocol/json_text.hpp"

namespace chat {

namespace {

using json = nlohmann::json;

// A SAX handler that follows the plain ack shape and gives up (returns
// false, which stops the parse) at the first event outside it.
class plain_ack_reader {
public:
  // Where the next event lands.
  enum class place { start, top, action, ref, target, body, body_keys, ids_value, ids, end };

  bool null() {
    if (at_ == place::ref || at_ == place::target)
      return back_to_top();
    return false;
  }

  bool boolean(bool value) { return take_ref(value ? "true" : "false"); }

  bool number_integer(json::number_integer_t value) { return take_ref(std::to_string(value)); }

  bool number_unsigned(json::number_unsigned_t value) { return take_ref(std::to_string(value)); }

  // A float ref would need dump()'s exact rendering: left to the DOM.
  bool number_float(json::number_float_t /*value*/, const json::string_t& /*raw*/) { return false; }

  bool string(json::string_t& value) {
    switch (at_) {
      case place::action:
        if (value != "ack")
          return false;
        return back_to_top();
      case place::ref: append_json_string(out_.ref, value); return back_to_top();
      case place::target: return back_to_top(); // an ack has no target to read
      case place::ids: out_.ids.push_back(std::move(value)); return true;
      default: return false;
    }
  }

  bool binary(json::binary_t& /*value*/) { return false; }

  bool start_object(std::size_t /*size*/) {
    if (at_ == place::start)
      return go(place::top);
    if (at_ == place::body)
      return go(place::body_keys);
    return false;
  }

  bool key(json::string_t& name) {
    if (at_ == place::top) {
      if (name == "action")
        return first_time(seen_action_, place::action);
      if (name == "ref")
        return first_time(seen_ref_, place::ref);
      if (name == "target")
        return first_time(seen_target_, place::target);
      if (name == "body")
        return first_time(seen_body_, place::body);
      return false;
    }
    if (at_ == place::body_keys && name == "ids")
      return first_time(seen_ids_, place::ids_value);
    return false;
  }

  bool end_object() {
    if (at_ == place::body_keys)
      return back_to_top();
    if (at_ == place::top)
      return go(place::end);
    return false;
  }

  bool start_array(std::size_t /*size*/) { return at_ == place::ids_value && go(place::ids); }

  bool end_array() { return at_ == place::ids && go(place::body_keys); }

  template <class Exception>
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const Exception& /*error*/) {
    return false;
  }

  // The whole frame was read and was a plain ack with its ids.
  bool complete() const { return at_ == place::end && seen_action_ && seen_ids_; }

  ack_frame take() { return std::move(out_); }

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

  bool take_ref(std::string text) {
    if (at_ != place::ref)
      return false;
    out_.ref = std::move(text);
    return back_to_top();
  }

  place at_ = place::start;
  bool seen_action_ = false;
  bool seen_ref_ = false;
  bool seen_target_ = false;
  bool seen_body_ = false;
  bool seen_ids_ = false;
  ack_frame out_;
};

} // namespace

std::optional<ack_frame> read_plain_ack(std::string_view text) {
  plain_ack_reader reader;
  if (!json::sax_parse(text.begin(), text.end(), &reader) || !reader.complete())
    return std::nullopt;
  return reader.take();
}

} // namespace chat
