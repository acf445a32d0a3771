// What both storage backends (SQLite: store_queries/delivery_queries;
// PostgreSQL: pg_queries) do alike with the rows they read: the stored form
// of a cursor's acked_above list, a history page and a replay backlog built
// from the newest rows first. Private to storage/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "protocol/messages.hpp"

namespace chat {

/// Ascending, without duplicates, all > acked_seq (what acked_above holds).
std::vector<std::int64_t> normalized(std::vector<std::int64_t> seqs, std::int64_t acked_seq);

/// acked_above as stored: "12,15,20".
std::string format_seqs(const std::vector<std::int64_t>& seqs);

/// Parses a comma-separated list; pieces that are not numbers are skipped.
std::vector<std::int64_t> parse_seqs(const std::string& text);

/// A history read's bounds: `page` and `page_size` checked, and the rows to
/// read (`limit` = one more than a page: its presence means older messages
/// exist; `offset`). None for a page beyond what int64 can address (an
/// empty page); an error for a negative page or a size < 1.
struct history_window {
  std::int64_t limit = 0;
  std::int64_t offset = 0;
};
caf::expected<std::optional<history_window>> history_bounds(std::int64_t page,
                                                            std::int64_t page_size);

/// The page from rows read newest first (at most page_size + 1 of them).
history_page history_of(const std::string& room, std::int64_t page, std::int64_t page_size,
                        std::vector<chat_message> newest_first);

/// How many rows, newest first past the cursor's acked_seq, a backlog read
/// needs: backlog_max + 1 unacked ones, plus the acked_above ones it skips.
std::int64_t backlog_limit(const room_cursor& cursor, std::int64_t backlog_max);

/// What the room owes past the cursor, from rows read newest first past
/// acked_seq (backlog_limit of them): the newest backlog_max unacked
/// messages in seq order, or none if nothing is owed.
std::optional<room_backlog> backlog_of(const room_cursor& cursor, std::int64_t backlog_max,
                                       std::vector<chat_message> newest_first);

} // namespace chat
