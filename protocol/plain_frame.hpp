// The frames clients send most, read without a JSON DOM: `ack` (one per
// burst of deliveries, a hundred ids or more in each, where a DOM cost a
// heap-allocated string per id) and `send` / `dm` (one per message, where
// the DOM cost a node per key, and `dump()` a second pass to get the body's
// text back). nlohmann's SAX interface reads them straight into what the
// connection actor needs: an id list, or the body as compact JSON text.
//
// Only the plain shapes are taken here:
//   {"action":"ack","body":{"ids":[<strings>]}}
//   {"action":"send"|"dm","target":<string>,"body":{<any object>}}
// each with an optional "ref" (string, integer, boolean or null), each key
// once; an ack may have "target" (string or null), a send / dm body must
// come after its action. Anything else returns nothing and goes through
// parse_request's DOM, which has the errors and the ref rendering for every
// case. For what it takes, this reads what the DOM would: the same ids and
// ref, and a body text that parses to the DOM's body. The text keeps the
// sender's key order (dump() sorts keys) and renders numbers as dump() does.
#pragma once

#include <optional>
#include <string_view>

#include "protocol/request.hpp"

namespace chat {

/// The frame as a client_request with `ack_ids` (an ack) or `body_text` (a
/// send or dm) set and `body` empty, or nothing when it is not plain.
std::optional<client_request> read_plain_frame(std::string_view text);

} // namespace chat
