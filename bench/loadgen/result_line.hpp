// The one JSON line a run prints: fields in the order they are set. Keeps
// nlohmann/json out of the mode files (compile time).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace bench {

class result_line {
public:
  result_line();
  ~result_line();
  result_line(const result_line&) = delete;
  result_line& operator=(const result_line&) = delete;

  void set(const char* key, const std::string& value);
  void set(const char* key, const char* value) { set(key, std::string(value)); }
  void set(const char* key, std::int64_t value);
  void set(const char* key, std::uint64_t value);
  void set(const char* key, std::uint32_t value) { set(key, std::uint64_t{value}); }
  void set(const char* key, int value) { set(key, std::int64_t{value}); }
  /// Rounded to `decimals` places, so the line stays readable.
  void set(const char* key, double value, int decimals = 3);
  void set(const char* key, bool value);
  void set_null(const char* key);

  std::string dump() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace bench
