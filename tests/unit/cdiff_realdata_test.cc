// The genuine ClamAV .cdiff files in ../shared/realdata (read from there):
// every one verifies with the official K3 trailer key (and with its
// .cdiff.sign and the TEST root); test-1.cvd + test-2..4.cdiff gives a .cld
// whose members equal test-4.cvd's byte for byte, which validates (and which
// ClamAV's sigtool accepts, when installed); a wrong base is rejected before
// anything is written.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cvdguard/cdiff.h"
#include "cvdguard/validator.h"
#include "testing/fixtures.h"

namespace cvdguard {
namespace {

using testing::ReadFile;
using testing::RealDataDir;
using testing::TempDir;

// Inside the TEST root's validity (2025-03-26 .. 2027-03-26).
constexpr std::int64_t kTime2026 = 1767225600;

std::string Real(const std::string& name) { return RealDataDir() + "/" + name; }

bool HasMethod(const Report& r, SigMethod m, SigOutcome o) {
  return std::any_of(r.signatures.begin(), r.signatures.end(),
                     [&](const SignatureCheck& s) { return s.method == m && s.outcome == o; });
}

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Findings(const Report& r) {
  std::string s;
  for (const auto& f : r.findings) s += std::string(CodeName(f.code)) + ": " + f.message + "\n";
  return s;
}

std::string Findings(const PatchOutcome& o) {
  std::string s = "base:\n" + Findings(o.base);
  for (const auto& p : o.patches) s += p.path + ":\n" + Findings(p);
  if (o.result_built) s += "result:\n" + Findings(o.result);
  for (const auto& f : o.findings) s += std::string(CodeName(f.code)) + ": " + f.message + "\n";
  return s;
}

class CdiffRealDataTest : public ::testing::TestWithParam<int> {};

TEST_P(CdiffRealDataTest, TrailerVerifiesWithOfficialKey) {
  const std::string path = Real("test-" + std::to_string(GetParam()) + ".cdiff");
  VerifyOptions o;  // official keys; the .sign beside it cannot verify (no store)
  const Report r = VerifyCdiffPath(path, o);
  EXPECT_EQ(r.verdict, Verdict::kValid) << Findings(r);
  EXPECT_EQ(r.kind, Kind::kCdiff);
  EXPECT_EQ(r.verified_by, "cdiff_trailer");
  EXPECT_TRUE(r.header.has_version);
  EXPECT_EQ(r.header.version, static_cast<std::uint32_t>(GetParam()));
  EXPECT_EQ(r.database, "test");
  EXPECT_TRUE(HasMethod(r, SigMethod::kCdiffTrailer, SigOutcome::kValid));
  // The .cdiff.sign beside it was considered, but there is no trust store.
  EXPECT_TRUE(HasMethod(r, SigMethod::kSign, SigOutcome::kCannotVerify));
  for (const auto& f : r.findings) EXPECT_LT(f.severity, Severity::kError) << f.message;
}

TEST_P(CdiffRealDataTest, SignVerifiesWithTestRoot) {
  const std::string path = Real("test-" + std::to_string(GetParam()) + ".cdiff");
  VerifyOptions o;
  o.certs_path = Real("certs/clamav-test-ca.crt");
  o.at_time = kTime2026;
  const Report r = VerifyCdiffPath(path, o);
  EXPECT_EQ(r.verdict, Verdict::kValid) << Findings(r);
  EXPECT_EQ(r.verified_by, "sign");
  EXPECT_TRUE(HasMethod(r, SigMethod::kSign, SigOutcome::kValid));
  EXPECT_TRUE(HasMethod(r, SigMethod::kCdiffTrailer, SigOutcome::kValid));
  // The production root does not verify the TEST .sign: invalid, no fallback.
  o.certs_path = Real("certs/clamav-production-ca.crt");
  const Report prod = VerifyCdiffPath(path, o);
  EXPECT_EQ(prod.verdict, Verdict::kInvalid);
  EXPECT_TRUE(prod.Has(Code::kCdiffSignInvalid)) << Findings(prod);
  EXPECT_EQ(prod.verified_by, "none");
}

TEST_P(CdiffRealDataTest, OfficialTrailerFailsWithOtherKey) {
  const std::string path = Real("test-" + std::to_string(GetParam()) + ".cdiff");
  VerifyOptions o = testing::TestOptions();  // official keys off
  const Report r = VerifyCdiffPath(path, o);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_TRUE(r.Has(Code::kCdiffTrailerInvalid)) << Findings(r);
}

INSTANTIATE_TEST_SUITE_P(All, CdiffRealDataTest, ::testing::Values(2, 3, 4));

TEST(CdiffRealDataChainTest, Test1PatchedTo4EqualsTest4) {
  TempDir dir;
  const std::string out = dir.Join("test.cld");
  const PatchOutcome o = ApplyPatches(
      Real("test-1.cvd"), {Real("test-2.cdiff"), Real("test-3.cdiff"), Real("test-4.cdiff")}, out,
      VerifyOptions{});
  ASSERT_EQ(o.status, PatchStatus::kOk) << Findings(o);
  EXPECT_EQ(o.output_path, out);
  ASSERT_TRUE(o.result_built);
  EXPECT_EQ(o.result.verdict, Verdict::kValid);
  EXPECT_EQ(o.result.kind, Kind::kCld);
  EXPECT_EQ(o.result.verified_by, "info_dsig");
  EXPECT_EQ(DirEntries(dir.path()), std::vector<std::string>{"test.cld"});

  const auto cld = ReadFile(out);
  const auto test4 = ReadFile(Real("test-4.cvd"));
  MemberList got, want;
  std::uint32_t got_version = 0, want_version = 0;
  std::string error;
  ASSERT_TRUE(ReadContainerMembers(cld, &got, &got_version, &error)) << error;
  ASSERT_TRUE(ReadContainerMembers(test4, &want, &want_version, &error)) << error;
  EXPECT_EQ(got_version, 4u);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].first, want[i].first) << i;
    EXPECT_TRUE(got[i].second == want[i].second) << want[i].first << " differs";
  }
  // The header is the first line of the new test.info, padded with spaces.
  const std::string header(cld.begin(), cld.begin() + 512);
  const std::string& info = want[1].second;
  EXPECT_EQ(header.substr(0, info.find('\n')), info.substr(0, info.find('\n')));
  EXPECT_EQ(header.find_first_not_of(' ', info.find('\n')), std::string::npos);
  // A raw tar: COPYING right after the header, no end-of-archive marker.
  EXPECT_EQ(std::string(cld.begin() + 512, cld.begin() + 519), "COPYING");

  // The written file validates again from disk.
  const Report again = VerifyPath(out, VerifyOptions{});
  EXPECT_EQ(again.verdict, Verdict::kValid) << Findings(again);
  EXPECT_EQ(again.header.version, 4u);
}

