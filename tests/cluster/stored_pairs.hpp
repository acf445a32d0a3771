// What the cluster tests compare every client's view with: a room's
// messages as the database has them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/pg_server.hpp"

namespace chat::test {

using pair_list = std::vector<std::pair<std::int64_t, std::string>>;

/// The room's (seq, id) pairs in database `db`, in seq order.
inline pair_list stored_pairs(const std::string& db, const std::string& room) {
  auto text = pg_server::shared().value(
    db, "SELECT string_agg(seq || ':m' || id, ',' ORDER BY seq) FROM messages WHERE room = '" + room
          + "'");
  pair_list out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto comma = text.find(',', pos);
    auto item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    auto colon = item.find(':');
    out.emplace_back(std::stoll(item.substr(0, colon)), item.substr(colon + 1));
    pos = comma == std::string::npos ? text.size() : comma + 1;
  }
  return out;
}

} // namespace chat::test
