// TLS for the client's connections (wss://, https://): a context that checks
// the server's certificate as a browser does, against --ca-file or the
// system's CAs, and the host name it was asked for (also sent as SNI).
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

#include "cli/options.hpp"

namespace chat::cli {

/// A client context for `ep`; nullptr and `error` if its CA file does not load.
std::shared_ptr<boost::asio::ssl::context> tls_context(const endpoint& ep, std::string& error);

/// Whether a failed handshake means the server's certificate was refused
/// (untrusted, expired, another host's), not a network error to retry.
bool certificate_refused(const boost::system::error_code& ec);

/// Before the handshake: SNI and the host name check for `ep.host`.
template <class NextLayer>
void expect_host(boost::asio::ssl::stream<NextLayer>& stream, const endpoint& ep) {
  SSL_set_tlsext_host_name(stream.native_handle(), ep.host.c_str());
  stream.set_verify_callback(boost::asio::ssl::host_name_verification(ep.host));
}

} // namespace chat::cli
