// Password hashing and token material, all from libsodium: argon2id hashes
// (crypto_pwhash_str), random tokens and user ids, and the digest under which
// a token is stored (the database never holds a usable token).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/defaults.hpp"

namespace chat::auth {

/// argon2id cost. Defaults are libsodium's INTERACTIVE limits; tests use the
/// minimum (ops 1, 8 KiB) so that a thousand users register in seconds.
struct hash_cost {
  std::uint64_t ops = defaults::hash_ops;
  std::size_t mem_bytes = defaults::hash_mem_kib * 1024;
};

/// Initializes libsodium; false if it cannot be used.
bool init();

/// The encoded argon2id hash of `password`, or "" if hashing failed
/// (out of memory). Slow on purpose: call it on a hash_pool thread only.
std::string hash_password(const std::string& password, hash_cost cost);

/// Whether `password` matches `encoded`. As slow as hashing.
bool verify_password(const std::string& encoded, const std::string& password);

/// A fresh login token: 32 random bytes (256 bits), hex encoded.
std::string random_token();

/// A fresh user id: 16 characters of [0-9a-f] (64 random bits).
std::string random_user_id();

/// The hex BLAKE2b digest under which a token is stored and looked up.
std::string token_digest(const std::string& token);

/// Constant-time comparison of two strings (for the server password).
bool equal_secret(const std::string& a, const std::string& b);

} // namespace chat::auth
