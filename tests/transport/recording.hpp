// A stand-in for what a socket_outbox hands a session: `recording<Base>`
// records every hand-over (frames as text, a close as "close CODE REASON")
// and the thread it came on, and counts the calls to write what was handed. Base is
// socket_outbox::target or a session class; its constructors are inherited.
#pragma once

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "protocol/messages.hpp"

namespace chat::test {

template <class Base>
class recording : public Base {
public:
  using Base::Base;

  void take_frames(frame_ptr* frames, std::size_t n, bool counted) override {
    threads.push_back(std::this_thread::get_id());
    for (std::size_t i = 0; i < n; ++i)
      got.push_back(*frames[i] + (counted ? "" : " (uncounted)"));
  }

  void take_close(std::uint16_t code, std::string reason) override {
    threads.push_back(std::this_thread::get_id());
    got.push_back("close " + std::to_string(code) + " " + reason);
  }

  void write_queued() override { ++writes; }

  std::vector<std::string> got;
  int writes = 0; // write_queued calls: one per drain that handed something
  std::vector<std::thread::id> threads;
};

} // namespace chat::test
