// A write's reply as both stores hold it until the batch holding the write
// has committed (group commit: storage/store_state.hpp, storage/pg_store.hpp).
// Private to storage/.
#pragma once

#include <variant>

#include <caf/response_promise.hpp>

#include "protocol/messages.hpp"

namespace chat {

/// A write's reply value.
using write_value = std::variant<bool, chat_message, direct_message>;

struct held_reply {
  caf::response_promise promise;
  write_value value;
};

} // namespace chat
