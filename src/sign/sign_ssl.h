// RAII owners for the OpenSSL objects of the sign module, and the TrustStore
// definition. Internal to src/sign/ (and its tests).
#ifndef CVDGUARD_SIGN_SIGN_SSL_H_
#define CVDGUARD_SIGN_SIGN_SSL_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace cvdguard::internal {

struct SslDeleter {
  void operator()(BIO* p) const { BIO_free_all(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
  void operator()(CMS_ContentInfo* p) const { CMS_ContentInfo_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};

using BioPtr = std::unique_ptr<BIO, SslDeleter>;
using X509Ptr = std::unique_ptr<X509, SslDeleter>;
using X509StorePtr = std::unique_ptr<X509_STORE, SslDeleter>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, SslDeleter>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, SslDeleter>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, SslDeleter>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, SslDeleter>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), SslDeleter>;

// A read-only memory BIO over `data` (which must outlive it).
BioPtr MemBio(std::string_view data);

// Every PEM "CERTIFICATE" block in `pem`, in order. Other PEM blocks are
// skipped. Returns false (with *error) on a malformed certificate block.
bool ReadPemCerts(std::string_view pem, std::vector<X509Ptr>* out, std::string* error);

// Subject as RFC 2253 text with UTF-8 kept ("CN=x,O=y,C=US").
std::string SubjectString(const X509* cert);

// The first CN of the subject as UTF-8; false if there is none.
bool SubjectCn(const X509* cert, std::string* cn);

// The oldest queued OpenSSL error as text, and the queue cleared.
std::string TakeSslError();

struct TrustStore {
  X509StorePtr store;
  std::vector<std::string> subjects;
};

}  // namespace cvdguard::internal

#endif  // CVDGUARD_SIGN_SIGN_SSL_H_
