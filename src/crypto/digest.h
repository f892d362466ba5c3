// Streaming MD5 / SHA-256 over OpenSSL EVP, and hex helpers.
#ifndef CVDGUARD_CRYPTO_DIGEST_H_
#define CVDGUARD_CRYPTO_DIGEST_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "crypto/ssl_ptr.h"
#include "cvdguard/bytes.h"

namespace cvdguard::internal {

using Md5Digest = std::array<std::uint8_t, 16>;
using Sha256Digest = std::array<std::uint8_t, 32>;

class Md5 {
 public:
  Md5();
  void Update(std::span<const std::uint8_t> bytes);
  Md5Digest Final();

 private:
  EvpMdCtxPtr ctx_;
};

class Sha256 {
 public:
  Sha256();
  void Update(std::span<const std::uint8_t> bytes);
  Sha256Digest Final();
  static Sha256Digest Of(std::span<const std::uint8_t> bytes);

 private:
  EvpMdCtxPtr ctx_;
};

std::string HexLower(std::span<const std::uint8_t> bytes);
// Parses exactly 2*out.size() hex digits (either case). False otherwise.
bool ParseHex(std::string_view hex, std::span<std::uint8_t> out);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_CRYPTO_DIGEST_H_
