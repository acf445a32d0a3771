// Unit tests of the transport helpers that guard the file system and parse
// targets: static path resolution, percent-decoding, query parameters.
#include "transport/static_files.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "transport/http_util.hpp"

namespace fs = std::filesystem;

namespace {

struct web_root {
  fs::path root = fs::temp_directory_path()
                  / ("chat-web-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
  web_root() {
    fs::create_directories(root / "css");
    std::ofstream{root / "index.html"} << "<p>hi</p>";
    std::ofstream{root / "css" / "app.css"} << "p{}";
    std::ofstream{root.parent_path() / "secret.txt"} << "secret";
    fs::create_symlink(root.parent_path() / "secret.txt", root / "link.txt");
  }
  ~web_root() { fs::remove_all(root); }
  std::string resolve(const std::string& target) {
    return chat::resolve_static_path(root.string(), target);
  }
};

} // namespace

TEST_SUITE("transport") {

TEST_CASE_FIXTURE(web_root, "files under web_root resolve, directories to index.html") {
  CHECK(resolve("/") == (root / "index.html").string());
  CHECK(resolve("/index.html?x=1") == (root / "index.html").string());
  CHECK(resolve("/css/app.css") == (root / "css" / "app.css").string());
  CHECK(resolve("/css/%61pp.css") == (root / "css" / "app.css").string());
}

TEST_CASE_FIXTURE(web_root, "no target escapes web_root") {
  for (const char* target :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/css/../../secret.txt",
        "/%2E%2E%2Fsecret.txt", "..", "secret.txt", "/..\\secret.txt", "/index.html%00.css",
        "/link.txt", "/%", "/%zz", "//etc/passwd"}) {
    INFO(target);
    auto resolved = resolve(target);
    CHECK((resolved.empty() || resolved.rfind(fs::weakly_canonical(root).string(), 0) == 0));
    CHECK(resolved.find("secret") == std::string::npos);
  }
}

TEST_CASE("percent-decoding handles escapes, plus signs and refuses NUL") {
  CHECK(chat::percent_decode("a%20b+c") == "a b c");
  CHECK(chat::percent_decode("%41%42") == "AB");
  CHECK_FALSE(chat::percent_decode("%4"));
  CHECK_FALSE(chat::percent_decode("%g1"));
  CHECK_FALSE(chat::percent_decode("a%00b"));
}

TEST_CASE("query parameters are found by exact key and decoded") {
  CHECK(chat::query_param("/history?room=dev%20room&page=2", "room") == "dev room");
  CHECK(chat::query_param("/history?room=a&page=2", "page") == "2");
  CHECK_FALSE(chat::query_param("/history?rooms=a", "room"));
  CHECK_FALSE(chat::query_param("/history", "room"));
  CHECK(chat::query_param("/ws?token=", "token") == "");
  CHECK(chat::target_path("/ws?token=x") == "/ws");
}

TEST_CASE("Bearer tokens are read from the Authorization header") {
  chat::http_request req;
  CHECK(chat::bearer_token(req).empty());
  req.set(chat::http::field::authorization, "Bearer abc123");
  CHECK(chat::bearer_token(req) == "abc123");
  req.set(chat::http::field::authorization, "Basic abc123");
  CHECK(chat::bearer_token(req).empty());
}

} // TEST_SUITE("transport")
