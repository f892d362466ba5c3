// VerifySignFile and CreateSignFile with a generated PKI (tests/testing/
// test_ca.h): chain and signature failures, malformed .sign text, limits,
// flevel filtering, line ordering, and agreement with OpenSSL's CMS_verify.
#include "sign/sign_verifier.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cvdguard/finding.h"
#include "cvdguard/report.h"

#include "sign/sign_ssl.h"
#include "testing/test_ca.h"

namespace cvdguard::internal {
namespace {

using testing::CmsSpec;
using testing::DefaultChain;
using testing::kTime2020;
using testing::kTime2025;
using testing::kTime2026;
using testing::kTime2028;
using testing::kTime2035;
using testing::MakeCmsDer;
using testing::SignLine;
using testing::SignText;
using testing::TestCert;
using testing::TestChain;

const std::string kContent = "ClamAV-VDB:fake header for the .sign tests\nsome payload bytes\n";

bool HasCode(const SignResult& r, Code code) {
  return std::any_of(r.findings.begin(), r.findings.end(),
                     [code](const Finding& f) { return f.code == code; });
}

std::string Codes(const SignResult& r) {
  std::string out;
  for (const Finding& f : r.findings)
    out += std::string(CodeName(f.code)) + " (" + f.message + ") ";
  return out;
}

// The invariants every result must keep, whatever the input.
void CheckConsistent(const SignResult& r) {
  bool error = false;
  for (const Finding& f : r.findings) {
    EXPECT_EQ(f.severity, DefaultSeverity(f.code));
    EXPECT_GE(CodeNumber(f.code), 600);
    EXPECT_LE(CodeNumber(f.code), 699);
    error = error || f.severity >= Severity::kError;
  }
  EXPECT_EQ(error, r.outcome == SigOutcome::kInvalid) << Codes(r);
  EXPECT_EQ(HasCode(r, Code::kSignClamavDiffers), r.outcome != r.clamav_outcome);
}

class SignVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    store_holder_ = LoadTrustStoreFromPem(DefaultChain().root.cert_pem, &error);
    ASSERT_NE(store_holder_, nullptr) << error;
    store_ = store_holder_.get();
  }

  static SignResult Verify(std::string_view sign_text, std::string_view content = kContent,
                           std::int64_t at = kTime2026,
                           std::optional<std::uint32_t> engine = std::nullopt,
                           const TrustStore* store = store_) {
    const testing::Digest digest = testing::Sha256(content);
    SignVerifyParams params;
    params.store = store;
    params.at_time = at;
    params.engine_flevel = engine;
    SignResult r = VerifySignFile(sign_text, digest.bytes, params);
    CheckConsistent(r);
    return r;
  }

  // A line signed by `leaf` with `extra` embedded.
  static std::string LineFor(const TestCert& leaf, std::vector<std::string> extra,
                             const std::string& flevels = "230:") {
    CmsSpec spec;
    spec.signers.push_back({&leaf});
    spec.extra_certs_pem = std::move(extra);
    return SignLine(MakeCmsDer(kContent, spec), flevels);
  }
  static std::string GoodLine(const std::string& flevels = "230:") {
    return LineFor(DefaultChain().leaf, {DefaultChain().intermediate.cert_pem}, flevels);
  }

  static inline const TrustStore* store_ = nullptr;
  static inline std::shared_ptr<const TrustStore> store_holder_;
};

// --- valid signatures ------------------------------------------------------

TEST_F(SignVerifierTest, CreateSignFileOutputVerifies) {
  const TestChain& c = DefaultChain();
  std::string text, error;
  ASSERT_TRUE(CreateSignFile(kContent, c.leaf.cert_pem, c.leaf.key_pem, c.intermediate.cert_pem,
                             230, &text, &error))
      << error;
  EXPECT_EQ(text.rfind("#clamsign-1.0\n230::pkcs7-pem:", 0), 0u);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  const SignResult r = Verify(text);
  EXPECT_EQ(r.outcome, SigOutcome::kValid) << Codes(r);
  EXPECT_TRUE(r.findings.empty()) << Codes(r);
  EXPECT_EQ(r.signer, "O=cvdguard tests,CN=cvdguard test Signing Cert");
  ASSERT_EQ(r.chain.size(), 3u);
  EXPECT_EQ(r.chain[0], r.signer);
  EXPECT_EQ(r.chain[1], "O=cvdguard tests,CN=cvdguard test Intermediate CA");
  EXPECT_EQ(r.chain[2], "O=cvdguard tests,CN=cvdguard test Root CA");
  // The same .sign over other content is invalid.
  const SignResult other = Verify(text, kContent + "x");
  EXPECT_EQ(other.outcome, SigOutcome::kInvalid);
  EXPECT_TRUE(HasCode(other, Code::kSignDigestMismatch));
}

