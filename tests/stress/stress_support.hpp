// What the stress scenarios share: a higher open-file limit, accounts made in
// parallel under a deadline, a cheap look into server frames (a stress
// client reads hundreds of thousands of them), history as the ground truth of
// a room, and the seed every randomized scenario prints (STRESS_SEED to
// repeat one). No doctest assertions here: workers run on their own threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/support/http_client.hpp"

namespace chat::test::stress {

using clock_type = std::chrono::steady_clock;
using json = nlohmann::json;

/// Raises the soft RLIMIT_NOFILE to the hard one (the server inherits it).
inline void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

inline double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// The time until `deadline`, between 0 and `cap`.
inline std::chrono::milliseconds time_to(clock_type::time_point deadline,
                                         std::chrono::milliseconds cap
                                         = std::chrono::milliseconds(10000)) {
  auto rest = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
  return std::clamp(rest, std::chrono::milliseconds(0), cap);
}

/// The seed of a randomized scenario: $STRESS_SEED if set, else the clock.
inline std::uint64_t pick_seed() {
  if (const char* env = std::getenv("STRESS_SEED"); env && *env)
    return std::strtoull(env, nullptr, 10);
  return static_cast<std::uint64_t>(clock_type::now().time_since_epoch().count()) % 1000000007;
}

/// A scenario's size: `full` times $CHAT_STRESS_SCALE (a factor in (0, 1],
/// default 1; scripts/sanitize sets 0.1 under ThreadSanitizer, which runs
/// everything 5-15x slower), rounded down to a multiple of `multiple` (the
/// thread count that shares it out), and at least `least`. Checked once.
inline int scaled(int full, int multiple = 1, int least = 1) {
  static const double factor = [] {
    const char* env = std::getenv("CHAT_STRESS_SCALE");
    double f = env && *env ? std::strtod(env, nullptr) : 1.0;
    return f > 0 && f <= 1 ? f : throw std::invalid_argument("CHAT_STRESS_SCALE not in (0, 1]");
  }();
  int n = static_cast<int>(full * factor) / multiple * multiple;
  return std::max({n, least, multiple});
}

/// Collects the exceptions of worker threads, which would otherwise end the
/// test binary (std::terminate) instead of failing the test.
class thread_errors {
public:
  /// Runs `f`; false if it threw (the message is kept).
  template <class F>
  bool run(F&& f) noexcept {
    try {
      f();
      return true;
    } catch (const std::exception& e) {
      add(e.what());
    } catch (...) {
      add("an exception that is not a std::exception");
    }
    return false;
  }

  std::vector<std::string> list() {
    std::lock_guard<std::mutex> guard(mtx_);
    return list_;
  }

private:
  void add(const std::string& what) {
    std::lock_guard<std::mutex> guard(mtx_);
    list_.push_back("a worker thread threw: " + what);
  }

  std::mutex mtx_;
  std::vector<std::string> list_;
};

/// Worker threads that are told to stop and joined when this goes out of
/// scope: a REQUIRE that fails while they run then fails the test instead of
/// ending the binary (a joinable std::thread's destructor calls terminate).
class stopping_threads {
public:
  explicit stopping_threads(std::function<void()> stop) : stop_(std::move(stop)) {}
  stopping_threads(const stopping_threads&) = delete;
  stopping_threads& operator=(const stopping_threads&) = delete;
  ~stopping_threads() {
    if (!threads_.empty())
      stop_();
    join();
  }

  template <class F>
  void spawn(F&& f) {
    threads_.emplace_back(std::forward<F>(f));
  }

  /// Waits for every thread (the caller has made them stop).
  void join() {
    for (auto& t : threads_)
      t.join();
    threads_.clear();
  }

private:
  std::function<void()> stop_;
  std::vector<std::thread> threads_;
};

/// Registers and logs in `count` users named prefix_0 ..., 8 at a time;
/// throws at the first failure or when not done within `budget`.
inline std::vector<account> make_users(std::uint16_t port, const std::string& prefix, int count,
                                       std::chrono::seconds budget = std::chrono::seconds(60)) {
  std::vector<account> users(count);
  auto deadline = clock_type::now() + budget;
  std::atomic<int> next{0};
  std::mutex mtx;
  std::string failure;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        try {
          if (clock_type::now() > deadline)
            throw std::runtime_error("not done within the budget");
          users[i] = make_account(port, prefix + "_" + std::to_string(i));
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> guard(mtx);
          failure = e.what();
          next = count; // the others stop too
        }
      }
    });
  for (auto& t : threads)
    t.join();
  if (!failure.empty())
    throw std::runtime_error("registration failed: " + failure);
  return users;
}

