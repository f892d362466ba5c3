#include "crypto/keys.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace cvdguard::internal {
namespace {

std::shared_ptr<const RsaPublicKey> FromDecimal(const char* n_dec, const char* e_dec,
                                                const char* label) {
  auto key = std::make_shared<RsaPublicKey>();
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  if (BN_dec2bn(&n, n_dec) == 0 || BN_dec2bn(&e, e_dec) == 0) {
    BN_free(n);
    BN_free(e);
    return nullptr;
  }
  key->n.reset(n);
  key->e.reset(e);
  key->bits = BN_num_bits(n);
  key->label = label;
  return key;
}

}  // namespace

std::shared_ptr<const RsaPublicKey> OfficialKey(KeyRole role) {
  static const auto cvd =
      FromDecimal(kOfficialCvdModulus, kOfficialCvdExponent, "official-cvd-K1");
  static const auto info =
      FromDecimal(kOfficialInfoModulus, kOfficialInfoExponent, "official-info-K2");
  static const auto cdiff =
      FromDecimal(kOfficialCdiffModulus, kOfficialCdiffExponent, "official-cdiff-K3");
  switch (role) {
    case KeyRole::kCvd: return cvd;
    case KeyRole::kInfo: return info;
    case KeyRole::kCdiff: return cdiff;
  }
  return nullptr;
}

std::shared_ptr<RsaPublicKey> RsaPublicKeyFromPem(const std::string& pem,
                                                  const std::string& label,
                                                  std::string* error) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    *error = "out of memory";
    return nullptr;
  }
  EvpPkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) {
    ERR_clear_error();
    BIO_reset(bio.get());
    pkey.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  }
  if (!pkey) {
    ERR_clear_error();
    *error = label + ": not a PEM RSA public or private key";
    return nullptr;
  }
  if (EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_RSA) {
    *error = label + ": key is not RSA";
    return nullptr;
  }
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  if (EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
      EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
    BN_free(n);
    BN_free(e);
    ERR_clear_error();
    *error = label + ": cannot read RSA parameters";
    return nullptr;
  }
  auto key = std::make_shared<RsaPublicKey>();
  key->n.reset(n);
  key->e.reset(e);
  key->bits = BN_num_bits(n);
  key->label = label;
  return key;
}

bool Keyring::Init(const VerifyOptions& options, std::string* error) {
  cvd_.clear();
  info_.clear();
  cdiff_.clear();
  if (options.use_official_keys) {
    cvd_.push_back(OfficialKey(KeyRole::kCvd));
    info_.push_back(OfficialKey(KeyRole::kInfo));
    cdiff_.push_back(OfficialKey(KeyRole::kCdiff));
  }
  for (const auto& tk : options.keys) {
    auto key = RsaPublicKeyFromPem(tk.pem, tk.label.empty() ? "user key" : tk.label, error);
    if (!key) return false;
    switch (tk.role) {
      case KeyRole::kCvd: cvd_.push_back(std::move(key)); break;
      case KeyRole::kInfo: info_.push_back(std::move(key)); break;
      case KeyRole::kCdiff: cdiff_.push_back(std::move(key)); break;
    }
  }
  return true;
}

const std::vector<std::shared_ptr<const RsaPublicKey>>& Keyring::ForRole(KeyRole role) const {
  switch (role) {
    case KeyRole::kCvd: return cvd_;
    case KeyRole::kInfo: return info_;
    case KeyRole::kCdiff: return cdiff_;
  }
  return cvd_;
}

}  // namespace cvdguard::internal
