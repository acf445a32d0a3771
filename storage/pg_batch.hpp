// The PostgreSQL store's writes: each request becomes one statement held in
// the open batch, and a commit runs the whole batch as one transaction in two
// pipelined round trips: BEGIN, the counters of every room appended to locked
// in name order and the statements in arrival order; then the cluster bus's
// notification of the stored messages (their seqs known by then) and COMMIT. Seqs come from the
// rooms' counter rows (room_seqs) inside that transaction
// (storage/pg_schema.cpp).
// Refusals (a taken name, an unknown recipient) are empty results, so they
// fail alone; any other statement error aborts the batch, which the store
// then retries write by write (storage/pg_store.cpp). Private to storage/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <caf/expected.hpp>

#include "protocol/messages.hpp"
#include "storage/held_reply.hpp"
#include "storage/pg_connection.hpp"
#include "storage/pg_notice.hpp"

namespace chat {

/// What a write's result means.
enum class pg_write_kind {
  user,    // a row or nothing: true, or name_taken
  room,    // the same
  token,   // a row: true (a token digest is never reused)
  logout,  // whether the token's row went: true or false
  message, // the message with its id and seq
  direct,  // the direct with its id, or unknown_user
  ack,     // true (the other nodes hear of the acks)
  joined,  // fire and forget; a row back (the member's name) for a change
  left,    // the same
  online,  // fire and forget; the other nodes hear of it
  offline, // the same
  quiet,   // fire and forget: nobody is answered
};

struct pg_write {
  pg_write_kind kind = pg_write_kind::quiet;
  const char* statement = "";
  pg::params args;
  write_value request;                    // a message or direct to complete with its id
  std::string what;                       // a created name (for name_taken), or what a failed
                                          // quiet write loses (for the log)
  std::shared_ptr<const ack_notice> acks; // kind ack: for the notification
};

// -- one write per request ---------------------------------------------------------

pg_write pg_insert_user(const user_record& user, const room_record& channel, std::int64_t now);
pg_write pg_insert_token(const token_record& token);
pg_write pg_delete_token(const std::string& token_hash);
pg_write pg_insert_room(const room_record& room, std::int64_t now);
// The message is kept to be completed with its id: taken by value, so a
// caller that no longer needs it moves it in instead of copying it.
pg_write pg_insert_message(chat_message msg);
pg_write pg_insert_direct(direct_message msg);
pg_write pg_update_member(const std::string& room, const std::string& user_id, bool joined);
pg_write pg_update_cursor(const std::string& user_id, const std::string& room,
                          std::int64_t acked_seq, std::vector<std::int64_t> acked_above);
pg_write pg_delete_directs(const std::string& user_id, const id_list& ids);
pg_write pg_ack(const std::string& user_id, const cursor_list& cursors, const id_list& ids);
pg_write pg_update_presence(const std::string& node_id, const std::string& user_id, bool online);

/// A batch's outcome: one reply (or refusal) per write, in order.
struct pg_batch_result {
  std::vector<caf::expected<write_value>> replies;
};

/// A batch that stored nothing. `retry_alone`: a statement failed while the
/// connection stayed up, so the transaction surely rolled back and running
/// the writes one by one finds the bad one; otherwise (a lost connection,
/// a COMMIT without an answer) the outcome may be unknown.
struct pg_batch_failure {
  std::string what;
  bool retry_alone = false;
};

/// Runs the writes in one transaction; its notification names `instance`.
std::variant<pg_batch_result, pg_batch_failure>
run_pg_batch(pg::connection& db, const std::vector<pg_write>& writes, const std::string& instance);

} // namespace chat
