// The storage actor's state (storage/message_store.hpp): the SQLite
// connection and the open batch of the group commit. The first write of a
// batch opens a transaction and arms a `commit_window` timer (or, if the
// store has been quiet, asks for a commit right after the writes already
// queued); writes run at once inside it while their replies wait as
// response promises; the batch commits when the timer fires or `batch_max`
// writes are pending, and only then are the replies delivered. WAL
// checkpoints run after a commit's replies are out, not inside the commit.
// Private to storage/ (message_store.cpp and store_state.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/response_promise.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "protocol/storage_api.hpp"
#include "storage/held_reply.hpp"
#include "storage/message_store.hpp"
#include "storage/store_queries.hpp"

namespace chat {

/// The storage contract plus the commit timer it sends itself (with the
/// number of the batch it was armed for).
using store_impl = storage_actor::extend<caf::reacts_to<commit_atom, std::uint64_t>>;

struct store_state {
  static inline const char* name = "message_store";

  explicit store_state(store_impl::pointer ptr) : self(ptr) {}

  store_state(const store_state&) = delete;
  store_state& operator=(const store_state&) = delete;

  /// Runs when the actor terminates for any reason: whatever is pending still
  /// reaches the disk and its requesters still get their replies.
  ~store_state();

  /// Makes sure a transaction is open; the first write of a batch opens it
  /// and arms the commit timer.
  caf::error begin_write();

  /// No commit for `quiet_windows` windows, or none ever: a store that never
  /// committed is quiet by design, whatever the steady clock's origin (boot
  /// time) says.
  bool quiet() const;

  /// Counts a write that ran inside the open transaction and holds its reply
  /// until the commit.
  void written(caf::response_promise promise, write_value value);

  /// Counts a write without a reply.
  void written();

  /// Commits the open transaction, then answers every held request in
  /// arrival order: with its value, or with an error if the commit failed.
  void commit();

  /// A write or commit failed: GET /healthz reports it until a batch with
  /// writes in it commits.
  void failed(const std::string& what);

  /// Called after a write failed: some errors (disk full, I/O) make SQLite
  /// roll back the whole transaction, and then the held writes are gone too.
  void check_rolled_back();

  store_impl::pointer self;
  // The WAL's size after the last commit, written by SQLite's WAL hook
  // (sqlite_db::track_wal). Declared before `db`: the connection that
  // holds a pointer to it must not outlive it.
  int wal_frames = 0;
  std::unique_ptr<store_db> db;
  store_options opts;
  bool in_transaction = false;
  std::size_t pending = 0;
  // Numbers the batches so a timer armed for a batch that already committed
  // (because it filled up) does not cut the next batch short.
  std::uint64_t batch = 0;
  // The end of the last commit; none before the first.
  std::optional<std::chrono::steady_clock::time_point> last_commit;
  std::vector<held_reply> replies;
  std::string trouble; // the last failure, until writes commit again

private:
  /// Copies the WAL back into the database once it is long enough.
  void checkpoint_if_due();

  /// Closes the batch and answers its held requests; a non-empty `failure`
  /// means nothing of the batch was stored.
  void end_batch(const std::string& failure);
};

using store_pointer = store_impl::stateful_pointer<store_state>;

} // namespace chat
