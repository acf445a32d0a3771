// The PostgreSQL storage actor's handlers (storage/pg_store.hpp; its group
// commit: storage/pg_store_state.hpp; its statements: storage/pg_queries.hpp
// and storage/pg_batch.hpp).
#include "storage/pg_store.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/spawn_options.hpp>

#include "common/clock.hpp"
#include "protocol/chat_error.hpp"
#include "storage/pg_queries.hpp"
#include "storage/pg_store_state.hpp"

namespace chat {

namespace {

/// A read: the open batch commits first, so the read sees every write that
/// arrived before it.
template <class T, class Read>
caf::result<T> read(pg_store_pointer self, Read&& fn) {
  auto& st = self->state;
  st.commit();
  if (auto err = st.connected())
    return err;
  caf::expected<T> result = fn(st.db);
  if (!result && to_chat_errc(result.error()) == chat_errc::storage)
    st.failed(error_text(result.error()));
  return result;
}

/// A write whose reply waits for the commit of its batch.
template <class T>
caf::typed_response_promise<T> write(pg_store_pointer self, pg_write&& w) {
  auto promise = self->make_response_promise<T>();
  self->state.hold(std::move(w), promise);
  return promise;
}

pg_store_impl::behavior_type
pg_store(pg_store_pointer self, const std::shared_ptr<pg::connection>& db, store_options opts) {
  self->state.db = std::move(*db);
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
    [self](health_atom) -> caf::result<bool> {
      if (auto err = self->state.health())
        return err;
      return true;
    },
    // -- reads ---------------------------------------------------------------
    [self](load_atom, users_atom) {
      return read<user_list>(self, [](pg::connection& db) { return pg_load_users(db); });
    },
    [self](load_atom, token_atom, std::int64_t now_ms) {
      return read<token_list>(self, [&](pg::connection& db) { return pg_load_tokens(db, now_ms); });
    },
    [self](load_atom, user_atom, const std::string& name) {
      return read<std::optional<user_record>>(
        self, [&](pg::connection& db) { return pg_load_user(db, name); });
    },
    [self](load_atom, token_atom, const std::string& digest) {
      return read<std::optional<token_grant>>(
        self, [&](pg::connection& db) { return pg_load_token(db, digest); });
    },
    [self](load_atom, room_atom, const std::string& name) {
      return read<std::optional<room_record>>(
        self, [&](pg::connection& db) { return pg_load_room(db, name); });
    },
    [self](history_atom, const std::string& room, std::int64_t page, std::int64_t page_size) {
      return read<history_page>(
        self, [&](pg::connection& db) { return pg_load_history(db, room, page, page_size); });
    },
    [self](since_atom, const std::string& room, std::int64_t after_seq, std::int64_t limit) {
      return read<message_list>(
        self, [&](pg::connection& db) { return pg_load_since(db, room, after_seq, limit); });
    },
    [self](rooms_atom, const std::string& user_id, std::int64_t offer) {
      return read<room_list>(self,
                             [&](pg::connection& db) { return pg_load_rooms(db, user_id, offer); });
    },
    [self](load_atom, cursor_atom, const std::string& user_id) {
      return read<cursor_list>(self,
                               [&](pg::connection& db) { return pg_load_cursors(db, user_id); });
    },
    [self](replay_atom, const std::string& user_id, const cursor_list& cursors,
           std::int64_t backlog_max) {
      return read<replay_batch>(self, [&](pg::connection& db) {
        return pg_load_replay(db, user_id, cursors, backlog_max);
      });
    },
    // -- writes: answered after the batch holding them committed ------------
    [self](create_atom, user_atom, const user_record& user, const room_record& channel) {
      return write<bool>(self, pg_insert_user(user, channel, unix_ms()));
    },
    [self](create_atom, token_atom, const token_record& token) {
      return write<bool>(self, pg_insert_token(token));
    },
    [self](delete_atom, token_atom, const std::string& token_hash) {
      return write<bool>(self, pg_delete_token(token_hash));
    },
    [self](create_atom, room_atom, const room_record& room) {
      return write<bool>(self, pg_insert_room(room, unix_ms()));
    },
    [self](append_atom, chat_message& msg) {
      return write<chat_message>(self, pg_insert_message(std::move(msg)));
    },
    [self](append_atom, direct_message& msg) -> caf::typed_response_promise<direct_message> {
      // An unknown recipient is refused at once, as on SQLite: neither
      // stored nor held for this batch. (insert_direct checks again inside
      // the commit.)
      auto& st = self->state;
      if (!st.holds_user(msg.to_user)) {
        auto err = st.connected();
        auto known = err ? caf::expected<bool>{std::move(err)} : pg_user_exists(st.db, msg.to_user);
        if (!known || !*known)
          return self->make_response_promise<direct_message>().deliver(
            known ? make_error(chat_errc::unknown_user, "no such user") : std::move(known.error()));
      }
      return write<direct_message>(self, pg_insert_direct(std::move(msg)));
    },
    [self](ack_atom, const std::string& user_id, const cursor_list& cursors, const id_list& ids) {
      return write<bool>(self, pg_ack(user_id, cursors, ids));
    },
    // -- fire and forget: committed with the next batch, failures logged ----
    [self](online_atom, const std::string& user_id, bool online) {
      self->state.hold(pg_update_presence(self->state.opts.node_id, user_id, online), std::nullopt);
    },
    [self](member_atom, const std::string& room, const std::string& user_id, bool joined) {
      self->state.hold(pg_update_member(room, user_id, joined), std::nullopt);
    },
    [self](cursor_atom, const std::string& user_id, const std::string& room, std::int64_t acked_seq,
           std::vector<std::int64_t>& acked_above) {
      self->state.hold(pg_update_cursor(user_id, room, acked_seq, std::move(acked_above)),
                       std::nullopt);
    },
    [self](ack_atom, const std::string& user_id, const id_list& ids) {
      self->state.hold(pg_delete_directs(user_id, ids), std::nullopt);
    },
  };
}

} // namespace

caf::expected<storage_actor> spawn_pg_store(caf::actor_system& sys, const store_options& opts) {
  auto db = std::make_shared<pg::connection>();
  if (auto err = db->open(opts.url))
    return err;
  if (auto err = open_pg_schema(*db))
    return err;
  // This node starts without connections: what an earlier run of it left
  // (killed, it could not clean up) is not online any more.
  if (auto res = db->run("clear_presence", {opts.node_id}); !res.ok())
    return make_error(chat_errc::storage, "clearing this node's presence: " + res.error());
  return storage_actor{sys.spawn<caf::detached>(pg_store, std::move(db), opts)};
}

} // namespace chat
