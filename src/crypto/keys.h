// Trusted RSA public keys by role: the built-in official K1/K2/K3 and any
// user keys from VerifyOptions.
#ifndef CVDGUARD_CRYPTO_KEYS_H_
#define CVDGUARD_CRYPTO_KEYS_H_

#include <memory>
#include <string>
#include <vector>

#include "crypto/ssl_ptr.h"
#include "cvdguard/options.h"

namespace cvdguard::internal {

extern const char* const kOfficialCvdModulus;
extern const char* const kOfficialCvdExponent;
extern const char* const kOfficialInfoModulus;
extern const char* const kOfficialInfoExponent;
extern const char* const kOfficialCdiffModulus;
extern const char* const kOfficialCdiffExponent;

struct RsaPublicKey {
  BnPtr n;
  BnPtr e;
  int bits = 0;
  std::string label;  // "official-cvd" or the user's label
};

class Keyring {
 public:
  // Builds the keyring from options. Returns false and sets *error (naming
  // the key) if a user key cannot be parsed or is not RSA.
  bool Init(const VerifyOptions& options, std::string* error);
  const std::vector<std::shared_ptr<const RsaPublicKey>>& ForRole(KeyRole role) const;

 private:
  std::vector<std::shared_ptr<const RsaPublicKey>> cvd_, info_, cdiff_;
};

// Parses a PEM public key (SubjectPublicKeyInfo or PKCS#1) or a PEM private
// key (whose public half is taken). nullptr on failure.
std::shared_ptr<RsaPublicKey> RsaPublicKeyFromPem(const std::string& pem,
                                                  const std::string& label,
                                                  std::string* error);

// The official key for a role.
std::shared_ptr<const RsaPublicKey> OfficialKey(KeyRole role);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_CRYPTO_KEYS_H_
