// Message ids as clients see them and ack them: "m<row>" for a room message,
// "d<row>" for a direct, where <row> is the storage row (decimal, > 0). This
// is the one place that writes or reads that format: storage makes ids, the
// user actor reads the acks back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chat {

enum class message_kind { room, direct };

struct message_id {
  message_kind kind;
  std::int64_t row;
};

/// "m" + row.
std::string room_message_id(std::int64_t row);

/// "d" + row.
std::string direct_message_id(std::int64_t row);

/// The kind and row of a well-formed id; none for anything else.
std::optional<message_id> parse_message_id(std::string_view id);

} // namespace chat
