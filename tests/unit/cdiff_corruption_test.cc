// Generated .cdiff fixtures signed with the test cdiff key (CdiffKey(),
// trusted by TestOptions()): every corruption of FORMAT.md section 9 rows
// 44-47, the zero-byte "empty patch", the .cdiff.sign policy, patch chains,
// and the guarantee that a failed patch leaves no file behind.
#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "archive/inflater.h"
#include "cdiff/cdiff_internal.h"
#include "crypto/digest.h"
#include "crypto/dsig.h"
#include "cvdguard/cdiff.h"
#include "cvdguard/validator.h"
#include "testing/fixtures.h"
#include "testing/test_ca.h"

namespace cvdguard {
namespace {

using testing::Build;
using testing::CdiffKey;
using testing::SmallSpec;
using testing::TempDir;
using testing::TestOptions;

using Bytes = std::vector<std::uint8_t>;

std::string Findings(const Report& r) {
  std::string s;
  for (const auto& f : r.findings) {
    s += std::string(CodeName(f.code)) + " (line " + std::to_string(f.line) + "): " + f.message + "\n";
  }
  return s;
}

std::string Findings(const PatchOutcome& o) {
  std::string s = "base:\n" + Findings(o.base);
  for (const auto& p : o.patches) s += p.path + ":\n" + Findings(p);
  if (o.result_built) s += "result:\n" + Findings(o.result);
  for (const auto& f : o.findings) s += std::string(CodeName(f.code)) + ": " + f.message + "\n";
  return s;
}

bool ChainHas(const PatchOutcome& o, Code code) {
  return std::any_of(o.findings.begin(), o.findings.end(),
                     [code](const Finding& f) { return f.code == code; });
}

BuildSpec Spec(std::uint32_t version) {
  BuildSpec s = SmallSpec(Kind::kCvd);
  s.version = version;
  s.stime = 1624412045 + (static_cast<std::int64_t>(version) - 7) * 60;
  if (version >= 8) {
    s.members = {
        {"test.hdb",
         "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n"
         "aa15bcf478d165efd2065190eb473bcb:544:Clamav.Test.File-6\n"},
        {"test.ndb", "Test.Sig-1:0:*:414243444546\nTest.Sig-2b:0:0:6162636466\n"},
        {"test.ldb", "Test.Ldb-1;Target:0;0&1;414243;444546\n"},
        {"test.fp", "332feab1435662fc6c672e25beb37be3:2871808:sid25347313-1\n"},
    };
  }
  if (version >= 9) {
    s.members[0].second += "0123456789abcdef0123456789abcdef:10:Test.Nine\n";
    s.members.erase(s.members.begin() + 3);  // test.fp goes away
  }
  return s;
}

Bytes Cdiff(const std::string& script, std::uint32_t version) {
  Bytes out;
  std::string error;
  EXPECT_TRUE(BuildCdiff(script, version, CdiffKey().private_pem, &out, &error)) << error;
  return out;
}

// header + body, signed as a trailer: structural defects with a valid dsig.
Bytes SignedRaw(const std::string& header, const Bytes& body) {
  Bytes bytes(header.begin(), header.end());
  bytes.insert(bytes.end(), body.begin(), body.end());
  std::string dsig, error;
  EXPECT_TRUE(internal::SignPssDsig(internal::Sha256::Of(bytes), CdiffKey().private_pem, &dsig,
                                    &error))
      << error;
  bytes.push_back(':');
  bytes.insert(bytes.end(), dsig.begin(), dsig.end());
  return bytes;
}

Bytes Gzip(const std::string& s) {
  Bytes gz;
  EXPECT_TRUE(internal::GzipCompress(cvdguard::AsBytes(s), 9, &gz));
  return gz;
}

struct Fixture {
  Bytes base7, target8, target9, cdiff8, cdiff9;
  std::string script8;
};

const Fixture& Fx() {
  static const Fixture fx = [] {
    Fixture f;
    f.base7 = Build(Spec(7));
    f.target8 = Build(Spec(8));
    f.target9 = Build(Spec(9));
    std::string error;
    EXPECT_TRUE(BuildCdiffFromContainers(f.base7, f.target8, CdiffKey().private_pem, &f.cdiff8,
                                         &error))
        << error;
    EXPECT_TRUE(BuildCdiffFromContainers(f.target8, f.target9, CdiffKey().private_pem,
                                         &f.cdiff9, &error))
        << error;
    MemberList a, b;
    std::uint32_t va = 0, vb = 0;
    EXPECT_TRUE(ReadContainerMembers(f.base7, &a, &va, &error));
    EXPECT_TRUE(ReadContainerMembers(f.target8, &b, &vb, &error));
    EXPECT_TRUE(MakeCdiffScript(a, b, &f.script8, &error)) << error;
    return f;
  }();
  return fx;
}

VerifyOptions Opts(const std::string& name = "test-8.cdiff") {
  VerifyOptions o = TestOptions();
  o.file_name = name;
  return o;
}

Report Verify(const Bytes& b, const std::string& name = "test-8.cdiff") {
  return VerifyCdiffMemory(b, Opts(name));
}

std::string TargetHeaderLine(const Bytes& container) {
  MemberList m;
  std::uint32_t v = 0;
  std::string error;
  EXPECT_TRUE(ReadContainerMembers(container, &m, &v, &error));
  const std::string& info = m[1].second;
  return info.substr(0, info.find('\n'));
}

// --- positive controls --------------------------------------------------------

TEST(CdiffGeneratedTest, BuiltPatchVerifies) {
  const Report r = Verify(Fx().cdiff8);
  EXPECT_EQ(r.verdict, Verdict::kValid) << Findings(r);
  EXPECT_EQ(r.verified_by, "cdiff_trailer");
  EXPECT_EQ(r.header.version, 8u);
  EXPECT_EQ(r.inflated_bytes, Fx().script8.size());
  // Only sigtool's commands.
  EXPECT_EQ(Fx().script8.find("MOVE"), std::string::npos);
  EXPECT_NE(Fx().script8.find("OPEN test.info\nXCHG 1 ClamAV-VDB:"), std::string::npos)
      << Fx().script8;
}

TEST(CdiffGeneratedTest, ChainOfTwoReproducesTarget) {
  std::vector<std::uint8_t> cld;
  const PatchOutcome o = ApplyPatchesMemory(
      Fx().base7, "test-7.cvd",
      {{"test-8.cdiff", Fx().cdiff8, std::nullopt}, {"test-9.cdiff", Fx().cdiff9, std::nullopt}},
      TestOptions(), &cld);
  ASSERT_EQ(o.status, PatchStatus::kOk) << Findings(o);
  EXPECT_EQ(o.result.verdict, Verdict::kValid);
  MemberList got, want;
  std::uint32_t gv = 0, wv = 0;
  std::string error;
  ASSERT_TRUE(ReadContainerMembers(cld, &got, &gv, &error)) << error;
  ASSERT_TRUE(ReadContainerMembers(Fx().target9, &want, &wv, &error)) << error;
  EXPECT_EQ(gv, 9u);
  EXPECT_EQ(got, want);
  // The patched .cld verifies as a container on its own.
  VerifyOptions vo = TestOptions();
  vo.file_name = "test.cld";
  EXPECT_TRUE(VerifyMemory(cld, vo).valid());
}

// --- row 44: trailer altered / body byte altered / LF appended -----------------

TEST(CdiffGeneratedTest, Row44TrailerAltered) {
  Bytes b = Fx().cdiff8;
  char& c = reinterpret_cast<char&>(b[b.size() - 5]);
  c = c == 'a' ? 'b' : 'a';
  const Report r = Verify(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_TRUE(r.Has(Code::kCdiffTrailerInvalid)) << Findings(r);
  EXPECT_EQ(r.verified_by, "none");
  // A character outside the alphabet.
  b = Fx().cdiff8;
  b[b.size() - 3] = '!';
  EXPECT_TRUE(Verify(b).Has(Code::kCdiffTrailerBadEncoding));
}

TEST(CdiffGeneratedTest, Row44BodyByteAltered) {
  for (std::size_t at : {std::size_t{5}, std::size_t{40}, Fx().cdiff8.size() / 2}) {
    Bytes b = Fx().cdiff8;
    b[at] ^= 0x01;
    const Report r = Verify(b);
    EXPECT_EQ(r.verdict, Verdict::kInvalid) << at;
    EXPECT_FALSE(r.valid());
    EXPECT_FALSE(r.Has(Code::kInternalError));
  }
  // A flipped bit inside the deflate data that still inflates is caught by
  // the signature alone.
  Bytes b = Fx().cdiff8;
  const std::size_t colon = static_cast<std::size_t>(
      std::find(b.rbegin(), b.rend(), ':').base() - b.begin() - 1);
  b[colon - 3] ^= 0x40;  // inside the gzip trailer (ISIZE)
  const Report r = Verify(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_TRUE(r.Has(Code::kCdiffTrailerInvalid) || r.Has(Code::kGzipLengthMismatch))
      << Findings(r);
}

TEST(CdiffGeneratedTest, Row44NewlineAppended) {
  Bytes b = Fx().cdiff8;
  b.push_back('\n');
  const Report r = Verify(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_TRUE(r.Has(Code::kCdiffTrailerWhitespace)) << Findings(r);
  EXPECT_TRUE(r.Has(Code::kCdiffTrailerBadEncoding)) << Findings(r);
}

// --- row 45: applied to the wrong base ------------------------------------------

TEST(CdiffGeneratedTest, Row45WrongBaseVersion) {
  const Bytes base6 = Build(Spec(6));
  std::vector<std::uint8_t> cld = {1, 2, 3};
  const PatchOutcome o = ApplyPatchesMemory(
      base6, "test-6.cvd", {{"test-8.cdiff", Fx().cdiff8, std::nullopt}}, TestOptions(), &cld);
  EXPECT_EQ(o.status, PatchStatus::kInvalid);
  EXPECT_TRUE(ChainHas(o, Code::kCdiffVersionChain)) << Findings(o);
  EXPECT_FALSE(o.result_built);
  EXPECT_TRUE(cld.empty());
}

TEST(CdiffGeneratedTest, Row45WrongBaseContent) {
  // Right version number, different content: refused in the work area.
  BuildSpec other = Spec(7);
  other.members[1].second = "Other.Sig-1:0:*:414243444546\nOther.Sig-2:0:0:6162636465\n";
  const Bytes base = Build(other);
  std::vector<std::uint8_t> cld;
  const PatchOutcome o = ApplyPatchesMemory(
      base, "test-7.cvd", {{"test-8.cdiff", Fx().cdiff8, std::nullopt}}, TestOptions(), &cld);
  EXPECT_EQ(o.status, PatchStatus::kInvalid);
  EXPECT_TRUE(ChainHas(o, Code::kCdiffPrefixMismatch) || ChainHas(o, Code::kCdiffLineOutOfRange))
      << Findings(o);
  EXPECT_FALSE(o.result_built);
  EXPECT_TRUE(cld.empty());
}

TEST(CdiffGeneratedTest, Row45OtherDatabase) {
  std::vector<std::uint8_t> cld;
  const PatchOutcome o = ApplyPatchesMemory(
      Fx().base7, "test-7.cvd", {{"daily-8.cdiff", Fx().cdiff8, std::nullopt}}, TestOptions(),
      &cld);
  EXPECT_EQ(o.status, PatchStatus::kInvalid);
  EXPECT_TRUE(ChainHas(o, Code::kCdiffDatabaseMismatch)) << Findings(o);
}

// --- row 46: header version / length wrong (validly signed) ----------------------

TEST(CdiffGeneratedTest, Row46HeaderVersionWrong) {
  const Bytes b = Cdiff(Fx().script8, 9);  // named test-8.cdiff
  const Report r = Verify(b);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_TRUE(r.Has(Code::kCdiffVersionNameMismatch)) << Findings(r);
  EXPECT_EQ(r.verified_by, "cdiff_trailer");  // the signature itself is fine
  std::vector<std::uint8_t> cld;
  const PatchOutcome o = ApplyPatchesMemory(
      Fx().base7, "test-7.cvd", {{"test-9.cdiff", b, std::nullopt}}, TestOptions(), &cld);
  EXPECT_EQ(o.status, PatchStatus::kInvalid);
  EXPECT_TRUE(ChainHas(o, Code::kCdiffVersionChain)) << Findings(o);
}

TEST(CdiffGeneratedTest, Row46ScriptLengthWrong) {
  const std::string& s = Fx().script8;
  for (std::size_t len : {s.size() + 1, s.size() - 1, std::size_t{0}}) {
    const Bytes b = SignedRaw("ClamAV-Diff:8:" + std::to_string(len) + ":", Gzip(s));
    const Report r = Verify(b);
    EXPECT_EQ(r.verdict, Verdict::kInvalid) << len;
    EXPECT_TRUE(r.Has(Code::kCdiffLengthMismatch)) << Findings(r);
    EXPECT_EQ(r.verified_by, "cdiff_trailer");
  }
  const Bytes good = SignedRaw("ClamAV-Diff:8:" + std::to_string(s.size()) + ":", Gzip(s));
  EXPECT_TRUE(Verify(good).valid()) << Findings(Verify(good));
}

TEST(CdiffGeneratedTest, Row46HeaderMalformed) {
  const std::string& s = Fx().script8;
  const std::string len = std::to_string(s.size());
  struct Case {
    std::string header;
    Code code;
  };
  const std::vector<Case> cases = {
      {"ClamAV-Diff:08:" + len + ":", Code::kCdiffHeaderNonCanonical},
      {"ClamAV-Diff:8:0" + len + ":", Code::kCdiffHeaderNonCanonical},
      {"ClamAV-Diff:8:x" + len + ":", Code::kCdiffBadHeader},
      {"ClamAV-Diff::" + len + ":", Code::kCdiffBadHeader},
      {"ClamAV-Diff:-8:" + len + ":", Code::kCdiffBadHeader},
      {"ClamAV-Diff:4294967296:" + len + ":", Code::kCdiffBadHeader},
      {"ClamAV-Diff:8 :" + len + ":", Code::kCdiffBadHeader},
      {"ClamAV-Diff:8:" + len, Code::kCdiffBadHeader},
      {"ClamAV-diff:8:" + len + ":", Code::kCdiffBadMagic},
      {"ClamAV-VDB:8:" + len + ":", Code::kCdiffBadMagic},
  };
  for (const auto& c : cases) {
    const Report r = Verify(SignedRaw(c.header, Gzip(s)));
    EXPECT_EQ(r.verdict, Verdict::kInvalid) << c.header;
    EXPECT_TRUE(r.Has(c.code)) << c.header << "\n" << Findings(r);
  }
}

// --- D4: gzip single member, then ':' + dsig ------------------------------------

TEST(CdiffGeneratedTest, D4GzipLayout) {
  const std::string& s = Fx().script8;
  const std::string header = "ClamAV-Diff:8:" + std::to_string(s.size()) + ":";
  Bytes two = Gzip(s);
  const Bytes second = Gzip("ADD x\n");
  two.insert(two.end(), second.begin(), second.end());
  Report r = Verify(SignedRaw(header, two));
  EXPECT_TRUE(r.Has(Code::kGzipMultipleMembers)) << Findings(r);
  EXPECT_FALSE(r.valid());
  Bytes junk = Gzip(s);
  junk.push_back('x');
  r = Verify(SignedRaw(header, junk));
  EXPECT_TRUE(r.Has(Code::kGzipTrailingData)) << Findings(r);
  Bytes cut = Gzip(s);
  cut.resize(cut.size() - 10);
  r = Verify(SignedRaw(header, cut));
  EXPECT_TRUE(r.Has(Code::kGzipTruncated) || r.Has(Code::kGzipCorrupt)) << Findings(r);
  r = Verify(SignedRaw(header, Bytes{'n', 'o', 't', 'g', 'z'}));
  EXPECT_FALSE(r.valid());
  // No trailer at all.
  Bytes bare(header.begin(), header.end());
  const Bytes gz = Gzip(s);
  bare.insert(bare.end(), gz.begin(), gz.end());
  r = Verify(bare);
  EXPECT_FALSE(r.valid());
  // Truncated: the dsig is cut short.
  Bytes trunc = Fx().cdiff8;
  trunc.resize(trunc.size() - 100);
  r = Verify(trunc);
  EXPECT_FALSE(r.valid());
}

// --- row 47 and D5-D8: the script -------------------------------------------------

struct ScriptCase {
  const char* label;
  std::string script;
  Code code;
};

class CdiffScriptCorruptionTest : public ::testing::TestWithParam<ScriptCase> {};

TEST_P(CdiffScriptCorruptionTest, Refused) {
  const ScriptCase& c = GetParam();
  const Report r = Verify(Cdiff(c.script, 8));
  EXPECT_EQ(r.verdict, Verdict::kInvalid) << c.label;
  EXPECT_TRUE(r.Has(c.code)) << c.label << ": expected " << CodeName(c.code) << "\n" << Findings(r);
  EXPECT_EQ(r.verified_by, "cdiff_trailer") << "the signature is valid; the script is not";
  EXPECT_FALSE(r.Has(Code::kInternalError));
  // And the chain refuses it before applying anything.
  std::vector<std::uint8_t> cld;
  const PatchOutcome o = ApplyPatchesMemory(
      Fx().base7, "test-7.cvd", {{"test-8.cdiff", Cdiff(c.script, 8), std::nullopt}},
      TestOptions(), &cld);
  EXPECT_EQ(o.status, PatchStatus::kInvalid);
  EXPECT_TRUE(ChainHas(o, Code::kCdiffInputInvalid));
  EXPECT_FALSE(o.result_built);
}

const std::string kNdb1 = "Test.Sig-1:0:*:4";  // prefix of test.ndb line 1

INSTANTIATE_TEST_SUITE_P(
    Row47, CdiffScriptCorruptionTest,
    ::testing::Values(
        ScriptCase{"unknown", "OPEN test.hdb\nFROB x\nCLOSE\n", Code::kCdiffUnknownCommand},
        ScriptCase{"lowercase", "open test.hdb\nADD x\nCLOSE\n", Code::kCdiffUnknownCommand},
        ScriptCase{"empty_line", "OPEN test.hdb\n\nCLOSE\n", Code::kCdiffUnknownCommand},
        ScriptCase{"cr_close", "OPEN test.hdb\nADD x\nCLOSE\r\n", Code::kCdiffCarriageReturn},
        ScriptCase{"cr_add", "OPEN test.hdb\nADD x\r\nCLOSE\n", Code::kCdiffCarriageReturn},
        ScriptCase{"nul", std::string("OPEN test.hdb\nADD x\0y\nCLOSE\n", 27), Code::kCdiffNulByte},
        ScriptCase{"missing_close", "OPEN test.hdb\nADD x\n", Code::kCdiffUnclosedOpen},
        ScriptCase{"move_traversal", "MOVE test.hdb ../../etc/cron.d/x 1 44d8 1 44d8\n",
                   Code::kCdiffMoveRefused},
        ScriptCase{"move_plain", "MOVE test.hdb test.ndb 1 44d8 1 44d8\n",
                   Code::kCdiffMoveRefused},
        ScriptCase{"open_dotdot_path", "OPEN ../x.hdb\nADD x\nCLOSE\n", Code::kCdiffBadName},
        ScriptCase{"open_dotdot", "OPEN ..\nADD x\nCLOSE\n", Code::kCdiffBadName},
        ScriptCase{"open_dot", "OPEN .\nADD x\nCLOSE\n", Code::kCdiffBadName},
        ScriptCase{"open_absolute", "OPEN /etc/passwd\nADD x\nCLOSE\n", Code::kCdiffBadName},
        ScriptCase{"open_subdir", "OPEN a/test.hdb\nADD x\nCLOSE\n", Code::kCdiffBadName},
        ScriptCase{"open_unicode", "OPEN t\xc3\xa9st.hdb\nADD x\nCLOSE\n", Code::kCdiffBadName},
        ScriptCase{"open_backslash", "OPEN ..\\x\nADD x\nCLOSE\n", Code::kCdiffBadName},
        ScriptCase{"unlink_traversal", "UNLINK ../../etc/passwd\n", Code::kCdiffBadName},
        ScriptCase{"open_two_names", "OPEN a.hdb b.hdb\nCLOSE\n", Code::kCdiffMalformedCommand},
        ScriptCase{"dup_del_xchg", "OPEN test.ndb\nXCHG 1 " + kNdb1 + " new\nDEL 1 " + kNdb1 +
                                       "\nCLOSE\n",
                   Code::kCdiffDuplicateEdit},
        ScriptCase{"dup_del_del", "OPEN test.ndb\nDEL 1 Test\nDEL 1 Test\nCLOSE\n",
                   Code::kCdiffDuplicateEdit},
        ScriptCase{"del_no_lf", "OPEN test.ndb\nCLOSE\nOPEN test.ndb\nDEL 1 Test",
                   Code::kCdiffNoFinalNewline},
        ScriptCase{"xchg_no_lf", "OPEN test.ndb\nXCHG 1 Test x", Code::kCdiffNoFinalNewline},
        ScriptCase{"unlink_no_lf", "UNLINK test.ldb", Code::kCdiffNoFinalNewline},
        ScriptCase{"add_no_lf", "OPEN test.hdb\nADD x", Code::kCdiffNoFinalNewline},
        ScriptCase{"bare_add_no_lf", "OPEN test.hdb\nADD", Code::kCdiffNoFinalNewline},
        ScriptCase{"close_no_lf", "OPEN test.hdb\nADD x\nCLOSE", Code::kCdiffNoFinalNewline},
        ScriptCase{"bare_add", "OPEN test.hdb\nADD\nCLOSE\n", Code::kCdiffMalformedCommand},
        ScriptCase{"del_no_prefix", "OPEN test.ndb\nDEL 1\nCLOSE\n", Code::kCdiffMalformedCommand},
        ScriptCase{"del_empty_prefix", "OPEN test.ndb\nDEL 1 \nCLOSE\n", Code::kCdiffEmptyPrefix},
        ScriptCase{"xchg_empty_prefix", "OPEN test.ndb\nXCHG 1  new\nCLOSE\n",
                   Code::kCdiffEmptyPrefix},
        ScriptCase{"xchg_no_text", "OPEN test.ndb\nXCHG 1 Test\nCLOSE\n",
                   Code::kCdiffMalformedCommand},
        ScriptCase{"del_extra", "OPEN test.ndb\nDEL 1 Test x\nCLOSE\n",
                   Code::kCdiffMalformedCommand},
        ScriptCase{"del_zero", "OPEN test.ndb\nDEL 0 Test\nCLOSE\n", Code::kCdiffMalformedCommand},
        ScriptCase{"del_leading_zero", "OPEN test.ndb\nDEL 01 Test\nCLOSE\n",
                   Code::kCdiffMalformedCommand},
        ScriptCase{"del_negative", "OPEN test.ndb\nDEL -1 Test\nCLOSE\n",
                   Code::kCdiffMalformedCommand},
        ScriptCase{"del_huge", "OPEN test.ndb\nDEL 99999999999999999999999 Test\nCLOSE\n",
                   Code::kCdiffMalformedCommand},
        ScriptCase{"open_twice", "OPEN test.hdb\nOPEN test.ndb\nCLOSE\n", Code::kCdiffAlreadyOpen},
        ScriptCase{"add_not_open", "ADD x\n", Code::kCdiffNotOpen},
        ScriptCase{"close_not_open", "CLOSE\n", Code::kCdiffNotOpen},
        ScriptCase{"close_arg", "OPEN test.hdb\nCLOSE now\n", Code::kCdiffMalformedCommand},
        ScriptCase{"unlink_open", "OPEN test.hdb\nUNLINK test.ndb\nCLOSE\n",
                   Code::kCdiffUnlinkWhileOpen},
        ScriptCase{"long_line", "OPEN test.hdb\nADD " + std::string(70000, 'a') + "\nCLOSE\n",
                   Code::kCdiffLineTooLong}),
    [](const ::testing::TestParamInfo<ScriptCase>& p) { return std::string(p.param.label); });

// --- the zero-byte patch ----------------------------------------------------------

TEST(CdiffGeneratedTest, ZeroBytesIsEmptyPatchNotCorruption) {
  const Report r = VerifyCdiffMemory({}, Opts());
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  ASSERT_EQ(r.findings.size(), 1u) << Findings(r);
  EXPECT_EQ(r.findings[0].code, Code::kCdiffEmpty);
  EXPECT_TRUE(r.signatures.empty());
  // From disk too, and distinct from a corrupt one-byte file.
  TempDir dir;
  const std::string path = dir.Join("test-8.cdiff");
  ASSERT_TRUE(testing::WriteFile(path, {}));
  const Report disk = VerifyCdiffPath(path, Opts(""));
  EXPECT_EQ(disk.verdict, Verdict::kInvalid);
  EXPECT_TRUE(disk.Has(Code::kCdiffEmpty));
  ASSERT_TRUE(testing::WriteFile(path, {'C'}));
  const Report one = VerifyCdiffPath(path, Opts(""));
  EXPECT_FALSE(one.Has(Code::kCdiffEmpty));
  EXPECT_TRUE(one.Has(Code::kCdiffBadMagic));
}

// --- .cdiff.sign policy (FORMAT.md 6.3) -------------------------------------------

class CdiffSignPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.Join("root.pem");
    const std::string& pem = testing::DefaultChain().root.cert_pem;
    ASSERT_TRUE(testing::WriteFile(root_, Bytes(pem.begin(), pem.end())));
  }
  VerifyOptions SignOpts(SignPolicy policy = SignPolicy::kDefault) {
    VerifyOptions o = Opts();
    o.certs_path = root_;
    o.at_time = testing::kTime2026;
    o.sign_policy = policy;
    return o;
  }
  static std::string Text(const Bytes& b) { return std::string(b.begin(), b.end()); }
  static const SignatureCheck* Method(const Report& r, SigMethod m) {
    for (const auto& s : r.signatures) {
      if (s.method == m) return &s;
    }
    return nullptr;
  }
  TempDir dir_;
  std::string root_;
};

TEST_F(CdiffSignPolicyTest, ValidSignAuthenticates) {
  const Bytes& b = Fx().cdiff8;
  const Report r = VerifyCdiffMemory(b, SignOpts(), testing::DefaultSignText(Text(b)));
  EXPECT_EQ(r.verdict, Verdict::kValid) << Findings(r);
  EXPECT_EQ(r.verified_by, "sign");
  const SignatureCheck* s = Method(r, SigMethod::kSign);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->outcome, SigOutcome::kValid);
  EXPECT_FALSE(s->signer.empty());
  ASSERT_NE(Method(r, SigMethod::kCdiffTrailer), nullptr);
  EXPECT_EQ(Method(r, SigMethod::kCdiffTrailer)->outcome, SigOutcome::kValid);
}

TEST_F(CdiffSignPolicyTest, InvalidSignIsFatalDespiteGoodTrailer) {
  const Bytes& b = Fx().cdiff8;
  const Report r = VerifyCdiffMemory(b, SignOpts(), testing::DefaultSignText("other content"));
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_TRUE(r.Has(Code::kCdiffSignInvalid)) << Findings(r);
  EXPECT_EQ(r.verified_by, "none");
  EXPECT_EQ(Method(r, SigMethod::kSign)->outcome, SigOutcome::kInvalid);
}

TEST_F(CdiffSignPolicyTest, NoTrustStoreFallsBackToTrailer) {
  const Bytes& b = Fx().cdiff8;
  VerifyOptions o = Opts();
  const Report r = VerifyCdiffMemory(b, o, testing::DefaultSignText(Text(b)));
  EXPECT_EQ(r.verdict, Verdict::kValid) << Findings(r);
  EXPECT_EQ(r.verified_by, "cdiff_trailer");
  ASSERT_NE(Method(r, SigMethod::kSign), nullptr);
  EXPECT_EQ(Method(r, SigMethod::kSign)->outcome, SigOutcome::kCannotVerify);
}

TEST_F(CdiffSignPolicyTest, UnparsableSignFallsBackToTrailer) {
  const Bytes& b = Fx().cdiff8;
  const Report r = VerifyCdiffMemory(b, SignOpts(), std::string("#clamsign-1.0\n230::pkcs7-pem:!!\n"));
  EXPECT_EQ(r.verdict, Verdict::kValid) << Findings(r);
  EXPECT_EQ(r.verified_by, "cdiff_trailer");
  EXPECT_EQ(Method(r, SigMethod::kSign)->outcome, SigOutcome::kCannotVerify);
}

TEST_F(CdiffSignPolicyTest, BothPolicyNeedsSign) {
  const Bytes& b = Fx().cdiff8;
  Report r = VerifyCdiffMemory(b, SignOpts(SignPolicy::kBoth));
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_TRUE(r.Has(Code::kCdiffSignRequired)) << Findings(r);
  r = VerifyCdiffMemory(b, SignOpts(SignPolicy::kBoth), testing::DefaultSignText(Text(b)));
  EXPECT_EQ(r.verdict, Verdict::kValid) << Findings(r);
}

TEST_F(CdiffSignPolicyTest, ValidSignOutweighsBrokenTrailerExceptUnderBoth) {
  Bytes b = Fx().cdiff8;
  char& c = reinterpret_cast<char&>(b[b.size() - 5]);
  c = c == 'a' ? 'b' : 'a';
  const std::string sign = testing::DefaultSignText(Text(b));
  Report r = VerifyCdiffMemory(b, SignOpts(), sign);
  EXPECT_EQ(r.verdict, Verdict::kValid) << Findings(r);
  EXPECT_EQ(r.verified_by, "sign");
  EXPECT_TRUE(r.Has(Code::kCdiffTrailerIgnored));
  r = VerifyCdiffMemory(b, SignOpts(SignPolicy::kBoth), sign);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  // FIPS keeps the SHA-256 trailer usable for .cdiff (FORMAT.md 6.5).
  r = VerifyCdiffMemory(Fx().cdiff8, SignOpts(SignPolicy::kFips));
  EXPECT_EQ(r.verdict, Verdict::kValid) << Findings(r);
}

TEST_F(CdiffSignPolicyTest, SignFoundBesideFileOnDisk) {
  const std::string path = dir_.Join("test-8.cdiff");
  ASSERT_TRUE(testing::WriteFile(path, Fx().cdiff8));
  const std::string sign = testing::DefaultSignText(Text(Fx().cdiff8));
  ASSERT_TRUE(testing::WriteFile(path + ".sign", Bytes(sign.begin(), sign.end())));
  VerifyOptions o = SignOpts();
  o.file_name.clear();
  const Report r = VerifyCdiffPath(path, o);
  EXPECT_EQ(r.verdict, Verdict::kValid) << Findings(r);
  EXPECT_EQ(r.verified_by, "sign");
}

// --- a failed patch leaves nothing behind -------------------------------------------

TEST(CdiffGeneratedTest, FailedPatchLeavesNoFiles) {
  TempDir dir;
  const std::string base = dir.Join("test-7.cvd");
  const std::string diff = dir.Join("test-8.cdiff");
  ASSERT_TRUE(testing::WriteFile(base, Fx().base7));
  // Moves the .info header to version 8 but leaves the DSIG: the result
  // fails container validation after a clean application.
  const std::string base_line = TargetHeaderLine(Fx().base7);
  const std::string prefix = base_line.substr(0, std::min<std::size_t>(16, base_line.find(' ')));
  const std::string script =
      "OPEN test.info\nXCHG 1 " + prefix + " " + TargetHeaderLine(Fx().target8) + "\nCLOSE\n";
  ASSERT_TRUE(testing::WriteFile(diff, Cdiff(script, 8)));
  const std::string out = dir.Join("test.cld");
  const PatchOutcome o = ApplyPatches(base, {diff}, out, TestOptions());
  EXPECT_EQ(o.status, PatchStatus::kInvalid);
  EXPECT_TRUE(o.result_built);
  EXPECT_FALSE(o.result.valid());
  EXPECT_TRUE(ChainHas(o, Code::kCdiffResultInvalid)) << Findings(o);
  EXPECT_TRUE(o.output_path.empty());
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"test-7.cvd", "test-8.cdiff"}));

  // Output directory missing: an I/O error, nothing created.
  const PatchOutcome o2 = ApplyPatches(base, {diff}, dir.Join("nope/test.cld"), TestOptions());
  EXPECT_NE(o2.status, PatchStatus::kOk);
  EXPECT_FALSE(std::filesystem::exists(dir.Join("nope")));
}

