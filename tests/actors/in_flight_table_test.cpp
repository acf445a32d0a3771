// Unit tests of a user's in-flight table (actors/user/in_flight_table.hpp):
// whatever order keys come and go in, it answers as a map would.
#include "actors/user/in_flight_table.hpp"

#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include <doctest/doctest.h>

namespace {

using table = chat::in_flight_table<int>;

std::map<std::int64_t, int> contents(const table& t) {
  std::map<std::int64_t, int> out;
  std::int64_t last = -1;
  t.for_each([&](std::int64_t key, int value) {
    CHECK(key > last); // in key order, each key once
    last = key;
    out[key] = value;
  });
  CHECK(out.size() == t.size());
  return out;
}

} // namespace

TEST_CASE("keys put in order are taken from the front, and an emptied table is empty") {
  table t;
  for (int k = 1; k <= 100; ++k)
    t.put(k, k * 10);
  CHECK(t.size() == 100);
  for (int k = 1; k <= 100; ++k) {
    auto v = t.take(k);
    REQUIRE(v);
    CHECK(*v == k * 10);
  }
  CHECK(t.empty());
  CHECK_FALSE(t.take(5));
  t.put(7, 70); // usable again
  CHECK(contents(t) == std::map<std::int64_t, int>{{7, 70}});
}

TEST_CASE("an emptied table keeps its memory until release(), which frees only an empty one") {
  table t;
  CHECK_FALSE(t.holds_spare()); // a new table holds nothing
  for (int k = 1; k <= 40; ++k)
    t.put(k, k);
  t.release(); // not empty: keeps its entries
  CHECK(t.size() == 40);
  CHECK_FALSE(t.holds_spare());
  for (int k = 1; k <= 40; ++k)
    REQUIRE(t.take(k));
  CHECK(t.empty());
  CHECK(t.holds_spare()); // kept for the next deliveries
  t.put(41, 410);         // reused: the front starts over
  CHECK(contents(t) == std::map<std::int64_t, int>{{41, 410}});
  REQUIRE(t.take(41));
  t.release();
  CHECK_FALSE(t.holds_spare());
  t.put(42, 420); // usable after a release too
  CHECK(contents(t) == std::map<std::int64_t, int>{{42, 420}});
}

TEST_CASE("out of order: a put in the middle, a take from the middle, a put of a taken key") {
  table t;
  for (std::int64_t k : {10, 20, 30, 40})
    t.put(k, static_cast<int>(k));
  t.put(25, 25); // another room's batch that came late
  t.put(20, 21); // the same id again (a replay): replaced, not doubled
  CHECK(*t.take(30) == 30);
  CHECK_FALSE(t.take(30)); // taken once
  CHECK_FALSE(t.take(35)); // never there
  t.put(30, 31);           // delivered again: a dead slot comes back
  CHECK(contents(t)
        == std::map<std::int64_t, int>{{10, 10}, {20, 21}, {25, 25}, {30, 31}, {40, 40}});
  t.erase_if([](std::int64_t key, int) { return key % 20 == 0; });
  CHECK(contents(t) == std::map<std::int64_t, int>{{10, 10}, {25, 25}, {30, 31}});
}

TEST_CASE("a long random run of puts, takes and erasures agrees with a map") {
  table t;
  std::map<std::int64_t, int> model;
  std::mt19937 rng(18); // fixed: a failure can be replayed
  std::int64_t next = 1;
  for (int step = 0; step < 200000; ++step) {
    auto dice = rng() % 100;
    if (dice < 45) { // mostly the next key, sometimes an older one
      std::int64_t key
        = rng() % 10 == 0 && next > 50 ? next - 1 - static_cast<std::int64_t>(rng() % 50) : next++;
      int value = static_cast<int>(rng());
      t.put(key, value);
      model[key] = value;
    } else if (dice < 90) { // mostly the oldest, sometimes any
      if (model.empty())
        continue;
      auto it = model.begin();
      if (rng() % 4 == 0)
        std::advance(it, static_cast<long>(rng() % model.size()));
      auto got = t.take(it->first);
      REQUIRE(got);
      CHECK(*got == it->second);
      model.erase(it);
    } else if (dice < 99) { // an id that is not in flight
      std::int64_t key = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(next + 10));
      CHECK(static_cast<bool>(t.take(key)) == (model.erase(key) == 1));
    } else {
      auto cut = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(next));
      t.erase_if([cut](std::int64_t key, int) { return key < cut; });
      model.erase(model.begin(), model.lower_bound(cut));
    }
    REQUIRE(t.size() == model.size());
  }
  CHECK(contents(t) == model);
}
