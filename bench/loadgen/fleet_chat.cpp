// The chat protocol's per-frame work of the fleet: what each server frame
// means for the setup phases and the measurements, and the acks a real
// client owes for every `message` it receives; see fleet.hpp.
#include "bench/loadgen/fleet.hpp"

namespace bench {

void fleet::on_chat_frame(std::uint32_t tag, client& c, std::string_view text, std::int64_t now) {
  auto type = frame_type(text);
  if (type == "message") {
    std::string_view id;
    body_fields body;
    bool measured = scan_message(text, id, body);
    if (!id.empty()) // a real client acks everything it receives
      queue_ack(tag, c, id);
    if (measured)
      observer_.on_message(tag, body, now);
    else
      ++unparsed_;
  } else if (type == "sent") {
    std::int64_t ref = 0;
    if (int_field(text, "ref", ref))
      observer_.on_sent(tag, ref, true, now);
  } else if (type == "presence") {
    ++presence_;
  } else if (type == "joined") {
    if (c.st == stage::joining) {
      c.st = stage::joined;
      ++joined_;
    }
  } else if (type == "replayed") {
    if (c.st == stage::upgraded)
      connect_done(c, true);
  } else if (type == "error") {
    ++errors_;
    note("client " + std::to_string(tag) + ": " + std::string(text));
    std::int64_t ref = 0;
    if (int_field(text, "ref", ref))
      observer_.on_sent(tag, ref, false, now);
  }
  // welcome, acked, pong, truncated: nothing to do.
}

void fleet::queue_ack(std::uint32_t tag, client& c, std::string_view id) {
  if (c.ack_ids == 0) {
    c.acks = R"({"action":"ack","body":{"ids":[)";
    acks_waiting_.push_back(tag);
  } else {
    c.acks += ',';
  }
  c.acks += '"';
  c.acks += id;
  c.acks += '"';
  // Whatever the timer: keeps frames far below the server's max_frame_bytes.
  if (++c.ack_ids >= opt_.ack_batch)
    flush_acks(c);
  if (opt_.ack_every_ms > 0 && !ack_timer_armed_) {
    // Batching by time, like a real client: with one ack per read burst, a
    // server that delivers slowly would get one ack per message and fall
    // further behind.
    ack_timer_armed_ = true;
    ack_timer_.expires_after(
      std::chrono::microseconds(static_cast<std::int64_t>(opt_.ack_every_ms * 1000)));
    ack_timer_.async_wait([this](const boost::system::error_code& ec) {
      ack_timer_armed_ = false;
      if (!ec)
        flush_due_acks();
    });
  }
}

void fleet::on_burst_end(std::uint32_t tag) {
  if (opt_.ack_every_ms <= 0)
    flush_acks(clients_[tag]);
}

void fleet::flush_due_acks() {
  for (auto tag : acks_waiting_)
    flush_acks(clients_[tag]);
  acks_waiting_.clear();
}

void fleet::flush_acks(client& c) {
  if (c.ack_ids == 0)
    return;
  c.acks += "]}}";
  c.conn->send_text(c.acks);
  c.ack_ids = 0;
  c.acks.clear(); // keeps its capacity for the next batch
  ++ack_frames_;
}

} // namespace bench