TEST_F(SignVerifierTest, CreateSignFileRejectsBadInput) {
  const TestChain& c = DefaultChain();
  std::string text, error;
  EXPECT_FALSE(CreateSignFile(kContent, c.leaf.cert_pem, c.leaf.key_pem, "", 229, &text, &error));
  EXPECT_NE(error.find("230"), std::string::npos);
  EXPECT_FALSE(CreateSignFile(kContent, c.leaf.cert_pem, c.root.key_pem, "", 230, &text, &error));
  EXPECT_NE(error.find("does not match"), std::string::npos) << error;
  EXPECT_FALSE(CreateSignFile(kContent, "not a pem", c.leaf.key_pem, "", 230, &text, &error));
  EXPECT_FALSE(CreateSignFile(kContent, c.leaf.cert_pem, "garbage", "", 230, &text, &error));
  EXPECT_FALSE(CreateSignFile(kContent, c.leaf.cert_pem, c.leaf.key_pem,
                              "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", 230,
                              &text, &error));
}

TEST_F(SignVerifierTest, EcdsaSignerIsValid) {
  testing::ChainSpec spec;
  spec.prefix = "cvdguard ec";
  spec.leaf_key = testing::KeyKind::kEcP256;
  const TestChain ec = testing::MakeChain(spec);
  std::string error;
  auto store = LoadTrustStoreFromPem(ec.root.cert_pem, &error);
  ASSERT_NE(store, nullptr) << error;
  const std::string text = SignText({LineFor(ec.leaf, {ec.intermediate.cert_pem})});
  EXPECT_EQ(Verify(text, kContent, kTime2026, std::nullopt, store.get()).outcome,
            SigOutcome::kValid);
  const SignResult bad = Verify(text, "other", kTime2026, std::nullopt, store.get());
  EXPECT_EQ(bad.outcome, SigOutcome::kInvalid);
  EXPECT_TRUE(HasCode(bad, Code::kSignDigestMismatch));
}

TEST_F(SignVerifierTest, NoSignedAttributesVerifiesContentDigest) {
  CmsSpec spec;
  spec.signers.push_back({&DefaultChain().leaf, /*no_attrs=*/true});
  spec.extra_certs_pem = {DefaultChain().intermediate.cert_pem};
  const std::string text = SignText({SignLine(MakeCmsDer(kContent, spec))});
  const SignResult ok = Verify(text);
  EXPECT_EQ(ok.outcome, SigOutcome::kValid) << Codes(ok);
  const SignResult bad = Verify(text, kContent + " ");
  EXPECT_EQ(bad.outcome, SigOutcome::kInvalid);
  EXPECT_TRUE(HasCode(bad, Code::kSignBadSignature)) << Codes(bad);
}

TEST_F(SignVerifierTest, EverySignerInfoMustVerify) {
  const TestChain& c = DefaultChain();
  testing::ChainSpec other_spec;
  other_spec.prefix = "cvdguard other";
  const TestChain other = testing::MakeChain(other_spec);
  CmsSpec both;
  both.signers = {{&c.leaf}, {&c.leaf, true}};
  both.extra_certs_pem = {c.intermediate.cert_pem};
  EXPECT_EQ(Verify(SignText({SignLine(MakeCmsDer(kContent, both))})).outcome, SigOutcome::kValid);
  // The second signer chains to a root the store does not trust.
  CmsSpec mixed;
  mixed.signers = {{&c.leaf}, {&other.leaf}};
  mixed.extra_certs_pem = {c.intermediate.cert_pem, other.intermediate.cert_pem};
  const SignResult r = Verify(SignText({SignLine(MakeCmsDer(kContent, mixed))}));
  EXPECT_EQ(r.outcome, SigOutcome::kInvalid);
  EXPECT_TRUE(HasCode(r, Code::kSignChainUntrusted)) << Codes(r);
}

// --- chains ------------------------------------------------------------------

struct ChainCase {
  const char* name;
  testing::ChainSpec spec;
  std::int64_t at;
  Code code;
};

