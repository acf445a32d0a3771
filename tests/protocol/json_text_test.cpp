// Unit tests of JSON written as text (protocol/json_text): strings are
// escaped byte for byte as nlohmann's dump() escapes them.
#include "protocol/json_text.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

TEST_SUITE("json text") {

TEST_CASE("strings are escaped byte for byte as nlohmann's dump() escapes them") {
  std::string all_controls;
  for (int c = 1; c < 0x20; ++c)
    all_controls += static_cast<char>(c);
  const std::vector<std::string> samples{
    "",
    "plain",
    "quote \" and backslash \\",
    "slash / stays",
    "tab\there",
    all_controls,
    std::string("nul\0inside", 10),
    "\x7f del",
    "ünïcödé ✓ 😀",
    "</script><b>",
  };
  for (const auto& text : samples) {
    std::string out;
    chat::append_json_string(out, text);
    CHECK(out == nlohmann::json(text).dump());
    CHECK(nlohmann::json::parse(out) == text);
  }
}

} // TEST_SUITE("json text")
