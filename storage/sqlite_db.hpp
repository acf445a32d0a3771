// Thin RAII wrappers over the SQLite C API, used only by the storage actor
// (storage/message_store.cpp). `sqlite_db` owns a connection, `statement` owns
// one prepared statement that is prepared once and reused for every request.
// Neither is thread-safe: the storage actor is their single owner.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include <caf/error.hpp>

struct sqlite3;
struct sqlite3_stmt;

namespace chat {

/// An open SQLite connection (WAL journal, busy timeout).
class sqlite_db {
public:
  sqlite_db() = default;
  sqlite_db(sqlite_db&& other) noexcept;
  sqlite_db& operator=(sqlite_db&& other) noexcept;
  sqlite_db(const sqlite_db&) = delete;
  sqlite_db& operator=(const sqlite_db&) = delete;
  ~sqlite_db();

  /// Opens or creates `path` (its folder is created if missing) and sets the
  /// pragmas: WAL, busy timeout, synchronous NORMAL or FULL.
  caf::error open(const std::string& path, bool synchronous_full);

  /// Runs one or more SQL statements that return no rows.
  caf::error exec(const char* sql);

  /// The connection's last error message.
  std::string last_error() const;

  /// The row id of the last successful INSERT.
  std::int64_t last_insert_rowid() const;

  /// How many rows the last INSERT, UPDATE or DELETE changed.
  std::int64_t changes() const;

  /// Whether a transaction is open (SQLite is not in autocommit mode).
  bool in_transaction() const;

  /// Takes WAL checkpoints over from SQLite, whose auto-checkpoint runs
  /// inside the COMMIT that crosses its threshold (so that commit's writers
  /// wait out two fsyncs): after each commit, `*frames` is set to the WAL's
  /// size in frames, and checkpoint() is the caller's to run. `frames` must
  /// outlive the connection.
  void track_wal(int* frames);

  /// A PASSIVE checkpoint: copies what it can from the WAL into the
  /// database file; the WAL is reused from its start by the next write.
  caf::error checkpoint();

  sqlite3* handle() const { return db_; }

private:
  sqlite3* db_ = nullptr;
};

/// One prepared statement. Parameters are numbered from 1, columns from 0.
class statement {
public:
  statement() = default;
  statement(statement&& other) noexcept;
  statement& operator=(statement&& other) noexcept;
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement();

  caf::error prepare(sqlite_db& db, const char* sql);

  /// Starts a new execution: resets the statement, forgets the last error
  /// and binds `xs` to the parameters ?1, ?2, ... Text is bound without a
  /// copy (SQLITE_STATIC), so a string must outlive the execution (the next
  /// reset): no temporaries, which the assertion below turns away.
  template <class... Ts>
  statement& bind(Ts&&... xs) {
    static_assert((!std::is_same_v<Ts, std::string> && ...),
                  "bind a string that lives until the statement is reset, not a temporary");
    // A char pointer or literal would reach bind_one as a temporary string.
    static_assert((!std::is_convertible_v<Ts, const char*> && ...),
                  "bind a std::string that lives until the statement is reset, not a char "
                  "pointer (it would be bound through a temporary copy)");
    reset();
    error_ = caf::none;
    code_ = 0;
    int index = 0;
    (bind_one(++index, xs), ...);
    static_cast<void>(index);
    return *this;
  }

  /// Steps once: true on a row, false when done. A failure is stored in
  /// `error()` (also reported as "done") so loops stay simple.
  bool next();

  /// Steps a statement that returns no rows, then resets it.
  caf::error run();

  /// The error of the current execution, if any (kept until the next bind).
  const caf::error& error() const { return error_; }

  /// The extended result code of the current execution's failed step (e.g.
  /// SQLITE_CONSTRAINT_UNIQUE), or 0.
  int extended_code() const { return code_; }

  std::int64_t int64_at(int col) const;
  std::string text_at(int col) const;

  /// Ends the current execution so the statement holds no locks or
  /// snapshots and clears the bindings; `error()` is kept.
  void reset();

private:
  void bind_one(int index, const std::string& x);
  void bind_one(int index, std::int64_t x);

  sqlite3_stmt* stmt_ = nullptr;
  caf::error error_;
  int code_ = 0;
};

/// Resets a statement when leaving a scope, so early returns cannot leave it
/// running (a running statement would keep its read snapshot open).
class reset_guard {
public:
  explicit reset_guard(statement& st) : st_(st) {}
  reset_guard(const reset_guard&) = delete;
  reset_guard& operator=(const reset_guard&) = delete;
  ~reset_guard() { st_.reset(); }

private:
  statement& st_;
};

} // namespace chat