TEST_F(SignVerifierTest, ChainFailuresAreInvalid) {
  auto spec = [](const char* prefix) {
    testing::ChainSpec s;
    s.prefix = prefix;
    return s;
  };
  std::vector<ChainCase> cases;
  {
    auto s = spec("cvdguard expired");
    s.leaf_from = kTime2020;
    s.leaf_to = kTime2025 + 86400;
    cases.push_back({"expired leaf", s, kTime2026, Code::kSignCertExpired});
  }
  {
    auto s = spec("cvdguard future");
    s.leaf_from = kTime2028;
    cases.push_back({"not-yet-valid leaf", s, kTime2026, Code::kSignCertNotYetValid});
  }
  {
    auto s = spec("cvdguard inter expired");
    s.inter_to = kTime2025 + 86400;
    cases.push_back({"expired intermediate", s, kTime2026, Code::kSignCertExpired});
  }
  {
    auto s = spec("cvdguard root future");
    s.root_from = kTime2028;
    cases.push_back({"not-yet-valid root", s, kTime2026, Code::kSignCertNotYetValid});
  }
  cases.push_back(
      {"time after every cert", spec("cvdguard late"), kTime2035 + 86400, Code::kSignCertExpired});
  {
    auto s = spec("cvdguard eku");
    s.leaf_eku = testing::Eku::kCodeSigningOnly;
    cases.push_back({"leaf EKU codeSigning only", s, kTime2026, Code::kSignWrongPurpose});
  }
  {
    auto s = spec("cvdguard ku");
    s.leaf_cert_sign_only = true;
    cases.push_back(
        {"leaf keyUsage without digitalSignature", s, kTime2026, Code::kSignWrongPurpose});
  }
  {
    auto s = spec("cvdguard inter eku");
    s.inter_eku = testing::Eku::kCodeSigningOnly;
    cases.push_back({"intermediate EKU codeSigning only", s, kTime2026, Code::kSignWrongPurpose});
  }
  for (const auto& c : cases) {
    const TestChain chain = testing::MakeChain(c.spec);
    std::string error;
    auto store = LoadTrustStoreFromPem(chain.root.cert_pem, &error);
    ASSERT_NE(store, nullptr) << error;
    const std::string line = LineFor(chain.leaf, {chain.intermediate.cert_pem});
    const SignResult r = Verify(SignText({line}), kContent, c.at, std::nullopt, store.get());
    EXPECT_EQ(r.outcome, SigOutcome::kInvalid) << c.name;
    EXPECT_TRUE(HasCode(r, c.code)) << c.name << ": " << Codes(r);
    EXPECT_FALSE(HasCode(r, Code::kSignDigestMismatch)) << c.name;
    EXPECT_FALSE(r.signer.empty()) << c.name;
    // OpenSSL's CMS_verify over the content agrees.
    std::vector<std::uint8_t> der;
    ASSERT_TRUE(Base64Decode(line.substr(line.rfind(':') + 1), &der));
    EXPECT_FALSE(testing::OpensslCmsVerify(der, kContent, chain.root.cert_pem, c.at)) << c.name;
    EXPECT_TRUE(testing::OpensslCmsVerify(der, kContent, chain.root.cert_pem, kTime2026) ||
                c.at == kTime2026)
        << c.name;
  }
}

TEST_F(SignVerifierTest, SelfSignedSignerIsUntrusted) {
  testing::CertSpec spec{"cvdguard self-signed signer",  kTime2025, kTime2035, false,
                         testing::Eku::kEmailProtection, false};
  const TestCert self = testing::IssueCert(spec, testing::CachedKeyPem("leaf"), nullptr);
  const SignResult r = Verify(SignText({LineFor(self, {})}));
  EXPECT_EQ(r.outcome, SigOutcome::kInvalid);
  EXPECT_TRUE(HasCode(r, Code::kSignChainUntrusted)) << Codes(r);
}

TEST_F(SignVerifierTest, MissingIntermediateIsUntrusted) {
  const SignResult r = Verify(SignText({LineFor(DefaultChain().leaf, {})}));
  EXPECT_EQ(r.outcome, SigOutcome::kInvalid);
  EXPECT_TRUE(HasCode(r, Code::kSignChainUntrusted)) << Codes(r);
  ASSERT_FALSE(r.chain.empty());
  EXPECT_EQ(r.chain[0], r.signer);
}

TEST_F(SignVerifierTest, IntermediateInStoreIsNotAPartialChainAnchor) {
  // ClamAV sets no X509_V_FLAG_PARTIAL_CHAIN: trusting only the
  // intermediate is not enough, the chain must end in a self-signed root.
  std::string error;
  auto store = LoadTrustStoreFromPem(DefaultChain().intermediate.cert_pem, &error);
  ASSERT_NE(store, nullptr) << error;
  const SignResult r = Verify(SignText({LineFor(DefaultChain().leaf, {})}), kContent, kTime2026,
                              std::nullopt, store.get());
  EXPECT_EQ(r.outcome, SigOutcome::kInvalid);
  EXPECT_TRUE(HasCode(r, Code::kSignChainUntrusted)) << Codes(r);
}

