// ClamAV's legacy signatures: the base-64 number encoding (FORMAT.md 3.1),
// the textbook-RSA MD5 dsig (3.3) and the PSS-style SHA-256 dsig (3.4), both
// verification against a set of keys and signing with a private key.
#ifndef CVDGUARD_CRYPTO_DSIG_H_
#define CVDGUARD_CRYPTO_DSIG_H_

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/digest.h"
#include "crypto/keys.h"

namespace cvdguard::internal {

// Decodes a dsig string into *out. False if a character is outside the
// alphabet or the string is empty.
bool DecodeDsig(std::string_view dsig, BIGNUM* out);
// Minimal encoding of v (the signer's form). "a" for zero.
std::string EncodeDsig(const BIGNUM* v);

enum class DsigStatus {
  kValid,        // verified by `key_label`
  kInvalid,      // decodes, but no key verifies it
  kBadEncoding,  // a character outside the alphabet, or empty
};

struct DsigResult {
  DsigStatus status = DsigStatus::kInvalid;
  std::string key_label;
  // Set when valid but not in the canonical form a signer emits: value >= n,
  // redundant trailing zero digits, or (PSS) non-zero padding (S6/S9).
  bool noncanonical = false;
  std::string detail;
};

using KeyList = std::vector<std::shared_ptr<const RsaPublicKey>>;

// S5: decode(dsig)^e mod n == MD5 as a 16-byte big-endian number.
DsigResult VerifyMd5Dsig(std::string_view dsig, const Md5Digest& md5, const KeyList& keys);
// 3.4: EMSA-PSS-like, SHA-256, MGF1-SHA-256, salt 32, emLen 256.
DsigResult VerifyPssDsig(std::string_view dsig, const Sha256Digest& hash, const KeyList& keys);

// Signing (tests, builder). private_pem: a PEM RSA private key.
bool SignMd5Dsig(const Md5Digest& md5, const std::string& private_pem, std::string* dsig,
                 std::string* error);
bool SignPssDsig(const Sha256Digest& hash, const std::string& private_pem, std::string* dsig,
                 std::string* error);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_CRYPTO_DSIG_H_
