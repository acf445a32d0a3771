// The PostgreSQL storage actor's state (storage/pg_store.hpp): its
// connection, the open batch of held writes and the reconnect backoff.
// Private to storage/ (pg_store.cpp and pg_store_state.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <caf/response_promise.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "protocol/storage_api.hpp"
#include "storage/pg_batch.hpp"
#include "storage/pg_connection.hpp"
#include "storage/store_options.hpp"

namespace chat {

/// The storage contract plus the commit timer it sends itself (with the
/// number of the batch it was armed for).
using pg_store_impl = storage_actor::extend<caf::reacts_to<commit_atom, std::uint64_t>>;

struct pg_store_state {
  static inline const char* name = "pg_store";

  explicit pg_store_state(pg_store_impl::pointer ptr) : self(ptr) {}

  pg_store_state(const pg_store_state&) = delete;
  pg_store_state& operator=(const pg_store_state&) = delete;

  /// Whatever is held still gets committed and answered.
  ~pg_store_state();

  /// Holds a write (and its reply, if `promise` is set) for the open batch;
  /// the first write of a batch arms the commit timer.
  void hold(pg_write w, std::optional<caf::response_promise> promise);

  /// Whether the open batch holds the creation of user `user_id`.
  bool holds_user(const std::string& user_id) const;

  /// Runs the open batch as one transaction and answers its writes.
  void commit();

  /// The connection, reconnecting first if it was lost and the backoff
  /// allows; an error says why not.
  caf::error connected();

  /// Reachable and the last batch committed; otherwise why not.
  caf::error health();

  /// A request or commit failed: health reports it until one succeeds.
  void failed(const std::string& what);

  pg_store_impl::pointer self;
  pg::connection db;
  store_options opts;
  std::vector<pg_write> writes;
  std::vector<std::optional<caf::response_promise>> promises; // one per write
  std::unordered_set<std::string> held_users;                 // user ids the open batch creates
  std::uint64_t batch = 0;
  std::optional<std::chrono::steady_clock::time_point> last_commit;
  std::string trouble;
  pg::reconnect_backoff backoff;

private:
  bool quiet() const;

  /// Answers the writes of a batch from its outcome.
  void answer(std::vector<pg_write>& ws, std::vector<std::optional<caf::response_promise>>& ps);
};

using pg_store_pointer = pg_store_impl::stateful_pointer<pg_store_state>;

} // namespace chat
