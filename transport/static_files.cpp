#include "transport/static_files.hpp"

#include <filesystem>

#include "transport/http_util.hpp"

namespace chat {

namespace {

std::string_view mime_type(std::string_view path) {
  auto dot = path.rfind('.');
  auto ext = dot == std::string_view::npos ? std::string_view{} : path.substr(dot);
  if (ext == ".html" || ext == ".htm")
    return "text/html; charset=utf-8";
  if (ext == ".css")
    return "text/css; charset=utf-8";
  if (ext == ".js" || ext == ".mjs")
    return "text/javascript; charset=utf-8";
  if (ext == ".json")
    return "application/json";
  if (ext == ".svg")
    return "image/svg+xml";
  if (ext == ".png")
    return "image/png";
  if (ext == ".ico")
    return "image/x-icon";
  if (ext == ".txt")
    return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

http::message_generator plain(const http_request& req, http::status status,
                              const std::string& text) {
  return error_response(req, status, text);
}

} // namespace

std::string resolve_static_path(const std::string& web_root, std::string_view target) {
  auto decoded = percent_decode(target_path(target));
  if (!decoded || decoded->empty() || decoded->front() != '/')
    return {};
  const auto& path = *decoded;
  if (path.find('\\') != std::string::npos)
    return {};
  // Refuse any ".." segment outright rather than trying to normalize it.
  for (std::size_t pos = 0; pos != std::string::npos;) {
    auto next = path.find('/', pos + 1);
    auto segment = path.substr(pos + 1, next == std::string::npos ? next : next - pos - 1);
    if (segment == "..")
      return {};
    pos = next;
  }
  namespace fs = std::filesystem;
  fs::path full = fs::path(web_root) / path.substr(1);
  if (path.back() == '/')
    full /= "index.html";
  std::error_code ec;
  auto canonical = fs::weakly_canonical(full, ec);
  auto root = fs::weakly_canonical(web_root, ec);
  if (ec)
    return {};
  // Symlinks must not lead out of web_root either.
  auto rel = canonical.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..")
    return {};
  return canonical.string();
}

http::message_generator serve_static(const std::string& web_root, const http_request& req) {
  auto file = resolve_static_path(web_root, req.target());
  if (file.empty() || !std::filesystem::is_regular_file(file))
    return plain(req, http::status::not_found, "not found");
  if (req.method() != http::verb::get && req.method() != http::verb::head)
    return plain(req, http::status::method_not_allowed, "method not allowed");
  beast::error_code ec;
  http::file_body::value_type body;
  body.open(file.c_str(), beast::file_mode::scan, ec);
  if (ec)
    return plain(req, http::status::not_found, "not found");
  auto size = body.size();
  if (req.method() == http::verb::head) {
    http::response<http::empty_body> res{http::status::ok, req.version()};
    res.set(http::field::server, "chat-actors");
    res.set(http::field::content_type, mime_type(file));
    res.content_length(size);
    res.keep_alive(req.keep_alive());
    return res;
  }
  http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                      std::make_tuple(http::status::ok, req.version())};
  res.set(http::field::server, "chat-actors");
  res.set(http::field::content_type, mime_type(file));
  res.set("X-Content-Type-Options", "nosniff");
  res.content_length(size);
  res.keep_alive(req.keep_alive());
  return res;
}

} // namespace chat
