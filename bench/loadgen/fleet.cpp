// The group of benchmark clients; see fleet.hpp.
#include "bench/loadgen/fleet.hpp"

#include <charconv>
#include <cstdio>
#include <random>

#include "bench/loadgen/http_auth.hpp"

namespace bench {

namespace {

constexpr int max_notes = 8;
constexpr auto connect_stall = std::chrono::seconds(30); // no connect finished this long
constexpr auto presence_stall = std::chrono::seconds(5); // no presence frame this long
const auto start_time = clock_type::now();

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

std::string random_prefix() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%06x", rd() & 0xFFFFFF);
  return buf;
}

} // namespace

void progress(const std::string& line) {
  auto s = std::chrono::duration<double>(clock_type::now() - start_time).count();
  std::fprintf(stderr, "[%7.2fs] %s\n", s, line.c_str());
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

fleet::fleet(net::io_context& ioc, const options& opt, fleet_observer& observer)
  : ioc_(ioc),
    work_(ioc.get_executor()),
    opt_(opt),
    observer_(observer),
    prefix_(random_prefix()),
    server_(net::ip::make_address(opt.host), opt.port),
    clients_(opt.clients),
    ack_timer_(ioc) {
  for (std::uint32_t i = 0; i < clients_.size(); ++i)
    clients_[i].account_name = prefix_ + "-" + std::to_string(i);
  for (auto port : opt.ports)
    servers_.emplace_back(server_.address(), port);
  if (servers_.empty())
    servers_.push_back(server_);
}

fleet::~fleet() {
  close_all();
}

bool fleet::run_until(const std::function<bool()>& done, clock_type::time_point deadline) {
  while (!done()) {
    auto now = clock_type::now();
    if (now >= deadline)
      return false;
    // Wake at least every 100 ms so done() sees time-based conditions.
    ioc_.run_one_until(std::min(deadline, now + std::chrono::milliseconds(100)));
    ioc_.poll();
  }
  return true;
}

bool fleet::create_accounts(clock_type::time_point deadline) {
  if (opt_.target != target_kind::chat)
    return true;
  std::vector<account> accounts(clients_.size());
  for (std::size_t i = 0; i < clients_.size(); ++i)
    accounts[i].name = clients_[i].account_name;
  http_auth auth(ioc_, server_, opt_.password, opt_.http_concurrency);
  auth.start(accounts);
  auto next_report = clock_type::now() + std::chrono::seconds(5);
  bool done = run_until(
    [&] {
      if (clock_type::now() >= next_report) {
        next_report += std::chrono::seconds(5);
        progress("accounts: " + std::to_string(auth.logged_in()) + "/"
                 + std::to_string(clients_.size()));
      }
      return auth.finished();
    },
    deadline);
  if (!done) {
    error_ = "accounts: deadline passed with " + std::to_string(auth.logged_in()) + "/"
             + std::to_string(clients_.size()) + " logged in";
    return false; // auth's workers die with it; their handlers never run again
  }
  if (auth.failed() > 0) {
    error_ = "accounts: " + std::to_string(auth.failed()) + " failed, first: " + auth.first_error();
    return false;
  }
  for (std::size_t i = 0; i < clients_.size(); ++i)
    clients_[i].token = std::move(accounts[i].token);
  return true;
}

bool fleet::connect(clock_type::time_point deadline) {
  launch_connects();
  auto next_report = clock_type::now() + std::chrono::seconds(5);
  // A connect or upgrade that never completes must not hold the run until
  // --timeout: give up once none has finished for this long.
  std::uint32_t settled = 0;
  auto last_progress = clock_type::now();
  bool stalled = false;
  bool done = run_until(
    [&] {
      const auto now = clock_type::now();
      if (now >= next_report) {
        next_report += std::chrono::seconds(5);
        progress("connected: " + std::to_string(ready_) + "/" + std::to_string(clients_.size()));
      }
      if (ready_ + connect_failed_ != settled) {
        settled = ready_ + connect_failed_;
        last_progress = now;
      }
      stalled = now - last_progress > connect_stall;
      return settled == clients_.size() || stalled;
    },
    deadline);
  if (!done || stalled || connect_failed_ > 0) {
    error_ = "connect: " + std::to_string(ready_) + "/" + std::to_string(clients_.size())
             + " ready, " + std::to_string(connect_failed_) + " failed"
             + (stalled ? ", the rest stalled"
                : done  ? ""
                        : ", deadline passed");
    return false;
  }
  return true;
}

void fleet::launch_connects() {
  // A bounded number of handshakes at once: a burst of thousands of SYNs
  // would overflow the listen backlog and stall on SYN retransmits.
  while (connecting_ < opt_.connect_concurrency && next_connect_ < clients_.size()) {
    auto i = next_connect_++;
    auto& c = clients_[i];
    c.conn = make_conn(opt_.client, ioc_, *this, i, slow(i) ? &opt_.slow : nullptr);
    c.st = stage::connecting;
    ++connecting_;
    // 127.0.0.0/8 is all loopback: spread clients over several source
    // addresses (ports per address run short beyond ~14k connections).
    auto source = net::ip::address();
    if (server_.address().is_loopback() && opt_.source_addrs > 1)
      source = net::ip::address_v4(0x7F000001u + i % static_cast<std::uint32_t>(opt_.source_addrs));
    auto target = opt_.target == target_kind::chat ? "/ws?token=" + c.token : std::string("/");
    c.conn->start(servers_[i % servers_.size()], source, target);
  }
}

void fleet::connect_done(client& c, bool ok) {
  --connecting_;
  if (ok) {
    c.st = stage::ready;
    ++ready_;
  } else {
    ++connect_failed_;
  }
  launch_connects();
}

bool fleet::join(const std::function<std::string(std::uint32_t)>& room_of,
                 std::uint64_t expected_presence, clock_type::time_point deadline) {
  if (opt_.target != target_kind::chat)
    return true;
  for (std::uint32_t i = 0; i < clients_.size(); ++i) {
    auto& c = clients_[i];
    // max_members counts only for the room's creator; the default (1000)
    // would refuse the 1001st client.
    scratch_
      = R"({"action":"join","target":")" + room_of(i) + R"(","body":{"max_members":1000000}})";
    c.st = stage::joining;
    c.conn->send_text(scratch_);
  }
  if (!run_until([&] { return joined_ + errors_ >= clients_.size() || closed_ > 0; }, deadline)
      || joined_ < clients_.size()) {
    error_ = "join: " + std::to_string(joined_) + "/" + std::to_string(clients_.size())
             + " joined, " + std::to_string(errors_) + " errors, " + std::to_string(closed_)
             + " closed";
    return false;
  }
  // Presence is best effort: stop waiting once it stops coming.
  auto seen = presence_;
  auto last_progress = clock_type::now();
  run_until(
    [&] {
      if (presence_ != seen) {
        seen = presence_;
        last_progress = clock_type::now();
      }
      return presence_ >= expected_presence || clock_type::now() - last_progress > presence_stall;
    },
    deadline);
  if (presence_ < expected_presence)
    progress("join: only " + std::to_string(presence_) + " of " + std::to_string(expected_presence)
             + " presence frames arrived; going on");
  return true;
}

void fleet::settle(double quiet_s, clock_type::time_point deadline) {
  const auto quiet_ns = static_cast<std::int64_t>(quiet_s * 1e9);
  last_frame_ns_ = std::max(last_frame_ns_, steady_ns());
  run_until([&] { return steady_ns() - last_frame_ns_ >= quiet_ns; }, deadline);
}

void fleet::send(std::uint32_t client_index, std::string_view room, const body_fields& body,
                 std::int64_t ref) {
  auto& c = clients_[client_index];
  scratch_.clear();
  if (opt_.target == target_kind::chat) {
    scratch_ += R"({"action":"send","target":")";
    scratch_ += room;
    scratch_ += '"';
    if (ref >= 0) {
      scratch_ += R"(,"ref":)";
      append_int(scratch_, ref);
    }
    scratch_ += R"(,"body":)";
  }
  scratch_ += R"({"t":)";
  append_int(scratch_, body.t);
  scratch_ += R"(,"c":)";
  append_int(scratch_, body.c);
  scratch_ += R"(,"k":)";
  append_int(scratch_, body.k);
  scratch_ += '}';
  if (opt_.target == target_kind::chat)
    scratch_ += '}';
  c.conn->send_text(scratch_);
}