TEST(CdiffGeneratedTest, OutputNamedCvdOrCudIsRefusedBeforeAnythingIsRead) {
  TempDir dir;
  const std::string base = dir.Join("test-7.cvd");
  const std::string diff = dir.Join("test-8.cdiff");
  ASSERT_TRUE(testing::WriteFile(base, Fx().base7));
  ASSERT_TRUE(testing::WriteFile(diff, Fx().cdiff8));
  for (const std::string out : {dir.Join("test.cvd"), dir.Join("test.cud"), std::string()}) {
    const PatchOutcome o = ApplyPatches(base, {diff}, out, TestOptions());
    EXPECT_EQ(o.status, PatchStatus::kInvalid) << out;
    EXPECT_TRUE(ChainHas(o, Code::kCdiffOutputNotCld)) << out << ": " << Findings(o);
    EXPECT_TRUE(o.output_path.empty());
    EXPECT_TRUE(o.patches.empty()) << "nothing is read before the output name is checked";
  }
  EXPECT_FALSE(std::filesystem::exists(dir.Join("test.cvd")));
  EXPECT_FALSE(std::filesystem::exists(dir.Join("test.cud")));
  // Any other name is fine: the .cld inside is named after the database.
  EXPECT_EQ(ApplyPatches(base, {diff}, dir.Join("test.new"), TestOptions()).status,
            PatchStatus::kOk);
}

