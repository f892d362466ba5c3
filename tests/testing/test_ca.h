// An in-process test PKI for .sign tests: keys, a root CA, an intermediate
// and signing certificates with chosen validity windows and extensions, and
// CMS SignedData variants. Everything is generated with OpenSSL; nothing is
// read from disk.
#ifndef CVDGUARD_TESTS_TESTING_TEST_CA_H_
#define CVDGUARD_TESTS_TESTING_TEST_CA_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cvdguard::testing {

// Unix times used by the tests.
inline constexpr std::int64_t kTime2020 = 1577836800;  // 2020-01-01T00:00:00Z
inline constexpr std::int64_t kTime2025 = 1735689600;  // 2025-01-01T00:00:00Z
inline constexpr std::int64_t kTime2026 = 1767225600;  // 2026-01-01T00:00:00Z
inline constexpr std::int64_t kTime2028 = 1830297600;  // 2028-01-01T00:00:00Z
inline constexpr std::int64_t kTime2035 = 2051222400;  // 2035-01-01T00:00:00Z

enum class KeyKind { kRsa2048, kEcP256 };

// A fresh private key as PKCS#8 PEM.
std::string GenerateKeyPem(KeyKind kind);
// One key per label, generated once per process (RSA generation is slow).
const std::string& CachedKeyPem(const std::string& label, KeyKind kind = KeyKind::kRsa2048);

enum class Eku { kNone, kEmailProtection, kCodeSigningOnly };

struct CertSpec {
  std::string cn;  // subject is "CN=<cn>,O=cvdguard tests"; empty = no CN
  std::int64_t not_before = kTime2025;
  std::int64_t not_after = kTime2035;
  bool is_ca = false;                // basicConstraints CA:TRUE, keyUsage keyCertSign|cRLSign
  Eku eku = Eku::kNone;              // leaf default keyUsage: digitalSignature
  bool leaf_cert_sign_only = false;  // leaf keyUsage keyCertSign instead
};

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
  std::string cn;
};

// Issues a certificate for `key_pem` named by `spec`, with issuer name
// "CN=<issuer_cn>,O=cvdguard tests", signed with `issuer_key_pem`. An empty
// issuer_cn means self-signed with the subject's own key. Aborts on OpenSSL
// failure.
TestCert IssueCert(const CertSpec& spec, const std::string& key_pem, const std::string& issuer_cn,
                   const std::string& issuer_key_pem);
// Convenience: issued by `issuer`, or self-signed when issuer is null.
TestCert IssueCert(const CertSpec& spec, const std::string& key_pem, const TestCert* issuer);

struct TestChain {
  TestCert root, intermediate, leaf;
};

struct ChainSpec {
  std::string prefix = "cvdguard test";  // CNs: "<prefix> Root CA" etc.
  std::int64_t root_from = kTime2025, root_to = kTime2035;
  std::int64_t inter_from = kTime2025, inter_to = kTime2035;
  std::int64_t leaf_from = kTime2025, leaf_to = kTime2035;
  Eku leaf_eku = Eku::kEmailProtection;
  Eku inter_eku = Eku::kNone;
  bool leaf_cert_sign_only = false;
  KeyKind leaf_key = KeyKind::kRsa2048;  // like ClamAV's RSA signer
  KeyKind ca_key = KeyKind::kEcP256;     // root and intermediate
};

// Root -> intermediate -> signing certificate. Keys are cached by role, so
// chains with different prefixes share keys but not names.
TestChain MakeChain(const ChainSpec& spec);
// A valid chain, 2025-01-01 .. 2035-01-01, leaf EKU emailProtection.
const TestChain& DefaultChain();

// CMS SignedData for tests, more flexible than CreateSignFile.
struct CmsSigner {
  const TestCert* cert;
  bool no_attrs = false;      // CMS_NOATTR: signature over the content digest
  std::string md = "SHA256";  // digest algorithm name
};
struct CmsSpec {
  std::vector<CmsSigner> signers;
  std::vector<std::string> extra_certs_pem;  // embedded besides the signers
  bool detached = true;
  bool embed_signer_certs = true;  // false: CMS_NOCERTS
};
std::vector<std::uint8_t> MakeCmsDer(std::string_view content, const CmsSpec& spec);

// "<min>:<max>:pkcs7-pem:<base64 of der>" (no newline).
std::string SignLine(const std::vector<std::uint8_t>& der, const std::string& flevels = "230:");
// "#clamsign-1.0\n" + each line + "\n".
std::string SignText(const std::vector<std::string>& lines);
// A .sign for `content` signed by DefaultChain()'s leaf, intermediate embedded.
std::string DefaultSignText(std::string_view content);

struct Digest {
  std::uint8_t bytes[32];
};
Digest Sha256(std::string_view data);
std::string ReadTextFile(const std::string& path);

// OpenSSL's own CMS_verify(... CMS_BINARY | CMS_DETACHED) over the full
// content, with the trusted PEM certificates and a pinned time: the oracle
// the digest-based verifier is compared with. Returns true if it verifies.
bool OpensslCmsVerify(const std::vector<std::uint8_t>& der, std::string_view content,
                      const std::string& trusted_pem, std::int64_t at_time);

}  // namespace cvdguard::testing

#endif  // CVDGUARD_TESTS_TESTING_TEST_CA_H_
