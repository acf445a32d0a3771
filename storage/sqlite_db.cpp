// RAII wrappers over the SQLite C API; see sqlite_db.hpp.
#include "storage/sqlite_db.hpp"

#include <filesystem>
#include <system_error>
#include <utility>

#include <sqlite3.h>

#include "protocol/chat_error.hpp"

namespace chat {

namespace {

// How long a statement waits for a lock held by another connection (a backup
// tool, the sqlite3 shell) before it fails with SQLITE_BUSY.
constexpr int busy_timeout_ms = 5000;

caf::error storage_error(std::string what, sqlite3* db) {
  if (db != nullptr) {
    what += ": ";
    what += sqlite3_errmsg(db);
  }
  return make_error(chat_errc::storage, std::move(what));
}

} // namespace

// -- sqlite_db ----------------------------------------------------------------

sqlite_db::sqlite_db(sqlite_db&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {
}

sqlite_db& sqlite_db::operator=(sqlite_db&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

sqlite_db::~sqlite_db() {
  // close_v2 defers the close until the last statement is finalized, so the
  // order in which an owner destroys its members does not matter.
  sqlite3_close_v2(db_);
}

caf::error sqlite_db::open(const std::string& path, bool synchronous_full) {
  auto parent = std::filesystem::path{path}.parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec)
      return make_error(chat_errc::storage,
                        "cannot create folder " + parent.string() + ": " + ec.message());
  }
  sqlite3_close_v2(db_);
  db_ = nullptr;
  auto flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    auto err = storage_error("cannot open " + path, db_);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    return err;
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  // journal_mode returns a row; exec ignores it. An unwritable file or a
  // non-database file fails here, so open errors surface at start-up.
  std::string pragmas = "PRAGMA journal_mode = WAL;"
                        "PRAGMA synchronous = ";
  pragmas += synchronous_full ? "FULL;" : "NORMAL;";
  if (auto err = exec(pragmas.c_str()))
    return err;
  return caf::none;
}

caf::error sqlite_db::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string text = msg != nullptr ? msg : "unknown error";
    sqlite3_free(msg);
    return make_error(chat_errc::storage, std::string{sql} + ": " + text);
  }
  return caf::none;
}

std::string sqlite_db::last_error() const {
  return db_ != nullptr ? sqlite3_errmsg(db_) : "database not open";
}

std::int64_t sqlite_db::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

std::int64_t sqlite_db::changes() const {
  return sqlite3_changes(db_);
}

bool sqlite_db::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

void sqlite_db::track_wal(int* frames) {
  // Replaces the auto-checkpoint, which is itself a WAL hook.
  sqlite3_wal_hook(
    db_,
    [](void* out, sqlite3* /*db*/, const char* /*schema*/, int wal_frames) {
      *static_cast<int*>(out) = wal_frames;
      return SQLITE_OK;
    },
    frames);
}

caf::error sqlite_db::checkpoint() {
  if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr)
      != SQLITE_OK)
    return storage_error("checkpoint", db_);
  return caf::none;
}

// -- statement ----------------------------------------------------------------

statement::statement(statement&& other) noexcept
  : stmt_(std::exchange(other.stmt_, nullptr)),
    error_(std::move(other.error_)),
    code_(other.code_) {
}

statement& statement::operator=(statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    error_ = std::move(other.error_);
    code_ = other.code_;
  }
  return *this;
}

statement::~statement() {
  sqlite3_finalize(stmt_);
}

caf::error statement::prepare(sqlite_db& db, const char* sql) {
  sqlite3_finalize(stmt_);
  stmt_ = nullptr;
  // PERSISTENT: the statement lives as long as the actor.
  if (sqlite3_prepare_v3(db.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr)
      != SQLITE_OK)
    return storage_error(std::string{"cannot prepare "} + sql, db.handle());
  return caf::none;
}

bool statement::next() {
  auto rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW)
    return true;
  if (rc != SQLITE_DONE) {
    code_ = rc;
    auto db = sqlite3_db_handle(stmt_);
    error_ = storage_error(sqlite3_sql(stmt_), db);
  }
  return false;
}

caf::error statement::run() {
  reset_guard guard{*this};
  while (next()) {
    // A write statement returns no rows; skip any (e.g. RETURNING) anyway.
  }
  return error_;
}

std::int64_t statement::int64_at(int col) const {
  return sqlite3_column_int64(stmt_, col);
}

std::string statement::text_at(int col) const {
  auto text = sqlite3_column_text(stmt_, col);
  if (text == nullptr)
    return {};
  auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col));
  return std::string{reinterpret_cast<const char*>(text), size};
}

void statement::reset() {
  // sqlite3_reset repeats the last step's error code; that error was already
  // recorded by `next`, so its return value carries nothing new.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void statement::bind_one(int index, const std::string& x) {
  // No copy: bind() keeps the string alive until the statement is reset.
  sqlite3_bind_text(stmt_, index, x.data(), static_cast<int>(x.size()), SQLITE_STATIC);
}

void statement::bind_one(int index, std::int64_t x) {
  sqlite3_bind_int64(stmt_, index, x);
}

} // namespace chat
