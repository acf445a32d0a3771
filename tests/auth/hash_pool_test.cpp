// Unit tests of the bounded hashing pool (auth/hash_pool).
#include "auth/hash_pool.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

TEST_SUITE("auth") {

TEST_CASE("the hash pool runs every accepted job") {
  std::atomic<int> done{0};
  {
    chat::auth::hash_pool pool{2, 100};
    for (int i = 0; i < 100; ++i)
      REQUIRE(pool.submit([&] { ++done; }));
  } // the destructor drains the queue
  CHECK(done == 100);
}

TEST_CASE("the hash pool refuses work beyond its queue bound") {
  chat::auth::hash_pool pool{1, 2};
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::promise<void> started;
  REQUIRE(pool.submit([&, gate] {
    started.set_value();
    gate.wait();
  }));
  started.get_future().wait(); // the one worker is now busy
  CHECK(pool.submit([gate] { gate.wait(); }));
  CHECK(pool.submit([gate] { gate.wait(); }));
  CHECK_FALSE(pool.submit([] {}));
  CHECK(pool.pending() == 3);
  release.set_value();
}

TEST_CASE("the hash pool runs jobs on its own threads, in parallel") {
  chat::auth::hash_pool pool{2, 10};
  std::promise<std::thread::id> a;
  std::promise<std::thread::id> b;
  std::atomic<int> arrived{0};
  auto meet = [&arrived] {
    ++arrived;
    // Both jobs must be inside at once: proves two workers run in parallel.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (arrived < 2 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
  };
  pool.submit([&] {
    meet();
    a.set_value(std::this_thread::get_id());
  });
  pool.submit([&] {
    meet();
    b.set_value(std::this_thread::get_id());
  });
  auto ta = a.get_future().get();
  auto tb = b.get_future().get();
  CHECK(arrived == 2);
  CHECK((ta != tb));
  CHECK((ta != std::this_thread::get_id()));
}

} // TEST_SUITE("auth")
