// A bare WebSocket client for the slow-consumer stress test: a plain socket
// whose receive buffer is set small before connecting (so the kernel cannot
// autotune it to megabytes and hide a stalled reader), the upgrade written
// by hand, masked text frames out, and a parser for the server's frames in.
// It reads only when poll_read() is called: a test that stops calling it is
// a client that stopped reading. Throws std::runtime_error on setup errors.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace chat::test::stress {

class stalled_client {
public:
  stalled_client(std::uint16_t port, const std::string& token, int rcvbuf_bytes) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
      throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf_bytes, sizeof(rcvbuf_bytes));
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
      throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
    write_all("GET /ws?token=" + token + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port)
              + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::size_t end;
    while ((end = in_.find("\r\n\r\n")) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline || !read_some(1000))
        throw std::runtime_error("no upgrade answer: " + in_.substr(0, 200));
    }
    if (in_.rfind("HTTP/1.1 101", 0) != 0)
      throw std::runtime_error("upgrade refused: " + in_.substr(0, 200));
    in_.erase(0, end + 4);
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }

  ~stalled_client() { ::close(fd_); }
  stalled_client(const stalled_client&) = delete;
  stalled_client& operator=(const stalled_client&) = delete;

  int fd() const { return fd_; }

  /// One masked text frame (mask key 0: the bytes go as they are).
  void send_text(const std::string& text) {
    std::string frame{char(0x81)};
    if (text.size() < 126) {
      frame += char(0x80 | text.size());
    } else {
      frame += char(0x80 | 126);
      frame += char(text.size() >> 8);
      frame += char(text.size() & 0xff);
    }
    frame += std::string(4, '\0');
    write_all(frame + text);
  }

  /// Reads what the socket holds now and parses it; false once the server
  /// closed the connection (EOF or error).
  bool poll_read() {
    while (read_some(0)) {
    }
    parse();
    return !eof;
  }

  std::vector<std::string> texts; // complete text messages, for the caller to take
  std::optional<int> close_code;  // from the server's close frame
  bool eof = false;

private:
  void write_all(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      auto n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        pollfd p{fd_, POLLOUT, 0};
        ::poll(&p, 1, 1000);
      } else {
        throw std::runtime_error(std::string("send: ") + std::strerror(errno));
      }
    }
  }

  /// One recv (after waiting up to `wait_ms` for data); false if none came.
  bool read_some(int wait_ms) {
    if (eof)
      return false;
    pollfd p{fd_, POLLIN, 0};
    if (wait_ms > 0 && ::poll(&p, 1, wait_ms) <= 0)
      return false;
    char chunk[65536];
    auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n > 0) {
      in_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR))
      eof = true;
    return false;
  }

  /// Unmasked server frames: text (possibly fragmented), close, the rest skipped.
  void parse() {
    std::size_t pos = 0;
    for (;;) {
      if (in_.size() - pos < 2)
        break;
      auto b0 = static_cast<unsigned char>(in_[pos]), b1 = static_cast<unsigned char>(in_[pos + 1]);
      std::size_t head = 2, len = b1 & 0x7f;
      if (len >= 126) {
        std::size_t bytes = len == 126 ? 2 : 8;
        if (in_.size() - pos < 2 + bytes)
          break;
        len = 0;
        for (std::size_t k = 0; k < bytes; ++k)
          len = (len << 8) | static_cast<unsigned char>(in_[pos + 2 + k]);
        head += bytes;
      }
      if (in_.size() - pos < head + len)
        break;
      auto payload = in_.substr(pos + head, len);
      pos += head + len;
      int opcode = b0 & 0x0f;
      if (opcode == 1 || opcode == 0)
        partial_ += payload;
      if ((opcode == 1 || opcode == 0) && (b0 & 0x80)) {
        texts.push_back(std::move(partial_));
        partial_.clear();
      }
      if (opcode == 8 && payload.size() >= 2)
        close_code
          = (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
    }
    in_.erase(0, pos);
  }

  int fd_ = -1;
  std::string in_;
  std::string partial_;
};

} // namespace chat::test::stress