TEST_F(SignVerifierTest, CertificateLoopsTerminateAsUntrusted) {
  const std::string& key_a = testing::CachedKeyPem("a", testing::KeyKind::kEcP256);
  const std::string& key_b = testing::CachedKeyPem("b", testing::KeyKind::kEcP256);
  testing::CertSpec ca{"cvdguard loop A", kTime2025, kTime2035, true, testing::Eku::kNone, false};
  // A is issued by B and B by A: each refers to the other.
  const TestCert a = testing::IssueCert(ca, key_a, "cvdguard loop B", key_b);
  ca.cn = "cvdguard loop B";
  const TestCert b = testing::IssueCert(ca, key_b, "cvdguard loop A", key_a);
  // C names itself as issuer but is signed by another key (self-issued,
  // not self-signed).
  ca.cn = "cvdguard loop C";
  const TestCert c =
      testing::IssueCert(ca, testing::CachedKeyPem("a", testing::KeyKind::kEcP256),
                         "cvdguard loop C", testing::CachedKeyPem("b", testing::KeyKind::kEcP256));
  testing::CertSpec leaf{"cvdguard loop leaf",           kTime2025, kTime2035, false,
                         testing::Eku::kEmailProtection, false};
  const TestCert leaf_a = testing::IssueCert(leaf, testing::CachedKeyPem("leaf"), &a);
  const TestCert leaf_c = testing::IssueCert(leaf, testing::CachedKeyPem("leaf"), &c);

  const SignResult r1 = Verify(SignText({LineFor(leaf_a, {a.cert_pem, b.cert_pem})}));
  EXPECT_EQ(r1.outcome, SigOutcome::kInvalid);
  EXPECT_TRUE(HasCode(r1, Code::kSignChainUntrusted)) << Codes(r1);
  const SignResult r2 = Verify(SignText({LineFor(leaf_c, {c.cert_pem})}));
  EXPECT_EQ(r2.outcome, SigOutcome::kInvalid);
  EXPECT_TRUE(HasCode(r2, Code::kSignChainUntrusted)) << Codes(r2);

  // Even with one of the looping certificates trusted, no chain ends in a
  // self-signed root.
  std::string error;
  auto store = LoadTrustStoreFromPem(a.cert_pem, &error);
  ASSERT_NE(store, nullptr) << error;
  const SignResult r3 = Verify(SignText({LineFor(leaf_a, {a.cert_pem, b.cert_pem})}), kContent,
                               kTime2026, std::nullopt, store.get());
  EXPECT_EQ(r3.outcome, SigOutcome::kInvalid) << Codes(r3);
}

// --- signature and structure -------------------------------------------------

// Re-encodes `der` after `edit` changes the first SignerInfo.
std::vector<std::uint8_t> EditSignerInfo(const std::vector<std::uint8_t>& der,
                                         void (*edit)(CMS_SignerInfo*)) {
  const unsigned char* p = der.data();
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));  // NOLINT
  EXPECT_NE(cms, nullptr);
  if (!cms) return {};
  edit(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0));
  unsigned char* out = nullptr;
  const int len = i2d_CMS_ContentInfo(cms.get(), &out);
  EXPECT_GT(len, 0);
  std::vector<std::uint8_t> result(out, out + len);
  OPENSSL_free(out);
  return result;
}

std::vector<std::uint8_t> DefaultDer() {
  CmsSpec spec;
  spec.signers.push_back({&DefaultChain().leaf});
  spec.extra_certs_pem = {DefaultChain().intermediate.cert_pem};
  return MakeCmsDer(kContent, spec);
}

TEST_F(SignVerifierTest, AlteredSignatureIsBadSignature) {
  const auto der = EditSignerInfo(DefaultDer(), [](CMS_SignerInfo* si) {
    ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(si);
    std::vector<unsigned char> bytes(ASN1_STRING_get0_data(sig),
                                     ASN1_STRING_get0_data(sig) + ASN1_STRING_length(sig));
    bytes[bytes.size() / 2] ^= 0x10;
    ASN1_OCTET_STRING_set(sig, bytes.data(), static_cast<int>(bytes.size()));
  });
  const SignResult r = Verify(SignText({SignLine(der)}));
  EXPECT_EQ(r.outcome, SigOutcome::kInvalid);
  EXPECT_TRUE(HasCode(r, Code::kSignBadSignature)) << Codes(r);
  EXPECT_FALSE(HasCode(r, Code::kSignDigestMismatch));
  EXPECT_FALSE(testing::OpensslCmsVerify(der, kContent, DefaultChain().root.cert_pem, kTime2026));
}

TEST_F(SignVerifierTest, SignedAttributesAreCoveredBySignature) {
  // messageDigest rewritten to match other content: the digest check passes
  // but the signature over the signed attributes no longer does.
  static const std::string kOther = "entirely different content";
  const auto der = EditSignerInfo(DefaultDer(), [](CMS_SignerInfo* si) {
    const testing::Digest d = testing::Sha256(kOther);
    auto* md = static_cast<ASN1_OCTET_STRING*>(CMS_signed_get0_data_by_OBJ(
        si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING));
    ASSERT_NE(md, nullptr);
    ASN1_OCTET_STRING_set(md, d.bytes, 32);
  });
  const SignResult r = Verify(SignText({SignLine(der)}), kOther);
  EXPECT_EQ(r.outcome, SigOutcome::kInvalid);
  EXPECT_TRUE(HasCode(r, Code::kSignBadSignature)) << Codes(r);
  EXPECT_FALSE(HasCode(r, Code::kSignDigestMismatch));
  EXPECT_FALSE(testing::OpensslCmsVerify(der, kOther, DefaultChain().root.cert_pem, kTime2026));
}

TEST_F(SignVerifierTest, MissingMessageDigestIsInvalid) {
  const auto der = EditSignerInfo(DefaultDer(), [](CMS_SignerInfo* si) {
    const int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_messageDigest, -1);
    ASSERT_GE(idx, 0);
    X509_ATTRIBUTE_free(CMS_signed_delete_attr(si, idx));
  });
  const SignResult r = Verify(SignText({SignLine(der)}));
  EXPECT_EQ(r.outcome, SigOutcome::kInvalid);
  EXPECT_TRUE(HasCode(r, Code::kSignMissingMessageDigest)) << Codes(r);
}

