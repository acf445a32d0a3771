// The storage actor (see message_store.hpp for its interface). It owns the
// SQLite connection and group-commits writes: the first write of a batch
// opens a transaction and arms a `commit_window` timer (or, if the store has
// been quiet, asks for a commit right after the writes already queued);
// writes run at once inside it while their replies wait as response
// promises; the batch commits when the timer fires or `batch_max` writes are
// pending, and only then are the replies delivered. WAL checkpoints run
// after a commit's replies are out, not inside the commit. The statements
// themselves live in store_queries.hpp and delivery_queries.hpp.
#include "storage/message_store.hpp"
#include "protocol/atoms.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/response_promise.hpp>
#include <caf/result.hpp>
#include <caf/spawn_options.hpp>
#include <caf/stateful_actor.hpp>

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "protocol/chat_error.hpp"
#include "storage/store_queries.hpp"

namespace chat {

namespace {

/// How many commit windows without a commit make the store quiet. One is
/// too few: a burst that a busy room forwards a little late would open with
/// a batch of its own (measured: 20% more commits at 2,000 messages/s and a
/// worse p99).
constexpr int quiet_windows = 5;

/// WAL size (frames) after which a commit is followed by a checkpoint: the
/// threshold of SQLite's own auto-checkpoint, which this one replaces.
constexpr int checkpoint_frames = 1000;

/// A write's reply value.
using write_value = std::variant<bool, chat_message, direct_message>;

/// A write's reply, held until the batch holding the write has committed.
struct held_reply {
  caf::response_promise promise;
  write_value value;
};

struct store_state {
  static inline const char* name = "message_store";

  explicit store_state(caf::event_based_actor* ptr) : self(ptr) {}

  store_state(const store_state&) = delete;
  store_state& operator=(const store_state&) = delete;

  // Runs when the actor terminates for any reason: whatever is pending still
  // reaches the disk and its requesters still get their replies.
  // commit() allocates (error texts, replies) and sends; anything it throws
  // would be std::terminate out of a destructor, so it is caught and the open
  // batch is left to SQLite, which rolls it back when the database closes.
  ~store_state() {
    try {
      commit();
    } catch (...) {
      std::fputs("message_store: final commit failed with an exception\n", stderr);
    }
  }

  /// Makes sure a transaction is open; the first write of a batch opens it
  /// and arms the commit timer.
  caf::error begin_write() {
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
      self->send(self, flush_atom::value, ++batch);
    else
      self->delayed_send(self, opts.commit_window, flush_atom::value, ++batch);
    return caf::none;
  }

  /// No commit for `quiet_windows` windows, or none ever: a store that never
  /// committed is quiet by design, whatever the steady clock's origin (boot
  /// time) says.
  bool quiet() const {
    return !last_commit
           || std::chrono::steady_clock::now() - *last_commit >= quiet_windows * opts.commit_window;
  }

  /// Counts a write that ran inside the open transaction and holds its reply
  /// (if it has one) until the commit.
  void written(caf::response_promise promise, write_value value) {
    replies.push_back(held_reply{std::move(promise), std::move(value)});
    written();
  }

  void written() {
    if (++pending >= opts.batch_max)
      commit();
  }

