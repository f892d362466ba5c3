// The dsig decoder and both RSA schemes with the official keys. Invariants:
// decoding then encoding gives the canonical string; random input never
// verifies; never a crash on any length or character.
#include <cstdint>
#include <string>

#include "crypto/dsig.h"
#include "crypto/keys.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 8192) return 0;
  using namespace cvdguard::internal;
  const std::string text(reinterpret_cast<const char*>(data), size);
  BnPtr v(BN_new());
  if (DecodeDsig(text, v.get())) {
    std::string canonical = text;
    while (canonical.size() > 1 && canonical.back() == 'a') canonical.pop_back();
    CVDGUARD_FUZZ_ASSERT(EncodeDsig(v.get()) == canonical, "decode/encode mismatch");
  }
  // Fixed non-trivial digests: 0 and 1 are fixed points of textbook RSA.
  Md5Digest md5{};
  for (std::size_t i = 0; i < md5.size(); ++i) md5[i] = static_cast<std::uint8_t>(i + 1);
  Sha256Digest sha{};
  for (std::size_t i = 0; i < sha.size(); ++i) sha[i] = static_cast<std::uint8_t>(0xA0 + i);
  const auto a = VerifyMd5Dsig(text, md5, {OfficialKey(cvdguard::KeyRole::kCvd)});
  const auto b = VerifyPssDsig(text, sha, {OfficialKey(cvdguard::KeyRole::kInfo)});
  const auto c = VerifyPssDsig(text, sha, {OfficialKey(cvdguard::KeyRole::kCdiff)});
  CVDGUARD_FUZZ_ASSERT(a.status != DsigStatus::kValid && b.status != DsigStatus::kValid &&
                           c.status != DsigStatus::kValid,
                       "a random signature verified");
  return 0;
}