TEST_F(SignVerifierTest, StructuralProblemsCannotVerify) {
  const TestChain& c = DefaultChain();
  struct Case {
    const char* name;
    CmsSpec spec;
    Code code;
  };
  std::vector<Case> cases;
  {
    CmsSpec s;
    s.signers.push_back({&c.leaf, false, "SHA1"});
    s.extra_certs_pem = {c.intermediate.cert_pem};
    cases.push_back({"SHA-1 digest", s, Code::kSignUnsupportedDigest});
  }
  {
    CmsSpec s;
    s.signers.push_back({&c.leaf, false, "SHA512"});
    s.extra_certs_pem = {c.intermediate.cert_pem};
    cases.push_back({"SHA-512 digest", s, Code::kSignUnsupportedDigest});
  }
  {
    CmsSpec s;
    s.signers.push_back({&c.leaf});
    s.extra_certs_pem = {c.intermediate.cert_pem};
    s.embed_signer_certs = false;
    cases.push_back({"signer certificate not embedded", s, Code::kSignSignerNotFound});
  }
  {
    CmsSpec s;
    s.signers.push_back({&c.leaf});
    s.extra_certs_pem = {c.intermediate.cert_pem};
    s.detached = false;
    cases.push_back({"content embedded", s, Code::kSignNotDetached});
  }
  {
    CmsSpec s;  // certificates-only SignedData
    s.extra_certs_pem = {c.leaf.cert_pem, c.intermediate.cert_pem};
    cases.push_back({"no SignerInfo", s, Code::kSignNoSignerInfo});
  }
  {
    CmsSpec s;
    for (std::size_t i = 0; i <= kMaxSignerInfos; ++i) s.signers.push_back({&c.leaf});
    s.extra_certs_pem = {c.intermediate.cert_pem};
    cases.push_back({"too many SignerInfos", s, Code::kSignTooManySigners});
  }
  for (const auto& k : cases) {
    const SignResult r = Verify(SignText({SignLine(MakeCmsDer(kContent, k.spec))}));
    EXPECT_EQ(r.outcome, SigOutcome::kCannotVerify) << k.name << ": " << Codes(r);
    EXPECT_TRUE(HasCode(r, k.code)) << k.name << ": " << Codes(r);
    ASSERT_EQ(r.lines.size(), 1u) << k.name;
    EXPECT_FALSE(r.lines[0].malformed) << k.name;
    EXPECT_EQ(r.lines[0].code, k.code) << k.name;
  }
}

// --- the .sign text ------------------------------------------------------------

TEST_F(SignVerifierTest, MalformedHeaderCannotVerify) {
  const std::string line = GoodLine();
  const std::vector<std::string> headers = {"#clamsign-1.1",
                                            "#clamsign-1.0 ",
                                            "#clamsign-1.0\r",
                                            "#clamsign",
                                            "clamsign-1.0",
                                            "#clamsign-1.0-x",
                                            "#CLAMSIGN-1.0",
                                            "\xEF\xBB\xBF#clamsign-1.0",
                                            "",
                                            " #clamsign-1.0",
                                            "230::pkcs7-pem:AAAA"};
  for (const auto& h : headers) {
    const SignResult r = Verify(h + "\n" + line + "\n");
    EXPECT_EQ(r.outcome, SigOutcome::kCannotVerify) << "header [" << h << "]";
    EXPECT_TRUE(HasCode(r, Code::kSignMalformedHeader)) << "header [" << h << "]";
    EXPECT_TRUE(r.lines.empty());
  }
  // Without a newline at all.
  EXPECT_TRUE(HasCode(Verify("#clamsign-1.0x"), Code::kSignMalformedHeader));
}

TEST_F(SignVerifierTest, EmptyAndHeaderOnly) {
  const SignResult empty = Verify("");
  EXPECT_EQ(empty.outcome, SigOutcome::kCannotVerify);
  EXPECT_TRUE(HasCode(empty, Code::kSignEmpty));
  for (const std::string text :
       {"#clamsign-1.0", "#clamsign-1.0\n", "#clamsign-1.0\n\n# only a comment\n   \n"}) {
    const SignResult r = Verify(text);
    EXPECT_EQ(r.outcome, SigOutcome::kCannotVerify) << text;
    EXPECT_TRUE(HasCode(r, Code::kSignNoUsableLine)) << text;
    EXPECT_TRUE(r.lines.empty());
  }
}

