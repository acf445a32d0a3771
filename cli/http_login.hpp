// The HTTP half of the client: POST /register and POST /login on the server's
// HTTP port, blocking (run before the event loop needs to be responsive).
#pragma once

#include <string>

#include "cli/options.hpp"

namespace chat::cli {

struct http_answer {
  int status = 0; // 0: no answer (see error)
  std::string error;
  std::string body;
  bool untrusted = false; // the TLS handshake refused the server's certificate
};

/// POSTs {"name","password"} to `target` ("/login", "/register").
http_answer post_credentials(const endpoint& ep, const std::string& target, const std::string& name,
                             const std::string& password);

/// Logs in; returns the token, or "" with `answer` (status 401: bad
/// credentials, 0: no answer, `untrusted`) and `error` set.
std::string login(const endpoint& ep, const std::string& name, const std::string& password,
                  http_answer& answer, std::string& error);

} // namespace chat::cli
