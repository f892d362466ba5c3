#include "crypto/digest.h"

#include <cstdlib>

namespace cvdguard::internal {
namespace {

// EVP digest failures mean a broken OpenSSL installation (or a FIPS provider
// without MD5); nothing sensible can follow, so fail closed.
void Check(int ok) {
  if (ok != 1) std::abort();
}

EvpMdCtxPtr NewCtx(const EVP_MD* md) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) std::abort();
  Check(EVP_DigestInit_ex(ctx.get(), md, nullptr));
  return ctx;
}

}  // namespace

Md5::Md5() : ctx_(NewCtx(EVP_md5())) {}
void Md5::Update(std::span<const std::uint8_t> bytes) {
  if (!bytes.empty()) Check(EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()));
}
Md5Digest Md5::Final() {
  Md5Digest out{};
  unsigned int len = 0;
  Check(EVP_DigestFinal_ex(ctx_.get(), out.data(), &len));
  return out;
}

Sha256::Sha256() : ctx_(NewCtx(EVP_sha256())) {}
void Sha256::Update(std::span<const std::uint8_t> bytes) {
  if (!bytes.empty()) Check(EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()));
}
Sha256Digest Sha256::Final() {
  Sha256Digest out{};
  unsigned int len = 0;
  Check(EVP_DigestFinal_ex(ctx_.get(), out.data(), &len));
  return out;
}
Sha256Digest Sha256::Of(std::span<const std::uint8_t> bytes) {
  Sha256 h;
  h.Update(bytes);
  return h.Final();
}

std::string HexLower(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

bool ParseHex(std::string_view hex, std::span<std::uint8_t> out) {
  if (hex.size() != out.size() * 2) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace cvdguard::internal