TEST_F(SignVerifierTest, MalformedLinesCannotVerify) {
  const std::string good = GoodLine();
  const std::string b64 = good.substr(good.rfind(':') + 1);
  std::vector<std::uint8_t> der;
  ASSERT_TRUE(Base64Decode(b64, &der));
  std::vector<std::uint8_t> trailing = der;
  trailing.push_back(0);
  std::vector<std::uint8_t> truncated(der.begin(), der.end() - 10);
  // A ContentInfo of type data, not SignedData.
  const std::vector<std::uint8_t> data_ci = {0x30, 0x13, 0x06, 0x09, 0x2a, 0x86, 0x48,
                                             0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0,
                                             0x06, 0x04, 0x04, 'a',  'b',  'c',  'd'};
  struct Case {
    std::string line;
    Code code;
  };
  const std::vector<Case> cases = {
      {"230::pkcs7-pem", Code::kSignLineMalformed},
      {"230:pkcs7-pem:" + b64, Code::kSignLineMalformed},
      {"230::pkcs7-pem:" + b64 + ":", Code::kSignLineMalformed},
      {"garbage", Code::kSignLineMalformed},
      {"abc::pkcs7-pem:" + b64, Code::kSignBadFlevel},
      {"::pkcs7-pem:" + b64, Code::kSignBadFlevel},
      {"+230::pkcs7-pem:" + b64, Code::kSignBadFlevel},
      {"-1::pkcs7-pem:" + b64, Code::kSignBadFlevel},
      {"4294967296::pkcs7-pem:" + b64, Code::kSignBadFlevel},
      {"230:x:pkcs7-pem:" + b64, Code::kSignBadFlevel},
      {"240:239:pkcs7-pem:" + b64, Code::kSignBadFlevel},
      {"229::pkcs7-pem:" + b64, Code::kSignFlevelTooLow},
      {"0::pkcs7-pem:" + b64, Code::kSignFlevelTooLow},
      {"230::pkcs7-der:" + b64, Code::kSignUnknownFormat},
      {"230::PKCS7-PEM:" + b64, Code::kSignUnknownFormat},
      {"230:::" + b64, Code::kSignUnknownFormat},
      {"230::pkcs7-pem:", Code::kSignBadBase64},
      {"230::pkcs7-pem:" + b64.substr(1), Code::kSignBadBase64},
      {"230::pkcs7-pem:" + b64.substr(0, 40) + " " + b64.substr(41), Code::kSignBadBase64},
      {"230::pkcs7-pem:" + b64.substr(0, 40) + "*" + b64.substr(41), Code::kSignBadBase64},
      {"230::pkcs7-pem:-----BEGIN PKCS7-----", Code::kSignBadBase64},
      {"230::pkcs7-pem:QQ=A", Code::kSignBadBase64},
      {"230::pkcs7-pem:QR==", Code::kSignBadBase64},  // non-zero pad bits
      {"230::pkcs7-pem:AAAA", Code::kSignBadDer},
      {"230::pkcs7-pem:" + Base64Encode(trailing.data(), trailing.size()), Code::kSignBadDer},
      {"230::pkcs7-pem:" + Base64Encode(truncated.data(), truncated.size()), Code::kSignBadDer},
      {"230::pkcs7-pem:" + Base64Encode(data_ci.data(), data_ci.size()), Code::kSignBadDer},
  };
  for (const auto& c : cases) {
    const SignResult r = Verify(SignText({c.line}));
    EXPECT_EQ(r.outcome, SigOutcome::kCannotVerify) << c.line.substr(0, 60);
    EXPECT_TRUE(HasCode(r, c.code)) << c.line.substr(0, 60) << ": " << Codes(r);
    ASSERT_EQ(r.lines.size(), 1u);
    EXPECT_TRUE(r.lines[0].malformed);
    EXPECT_EQ(r.lines[0].code, c.code);
    EXPECT_EQ(r.lines[0].line, 2u);
  }
}

TEST_F(SignVerifierTest, LimitsAreEnforced) {
  // A line just over the limit.
  const std::string huge = "230::pkcs7-pem:" + std::string(kMaxSignLineBytes, 'A');
  SignResult r = Verify(SignText({huge}));
  EXPECT_EQ(r.outcome, SigOutcome::kCannotVerify);
  EXPECT_TRUE(HasCode(r, Code::kSignLineTooLong)) << Codes(r);
  // A line of base64 just under the limit still parses up to the DER stage.
  const std::string big = "230::pkcs7-pem:" + std::string(kMaxSignLineBytes - 1024, 'A');
  r = Verify(SignText({big}));
  EXPECT_TRUE(HasCode(r, Code::kSignBadDer)) << Codes(r).substr(0, 200);
  // The file cap.
  r = Verify(SignText({GoodLine()}) + std::string(kMaxSignFileBytes, '#'));
  EXPECT_EQ(r.outcome, SigOutcome::kCannotVerify);
  EXPECT_TRUE(HasCode(r, Code::kSignFileTooLarge));
  // The line count cap: more lines than allowed never verify, even valid ones.
  const std::vector<std::string> lines(kMaxSignLines + 1, GoodLine());
  r = Verify(SignText(lines));
  EXPECT_EQ(r.outcome, SigOutcome::kCannotVerify);
  EXPECT_TRUE(HasCode(r, Code::kSignTooManyLines));
  EXPECT_EQ(r.lines.size(), kMaxSignLines);
}

