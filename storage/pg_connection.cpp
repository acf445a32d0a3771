// libpq behind storage/pg_connection.hpp.
#include "storage/pg_connection.hpp"

#include <algorithm>
#include <charconv>
#include <poll.h>
#include <utility>

#include <libpq-fe.h>

#include "protocol/chat_error.hpp"

namespace chat::pg {

namespace {

caf::error failure(const std::string& what) {
  return make_error(chat_errc::storage, what);
}

/// libpq's messages end with a newline (and sometimes hold several lines).
std::string one_line(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  for (auto& c : s)
    if (c == '\n')
      c = ' ';
  return s;
}

/// Parameters as libpq wants them: pointers to NUL-terminated text.
std::vector<const char*> values_of(const params& args) {
  std::vector<const char*> values;
  values.reserve(args.size());
  for (auto& arg : args)
    values.push_back(arg.c_str());
  return values;
}

} // namespace

result::result(pg_result* res) : res_(res, PQclear) {
  auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  ok_ = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  if (ok_)
    return;
  if (status == PGRES_PIPELINE_ABORTED) {
    error_ = "aborted: an earlier statement of the pipeline failed";
    return;
  }
  error_ = res ? one_line(PQresultErrorMessage(res)) : "no result (connection lost?)";
  if (res)
    if (auto* state = PQresultErrorField(res, PG_DIAG_SQLSTATE))
      sqlstate_ = state;
}

int result::rows() const {
  return res_ ? PQntuples(res_.get()) : 0;
}

std::string result::text(int row, int col) const {
  return PQgetvalue(res_.get(), row, col);
}

std::int64_t result::int64(int row, int col) const {
  const char* value = PQgetvalue(res_.get(), row, col);
  std::int64_t n = 0;
  std::from_chars(value, value + PQgetlength(res_.get(), row, col), n);
  return n;
}

bool result::boolean(int row, int col) const {
  return PQgetvalue(res_.get(), row, col)[0] == 't';
}

void reconnect_backoff::failed(clock::time_point now) {
  using namespace std::chrono_literals;
  delay_ = std::clamp(delay_ * 2, std::chrono::milliseconds{100ms}, std::chrono::milliseconds{5s});
  next_ = now + delay_;
}

std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (auto& item : items) {
    if (out.size() > 1)
      out += ',';
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\')
        out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

connection::connection(connection&& other) noexcept : conn_(std::exchange(other.conn_, nullptr)) {
}

connection& connection::operator=(connection&& other) noexcept {
  if (this != &other) {
    if (conn_)
      PQfinish(conn_);
    conn_ = std::exchange(other.conn_, nullptr);
  }
  return *this;
}

connection::~connection() {
  if (conn_)
    PQfinish(conn_);
}

caf::error connection::open(const std::string& url, const char* application_name) {
  if (conn_)
    PQfinish(conn_);
  // expand_dbname: `url` may be a key=value string or a URI, and the
  // application name is added to whichever it is (unless it names one).
  const char* keys[] = {"dbname", "fallback_application_name", nullptr};
  const char* values[] = {url.c_str(), application_name, nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (PQstatus(conn_) != CONNECTION_OK)
    return failure("cannot connect to PostgreSQL: " + last_error());
  // Server notices (e.g. "relation already exists, skipping") are not ours
  // to print.
  PQsetNoticeProcessor(
    conn_, [](void*, const char*) {}, nullptr);
  return caf::none;
}

bool connection::up() const {
  return conn_ && PQstatus(conn_) == CONNECTION_OK;
}

std::string connection::last_error() const {
  return conn_ ? one_line(PQerrorMessage(conn_)) : "not connected";
}

caf::error connection::exec(const std::string& sql) {
  result res{PQexec(conn_, sql.c_str())};
  if (!res.ok())
    return failure(res.error());
  return caf::none;
}

result connection::query(const std::string& sql) {
  return result{PQexec(conn_, sql.c_str())};
}

caf::error connection::prepare(const std::string& name, const std::string& sql) {
  result res{PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr)};
  if (!res.ok())
    return failure("cannot prepare " + name + ": " + res.error());
  return caf::none;
}

result connection::run(const std::string& name, const params& args) {
  auto values = values_of(args);
  return result{PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(),
                               nullptr, nullptr, 0)};
}

caf::expected<std::vector<result>>
connection::pipeline(const std::vector<std::pair<std::string, params>>& steps) {
  if (!up())
    return failure("not connected: " + last_error());
  // Non-blocking while sending, so that a long batch never waits on a full
  // socket while the server waits on us to read its results (libpq's
  // pipeline-mode deadlock): between flushes, whatever arrived is read.
  if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1)
    return failure("cannot enter pipeline mode: " + last_error());
  auto leave = [this] {
    PQexitPipelineMode(conn_);
    PQsetnonblocking(conn_, 0);
  };
  for (auto& [name, args] : steps) {
    auto values = values_of(args);
    if (PQsendQueryPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(),
                            nullptr, nullptr, 0)
        != 1) {
      auto err = failure("cannot send " + name + ": " + last_error());
      leave();
      return err;
    }
  }
  if (PQpipelineSync(conn_) != 1) {
    auto err = failure("cannot send the pipeline: " + last_error());
    leave();
    return err;
  }
  for (;;) {
    int flushed = PQflush(conn_);
    if (flushed < 0) {
      auto err = failure("connection lost: " + last_error());
      leave();
      return err;
    }
    if (flushed == 0)
      break;
    pollfd fd{PQsocket(conn_), POLLIN | POLLOUT, 0};
    if (poll(&fd, 1, -1) > 0 && (fd.revents & POLLIN) && PQconsumeInput(conn_) != 1) {
      auto err = failure("connection lost: " + last_error());
      leave();
      return err;
    }
  }
  PQsetnonblocking(conn_, 0);
  std::vector<result> results;
  results.reserve(steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    auto* res = PQgetResult(conn_);
    if (res == nullptr) { // the connection broke: no more results will come
      PQexitPipelineMode(conn_);
      return failure("connection lost: " + last_error());
    }
    results.emplace_back(res);
    // Each statement's result is followed by a null that ends it.
    while (auto* extra = PQgetResult(conn_))
      PQclear(extra);
  }
  // Then the sync point's own result.
  auto* sync = PQgetResult(conn_);
  bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync)
    PQclear(sync);
  PQexitPipelineMode(conn_);
  if (!synced)
    return failure("pipeline did not end: " + last_error());
  return results;
}

caf::expected<std::vector<std::string>> connection::notifications(int timeout_ms) {
  if (!up())
    return failure("not connected: " + last_error());
  std::vector<std::string> payloads;
  auto collect = [&] {
    while (PGnotify* n = PQnotifies(conn_)) {
      payloads.emplace_back(n->extra ? n->extra : "");
      PQfreemem(n);
    }
  };
  collect(); // some may have come with an earlier result
  if (!payloads.empty())
    return payloads;
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (poll(&fd, 1, timeout_ms) > 0) {
    if (PQconsumeInput(conn_) != 1 || PQstatus(conn_) != CONNECTION_OK)
      return failure("connection lost: " + last_error());
    collect();
  }
  return payloads;
}

void connection::rollback_if_open() {
  if (!up())
    return;
  auto status = PQtransactionStatus(conn_);
  if (status == PQTRANS_INTRANS || status == PQTRANS_INERROR)
    PQclear(PQexec(conn_, "ROLLBACK"));
}

} // namespace chat::pg
