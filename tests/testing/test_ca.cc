// In-process test PKI for the .sign tests (see test_ca.h).
#include "testing/test_ca.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "sign/sign_ssl.h"
#include "sign/sign_verifier.h"

namespace cvdguard::testing {
namespace {

using internal::BioPtr;
using internal::CmsPtr;
using internal::EvpPkeyPtr;
using internal::X509Ptr;
using internal::X509StackPtr;
using internal::X509StorePtr;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "test_ca: %s failed: %s\n", what, internal::TakeSslError().c_str());
  std::abort();
}

void Check(bool ok, const char* what) {
  if (!ok) Die(what);
}

EvpPkeyPtr ParseKey(const std::string& pem) {
  BioPtr bio = internal::MemBio(pem);
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  Check(key != nullptr, "PEM_read_bio_PrivateKey");
  return key;
}

X509Ptr ParseCert(const std::string& pem) {
  std::vector<X509Ptr> certs;
  std::string error;
  Check(internal::ReadPemCerts(pem, &certs, &error) && certs.size() == 1, "ReadPemCerts");
  return std::move(certs.front());
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);  // NOLINT(google-runtime-int)
  return std::string(data, static_cast<std::size_t>(len));
}

void SetName(X509_NAME* name, const std::string& cn) {
  if (!cn.empty()) {
    Check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                     0) == 1,
          "add CN");
  }
  Check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>("cvdguard tests"), -1, -1,
                                   0) == 1,
        "add O");
}

void AddExt(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  Check(ext != nullptr, "X509V3_EXT_conf_nid");
  Check(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
}

}  // namespace

std::string GenerateKeyPem(KeyKind kind) {
  EvpPkeyPtr key(kind == KeyKind::kRsa2048
                     ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048))
                     : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  Check(key != nullptr, "EVP_PKEY_Q_keygen");
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  return BioText(bio.get());
}

const std::string& CachedKeyPem(const std::string& label, KeyKind kind) {
  static std::mutex mu;
  static std::map<std::pair<std::string, KeyKind>, std::string> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[{label, kind}];
  if (slot.empty()) slot = GenerateKeyPem(kind);
  return slot;
}