TEST_F(SignVerifierTest, CommentsBlankLinesAndWhitespace) {
  const std::string line = GoodLine();
  SignResult r = Verify("#clamsign-1.0\n# comment\n\n   \n" + line + "\n\n# trailing\n");
  EXPECT_EQ(r.outcome, SigOutcome::kValid) << Codes(r);
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0].line, 5u);
  EXPECT_TRUE(r.findings.empty());
  // CRLF and surrounding blanks: ClamAV trims, so it verifies, with a remark.
  r = Verify("#clamsign-1.0\n  " + line + " \r\n");
  EXPECT_EQ(r.outcome, SigOutcome::kValid) << Codes(r);
  EXPECT_TRUE(HasCode(r, Code::kSignLineWhitespace));
  // No final newline.
  r = Verify("#clamsign-1.0\n" + line);
  EXPECT_EQ(r.outcome, SigOutcome::kValid) << Codes(r);
  // sigtool --append style: an empty line between two signature lines.
  r = Verify("#clamsign-1.0\n" + line + "\n\n" + GoodLine("231:") + "\n");
  EXPECT_EQ(r.outcome, SigOutcome::kValid) << Codes(r);
  EXPECT_EQ(r.lines.size(), 2u);
}

TEST_F(SignVerifierTest, NoTrustStoreCannotVerify) {
  const SignResult r = Verify(SignText({GoodLine()}), kContent, kTime2026, std::nullopt, nullptr);
  EXPECT_EQ(r.outcome, SigOutcome::kCannotVerify);
  EXPECT_TRUE(HasCode(r, Code::kSignNoTrustStore));
  // Even when the content does not match: nothing is judged without roots.
  const SignResult other =
      Verify(SignText({GoodLine()}), "other", kTime2026, std::nullopt, nullptr);
  EXPECT_EQ(other.outcome, SigOutcome::kCannotVerify);
  EXPECT_TRUE(HasCode(other, Code::kSignNoTrustStore));
}

TEST_F(SignVerifierTest, FlevelFiltering) {
  const std::string ranged = GoodLine("230:240");
  struct Case {
    std::optional<std::uint32_t> engine;
    SigOutcome outcome;
  };
  for (const Case c : {Case{std::nullopt, SigOutcome::kValid}, Case{230, SigOutcome::kValid},
                       Case{235, SigOutcome::kValid}, Case{240, SigOutcome::kValid},
                       Case{229, SigOutcome::kCannotVerify}, Case{241, SigOutcome::kCannotVerify},
                       Case{0, SigOutcome::kCannotVerify}}) {
    const SignResult r = Verify(SignText({ranged}), kContent, kTime2026, c.engine);
    const std::string label = c.engine ? std::to_string(*c.engine) : "unset";
    EXPECT_EQ(r.outcome, c.outcome) << label << ": " << Codes(r);
    ASSERT_EQ(r.lines.size(), 1u);
    EXPECT_EQ(r.lines[0].min_flevel, 230u);
    EXPECT_EQ(r.lines[0].max_flevel, std::optional<std::uint32_t>(240));
    EXPECT_EQ(r.lines[0].skipped, c.outcome == SigOutcome::kCannotVerify) << label;
    if (c.outcome == SigOutcome::kCannotVerify) {
      EXPECT_TRUE(HasCode(r, Code::kSignFlevelExcluded)) << label;
      EXPECT_TRUE(HasCode(r, Code::kSignNoUsableLine)) << label;
    }
  }
  // An excluded line is not verified, so even a wrong one does not count.
  const SignResult r =
      Verify(SignText({GoodLine("300:"), GoodLine("230:")}), "other", kTime2026, 250);
  EXPECT_EQ(r.outcome, SigOutcome::kInvalid);
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_TRUE(r.lines[0].skipped);
  EXPECT_EQ(r.lines[1].outcome, SigOutcome::kInvalid);
  // A malformed line stops ClamAV even if the engine would skip it.
  const SignResult m =
      Verify(SignText({"300::pkcs7-pem:AAAA", GoodLine()}), kContent, kTime2026, 250);
  EXPECT_EQ(m.outcome, SigOutcome::kCannotVerify);
  EXPECT_EQ(m.clamav_outcome, SigOutcome::kCannotVerify);
}