TEST(CdiffGeneratedTest, PatchOnDiskWritesOnlyOutput) {
  TempDir dir;
  const std::string base = dir.Join("test-7.cvd");
  const std::string diff = dir.Join("test-8.cdiff");
  ASSERT_TRUE(testing::WriteFile(base, Fx().base7));
  ASSERT_TRUE(testing::WriteFile(diff, Fx().cdiff8));
  const PatchOutcome o = ApplyPatches(base, {diff}, dir.Join("test.cld"), TestOptions());
  ASSERT_EQ(o.status, PatchStatus::kOk) << Findings(o);
  EXPECT_TRUE(o.result.valid());
  // Streamed into the file: the same bytes the in-memory build gives.
  std::vector<std::uint8_t> in_memory;
  ASSERT_EQ(
      ApplyPatchesMemory(Fx().base7, "test-7.cvd", {{"test-8.cdiff", Fx().cdiff8, std::nullopt}},
                         TestOptions(), &in_memory)
          .status,
      PatchStatus::kOk);
  EXPECT_EQ(testing::ReadFile(dir.Join("test.cld")), in_memory);
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"test-7.cvd", "test-8.cdiff", "test.cld"}));
  const std::string dir_out = dir.Join("sub");
  std::filesystem::create_directory(dir_out);
  const PatchOutcome o3 = ApplyPatches(base, {diff}, dir_out, TestOptions());
  EXPECT_EQ(o3.status, PatchStatus::kIoError);  // OUT is a directory
  EXPECT_TRUE(std::filesystem::is_empty(dir_out));
}

