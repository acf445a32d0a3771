// Rows into pages, backlogs and cursors, for both backends
// (storage/stored_rows.hpp).
#include "storage/stored_rows.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <system_error>
#include <utility>

#include "protocol/chat_error.hpp"

namespace chat {

std::vector<std::int64_t> normalized(std::vector<std::int64_t> seqs, std::int64_t acked_seq) {
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  seqs.erase(seqs.begin(), std::upper_bound(seqs.begin(), seqs.end(), acked_seq));
  return seqs;
}

std::string format_seqs(const std::vector<std::int64_t>& seqs) {
  std::string result;
  for (auto seq : seqs) {
    if (!result.empty())
      result += ',';
    result += std::to_string(seq);
  }
  return result;
}

std::vector<std::int64_t> parse_seqs(const std::string& text) {
  std::vector<std::int64_t> result;
  const char* pos = text.data();
  const char* end = pos + text.size();
  while (pos < end) {
    auto comma = std::find(pos, end, ',');
    std::int64_t seq = 0;
    auto [last, ec] = std::from_chars(pos, comma, seq);
    if (ec == std::errc{} && last == comma)
      result.push_back(seq);
    pos = comma == end ? end : comma + 1;
  }
  return result;
}

caf::expected<std::optional<history_window>> history_bounds(std::int64_t page,
                                                            std::int64_t page_size) {
  if (page < 0 || page_size <= 0)
    return make_error(chat_errc::bad_request, "bad history page or size");
  if (page > std::numeric_limits<std::int64_t>::max() / page_size - 1)
    return std::optional<history_window>{};
  return std::optional<history_window>{history_window{page_size + 1, page * page_size}};
}

history_page history_of(const std::string& room, std::int64_t page, std::int64_t page_size,
                        std::vector<chat_message> newest_first) {
  history_page result;
  result.room = room;
  result.page = page;
  result.messages = std::move(newest_first);
  if (static_cast<std::int64_t>(result.messages.size()) > page_size) {
    result.has_more = true;
    result.messages.pop_back();
  }
  std::reverse(result.messages.begin(), result.messages.end());
  return result;
}

std::int64_t backlog_limit(const room_cursor& cursor, std::int64_t backlog_max) {
  // Every acked_above seq is > acked_seq, so at most that many rows read
  // are skipped: the newest backlog_max + 1 unacked ones lie within.
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  auto skipped = static_cast<std::int64_t>(cursor.acked_above.size());
  return backlog_max < max - 1 - skipped ? backlog_max + 1 + skipped : max;
}

std::optional<room_backlog> backlog_of(const room_cursor& cursor, std::int64_t backlog_max,
                                       std::vector<chat_message> newest_first) {
  auto above = normalized(cursor.acked_above, cursor.acked_seq);
  room_backlog result;
  result.room = cursor.room;
  for (auto& msg : newest_first) {
    if (std::binary_search(above.begin(), above.end(), msg.seq))
      continue;
    if (static_cast<std::int64_t>(result.messages.size()) == backlog_max) {
      result.truncated = true; // one more is owed than fits
      break;
    }
    result.messages.push_back(std::move(msg));
  }
  if (result.messages.empty())
    return std::nullopt;
  std::reverse(result.messages.begin(), result.messages.end());
  result.from_seq = result.messages.front().seq;
  return result;
}

} // namespace chat