TEST_F(SignVerifierTest, LineOrderAndClamavOutcome) {
  const std::string valid = GoodLine();
  testing::ChainSpec other_spec;
  other_spec.prefix = "cvdguard other";
  const TestChain other = testing::MakeChain(other_spec);
  const std::string untrusted = LineFor(other.leaf, {other.intermediate.cert_pem});
  CmsSpec nocert;
  nocert.signers.push_back({&DefaultChain().leaf});
  nocert.embed_signer_certs = false;
  const std::string no_signer = SignLine(MakeCmsDer(kContent, nocert));
  const std::string malformed = "230::pkcs7-pem:AAAA";
  struct Case {
    const char* name;
    std::vector<std::string> lines;
    SigOutcome outcome;
    SigOutcome clamav;
  };
  const std::vector<Case> cases = {
      {"valid, invalid", {valid, untrusted}, SigOutcome::kInvalid, SigOutcome::kValid},
      {"invalid, valid", {untrusted, valid}, SigOutcome::kInvalid, SigOutcome::kInvalid},
      {"malformed, valid",
       {malformed, valid},
       SigOutcome::kCannotVerify,
       SigOutcome::kCannotVerify},
      {"valid, malformed", {valid, malformed}, SigOutcome::kCannotVerify, SigOutcome::kValid},
      {"signer missing, valid", {no_signer, valid}, SigOutcome::kValid, SigOutcome::kValid},
      {"signer missing only", {no_signer}, SigOutcome::kCannotVerify, SigOutcome::kCannotVerify},
      {"valid, valid", {valid, valid}, SigOutcome::kValid, SigOutcome::kValid},
  };
  for (const auto& c : cases) {
    const SignResult r = Verify(SignText(c.lines));
    EXPECT_EQ(r.outcome, c.outcome) << c.name << ": " << Codes(r);
    EXPECT_EQ(r.clamav_outcome, c.clamav) << c.name;
    EXPECT_EQ(r.lines.size(), c.lines.size()) << c.name;
  }
}

TEST_F(SignVerifierTest, AgreesWithOpensslCmsVerifyOnGeneratedSignatures) {
  const TestChain& c = DefaultChain();
  std::vector<std::pair<const char*, CmsSpec>> specs;
  {
    CmsSpec s;
    s.signers.push_back({&c.leaf});
    s.extra_certs_pem = {c.intermediate.cert_pem};
    specs.emplace_back("attrs", s);
    s.signers[0].no_attrs = true;
    specs.emplace_back("no attrs", s);
    s.signers = {{&c.leaf}, {&c.leaf, true}};
    specs.emplace_back("two signers", s);
    s.extra_certs_pem.clear();
    specs.emplace_back("no intermediate", s);
  }
  for (const auto& [name, spec] : specs) {
    const auto der = MakeCmsDer(kContent, spec);
    for (const std::string& content : {kContent, kContent + "!", std::string()}) {
      for (const std::int64_t at : {kTime2026, kTime2035 + 1}) {
        const bool openssl = testing::OpensslCmsVerify(der, content, c.root.cert_pem, at);
        const SignResult ours = Verify(SignText({SignLine(der)}), content, at);
        EXPECT_EQ(openssl, ours.outcome == SigOutcome::kValid)
            << name << " content size " << content.size() << " at " << at << ": " << Codes(ours);
        EXPECT_NE(ours.outcome, SigOutcome::kCannotVerify) << name;
      }
    }
  }
}

TEST_F(SignVerifierTest, CodesArePinned) {
  EXPECT_EQ(CodeNumber(Code::kSignMalformedHeader), 600);
  EXPECT_EQ(CodeName(Code::kSignMalformedHeader), "SIGN_MALFORMED_HEADER");
  EXPECT_EQ(CodeNumber(Code::kSignNoTrustStore), 617);
  EXPECT_EQ(CodeNumber(Code::kSignDigestMismatch), 620);
  EXPECT_EQ(CodeNumber(Code::kSignChainUntrusted), 622);
  EXPECT_EQ(CodeNumber(Code::kSignTrustStoreUnusable), 642);
  ForEachCode([](Code code) {
    const int n = CodeNumber(code);
    if (n < 600 || n > 699) return;
    const Severity s = DefaultSeverity(code);
    // Invalid outcomes are errors; cannot-verify situations never are.
    if (n >= 620 && n < 640) {
      EXPECT_EQ(s, Severity::kError) << CodeName(code);
    } else if (code != Code::kSignTrustStoreUnusable) {
      EXPECT_LT(s, Severity::kError) << CodeName(code);
    }
  });
}

TEST(SignBase64Test, RoundTripsAndRejectsNonCanonical) {
  for (std::size_t n = 0; n < 40; ++n) {
    std::vector<std::uint8_t> data(n);
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<std::uint8_t>(i * 37 + n);
    const std::string text = Base64Encode(data.data(), data.size());
    std::vector<std::uint8_t> back;
    ASSERT_TRUE(Base64Decode(text, &back)) << text;
    EXPECT_EQ(back, data);
  }
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(Base64Decode("TWFu", &out));
  EXPECT_EQ(std::string(out.begin(), out.end()), "Man");
  EXPECT_TRUE(Base64Decode("TWE=", &out));
  EXPECT_TRUE(Base64Decode("TQ==", &out));
  for (const char* bad :
       {"TWF", "TQ=", "T===", "====", "TQ==TQ==", "TW=u", "TWF\n", "TR==", "TWF=", "TW-_"}) {
    EXPECT_FALSE(Base64Decode(bad, &out)) << bad;
  }
}

}  // namespace
}  // namespace cvdguard::internal
