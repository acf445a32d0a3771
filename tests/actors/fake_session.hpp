// A stand-in for a socket (session) in actor tests: it records what
// connection and user actors write, and lets a test wait for it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "protocol/session.hpp"

namespace chat::test {

class fake_session : public session {
public:
  void send(frame_ptr frame) override {
    std::lock_guard<std::mutex> guard{mtx_};
    frames_.push_back(std::move(frame));
    cv_.notify_all();
  }

  void send_batch(frame_batch frames, bool counted) override {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& f : frames)
      frames_.push_back(std::move(f));
    if (!counted)
      ++uncounted_batches_;
    cv_.notify_all();
  }

  void close(std::uint16_t code, std::string) override {
    std::lock_guard<std::mutex> guard{mtx_};
    close_code_ = code;
    cv_.notify_all();
  }

  /// The next frame as written (the shared bytes), waiting up to `wait`;
  /// null if none came.
  frame_ptr next_raw(std::chrono::milliseconds wait = std::chrono::seconds{5}) {
    std::unique_lock<std::mutex> guard{mtx_};
    if (!cv_.wait_for(guard, wait, [this] { return !frames_.empty(); }))
      return nullptr;
    auto out = frames_.front();
    frames_.pop_front();
    return out;
  }

  /// The next frame, parsed; null if none came within `wait`.
  nlohmann::json next(std::chrono::milliseconds wait = std::chrono::seconds{5}) {
    auto raw = next_raw(wait);
    return raw ? nlohmann::json::parse(*raw) : nlohmann::json{};
  }

  /// The next frame of `type`, skipping others.
  nlohmann::json next_of(const std::string& type) {
    for (auto f = next(); !f.is_null(); f = next())
      if (f["type"] == type)
        return f;
    return nullptr;
  }

  /// The next `count` frames (fewer if they stop coming).
  std::vector<nlohmann::json> take(std::size_t count,
                                   std::chrono::milliseconds wait = std::chrono::seconds{5}) {
    std::vector<nlohmann::json> out;
    while (out.size() < count) {
      auto f = next(wait);
      if (f.is_null())
        break;
      out.push_back(std::move(f));
    }
    return out;
  }

  /// How many batches came marked as not counted against the write queue
  /// limit (replays).
  std::size_t uncounted_batches() {
    std::lock_guard<std::mutex> guard{mtx_};
    return uncounted_batches_;
  }

  std::uint16_t wait_closed() {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait_for(guard, std::chrono::seconds{5}, [this] { return close_code_ != 0; });
    return close_code_;
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<frame_ptr> frames_;
  std::size_t uncounted_batches_ = 0;
  std::uint16_t close_code_ = 0;
};

} // namespace chat::test
