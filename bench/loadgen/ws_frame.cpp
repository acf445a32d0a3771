// RFC 6455 frame encoding and header parsing; see ws_frame.hpp.
#include "bench/loadgen/ws_frame.hpp"

namespace bench::ws {

void append_frame(std::string& out, opcode op, std::string_view payload, std::uint32_t mask) {
  const auto len = payload.size();
  char head[14];
  std::size_t n = 0;
  head[n++] = static_cast<char>(0x80 | static_cast<std::uint8_t>(op)); // FIN, one frame
  if (len < 126) {
    head[n++] = static_cast<char>(0x80 | len);
  } else if (len <= 0xFFFF) {
    head[n++] = static_cast<char>(0x80 | 126);
    head[n++] = static_cast<char>(len >> 8);
    head[n++] = static_cast<char>(len & 0xFF);
  } else {
    head[n++] = static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8)
      head[n++] = static_cast<char>((static_cast<std::uint64_t>(len) >> shift) & 0xFF);
  }
  const char key[4] = {static_cast<char>(mask >> 24), static_cast<char>(mask >> 16),
                       static_cast<char>(mask >> 8), static_cast<char>(mask)};
  for (char k : key)
    head[n++] = k;
  out.append(head, n);
  // Clients must mask (RFC 6455 5.3); the server unmasks with the same key.
  const auto start = out.size();
  out.append(payload.data(), len);
  char* p = out.data() + start;
  for (std::size_t i = 0; i < len; ++i)
    p[i] = static_cast<char>(p[i] ^ key[i & 3]);
}

frame_header parse_header(const char* data, std::size_t size) {
  frame_header h;
  if (size < 2)
    return h;
  const auto b0 = static_cast<std::uint8_t>(data[0]);
  const auto b1 = static_cast<std::uint8_t>(data[1]);
  h.fin = (b0 & 0x80) != 0;
  h.op = static_cast<opcode>(b0 & 0x0F);
  const bool control = (b0 & 0x08) != 0;
  if ((b0 & 0x70) != 0 || (b1 & 0x80) != 0) { // no extensions negotiated; servers never mask
    h.status = frame_header::bad;
    return h;
  }
  std::uint64_t len = b1 & 0x7F;
  std::size_t n = 2;
  if (len == 126) {
    if (size < 4)
      return h;
    len = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(data[2])) << 8)
          | static_cast<std::uint8_t>(data[3]);
    n = 4;
  } else if (len == 127) {
    if (size < 10)
      return h;
    len = 0;
    for (int i = 2; i < 10; ++i)
      len = (len << 8) | static_cast<std::uint8_t>(data[i]);
    n = 10;
  }
  if (control && (len > 125 || !h.fin)) {
    h.status = frame_header::bad;
    return h;
  }
  h.header_bytes = n;
  h.payload_bytes = static_cast<std::size_t>(len);
  if (size - n >= len)
    h.status = frame_header::complete;
  return h;
}

} // namespace bench::ws
