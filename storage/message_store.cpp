// The storage actor's handlers (storage/message_store.hpp; its group commit:
// storage/store_state.hpp; the statements: storage/store_queries.hpp and
// storage/delivery_queries.hpp).
#include "storage/message_store.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/exit_reason.hpp>
#include <caf/spawn_options.hpp>

#include "common/log.hpp"
#include "protocol/chat_error.hpp"
#include "storage/store_state.hpp"

namespace chat {

namespace {

/// Runs one write for a request: on success its reply waits for the commit,
/// on failure the request gets the error at once and the batch carries on.
template <class T, class Write>
caf::typed_response_promise<T> write(store_pointer self, Write&& fn) {
  auto& st = self->state;
  auto promise = self->make_response_promise<T>();
  if (auto err = st.begin_write())
    return promise.deliver(std::move(err));
  auto result = fn(*st.db);
  if (!result) {
    if (to_chat_errc(result.error()) == chat_errc::storage)
      st.failed(error_text(result.error())); // not for refusals like name_taken
    promise.deliver(std::move(result.error()));
    st.check_rolled_back();
    return promise;
  }
  st.written(promise, std::move(*result));
  return promise;
}

/// Runs one fire-and-forget write (`fn` returns a caf::error): nobody waits,
/// so a failure can only be logged, described by `what()`.
template <class Describe, class Write>
void write_quietly(store_pointer self, Describe&& what, Write&& fn) {
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

store_impl::behavior_type message_store(store_pointer self, const std::shared_ptr<store_db>& db,
                                        store_options opts) {
  // The database arrives through a shared_ptr (spawn arguments must be
  // copyable), but the state alone owns it so it closes when the actor ends.
  self->state.db = std::make_unique<store_db>(std::move(*db));
  self->state.db->sqlite.track_wal(&self->state.wal_frames);
  self->state.opts = std::move(opts);
  self->set_exit_handler([self](caf::exit_msg& msg) {
    self->state.commit();
    if (msg.reason)
      self->quit(std::move(msg.reason));
  });
  return {
    [self](commit_atom, std::uint64_t batch) {
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
    [self](load_atom, user_atom, const std::string& name)
      -> caf::result<std::optional<user_record>> { return load_user(*self->state.db, name); },
    [self](load_atom, token_atom, const std::string& digest)
      -> caf::result<std::optional<token_grant>> { return load_token(*self->state.db, digest); },
    [self](load_atom, room_atom, const std::string& name)
      -> caf::result<std::optional<room_record>> { return load_room(*self->state.db, name); },
    [self](history_atom, const std::string& room, std::int64_t page, std::int64_t page_size)
      -> caf::result<history_page> { return load_history(*self->state.db, room, page, page_size); },
    [self](since_atom, const std::string& room, std::int64_t after_seq, std::int64_t limit)
      -> caf::result<message_list> { return load_since(*self->state.db, room, after_seq, limit); },
    [self](rooms_atom, const std::string& user_id, std::int64_t offer) -> caf::result<room_list> {
      return load_rooms(*self->state.db, user_id, offer);
    },
    [self](load_atom, cursor_atom, const std::string& user_id) -> caf::result<cursor_list> {
      return load_cursors(self->state.db->d, user_id);
    },
    [self](replay_atom, const std::string& user_id, const cursor_list& cursors,
           std::int64_t backlog_max) -> caf::result<replay_batch> {
      return load_replay(self->state.db->d, user_id, cursors, backlog_max);
    },
    // -- writes: answered after the batch holding them committed ------------
    [self](create_atom, user_atom, const user_record& user, const room_record& channel) {
      return write<bool>(self, [&](store_db& db) { return insert_user(db, user, channel); });
    },
    [self](create_atom, token_atom, const token_record& token) {
      return write<bool>(self, [&](store_db& db) { return insert_token(db, token); });
    },
    [self](delete_atom, token_atom, const std::string& token_hash) {
      return write<bool>(self, [&](store_db& db) { return delete_token(db, token_hash); });
    },
    [self](create_atom, room_atom, const room_record& room) {
      return write<bool>(self, [&](store_db& db) { return insert_room(db, room); });
    },
    [self](append_atom, chat_message& msg) {
      return write<chat_message>(self,
                                 [&](store_db& db) { return insert_message(db, std::move(msg)); });
    },
    [self](append_atom, const direct_message& msg) -> caf::typed_response_promise<direct_message> {
      // An unknown recipient is refused at once, without opening a batch.
      auto known = user_exists(self->state.db->d, msg.to_user);
      if (!known || !*known)
        return self->make_response_promise<direct_message>().deliver(
          known ? make_error(chat_errc::unknown_user, "no such user") : std::move(known.error()));
      return write<direct_message>(
        self, [&](store_db& db) { return insert_direct(db.sqlite, db.d, msg); });
    },
    [self](ack_atom, const std::string& user_id, const cursor_list& cursors, const id_list& ids) {
      // One batch write, answered after its commit; update_cursor never
      // moves a cursor back (storage/delivery_queries.cpp).
      return write<bool>(self, [&](store_db& db) -> caf::expected<bool> {
        for (const auto& c : cursors)
          if (auto err = update_cursor(db.d, user_id, c.room, c.acked_seq, c.acked_above))
            return err;
        if (auto err = delete_directs(db.d, user_id, ids))
          return err;
        return true;
      });
    },
    // -- fire and forget: committed with the next batch, failures logged ----
    [self](online_atom, const std::string&, bool) {
      // One node: the directory knows who is online; nothing to share.
    },
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

caf::expected<storage_actor> spawn_message_store(caf::actor_system& sys,
                                                 const store_options& opts) {
  // Opened here rather than in the actor so a bad path fails start-up with a
  // readable error instead of a storage actor that rejects every request.
  auto db = std::make_shared<store_db>();
  if (auto err = open_store(*db, opts.path, opts.synchronous_full))
    return err;
  return storage_actor{sys.spawn<caf::detached>(message_store, std::move(db), opts)};
}

} // namespace chat
