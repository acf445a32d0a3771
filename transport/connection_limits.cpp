#include "transport/connection_limits.hpp"

namespace chat {

connection_limits::slot::slot(std::shared_ptr<connection_limits> owner, std::string address)
  : owner_(std::move(owner)),
    address_(std::move(address)) {
}

connection_limits::slot& connection_limits::slot::operator=(slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::move(other.owner_);
    address_ = std::move(other.address_);
  }
  return *this;
}

connection_limits::slot::~slot() {
  release();
}

void connection_limits::slot::release() {
  if (!owner_)
    return;
  if (address_.empty()) {
    owner_->live_.fetch_sub(1, std::memory_order_relaxed);
  } else {
    std::lock_guard<std::mutex> guard{owner_->mutex_};
    auto it = owner_->per_address_.find(address_);
    if (it != owner_->per_address_.end() && --it->second == 0)
      owner_->per_address_.erase(it);
  }
  owner_.reset();
}

connection_limits::connection_limits(std::int64_t max_connections, std::int64_t max_per_address)
  : max_connections_(max_connections),
    max_per_address_(max_per_address) {
}

connection_limits::slot connection_limits::take_connection() {
  // Take first, give back if that went over: two racing takers can never
  // both get the last place.
  if (live_.fetch_add(1, std::memory_order_relaxed) >= max_connections_) {
    live_.fetch_sub(1, std::memory_order_relaxed);
    return {};
  }
  return {shared_from_this(), {}};
}

connection_limits::slot connection_limits::take_address(const std::string& address) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    auto& n = per_address_[address];
    if (n >= max_per_address_)
      return {};
    ++n;
  }
  return {shared_from_this(), address};
}

std::size_t connection_limits::addresses() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return per_address_.size();
}

} // namespace chat
