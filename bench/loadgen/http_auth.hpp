// Creates the benchmark's accounts: POST /register then POST /login for each
// user, a few requests in flight at once (the server hashes passwords on a
// small bounded pool; more would only queue or get 503). Each worker keeps
// one keep-alive connection, so N accounts cost a handful of sockets, not
// 2N short-lived ones left in TIME_WAIT.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace bench {

struct account {
  std::string name;
  std::string token; // empty until logged in
};

class http_auth {
public:
  http_auth(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint server,
            std::string password, int concurrency);
  ~http_auth();

  /// Registers and logs in every entry of `accounts` (names set by the
  /// caller), filling in tokens. `accounts` must outlive the work.
  void start(std::vector<account>& accounts);

  bool finished() const { return active_workers_ == 0; }
  std::size_t logged_in() const { return logged_in_; }
  std::size_t failed() const { return failed_; }
  const std::string& first_error() const { return first_error_; }

private:
  struct worker;
  friend struct worker;

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::endpoint server_;
  std::string password_;
  int concurrency_;
  std::vector<account>* accounts_ = nullptr;
  std::size_t next_ = 0;
  std::size_t logged_in_ = 0;
  std::size_t failed_ = 0;
  int active_workers_ = 0;
  std::string first_error_;
  std::vector<std::unique_ptr<worker>> workers_;
};

} // namespace bench