TestCert IssueCert(const CertSpec& spec, const std::string& key_pem, const std::string& issuer_cn,
                   const std::string& issuer_key_pem) {
  static std::atomic<long> serial{1000};  // NOLINT(google-runtime-int): ASN1_INTEGER_set
  EvpPkeyPtr key = ParseKey(key_pem);
  EvpPkeyPtr issuer_key = ParseKey(issuer_cn.empty() ? key_pem : issuer_key_pem);
  X509Ptr cert(X509_new());
  Check(cert != nullptr, "X509_new");
  Check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
  Check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++) == 1, "serial");
  Check(ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(spec.not_before)) !=
            nullptr,
        "notBefore");
  Check(
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(spec.not_after)) != nullptr,
      "notAfter");
  SetName(X509_get_subject_name(cert.get()), spec.cn);
  SetName(X509_get_issuer_name(cert.get()), issuer_cn.empty() ? spec.cn : issuer_cn);
  Check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");
  if (spec.is_ca) {
    AddExt(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    AddExt(cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExt(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
    AddExt(cert.get(), NID_key_usage,
           spec.leaf_cert_sign_only ? "critical,keyCertSign" : "critical,digitalSignature");
  }
  if (spec.eku == Eku::kEmailProtection) AddExt(cert.get(), NID_ext_key_usage, "emailProtection");
  if (spec.eku == Eku::kCodeSigningOnly) AddExt(cert.get(), NID_ext_key_usage, "codeSigning");
  Check(X509_sign(cert.get(), issuer_key.get(), EVP_sha256()) > 0, "X509_sign");
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_X509(bio.get(), cert.get()) == 1, "PEM_write_bio_X509");
  return TestCert{BioText(bio.get()), key_pem, spec.cn};
}

TestCert IssueCert(const CertSpec& spec, const std::string& key_pem, const TestCert* issuer) {
  if (issuer == nullptr) return IssueCert(spec, key_pem, "", "");
  return IssueCert(spec, key_pem, issuer->cn, issuer->key_pem);
}

TestChain MakeChain(const ChainSpec& spec) {
  TestChain chain;
  CertSpec root{spec.prefix + " Root CA", spec.root_from, spec.root_to, true, Eku::kNone, false};
  // Keys are shared by role across chains (names tell chains apart), so a
  // test process generates few keys; CA keys are EC because RSA key
  // generation dominates the test time.
  chain.root = IssueCert(root, CachedKeyPem("root", spec.ca_key), nullptr);
  CertSpec inter{spec.prefix + " Intermediate CA",
                 spec.inter_from,
                 spec.inter_to,
                 true,
                 spec.inter_eku,
                 false};
  chain.intermediate = IssueCert(inter, CachedKeyPem("inter", spec.ca_key), &chain.root);
  CertSpec leaf{spec.prefix + " Signing Cert", spec.leaf_from, spec.leaf_to, false, spec.leaf_eku,
                spec.leaf_cert_sign_only};
  chain.leaf = IssueCert(leaf, CachedKeyPem("leaf", spec.leaf_key), &chain.intermediate);
  return chain;
}

const TestChain& DefaultChain() {
  static const TestChain chain = MakeChain(ChainSpec{});
  return chain;
}

std::vector<std::uint8_t> MakeCmsDer(std::string_view content, const CmsSpec& spec) {
  ERR_clear_error();
  X509StackPtr extra(sk_X509_new_null());
  Check(extra != nullptr, "sk_X509_new_null");
  for (const auto& pem : spec.extra_certs_pem) {
    X509Ptr cert = ParseCert(pem);
    Check(sk_X509_push(extra.get(), cert.get()) > 0, "sk_X509_push");
    cert.release();
  }
  const unsigned int base =
      CMS_BINARY | CMS_PARTIAL | (spec.detached ? static_cast<unsigned int>(CMS_DETACHED) : 0u);
  CmsPtr cms(CMS_sign(nullptr, nullptr, extra.get(), nullptr, base));
  Check(cms != nullptr, "CMS_sign");
  std::vector<X509Ptr> keep_certs;
  std::vector<EvpPkeyPtr> keep_keys;
  std::vector<std::string> embedded;
  for (const auto& s : spec.signers) {
    keep_certs.push_back(ParseCert(s.cert->cert_pem));
    keep_keys.push_back(ParseKey(s.cert->key_pem));
    const EVP_MD* md = EVP_get_digestbyname(s.md.c_str());
    Check(md != nullptr, "EVP_get_digestbyname");
    unsigned int flags = base;
    if (s.no_attrs) flags |= CMS_NOATTR;
    // OpenSSL refuses to embed the same certificate twice.
    const bool seen =
        std::find(embedded.begin(), embedded.end(), s.cert->cert_pem) != embedded.end();
    if (!spec.embed_signer_certs || seen) flags |= CMS_NOCERTS;
    embedded.push_back(s.cert->cert_pem);
    Check(CMS_add1_signer(cms.get(), keep_certs.back().get(), keep_keys.back().get(), md, flags) !=
              nullptr,
          "CMS_add1_signer");
  }
  BioPtr data = internal::MemBio(content);
  // A certificates-only SignedData (no signer) has nothing to finalise.
  if (!spec.signers.empty()) {
    Check(CMS_final(cms.get(), data.get(), nullptr, base) == 1, "CMS_final");
  }
  unsigned char* der = nullptr;
  const int len = i2d_CMS_ContentInfo(cms.get(), &der);
  Check(len > 0, "i2d_CMS_ContentInfo");
  std::vector<std::uint8_t> out(der, der + len);
  OPENSSL_free(der);
  return out;
}

std::string SignLine(const std::vector<std::uint8_t>& der, const std::string& flevels) {
  return flevels + ":pkcs7-pem:" + internal::Base64Encode(der.data(), der.size());
}

std::string SignText(const std::vector<std::string>& lines) {
  std::string text = "#clamsign-1.0\n";
  for (const auto& line : lines) text += line + "\n";
  return text;
}

std::string DefaultSignText(std::string_view content) {
  const TestChain& chain = DefaultChain();
  CmsSpec spec;
  spec.signers.push_back({&chain.leaf});
  spec.extra_certs_pem.push_back(chain.intermediate.cert_pem);
  return SignText({SignLine(MakeCmsDer(content, spec))});
}

Digest Sha256(std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  Check(EVP_Digest(data.data(), data.size(), out.bytes, &len, EVP_sha256(), nullptr) == 1 &&
            len == 32,
        "EVP_Digest");
  return out;
}

std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool OpensslCmsVerify(const std::vector<std::uint8_t>& der, std::string_view content,
                      const std::string& trusted_pem, std::int64_t at_time) {
  ERR_clear_error();
  const unsigned char* p = der.data();
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));  // NOLINT
  if (!cms) return false;
  X509StorePtr store(X509_STORE_new());
  std::vector<X509Ptr> certs;
  std::string error;
  Check(internal::ReadPemCerts(trusted_pem, &certs, &error), "ReadPemCerts");
  for (const auto& c : certs) Check(X509_STORE_add_cert(store.get(), c.get()) == 1, "add_cert");
  X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store.get()), static_cast<time_t>(at_time));
  BioPtr data = internal::MemBio(content);
  const bool ok = CMS_verify(cms.get(), nullptr, store.get(), data.get(), nullptr,
                             CMS_BINARY | CMS_DETACHED) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace cvdguard::testing