/// The server's output without its per-connection lines, the last `max` bytes.
inline std::string server_tail(const std::string& output, std::size_t max = 4000) {
  std::string kept;
  std::size_t pos = 0;
  while (pos < output.size()) {
    auto end = output.find('\n', pos);
    end = end == std::string::npos ? output.size() : end + 1;
    auto line = output.substr(pos, end - pos);
    if (line.find(" connect ") == std::string::npos
        && line.find(" disconnect ") == std::string::npos)
      kept += line;
    pos = end;
  }
  return kept.size() > max ? kept.substr(kept.size() - max) : kept;
}

/// Its arguments (strings, numbers) written one after the other: for the
/// problem lines the checks collect.
template <class... Ts>
std::string cat(const Ts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

/// "N problems, the first: ..." for a failure message.
inline std::string first_of(const std::vector<std::string>& problems, std::size_t n = 10) {
  std::string out = std::to_string(problems.size()) + " problems, the first:\n";
  for (std::size_t k = 0; k < problems.size() && k < n; ++k)
    out += "  " + problems[k] + "\n";
  return out;
}

/// The fields of a server frame the stress clients look at.
// clang-tidy 14 flags the implicit noexcept move constructor of every struct
// holding a json, since json's own (noexcept) move constructor calls
// assert_invariant(), which is not marked noexcept; it only asserts. The
// same holds for the other json holders that point here.
// NOLINTNEXTLINE(bugprone-exception-escape)
struct frame_view {
  std::string type;
  std::string id;
  std::string room;
  std::int64_t seq = -1;
  bool replay = false;
  json doc; // the parsed frame, except for the scanned message and direct frames
};

namespace detail {

inline bool scan_string(const std::string& text, const char* key, std::string& out) {
  auto pos = text.find(key);
  if (pos == std::string::npos)
    return false;
  pos += std::strlen(key);
  auto end = text.find('"', pos);
  if (end == std::string::npos || text.find('\\', pos) < end)
    return false; // escapes: leave it to the JSON parser
  out.assign(text, pos, end - pos);
  return true;
}

inline bool scan_int(const std::string& text, const char* key, std::int64_t& out) {
  auto pos = text.find(key);
  if (pos == std::string::npos)
    return false;
  const char* start = text.c_str() + pos + std::strlen(key);
  char* end = nullptr;
  out = std::strtoll(start, &end, 10);
  return end != start;
}

} // namespace detail

/// Looks into a server frame. "message" and "direct" frames (the bulk) are
/// scanned for their fields instead of parsed: the stress bodies hold no
/// keys named id, seq, room or replay. Anything else is parsed.
inline frame_view peek(const std::string& text) {
  frame_view v;
  bool message = text.rfind(R"({"type":"message")", 0) == 0;
  bool direct = !message && text.rfind(R"({"type":"direct")", 0) == 0;
  if ((message || direct) && detail::scan_string(text, R"("id":")", v.id)
      && (direct
          || (detail::scan_int(text, R"("seq":)", v.seq)
              && detail::scan_string(text, R"("room":")", v.room)))) {
    v.type = message ? "message" : "direct";
    v.replay = text.find(R"("replay":true)") != std::string::npos;
    return v;
  }
  v.doc = json::parse(text, nullptr, false);
  if (!v.doc.is_object())
    return v;
  auto str = [&](const char* key) {
    auto it = v.doc.find(key);
    return it != v.doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  v.type = str("type");
  v.id = str("id");
  v.room = str("room");
  if (auto it = v.doc.find("seq"); it != v.doc.end() && it->is_number_integer())
    v.seq = it->get<std::int64_t>();
  if (auto it = v.doc.find("replay"); it != v.doc.end() && it->is_boolean())
    v.replay = it->get<bool>();
  return v;
}

/// One stored message of a room, as history lists it.
struct stored_message {
  std::string id;
  std::int64_t seq = 0;
};

/// Every message of `room` (oldest first), paged through GET /history with
/// `token`. Throws on an unexpected answer. Call it once nothing is sent.
inline std::vector<stored_message> room_history(std::uint16_t port, const std::string& room,
                                                const std::string& token) {
  std::vector<stored_message> all;
  for (int page = 0; page < 10000; ++page) {
    auto res = request(port, "GET", "/history?room=" + room + "&page=" + std::to_string(page), "",
                       bearer(token));
    auto doc = res.json();
    if (res.status != 200 || !doc.is_object() || !doc["messages"].is_array())
      throw std::runtime_error("history of " + room + " page " + std::to_string(page) + " answered "
                               + std::to_string(res.status) + " " + res.body);
    std::vector<stored_message> chunk;
    for (auto& m : doc["messages"])
      chunk.push_back({m.value("id", std::string("?")), m.value("seq", std::int64_t{-1})});
    all.insert(all.begin(), chunk.begin(), chunk.end()); // older pages go first
    if (!doc.value("has_more", false))
      return all;
  }
  throw std::runtime_error("history of " + room + " never ends");
}

} // namespace chat::test::stress
