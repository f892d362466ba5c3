// The seed corpus of fuzz/sign_fuzzer.cc. The seeds chain to the root in
// fuzz/sign_fuzzer_root.inc, so the fuzzer starts deep in the verifier. The
// enabled tests check that the committed seeds still do; the disabled one
// regenerates seeds and root when run as
//   CVDGUARD_SIGN_CORPUS_REGEN=1 cvdguard_tests --gtest_also_run_disabled_tests
//       --gtest_filter='SignCorpusTool.*'
// The root's private key is never stored.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sign/sign_verifier.h"
#include "testing/test_ca.h"

namespace cvdguard::internal {
namespace {

#include "../../fuzz/sign_fuzzer_root.inc"

namespace fs = std::filesystem;
using testing::CmsSpec;
using testing::kTime2020;
using testing::kTime2025;
using testing::kTime2026;
using testing::kTime2035;
using testing::MakeCmsDer;
using testing::SignLine;
using testing::SignText;
using testing::TestCert;

const std::string kCorpusDir = std::string(CVDGUARD_SOURCE_DIR) + "/corpus/sign_fuzzer";
// What the seeds sign. The fuzzer verifies against SHA-256("") instead, so
// no input can be valid there.
const std::string kSeedContent = "cvdguard sign fuzzer seed content\n";

// SHA-256 of the empty string, the fuzzer's fixed target digest.
constexpr std::uint8_t kEmptySha256[32] = {
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};

TEST(SignCorpusTest, FuzzerDigestIsSha256OfEmpty) {
  const testing::Digest d = testing::Sha256("");
  EXPECT_TRUE(std::equal(std::begin(d.bytes), std::end(d.bytes), std::begin(kEmptySha256)));
}

TEST(SignCorpusTest, SeedsChainToTheFuzzerRoot) {
  std::string error;
  auto store = LoadTrustStoreFromPem(kSignFuzzerRootPem, &error);
  ASSERT_NE(store, nullptr) << error;
  SignVerifyParams params;
  params.store = store.get();
  params.at_time = kTime2026;
  const testing::Digest seed_digest = testing::Sha256(kSeedContent);
  // Against the content they sign, the good seeds are valid (so the chain
  // in the corpus matches the embedded root); against the fuzzer's digest
  // they are invalid.
  for (const char* name :
       {"valid_chain.sign", "no_signed_attrs.sign", "ecdsa.sign", "two_lines_ranges.sign"}) {
    const std::string text = testing::ReadTextFile(kCorpusDir + "/" + name);
    ASSERT_FALSE(text.empty()) << name;
    EXPECT_EQ(VerifySignFile(text, seed_digest.bytes, params).outcome, SigOutcome::kValid) << name;
    EXPECT_EQ(VerifySignFile(text, kEmptySha256, params).outcome, SigOutcome::kInvalid) << name;
  }
  // No seed is valid against the fuzzer's digest.
  std::size_t count = 0;
  for (const auto& entry : fs::directory_iterator(kCorpusDir)) {
    const std::string text = testing::ReadTextFile(entry.path().string());
    EXPECT_NE(VerifySignFile(text, kEmptySha256, params).outcome, SigOutcome::kValid)
        << entry.path();
    ++count;
  }
  EXPECT_GE(count, 15u);
}

TEST(SignCorpusTool, DISABLED_Regenerate) {
  if (std::getenv("CVDGUARD_SIGN_CORPUS_REGEN") == nullptr) GTEST_SKIP();
  testing::ChainSpec spec;
  spec.prefix = "cvdguard fuzz";
  const testing::TestChain chain = testing::MakeChain(spec);
  const std::string& inter = chain.intermediate.cert_pem;
  std::vector<std::pair<std::string, std::string>> seeds;
  auto line = [&](const TestCert& leaf, std::vector<std::string> extra, const std::string& fl,
                  bool no_attrs = false, const char* md = "SHA256") {
    CmsSpec s;
    s.signers.push_back({&leaf, no_attrs, md});
    s.extra_certs_pem = std::move(extra);
    return SignLine(MakeCmsDer(kSeedContent, s), fl);
  };
  const std::string good = line(chain.leaf, {inter}, "230:");
  std::vector<std::uint8_t> der;
  ASSERT_TRUE(Base64Decode(good.substr(good.rfind(':') + 1), &der));

  seeds.emplace_back("valid_chain.sign", SignText({good}));
  seeds.emplace_back("no_signed_attrs.sign", SignText({line(chain.leaf, {inter}, "230:", true)}));
  testing::CertSpec leaf_spec{"cvdguard fuzz EC Signing Cert", kTime2025, kTime2035, false,
                              testing::Eku::kEmailProtection,  false};
  const TestCert ec = testing::IssueCert(
      leaf_spec, testing::CachedKeyPem("fuzz/ec", testing::KeyKind::kEcP256), &chain.intermediate);
  seeds.emplace_back("ecdsa.sign", SignText({line(ec, {inter}, "230:")}));
  seeds.emplace_back("two_lines_ranges.sign", "#clamsign-1.0\n# comment\n" +
                                                  line(chain.leaf, {inter}, "230:240") + "\n\n" +
                                                  line(chain.leaf, {inter}, "241:") + "\n");
  leaf_spec.cn = "cvdguard fuzz Expired Cert";
  leaf_spec.not_before = kTime2020;
  leaf_spec.not_after = kTime2025 + 86400;
  const TestCert expired = testing::IssueCert(leaf_spec, chain.leaf.key_pem, &chain.intermediate);
  seeds.emplace_back("expired_leaf.sign", SignText({line(expired, {inter}, "230:")}));
  leaf_spec.cn = "cvdguard fuzz Self Signed";
  leaf_spec.not_before = kTime2025;
  leaf_spec.not_after = kTime2035;
  const TestCert self = testing::IssueCert(leaf_spec, chain.leaf.key_pem, nullptr);
  seeds.emplace_back("self_signed.sign", SignText({line(self, {}, "230:")}));
  {
    CmsSpec s;
    s.signers.push_back({&chain.leaf});
    s.embed_signer_certs = false;
    s.extra_certs_pem = {inter};
    seeds.emplace_back("signer_not_embedded.sign",
                       SignText({SignLine(MakeCmsDer(kSeedContent, s))}));
  }
  seeds.emplace_back("sha1.sign", SignText({line(chain.leaf, {inter}, "230:", false, "SHA1")}));
  {
    CmsSpec s;
    s.signers.push_back({&chain.leaf});
    s.extra_certs_pem = {inter};
    s.detached = false;
    seeds.emplace_back("not_detached.sign", SignText({SignLine(MakeCmsDer(kSeedContent, s))}));
  }
  {
    const std::vector<std::uint8_t> cut(der.begin(),
                                        der.begin() + static_cast<long>(der.size() / 2));
    seeds.emplace_back("truncated_der.sign",
                       SignText({"230::pkcs7-pem:" + Base64Encode(cut.data(), cut.size())}));
    std::vector<std::uint8_t> bad = der;
    bad[1] ^= 0x7f;  // the outer length
    seeds.emplace_back("bad_der_length.sign",
                       SignText({"230::pkcs7-pem:" + Base64Encode(bad.data(), bad.size())}));
  }
  seeds.emplace_back("huge_base64.sign", SignText({"230::pkcs7-pem:" + std::string(60000, 'Q')}));
  seeds.emplace_back("bad_header.sign", "#clamsign-2.0\n" + good + "\n");
  seeds.emplace_back("bad_base64.sign", SignText({"230::pkcs7-pem:" + good.substr(16, 200) + "!"}));
  seeds.emplace_back("flevel_too_low.sign", SignText({"229" + good.substr(3)}));
  seeds.emplace_back("unknown_format.sign",
                     SignText({"230::pkcs7-der:" + good.substr(good.rfind(':') + 1)}));
  seeds.emplace_back("header_only.sign", "#clamsign-1.0\n");
  seeds.emplace_back("crlf.sign", "#clamsign-1.0\r\n" + good + "\r\n");
  {
    const std::string& ka = testing::CachedKeyPem("fuzz/loop-a");
    const std::string& kb = testing::CachedKeyPem("fuzz/loop-b");
    testing::CertSpec ca{"cvdguard fuzz Loop A", kTime2025, kTime2035, true,
                         testing::Eku::kNone,    false};
    const TestCert a = testing::IssueCert(ca, ka, "cvdguard fuzz Loop B", kb);
    ca.cn = "cvdguard fuzz Loop B";
    const TestCert b = testing::IssueCert(ca, kb, "cvdguard fuzz Loop A", ka);
    leaf_spec.cn = "cvdguard fuzz Loop Leaf";
    const TestCert leaf = testing::IssueCert(leaf_spec, chain.leaf.key_pem, &a);
    seeds.emplace_back("cert_loop.sign", SignText({line(leaf, {a.cert_pem, b.cert_pem}, "230:")}));
  }

  // Raw DER seeds: the fuzzer wraps inputs starting with 0x30 into a line.
  auto der_of = [](const std::string& sign_text) {
    const std::size_t start = sign_text.find("pkcs7-pem:") + 10;
    std::vector<std::uint8_t> out;
    EXPECT_TRUE(Base64Decode(sign_text.substr(start, sign_text.find('\n', start) - start), &out));
    return std::string(out.begin(), out.end());
  };
  const std::vector<std::pair<std::string, std::string>> text_seeds = seeds;
  for (const auto& [name, text] : text_seeds) {
    if (name == "valid_chain.sign" || name == "no_signed_attrs.sign" || name == "ecdsa.sign" ||
        name == "cert_loop.sign" || name == "expired_leaf.sign") {
      seeds.emplace_back(name.substr(0, name.size() - 5) + ".der", der_of(text));
    }
  }

  fs::create_directories(kCorpusDir);
  for (const auto& entry : fs::directory_iterator(kCorpusDir)) fs::remove(entry.path());
  for (const auto& [name, text] : seeds) {
    ASSERT_LT(text.size(), 65536u) << name;
    std::ofstream(kCorpusDir + "/" + name, std::ios::binary) << text;
  }
  std::ofstream inc(std::string(CVDGUARD_SOURCE_DIR) + "/fuzz/sign_fuzzer_root.inc",
                    std::ios::binary);
  inc << "// Generated by SignCorpusTool.DISABLED_Regenerate (tests/unit/sign_corpus_test.cc):\n"
         "// the root CA of the seeds in corpus/sign_fuzzer/. Its key was discarded.\n"
         "// Included inside a namespace by the fuzzer and the corpus test.\n"
         "constexpr char kSignFuzzerRootPem[] = R\"PEM(" +
             chain.root.cert_pem + ")PEM\";\n";
}

}  // namespace
}  // namespace cvdguard::internal
