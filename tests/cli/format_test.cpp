// Unit tests of how chat-actors-cli reads and shows server frames
// (cli/format.cpp): the lines it prints, and that frames with fields of
// unexpected types are shown as far as they can be instead of ending the
// client (nlohmann's value() and get() throw on a type mismatch).
#include "cli/format.hpp"

#include <string>

#include <doctest/doctest.h>

using json = nlohmann::json;
using namespace chat::cli;

namespace {

bool has(const std::string& line, const std::string& part) {
  return line.find(part) != std::string::npos;
}

} // namespace

TEST_SUITE("cli") {

TEST_CASE("fields are read only when they have the expected type") {
  auto f = json::parse(R"({"type":"message","id":7,"room":"r","ts":"soon","n":5,
                           "on":true,"list":[1],"nested":{"a":1}})");
  CHECK(text_of(f, "room") == "r");
  CHECK(text_of(f, "id").empty());                     // a number, not a string
  CHECK(text_of(f, "missing", "dflt") == "dflt");      // absent
  CHECK(text_of(json::array({1, 2}), "room").empty()); // not an object at all
  CHECK(number_of(f, "n") == 5);
  CHECK(number_of(f, "ts", -1) == -1);
  CHECK(flag_of(f, "on"));
  CHECK_FALSE(flag_of(f, "n"));
  CHECK(array_of(f, "list").size() == 1);
  CHECK(array_of(f, "nested").empty());
  CHECK(array_of(json("text"), "list").empty());
}

TEST_CASE("well-formed frames become the lines a user reads") {
  auto msg = json::parse(R"({"type":"message","room":"devroom","id":"m1","seq":1,
                             "from":{"user_id":"u1","name":"bob"},"body":{"text":"hi\nthere"},
                             "ts":0})");
  auto line = format_frame(msg);
  CHECK(has(line, "[devroom] bob: hi there"));
  CHECK(has(format_frame(json::parse(R"({"type":"direct","from":{"name":"amy"},
                                         "body":{"x":1},"ts":0})")),
            "[dm] amy: {\"x\":1}"));
  CHECK(format_frame(json::parse(R"({"type":"members","room":"r","members":[
          {"name":"a","online":true},{"name":"b","online":false}]})"))
        == "* r: a* b");
  CHECK(format_frame(json::parse(R"({"type":"rooms","rooms":[{"name":"r","members":3}]})"))
        == "* rooms: r (3)");
  CHECK(format_frame(json::parse(R"({"type":"rooms","rooms":[{"name":"r","members":3}],
                                     "more":true})"))
        == "* rooms: r (3) ... (more: /rooms all)");
  CHECK(format_frame(json::parse(R"({"type":"presence","room":"r","event":"join",
                                     "user":{"name":"a"}})"))
        == "* a joined r");
  CHECK(format_frame(json::parse(R"({"type":"error","code":"forbidden","message":"no"})"))
        == "! forbidden: no");
  CHECK(format_frame(json::parse(R"({"type":"sent","ref":"1"})")).empty());
}

TEST_CASE("frames with fields of the wrong type are shown as far as they can be") {
  const char* odd_frames[] = {
    R"({"type":"message","room":5,"from":"bob","body":"plain","ts":"noon"})",
    R"({"type":"direct","from":{"name":7},"ts":1.5})",
    R"({"type":"joined","room":"r","members":"everyone"})",
    R"({"type":"members","room":"r","members":"a,b"})",
    R"({"type":"members","room":"r","members":["a",{"name":"b","online":"yes"},null]})",
    R"({"type":"rooms","rooms":[{"name":"r","members":"many"},"s",4]})",
    R"({"type":"history","room":"r","messages":"none"})",
    R"({"type":"history","room":"r","messages":["x",{"from":{"name":"a"},"body":{"text":"t"}}]})",
    R"({"type":"presence","room":"r","event":1,"user":"a"})",
    R"({"type":"error","code":404,"message":["x"]})",
    R"({"type":7})",
    R"([1,2,3])",
    R"("just text")",
  };
  for (const char* text : odd_frames) {
    INFO("frame: ", text);
    auto frame = json::parse(text);
    std::string line;
    CHECK_NOTHROW(line = format_frame(frame));
    CHECK_NOTHROW(format_message(frame));
  }
  CHECK(format_frame(json::parse(odd_frames[3])) == "* r:");
  CHECK(format_frame(json::parse(odd_frames[4])) == "* r: b"); // entries that are no member skipped
  CHECK(format_frame(json::parse(odd_frames[5])) == "* rooms: r (0)");
  CHECK(format_frame(json::parse(odd_frames[6])) == "* (no history in r)");
  CHECK(has(format_frame(json::parse(odd_frames[7])), "[r] a: t"));
  CHECK(format_frame(json::parse(odd_frames[8])) == "*  left r");
}

} // TEST_SUITE("cli")
