// The storage actor's group commit (storage/store_state.hpp).
#include "storage/store_state.hpp"

#include <cstdio>

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "protocol/chat_error.hpp"

namespace chat {

namespace {

/// How many commit windows without a commit make the store quiet. One is
/// too few: a burst that a busy room forwards a little late would open with
/// a batch of its own (more commits and a worse p99 under a steady stream:
/// bench/profile.md).
constexpr int quiet_windows = 5;

/// WAL size (frames) after which a commit is followed by a checkpoint: the
/// threshold of SQLite's own auto-checkpoint, which this one replaces.
constexpr int checkpoint_frames = 1000;

} // namespace

// commit() allocates (error texts, replies) and sends; anything it throws
// would be std::terminate out of a destructor, so it is caught and the open
// batch is left to SQLite, which rolls it back when the database closes.
store_state::~store_state() {
  try {
    commit();
  } catch (...) {
    std::fputs("message_store: final commit failed with an exception\n", stderr);
  }
}

caf::error store_state::begin_write() {
  if (in_transaction)
    return caf::none;
  if (auto err = db->q.begin.bind().run())
    return err;
  in_transaction = true;
  // A store that has been quiet commits as soon as the writes already in
  // its mailbox have joined the batch: a lone message does not wait out
  // the window. While writes keep coming, a batch gathers for a whole
  // window, so that a burst leaves storage (and the rooms) in few batches.
  if (quiet())
    self->send(self, commit_atom::value, ++batch);
  else
    self->delayed_send(self, opts.commit_window, commit_atom::value, ++batch);
  return caf::none;
}

bool store_state::quiet() const {
  return !last_commit
         || std::chrono::steady_clock::now() - *last_commit >= quiet_windows * opts.commit_window;
}

void store_state::written(caf::response_promise promise, write_value value) {
  replies.push_back(held_reply{std::move(promise), std::move(value)});
  written();
}

void store_state::written() {
  if (++pending >= opts.batch_max)
    commit();
}

void store_state::commit() {
  if (!in_transaction)
    return;
  auto writes = pending;
  auto started = std::chrono::steady_clock::now();
  if (auto err = db->q.commit.bind().run()) {
    // After a failed COMMIT the transaction may still be open (e.g. BUSY)
    // or already rolled back by SQLite; ROLLBACK covers the first case and
    // fails harmlessly in the second.
    db->q.rollback.bind().run();
    return end_batch("commit failed: " + error_text(err));
  }
  if (writes > 0) {
    auto& m = metrics::get();
    m.storage_batch.observe(static_cast<double>(writes));
    m.storage_commit_seconds.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    trouble.clear(); // writes reached the disk again
  }
  end_batch({});
  last_commit = std::chrono::steady_clock::now();
  checkpoint_if_due();
}

// Run after a commit's replies have gone out, so the rooms fan that batch
// out while the checkpoint's fsyncs run; only the writes that arrive
// meanwhile wait for it. (SQLite's auto-checkpoint ran inside the COMMIT,
// and the batch's own replies waited too: bench/profile.md has what that
// did to the latency tail.)
void store_state::checkpoint_if_due() {
  if (wal_frames < checkpoint_frames)
    return;
  auto started = std::chrono::steady_clock::now();
  if (auto err = db->sqlite.checkpoint()) {
    log_warn("message_store: " + error_text(err)); // tried again after the next commit
    return;
  }
  wal_frames = 0;
  metrics::get().storage_checkpoint_seconds.observe(
    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

void store_state::failed(const std::string& what) {
  metrics::get().storage_failures.add();
  trouble = what;
}

void store_state::check_rolled_back() {
  if (in_transaction && !db->sqlite.in_transaction())
    end_batch("transaction rolled back: " + db->sqlite.last_error());
}

void store_state::end_batch(const std::string& failure) {
  if (!failure.empty())
    failed(failure);
  forget_seqs(*db); // kept for one batch only: after a rollback they are wrong
  in_transaction = false;
  pending = 0;
  auto batch_replies = std::move(replies);
  replies.clear();
  for (auto& reply : batch_replies) {
    if (!failure.empty())
      reply.promise.deliver(make_error(chat_errc::storage, failure));
    else
      std::visit([&](auto& x) { reply.promise.deliver(std::move(x)); }, reply.value);
  }
}

} // namespace chat
