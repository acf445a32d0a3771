// The result line over nlohmann::ordered_json; see result_line.hpp.
#include "bench/loadgen/result_line.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

namespace bench {

struct result_line::impl {
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
};

result_line::result_line() : impl_(std::make_unique<impl>()) {
}

result_line::~result_line() = default;

void result_line::set(const char* key, const std::string& value) {
  impl_->doc[key] = value;
}

void result_line::set(const char* key, std::int64_t value) {
  impl_->doc[key] = value;
}

void result_line::set(const char* key, std::uint64_t value) {
  impl_->doc[key] = value;
}

void result_line::set(const char* key, double value, int decimals) {
  if (!std::isfinite(value))
    return set_null(key);
  const double scale = std::pow(10.0, decimals);
  impl_->doc[key] = std::round(value * scale) / scale;
}

void result_line::set(const char* key, bool value) {
  impl_->doc[key] = value;
}

void result_line::set_null(const char* key) {
  impl_->doc[key] = nullptr;
}

std::string result_line::dump() const {
  return impl_->doc.dump();
}

} // namespace bench
