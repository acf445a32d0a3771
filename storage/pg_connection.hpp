// One libpq connection as the PostgreSQL store uses it (storage/pg_store):
// statements prepared by name, run one at a time (reads) or many in one
// pipeline (a commit's batch: one round trip for the whole transaction).
// Parameters travel as text; results are read as text and converted here.
// Private to storage/.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

struct pg_conn;
struct pg_result;

namespace chat::pg {

/// A statement's parameters, as text.
using params = std::vector<std::string>;

/// One statement's result: rows of text columns, or a failure.
class result {
public:
  result() = default;
  explicit result(pg_result* res);

  /// True for a statement that ran (with or without rows).
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  /// The SQLSTATE of a failure ("40P01": deadlock...), empty if none.
  const std::string& sqlstate() const { return sqlstate_; }

  int rows() const;
  std::string text(int row, int col) const;
  std::int64_t int64(int row, int col) const;
  bool boolean(int row, int col) const;

private:
  std::shared_ptr<pg_result> res_;
  bool ok_ = false;
  std::string error_;
  std::string sqlstate_;
};

/// When to try connecting again after failures: at once the first time, then
/// after 0.1 s doubling to 5 s; back to "at once" after a success. The store
/// and the bus each keep one.
class reconnect_backoff {
public:
  using clock = std::chrono::steady_clock;

  /// True if a connect may be tried now.
  bool due(clock::time_point now) const { return now >= next_; }

  /// A connect failed at `now`: the next waits longer.
  void failed(clock::time_point now);

  /// A connect worked.
  void reset() { delay_ = std::chrono::milliseconds{0}, next_ = {}; }

  /// The wait before the next try.
  std::chrono::milliseconds delay() const { return delay_; }

private:
  std::chrono::milliseconds delay_{0};
  clock::time_point next_{};
};

/// A PostgreSQL array literal of text ({"a","b"}), for `$n::text[]`.
std::string text_array(const std::vector<std::string>& items);

class connection {
public:
  connection() = default;
  connection(connection&&) noexcept;
  connection& operator=(connection&&) noexcept;
  ~connection();

  /// Connects (libpq connection string or URL) as `application_name` (what
  /// pg_stat_activity shows); fails with the server's or libpq's message.
  caf::error open(const std::string& url, const char* application_name = "chat-actors");

  /// True while the connection is up (as far as libpq knows).
  bool up() const;

  /// The last message libpq has for this connection, one line.
  std::string last_error() const;

  /// Runs SQL text without parameters (several statements allowed).
  caf::error exec(const std::string& sql);

  /// Runs SQL text without parameters and returns its result.
  result query(const std::string& sql);

  /// Prepares `sql` under `name` for this session.
  caf::error prepare(const std::string& name, const std::string& sql);

  /// Runs a prepared statement and waits for its result.
  result run(const std::string& name, const params& args);

  /// Runs prepared statements in one pipeline and one round trip: every
  /// statement's result in order (a statement after a failed one reports
  /// "aborted"). Fails as a whole only if the connection broke.
  caf::expected<std::vector<result>>
  pipeline(const std::vector<std::pair<std::string, params>>& steps);

  /// Waits up to `timeout_ms` for notifications (after LISTEN) and returns
  /// their payloads (none if none came); an error if the connection broke.
  caf::expected<std::vector<std::string>> notifications(int timeout_ms);

  /// Where an explicit transaction was left open by a failure: rolls it back.
  void rollback_if_open();

private:
  pg_conn* conn_ = nullptr;
};

} // namespace chat::pg
