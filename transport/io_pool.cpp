#include "transport/io_pool.hpp"

#include <stdexcept>
#include <thread>

namespace chat {

io_pool::io_pool(int threads) {
  for (int i = 0; i < (threads > 0 ? threads : 1); ++i)
    lanes_.push_back(std::make_unique<lane>());
}

io_pool::lane& io_pool::lane_of(const net::any_io_executor& ex) {
  auto& ctx = net::query(ex, net::execution::context);
  for (auto& l : lanes_)
    if (&l->ioc == &ctx)
      return *l;
  throw std::logic_error("io_pool: an executor of a context not in the pool");
}

socket_outbox& io_pool::outbox_of(const net::any_io_executor& ex) {
  return lane_of(ex).outbox;
}

idle_watch& io_pool::idle_watch_of(const net::any_io_executor& ex) {
  return lane_of(ex).idle;
}

void io_pool::run() {
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < lanes_.size(); ++i)
    threads.emplace_back([l = lanes_[i].get()] { l->ioc.run(); });
  lanes_.front()->ioc.run();
  for (auto& t : threads)
    t.join();
}

void io_pool::stop() {
  for (auto& l : lanes_)
    l->ioc.stop();
}

} // namespace chat
