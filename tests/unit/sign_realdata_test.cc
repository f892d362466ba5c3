// The genuine ClamAV .sign files in ../shared/realdata (read from there):
// valid with the TEST root at a pinned time, invalid with the production
// root or a changed byte, cannot_verify without a trust store; and OpenSSL's
// own CMS_verify over the full content agrees with the digest-based result.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cvdguard/finding.h"
#include "cvdguard/report.h"

#include "sign/sign_verifier.h"
#include "testing/test_ca.h"

namespace cvdguard::internal {
namespace {

using testing::kTime2026;
using testing::ReadTextFile;

const std::string kDir = CVDGUARD_REALDATA_DIR;
const std::string kTestCa = kDir + "/certs/clamav-test-ca.crt";
const std::string kProdCa = kDir + "/certs/clamav-production-ca.crt";
// The TEST root is valid 2025-03-26 .. 2027-03-26.
constexpr std::int64_t kAfterRootExpiry = 1830297600;  // 2028-01-01
constexpr std::int64_t kBeforeRootValid = 1735689600;  // 2025-01-01

const std::vector<std::string>& Targets() {
  static const std::vector<std::string> targets = {"test-1.cvd",  "test-2.cvd",   "test-3.cvd",
                                                   "test-4.cvd",  "test-2.cdiff", "test-3.cdiff",
                                                   "test-4.cdiff"};
  return targets;
}

bool HasCode(const SignResult& r, Code code) {
  return std::any_of(r.findings.begin(), r.findings.end(),
                     [code](const Finding& f) { return f.code == code; });
}

// The DER of the (single) signature line.
std::vector<std::uint8_t> LineDer(const std::string& sign_text) {
  const std::size_t start = sign_text.find("pkcs7-pem:");
  const std::size_t end = sign_text.find('\n', start);
  std::vector<std::uint8_t> der;
  EXPECT_TRUE(Base64Decode(sign_text.substr(start + 10, end - start - 10), &der));
  return der;
}

class SignRealDataTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    target_ = ReadTextFile(kDir + "/" + GetParam());
    sign_ = ReadTextFile(kDir + "/" + GetParam() + ".sign");
    ASSERT_FALSE(target_.empty());
    ASSERT_FALSE(sign_.empty());
    std::string error;
    test_store_ = LoadTrustStore(kTestCa, &error);
    ASSERT_NE(test_store_, nullptr) << error;
    prod_store_ = LoadTrustStore(kProdCa, &error);
    ASSERT_NE(prod_store_, nullptr) << error;
  }

  SignResult Verify(std::string_view content, const TrustStore* store, std::int64_t at) {
    const auto digest = testing::Sha256(content);
    SignVerifyParams params;
    params.store = store;
    params.at_time = at;
    return VerifySignFile(sign_, digest.bytes, params);
  }

  std::string target_, sign_;
  std::shared_ptr<const TrustStore> test_store_, prod_store_;
};

TEST_P(SignRealDataTest, ValidWithTestRootAtPinnedTime) {
  const SignResult r = Verify(target_, test_store_.get(), kTime2026);
  EXPECT_EQ(r.outcome, SigOutcome::kValid) << r.detail;
  EXPECT_EQ(r.clamav_outcome, SigOutcome::kValid);
  for (const Finding& f : r.findings) ADD_FAILURE() << f.message;
  EXPECT_NE(r.signer.find("CN=ClamAV TEST CVD Signing Cert"), std::string::npos) << r.signer;
  ASSERT_EQ(r.chain.size(), 3u);
  EXPECT_EQ(r.chain[0], r.signer);
  EXPECT_NE(r.chain[1].find("CN=ClamAV TEST Intermediate Signing CA"), std::string::npos);
  EXPECT_NE(r.chain[2].find("CN=ClamAV TEST Root CA"), std::string::npos);
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0].line, 2u);
  EXPECT_EQ(r.lines[0].min_flevel, 230u);
  EXPECT_FALSE(r.lines[0].max_flevel.has_value());
}

TEST_P(SignRealDataTest, InvalidWithProductionRoot) {
  const SignResult r = Verify(target_, prod_store_.get(), kTime2026);
  EXPECT_EQ(r.outcome, SigOutcome::kInvalid);
  EXPECT_TRUE(HasCode(r, Code::kSignChainUntrusted)) << r.detail;
  EXPECT_FALSE(HasCode(r, Code::kSignDigestMismatch));
  EXPECT_FALSE(HasCode(r, Code::kSignBadSignature));
}

TEST_P(SignRealDataTest, InvalidAfterAnyOneByteChange) {
  // First, middle and last byte: the signature covers the whole file,
  // header and trailing dsig included.
  for (const std::size_t pos : {std::size_t{0}, target_.size() / 2, target_.size() - 1}) {
    std::string changed = target_;
    changed[pos] = static_cast<char>(changed[pos] ^ 0x01);
    const SignResult r = Verify(changed, test_store_.get(), kTime2026);
    EXPECT_EQ(r.outcome, SigOutcome::kInvalid) << "byte " << pos;
    EXPECT_TRUE(HasCode(r, Code::kSignDigestMismatch)) << "byte " << pos;
    EXPECT_FALSE(HasCode(r, Code::kSignBadSignature)) << "byte " << pos;
  }
  const SignResult truncated =
      Verify(std::string_view(target_).substr(0, target_.size() - 1), test_store_.get(), kTime2026);
  EXPECT_EQ(truncated.outcome, SigOutcome::kInvalid);
}

