// Legacy signature primitives: the base-64 number encoding, ClamAV's own K1
// test vectors, and the PSS-style scheme with generated keys.
#include <gtest/gtest.h>

#include "crypto/dsig.h"
#include "crypto/keys.h"
#include "testing/fixtures.h"

namespace cvdguard::internal {
namespace {

Md5Digest Md5FromHex(const std::string& hex) {
  Md5Digest d{};
  EXPECT_TRUE(ParseHex(hex, d));
  return d;
}

KeyList OfficialCvd() { return {OfficialKey(KeyRole::kCvd)}; }

// Vectors from ClamAV's unit tests as quoted in FORMAT.md 3.6.
constexpr const char* kMd5A = "ae307614434715274c60854c931a26de";
constexpr const char* kSigA =
    "60uhCFmiN48J8r6c7coBv9Q1mehAWEGh6GPYA+60VhQcuXfb0iV1O+sCEyMiRXt/iYF6vXtPXHVd6DiuZ4Gfrry7sVQqNTt3o1/KwU1rc0l5FHgX/nC99fdr/fjaFtinMtRnUXHLeu0j8e6HK+7JLBpD37fZ60GC9YY86EclYGe";
constexpr const char* kMd5B = "96b7feb3b2a863846438809fe481906f";
constexpr const char* kSigB =
    "Zh5gmf09Zfj6V4gmRKu/NURzhFiE9VloI7w1G33BgDdGSs0Xhscx6sjPUpFSCPsjOalyS4L8q7RS+NdGvNCsLymiIH6RYItlOZsygFhcGuH4jt15KAaAkvEg2TwmqR8z41nUaMlZ0c8q1MXYCLvQJyFARsfzIxS3PAoN2Y3HPoe";

TEST(DsigTest, OfficialK1VectorsVerify) {
  auto a = VerifyMd5Dsig(kSigA, Md5FromHex(kMd5A), OfficialCvd());
  EXPECT_EQ(a.status, DsigStatus::kValid);
  EXPECT_FALSE(a.noncanonical);
  EXPECT_EQ(a.key_label, "official-cvd-K1");
  EXPECT_EQ(VerifyMd5Dsig(kSigB, Md5FromHex(kMd5B), OfficialCvd()).status, DsigStatus::kValid);
}

TEST(DsigTest, SwappedPairsFail) {
  EXPECT_EQ(VerifyMd5Dsig(kSigA, Md5FromHex(kMd5B), OfficialCvd()).status, DsigStatus::kInvalid);
  EXPECT_EQ(VerifyMd5Dsig(kSigB, Md5FromHex(kMd5A), OfficialCvd()).status, DsigStatus::kInvalid);
}

TEST(DsigTest, ChangedDigitFails) {
  std::string sig = kSigA;
  sig[20] = sig[20] == 'a' ? 'b' : 'a';
  EXPECT_EQ(VerifyMd5Dsig(sig, Md5FromHex(kMd5A), OfficialCvd()).status, DsigStatus::kInvalid);
}

TEST(DsigTest, TruncatedSignatureFails) {
  const std::string sig = std::string(kSigA).substr(0, 170);
  EXPECT_EQ(VerifyMd5Dsig(sig, Md5FromHex(kMd5A), OfficialCvd()).status, DsigStatus::kInvalid);
}

TEST(DsigTest, ExtraTrailingDigitFails) {
  const std::string sig = std::string(kSigA) + "e";
  EXPECT_EQ(VerifyMd5Dsig(sig, Md5FromHex(kMd5A), OfficialCvd()).status, DsigStatus::kInvalid);
}

TEST(DsigTest, TrailingZeroDigitVerifiesButIsNonCanonical) {
  const std::string sig = std::string(kSigA) + "a";
  const auto r = VerifyMd5Dsig(sig, Md5FromHex(kMd5A), OfficialCvd());
  EXPECT_EQ(r.status, DsigStatus::kValid);
  EXPECT_TRUE(r.noncanonical);
}

TEST(DsigTest, ValueAboveModulusIsNonCanonical) {
  // c + n gives the same c^e mod n.
  BnPtr c(BN_new());
  ASSERT_TRUE(DecodeDsig(kSigA, c.get()));
  ASSERT_EQ(BN_add(c.get(), c.get(), OfficialKey(KeyRole::kCvd)->n.get()), 1);
  const auto r = VerifyMd5Dsig(EncodeDsig(c.get()), Md5FromHex(kMd5A), OfficialCvd());
  EXPECT_EQ(r.status, DsigStatus::kValid);
  EXPECT_TRUE(r.noncanonical);
}

TEST(DsigTest, AllZeroAndAllSlashSignaturesFail) {
  EXPECT_EQ(VerifyMd5Dsig(std::string(171, 'a'), Md5FromHex(kMd5A), OfficialCvd()).status,
            DsigStatus::kInvalid);
  EXPECT_EQ(VerifyMd5Dsig(std::string(171, '/'), Md5FromHex(kMd5A), OfficialCvd()).status,
            DsigStatus::kInvalid);
  Sha256Digest h{};
  EXPECT_EQ(VerifyPssDsig(std::string(342, '/'), h, {OfficialKey(KeyRole::kInfo)}).status,
            DsigStatus::kInvalid);
}

TEST(DsigTest, BadCharacterIsAnEncodingError) {
  EXPECT_EQ(VerifyMd5Dsig("abc!def", Md5FromHex(kMd5A), OfficialCvd()).status, DsigStatus::kBadEncoding);
  EXPECT_EQ(VerifyMd5Dsig("", Md5FromHex(kMd5A), OfficialCvd()).status, DsigStatus::kBadEncoding);
}

TEST(DsigTest, HugeSignatureIsRefusedCheaply) {
  EXPECT_EQ(VerifyMd5Dsig(std::string(100000, 'Z'), Md5FromHex(kMd5A), OfficialCvd()).status,
            DsigStatus::kBadEncoding);
}

TEST(DsigTest, EncodeDecodeRoundTrip) {
  for (const char* s : {"b", "ab", "Zh5g", kSigA}) {
    BnPtr v(BN_new());
    ASSERT_TRUE(DecodeDsig(s, v.get()));
    std::string canonical = s;
    while (canonical.size() > 1 && canonical.back() == 'a') canonical.pop_back();
    EXPECT_EQ(EncodeDsig(v.get()), canonical);
  }
}

TEST(DsigTest, Md5SignAndVerifyWithGeneratedKey) {
  const auto& key = testing::CvdKey();
  std::string error;
  auto pub = RsaPublicKeyFromPem(key.public_pem, "k", &error);
  ASSERT_NE(pub, nullptr) << error;
  const Md5Digest md5 = Md5FromHex("00112233445566778899aabbccddeeff");
  std::string dsig;
  ASSERT_TRUE(SignMd5Dsig(md5, key.private_pem, &dsig, &error)) << error;
  const auto r = VerifyMd5Dsig(dsig, md5, {pub});
  EXPECT_EQ(r.status, DsigStatus::kValid);
  EXPECT_FALSE(r.noncanonical);
}

TEST(DsigTest, PssSignAndVerifyWithGeneratedKey) {
  const auto& key = testing::InfoKey();
  std::string error;
  auto pub = RsaPublicKeyFromPem(key.public_pem, "k", &error);
  ASSERT_NE(pub, nullptr) << error;
  Sha256Digest h = Sha256::Of(AsBytes("hello"));
  std::string dsig;
  ASSERT_TRUE(SignPssDsig(h, key.private_pem, &dsig, &error)) << error;
  const auto ok = VerifyPssDsig(dsig, h, {pub});
  EXPECT_EQ(ok.status, DsigStatus::kValid);
  EXPECT_FALSE(ok.noncanonical);
  h[0] ^= 1;
  EXPECT_EQ(VerifyPssDsig(dsig, h, {pub}).status, DsigStatus::kInvalid);
  // The wrong role's key does not verify it either.
  EXPECT_EQ(VerifyPssDsig(dsig, Sha256::Of(AsBytes("hello")), {OfficialKey(KeyRole::kInfo)}).status,
            DsigStatus::kInvalid);
}

TEST(DsigTest, UserKeyThatIsNotRsaIsRefused) {
  std::string error;
  EXPECT_EQ(RsaPublicKeyFromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "bad", &error),
            nullptr);
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace cvdguard::internal
