// The ack frame, read without a JSON DOM. It is most of what clients send
// under load (one per burst of deliveries, a hundred ids or more in each),
// and a DOM cost a heap-allocated string per id. nlohmann's SAX interface
// reads it straight into an id list instead.
//
// Only the plain shape is taken here: {"action":"ack","body":{"ids":[...]}}
// with an optional "ref" (string, integer, boolean or null) and "target"
// (string or null), each key once. Anything else returns nothing and goes
// through parse_request's DOM, which has the errors and the ref rendering
// for every case; for what it takes, this reads what the DOM would.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/messages.hpp"

namespace chat {

struct ack_frame {
  id_list ids;
  std::string ref; // raw JSON, as client_request::ref; empty when absent
};

std::optional<ack_frame> read_plain_ack(std::string_view text);

} // namespace chat
