// The PostgreSQL storage actor's group commit and reconnects
// (storage/pg_store_state.hpp).
#include "storage/pg_store_state.hpp"

#include <cstdio>
#include <utility>
#include <variant>

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "protocol/chat_error.hpp"
#include "storage/pg_queries.hpp"

namespace chat {

namespace {

/// Commit windows without a commit that make the store quiet (as on SQLite:
/// storage/store_state.cpp says why five).
constexpr int quiet_windows = 5;

void deliver(caf::response_promise& promise, caf::expected<write_value>& reply) {
  if (!reply)
    promise.deliver(std::move(reply.error()));
  else
    std::visit([&](auto& x) { promise.deliver(std::move(x)); }, *reply);
}

} // namespace

pg_store_state::~pg_store_state() {
  try {
    commit();
  } catch (...) {
    std::fputs("pg_store: final commit failed with an exception\n", stderr);
  }
}

void pg_store_state::hold(pg_write w, std::optional<caf::response_promise> promise) {
  if (writes.empty()) {
    // As on SQLite: a quiet store commits once the writes already queued
    // have joined; a busy one gathers a whole window.
    ++batch;
    if (quiet())
      self->send(self, commit_atom::value, batch);
    else
      self->delayed_send(self, opts.commit_window, commit_atom::value, batch);
  }
  if (w.kind == pg_write_kind::user)
    held_users.insert(w.args.front());
  writes.push_back(std::move(w));
  promises.push_back(std::move(promise));
  if (writes.size() >= opts.batch_max)
    commit();
}

bool pg_store_state::holds_user(const std::string& user_id) const {
  return held_users.count(user_id) > 0;
}

bool pg_store_state::quiet() const {
  return !last_commit
         || std::chrono::steady_clock::now() - *last_commit >= quiet_windows * opts.commit_window;
}

void pg_store_state::commit() {
  if (writes.empty())
    return;
  auto ws = std::move(writes);
  auto ps = std::move(promises);
  writes.clear();
  promises.clear();
  held_users.clear();
  answer(ws, ps);
  last_commit = std::chrono::steady_clock::now();
}

void pg_store_state::answer(std::vector<pg_write>& ws,
                            std::vector<std::optional<caf::response_promise>>& ps) {
  auto started = std::chrono::steady_clock::now();
  std::string failure;
  bool retry_alone = false;
  if (auto err = connected()) {
    failure = error_text(err);
  } else {
    auto outcome = run_pg_batch(db, ws, opts.instance);
    if (auto* done = std::get_if<pg_batch_result>(&outcome)) {
      auto& m = metrics::get();
      m.storage_batch.observe(static_cast<double>(ws.size()));
      m.storage_commit_seconds.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      trouble.clear();
      for (std::size_t i = 0; i < ws.size(); ++i)
        if (ps[i])
          deliver(*ps[i], done->replies[i]);
      return;
    }
    auto& failed_batch = std::get<pg_batch_failure>(outcome);
    failure = failed_batch.what;
    retry_alone = failed_batch.retry_alone;
  }
  if (retry_alone && ws.size() > 1) {
    // Nothing was stored and the connection is fine: one write was bad.
    // Alone, it fails by itself and the others commit.
    log_warn("pg_store: a batch failed (" + failure + "): committing its writes one by one");
    for (std::size_t i = 0; i < ws.size(); ++i) {
      std::vector<pg_write> one{std::move(ws[i])};
      std::vector<std::optional<caf::response_promise>> promise{std::move(ps[i])};
      answer(one, promise);
    }
    return;
  }
  failed(failure);
  for (std::size_t i = 0; i < ws.size(); ++i) {
    if (ps[i])
      ps[i]->deliver(make_error(chat_errc::storage, failure));
    else
      log_error("pg_store: lost " + ws[i].what + ": " + failure);
  }
}

caf::error pg_store_state::connected() {
  if (db.up())
    return caf::none;
  auto now = std::chrono::steady_clock::now();
  if (!backoff.due(now))
    return make_error(chat_errc::storage, "database unreachable: " + trouble);
  pg::connection fresh;
  auto err = fresh.open(opts.url);
  if (!err)
    err = prepare_pg_statements(fresh);
  if (err) {
    backoff.failed(now);
    failed(error_text(err));
    return err;
  }
  db = std::move(fresh);
  backoff.reset();
  trouble.clear();
  log_info("pg_store: connected to the database again");
  return caf::none;
}

caf::error pg_store_state::health() {
  if (auto err = connected())
    return err;
  // The connection learns that the server went away only when it is used.
  auto ping = db.query("SELECT 1");
  if (!ping.ok()) {
    failed("database unreachable: " + ping.error());
    return make_error(chat_errc::storage, trouble);
  }
  if (!trouble.empty())
    return make_error(chat_errc::storage, trouble);
  return caf::none;
}

void pg_store_state::failed(const std::string& what) {
  metrics::get().storage_failures.add();
  trouble = what;
}

} // namespace chat
