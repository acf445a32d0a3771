#include "auth/password.hpp"

#include <sodium.h>

#include <vector>

namespace chat::auth {

namespace {

std::string to_hex(const unsigned char* data, std::size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, size);
  out.pop_back(); // sodium writes a terminating NUL
  return out;
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  randombytes_buf(buf.data(), buf.size());
  return to_hex(buf.data(), buf.size());
}

} // namespace

bool init() {
  return sodium_init() >= 0;
}

std::string hash_password(const std::string& password, hash_cost cost) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), cost.ops, cost.mem_bytes) != 0)
    return {};
  return out;
}

bool verify_password(const std::string& encoded, const std::string& password) {
  return crypto_pwhash_str_verify(encoded.c_str(), password.data(), password.size()) == 0;
}

std::string random_token() {
  return random_hex(32);
}

std::string random_user_id() {
  return random_hex(8);
}

std::string token_digest(const std::string& token) {
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof(digest), reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  return to_hex(digest, sizeof(digest));
}

bool equal_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size())
    return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace chat::auth