void fleet::on_open(std::uint32_t tag) {
  auto& c = clients_[tag];
  c.st = stage::upgraded;
  if (opt_.target == target_kind::raw)
    connect_done(c, true); // a raw server has nothing more to say
}

void fleet::on_text(std::uint32_t tag, std::string_view text, std::int64_t now) {
  ++frames_in_;
  last_frame_ns_ = now;
  if (opt_.target == target_kind::chat)
    return on_chat_frame(tag, clients_[tag], text, now);
  body_fields body;
  if (parse_body(text, body))
    observer_.on_message(tag, body, now);
  else
    ++unparsed_;
}

void fleet::on_closed(std::uint32_t tag, const std::string& why) {
  auto& c = clients_[tag];
  const bool during_connect = c.st == stage::connecting || c.st == stage::upgraded;
  c.st = stage::closed;
  ++closed_;
  note("client " + std::to_string(tag) + " closed: " + why);
  if (during_connect)
    connect_done(c, false);
}

void fleet::close_all() {
  for (auto& c : clients_) {
    if (c.conn)
      c.conn->close();
  }
}

std::size_t fleet::open_count() const {
  std::size_t n = 0;
  for (const auto& c : clients_)
    n += c.conn && c.conn->is_open();
  return n;
}

void fleet::note(const std::string& line) {
  if (++notes_ <= max_notes)
    progress(line.size() > 300 ? line.substr(0, 300) + "..." : line);
  else if (notes_ == max_notes + 1)
    progress("(further problems are counted, not printed)");
}

} // namespace bench