TEST_P(SignRealDataTest, CannotVerifyWithoutTrustStore) {
  const SignResult r = Verify(target_, nullptr, kTime2026);
  EXPECT_EQ(r.outcome, SigOutcome::kCannotVerify);
  EXPECT_TRUE(HasCode(r, Code::kSignNoTrustStore));
  for (const Finding& f : r.findings) EXPECT_LT(f.severity, Severity::kError) << f.message;
}

TEST_P(SignRealDataTest, ExpiredAndNotYetValidRoot) {
  const SignResult late = Verify(target_, test_store_.get(), kAfterRootExpiry);
  EXPECT_EQ(late.outcome, SigOutcome::kInvalid);
  EXPECT_TRUE(HasCode(late, Code::kSignCertExpired)) << late.detail;
  const SignResult early = Verify(target_, test_store_.get(), kBeforeRootValid);
  EXPECT_EQ(early.outcome, SigOutcome::kInvalid);
  EXPECT_TRUE(HasCode(early, Code::kSignCertNotYetValid)) << early.detail;
}

TEST_P(SignRealDataTest, FlevelFilter) {
  const auto digest = testing::Sha256(target_);
  SignVerifyParams params;
  params.store = test_store_.get();
  params.at_time = kTime2026;
  params.engine_flevel = 229;  // below the line's min 230
  SignResult r = VerifySignFile(sign_, digest.bytes, params);
  EXPECT_EQ(r.outcome, SigOutcome::kCannotVerify);
  EXPECT_TRUE(HasCode(r, Code::kSignFlevelExcluded));
  EXPECT_TRUE(HasCode(r, Code::kSignNoUsableLine));
  params.engine_flevel = 230;
  r = VerifySignFile(sign_, digest.bytes, params);
  EXPECT_EQ(r.outcome, SigOutcome::kValid) << r.detail;
}

// The digest-based verifier and OpenSSL's CMS_verify over the full content
// agree on the genuine files, both ways round.
TEST_P(SignRealDataTest, AgreesWithOpensslCmsVerify) {
  const std::vector<std::uint8_t> der = LineDer(sign_);
  const std::string test_ca = ReadTextFile(kTestCa);
  const std::string prod_ca = ReadTextFile(kProdCa);
  std::string changed = target_;
  changed[100] = static_cast<char>(changed[100] ^ 0x80);
  struct Case {
    const std::string* content;
    const std::string* ca_pem;
    const TrustStore* store;
    std::int64_t at;
  } cases[] = {
      {&target_, &test_ca, test_store_.get(), kTime2026},
      {&target_, &prod_ca, prod_store_.get(), kTime2026},
      {&changed, &test_ca, test_store_.get(), kTime2026},
      {&target_, &test_ca, test_store_.get(), kAfterRootExpiry},
  };
  int n = 0;
  for (const auto& c : cases) {
    const bool openssl = testing::OpensslCmsVerify(der, *c.content, *c.ca_pem, c.at);
    const SignResult ours = Verify(*c.content, c.store, c.at);
    EXPECT_EQ(openssl, ours.outcome == SigOutcome::kValid) << "case " << n << ": " << ours.detail;
    EXPECT_NE(ours.outcome, SigOutcome::kCannotVerify) << "case " << n;
    ++n;
  }
}

INSTANTIATE_TEST_SUITE_P(AllFiles, SignRealDataTest, ::testing::ValuesIn(Targets()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) {
                             if (c == '-' || c == '.') c = '_';
                           }
                           return name;
                         });

TEST(SignRealDataStoreTest, CertsDirectoryLoadsEveryCertAndVerifies) {
  std::string error;
  auto store = LoadTrustStore(kDir + "/certs", &error);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_EQ(TrustStoreSubjects(*store).size(), 4u);
  const std::string target = ReadTextFile(kDir + "/test-1.cvd");
  const std::string sign = ReadTextFile(kDir + "/test-1.cvd.sign");
  const auto digest = testing::Sha256(target);
  SignVerifyParams params;
  params.store = store.get();
  params.at_time = kTime2026;
  EXPECT_EQ(VerifySignFile(sign, digest.bytes, params).outcome, SigOutcome::kValid);
}

TEST(SignRealDataStoreTest, SignFileOfOtherTargetIsInvalid) {
  std::string error;
  auto store = LoadTrustStore(kTestCa, &error);
  ASSERT_NE(store, nullptr) << error;
  const std::string target = ReadTextFile(kDir + "/test-2.cvd");
  const std::string sign = ReadTextFile(kDir + "/test-1.cvd.sign");
  const auto digest = testing::Sha256(target);
  SignVerifyParams params;
  params.store = store.get();
  params.at_time = kTime2026;
  const SignResult r = VerifySignFile(sign, digest.bytes, params);
  EXPECT_EQ(r.outcome, SigOutcome::kInvalid);
  EXPECT_TRUE(HasCode(r, Code::kSignDigestMismatch));
}

}  // namespace
}  // namespace cvdguard::internal
