// A write that does not wait: the bytes a socket takes now, without
// blocking. The WebSocket coalescing layer and the raw TCP session both
// offer a plain socket their whole buffer this way first (on loopback it
// usually takes everything, and then no asynchronous operation is needed),
// and write only the rest asynchronously. Private to transport/.
#pragma once

#include <cstddef>

#include "transport/net.hpp"

namespace chat {

/// Writes what `socket` takes of `buffers` now; "it would block" is not an
/// error (then 0 bytes). `ec` is set on any other failure.
template <class ConstBufferSequence>
std::size_t write_now(tcp::socket& socket, const ConstBufferSequence& buffers,
                      beast::error_code& ec) {
  ec = {};
  if (!socket.non_blocking())
    socket.non_blocking(true, ec);
  std::size_t n = ec ? 0 : socket.write_some(buffers, ec);
  if (ec == net::error::would_block || ec == net::error::try_again)
    ec = {};
  return n;
}

} // namespace chat
