// RAII owners for OpenSSL objects. The only module besides sign/ that
// includes OpenSSL headers.
#ifndef CVDGUARD_CRYPTO_SSL_PTR_H_
#define CVDGUARD_CRYPTO_SSL_PTR_H_

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>

#include <memory>

namespace cvdguard::internal {

template <class T, void (*Free)(T*)>
struct SslDeleter {
  void operator()(T* p) const {
    if (p != nullptr) Free(p);
  }
};

using BnPtr = std::unique_ptr<BIGNUM, SslDeleter<BIGNUM, BN_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, SslDeleter<BN_CTX, BN_CTX_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, SslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, SslDeleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, SslDeleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, SslDeleter<BIO, BIO_free_all>>;

}  // namespace cvdguard::internal

#endif  // CVDGUARD_CRYPTO_SSL_PTR_H_
