// RFC 6455 framing, client side: encode masked text frames, decode the
// headers of server frames. The load generator frames by hand (rather than
// through beast::websocket::stream) so that a read burst is parsed in one
// pass and every frame queued for a socket goes out in one write: Beast's
// stream reads and writes one message per call. See ws_conn.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bench::ws {

enum class opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// Appends one complete masked frame with `payload` to `out`.
void append_frame(std::string& out, opcode op, std::string_view payload, std::uint32_t mask);

struct frame_header {
  enum status_t { complete, need_more, bad } status = need_more;
  opcode op = opcode::text;
  bool fin = false;
  std::size_t header_bytes = 0;
  std::size_t payload_bytes = 0;
};

/// Looks at the start of `data`: `complete` when the whole frame is there
/// (header and payload), `need_more` when not yet, `bad` for a frame a server
/// must not send (masked, reserved bits, oversized control frame).
frame_header parse_header(const char* data, std::size_t size);

} // namespace bench::ws