  /// Commits the open transaction, then answers every held request in
  /// arrival order: with its value, or with an error if the commit failed.
  void commit() {
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

  /// Copies the WAL back into the database once it is long enough. Run
  /// after a commit's replies have gone out, so the rooms fan that batch
  /// out while the checkpoint's fsyncs run; only the writes that arrive
  /// meanwhile wait for it. (SQLite's auto-checkpoint ran inside the COMMIT,
  /// and the batch's own replies waited too: at 500 messages/s those few
  /// slow commits were most of the 1% latency tail.)
  void checkpoint_if_due() {
    if (wal_frames < checkpoint_frames)
      return;
    auto started = std::chrono::steady_clock::now();
    if (auto err = db->conn.checkpoint()) {
      log_warn("message_store: " + error_text(err)); // tried again after the next commit
      return;
    }
    wal_frames = 0;
    metrics::get().storage_checkpoint_seconds.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }

  /// A write or commit failed: GET /healthz reports it until a batch with
  /// writes in it commits.
  void failed(const std::string& what) {
    metrics::get().storage_failures.add();
    trouble = what;
  }

  /// Called after a write failed: some errors (disk full, I/O) make SQLite
  /// roll back the whole transaction, and then the held writes are gone too.
  void check_rolled_back() {
    if (in_transaction && !db->conn.in_transaction())
      end_batch("transaction rolled back: " + db->conn.last_error());
  }

  /// Closes the batch and answers its held requests; a non-empty `failure`
  /// means nothing of the batch was stored.
  void end_batch(const std::string& failure) {
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

  caf::event_based_actor* self;
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
};

using store_actor = caf::stateful_actor<store_state>;

/// Runs one write for a request: on success its reply waits for the commit,
/// on failure the request gets the error at once and the batch carries on.
template <class Write>
void write(store_actor* self, Write&& fn) {
  auto& st = self->state;
  auto promise = self->make_response_promise();
  if (auto err = st.begin_write()) {
    promise.deliver(std::move(err));
    return;
  }
  auto result = fn(*st.db);
  if (!result) {
    if (to_chat_errc(result.error()) == chat_errc::storage)
      st.failed(error_text(result.error())); // not for refusals like name_taken
    promise.deliver(std::move(result.error()));
    st.check_rolled_back();
    return;
  }
  st.written(std::move(promise), std::move(*result));
}

/// Runs one fire-and-forget write (`fn` returns a caf::error): nobody waits,
/// so a failure can only be logged, described by `what()`.
template <class Describe, class Write>
void write_quietly(store_actor* self, Describe&& what, Write&& fn) {
  auto& st = self->state;
  auto err = st.begin_write();
  if (!err)
    err = fn(*st.db);
  if (err) {
    st.failed(error_text(err));
    st.check_rolled_back();
    log_error("message_store: lost " + what() + ": " + error_text(err));
    return;
  }
  st.written();
}

caf::behavior message_store(store_actor* self, const std::shared_ptr<store_db>& db,
                            store_options opts) {
  // The database arrives through a shared_ptr (spawn arguments must be
  // copyable), but the state alone owns it so it closes when the actor ends.
  self->state.db = std::make_unique<store_db>(std::move(*db));
  self->state.db->conn.track_wal(&self->state.wal_frames);
  self->state.opts = std::move(opts);
  self->set_exit_handler([self](caf::exit_msg& msg) {
    self->state.commit();
    if (msg.reason)
      self->quit(std::move(msg.reason));
  });
  return {
    [self](flush_atom, std::uint64_t batch) {
      if (batch == self->state.batch)
        self->state.commit();
    },
    // GET /healthz: answered at once unless the last write failed (or this
    // actor is stuck in SQLite's busy wait, and then the asker times out).
    [self](health_atom) -> caf::result<bool> {
      if (self->state.trouble.empty())
        return true;
      return make_error(chat_errc::storage, self->state.trouble);
    },
    // -- reads: answered at once, uncommitted writes included ---------------
    [self](load_atom, users_atom) -> caf::result<user_list> { return load_users(*self->state.db); },
    [self](load_atom, token_atom, std::int64_t now_ms) -> caf::result<token_list> {
      return load_tokens(*self->state.db, now_ms);
    },
    [self](load_atom, room_atom, const std::string& name)
      -> caf::result<std::optional<room_record>> { return load_room(*self->state.db, name); },
    [self](history_atom, const std::string& room, std::int64_t page, std::int64_t page_size)
      -> caf::result<history_page> { return load_history(*self->state.db, room, page, page_size); },
    [self](rooms_atom, const std::string& user_id) -> caf::result<room_list> {
      return load_rooms(*self->state.db, user_id);
    },
    [self](user_atom, rooms_atom, const std::string& user_id) -> caf::result<cursor_list> {
      return load_cursors(self->state.db->d, user_id);
    },
    [self](replay_atom, const std::string& user_id, const cursor_list& cursors,
           std::int64_t backlog_max) -> caf::result<replay_batch> {
      return load_replay(self->state.db->d, user_id, cursors, backlog_max);
    },
    // -- writes: answered after the batch holding them committed ------------
    [self](create_atom, user_atom, const user_record& user, const room_record& channel) {
      write(self, [&](store_db& db) { return insert_user(db, user, channel); });
    },
    [self](create_atom, token_atom, const token_record& token) {
      write(self, [&](store_db& db) { return insert_token(db, token); });
    },
    [self](logout_atom, const std::string& token_hash) {
      write(self, [&](store_db& db) { return delete_token(db, token_hash); });
    },
    [self](create_atom, room_atom, const room_record& room) {
      write(self, [&](store_db& db) { return insert_room(db, room); });
    },
    [self](append_atom, const chat_message& msg) {
      write(self, [&](store_db& db) { return insert_message(db, msg); });
    },
    [self](append_atom, const direct_message& msg) {
      // An unknown recipient is refused at once, without opening a batch.
      auto known = user_exists(self->state.db->d, msg.to_user);
      if (!known || !*known) {
        self->make_response_promise().deliver(
          known ? make_error(chat_errc::unknown_user, "no such user") : std::move(known.error()));
        return;
      }
      write(self, [&](store_db& db) { return insert_direct(db.conn, db.d, msg); });
    },
    // -- fire and forget: committed with the next batch, failures logged ----
    [self](member_atom, const std::string& room, const std::string& user_id, bool joined) {
      auto what = [&] { return "member change " + user_id + " in " + room; };
      write_quietly(self, what,
                    [&](store_db& db) { return update_member(db, room, user_id, joined); });
    },
    [self](cursor_atom, const std::string& user_id, const std::string& room, std::int64_t acked_seq,
           std::vector<std::int64_t>& acked_above) {
      auto what = [&] { return "cursor of " + user_id + " in " + room; };
      write_quietly(self, what, [&](store_db& db) {
        return update_cursor(db.d, user_id, room, acked_seq, std::move(acked_above));
      });
    },
    [self](ack_atom, const std::string& user_id, const id_list& ids) {
      auto what = [&] { return "acks of " + user_id; };
      write_quietly(self, what, [&](store_db& db) { return delete_directs(db.d, user_id, ids); });
    },
  };
}

} // namespace

caf::expected<caf::actor> spawn_message_store(caf::actor_system& sys, const store_options& opts) {
  // Opened here rather than in the actor so a bad path fails start-up with a
  // readable error instead of a storage actor that rejects every request.
  auto db = std::make_shared<store_db>();
  if (auto err = open_store(*db, opts.path, opts.synchronous_full))
    return err;
  return sys.spawn<caf::detached>(message_store, std::move(db), opts);
}

} // namespace chat