TEST(CdiffRealDataChainTest, SigtoolAcceptsResult) {
  if (std::system("command -v sigtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "sigtool (Debian clamav) is not installed";
  }
  TempDir dir;
  const std::string out = dir.Join("test.cld");
  const PatchOutcome o = ApplyPatches(
      Real("test-1.cvd"), {Real("test-2.cdiff"), Real("test-3.cdiff"), Real("test-4.cdiff")}, out,
      VerifyOptions{});
  ASSERT_EQ(o.status, PatchStatus::kOk) << Findings(o);
  const std::string cmd = "sigtool --info '" + out + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string text;
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  const int status = pclose(p);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
  EXPECT_NE(text.find("Verification OK"), std::string::npos) << text;
  EXPECT_NE(text.find("Version: 4"), std::string::npos) << text;
}

TEST(CdiffRealDataChainTest, WrongBaseRejectedBeforeWriting) {
  TempDir dir;
  const std::string out = dir.Join("test.cld");
  // test-2.cdiff produces version 2; test-2.cvd is already version 2.
  PatchOutcome o = ApplyPatches(Real("test-2.cvd"), {Real("test-2.cdiff")}, out, VerifyOptions{});
  EXPECT_EQ(o.status, PatchStatus::kInvalid);
  EXPECT_FALSE(o.result_built);
  EXPECT_TRUE(std::any_of(o.findings.begin(), o.findings.end(), [](const Finding& f) {
    return f.code == Code::kCdiffVersionChain;
  })) << Findings(o);
  EXPECT_TRUE(DirEntries(dir.path()).empty());
  // A gap (1 -> 3) is refused the same way.
  o = ApplyPatches(Real("test-1.cvd"), {Real("test-3.cdiff")}, out, VerifyOptions{});
  EXPECT_EQ(o.status, PatchStatus::kInvalid);
  EXPECT_TRUE(DirEntries(dir.path()).empty());
  // So is a wrong order.
  o = ApplyPatches(Real("test-1.cvd"), {Real("test-3.cdiff"), Real("test-2.cdiff")}, out,
                   VerifyOptions{});
  EXPECT_EQ(o.status, PatchStatus::kInvalid);
  EXPECT_TRUE(DirEntries(dir.path()).empty());
}

TEST(CdiffRealDataChainTest, MissingInputIsIoError) {
  TempDir dir;
  const std::string out = dir.Join("test.cld");
  const PatchOutcome o =
      ApplyPatches(Real("test-1.cvd"), {dir.Join("test-2.cdiff")}, out, VerifyOptions{});
  EXPECT_EQ(o.status, PatchStatus::kIoError);
  EXPECT_TRUE(DirEntries(dir.path()).empty());
}

}  // namespace
}  // namespace cvdguard