// --- robustness: hostile bytes never crash and never trip an invariant -------------

TEST(CdiffGeneratedTest, MutatedFilesNeverCrash) {
  std::mt19937 rng(4242);
  VerifyOptions o = Opts();
  o.verify_signatures = false;
  o.allow_unverified = true;
  const Bytes& good = Fx().cdiff8;
  for (int iter = 0; iter < 3000; ++iter) {
    Bytes b = good;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !b.empty(); ++e) {
      const std::size_t at = rng() % b.size();
      switch (rng() % 4) {
        case 0: b[at] = static_cast<std::uint8_t>(rng()); break;
        case 1: b.erase(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(std::min(b.size(), at + 1 + rng() % 64))); break;
        case 2: b.resize(at); break;
        default: b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(':')); break;
      }
    }
    const Report r = VerifyCdiffMemory(b, o);
    ASSERT_FALSE(r.Has(Code::kInternalError));
    if (r.valid()) {
      EXPECT_TRUE(r.header.has_version);
    }
    // With signatures on, no changed byte string is ever accepted.
    const Report signed_check = VerifyCdiffMemory(b, Opts());
    ASSERT_FALSE(signed_check.Has(Code::kInternalError));
    if (b != good) {
      EXPECT_FALSE(signed_check.valid()) << iter;
    }
  }
}

}  // namespace
}  // namespace cvdguard
