// A report keeps a bounded number of findings however many problems a small
// hostile file holds (8 million bad .info lines, 20,000 members of bad
// lines): at most 1000 per code, 10000 in all past the first of each code,
// and one FINDINGS_SUPPRESSED that counts the rest.
#include "core/finding_cap.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "cvdguard/validator.h"
#include "testing/assembly.h"
#include "testing/fixtures.h"

namespace cvdguard {
namespace {

using internal::FindingCap;

TEST(FindingCapTest, KeepsAtMostPerCodeAndCountsTheRest) {
  FindingCap cap;
  std::size_t kept = 0;
  for (int i = 0; i < 5000; ++i) kept += cap.Admit(Code::kInfoBadEntry) ? 1 : 0;
  EXPECT_EQ(kept, FindingCap::kPerCode);
  const auto summary = cap.Summary();
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->code, Code::kFindingsSuppressed);
  EXPECT_NE(summary->message.find("4000 further findings"), std::string::npos) << summary->message;
  EXPECT_NE(summary->message.find("INFO_BAD_ENTRY 4000"), std::string::npos) << summary->message;
}

TEST(FindingCapTest, TheFirstOfEachCodeIsKeptPastTheTotal) {
  FindingCap cap;
  // Fill the total with codes of the lint range, 1000 each.
  int filled = 0;
  for (int n = 800; n < 1000 && filled < static_cast<int>(FindingCap::kTotal); ++n) {
    const Code c = static_cast<Code>(n);
    if (CodeName(c).empty() || CodeName(c) == "UNKNOWN") continue;
    for (std::size_t i = 0; i < FindingCap::kPerCode; ++i) filled += cap.Admit(c) ? 1 : 0;
  }
  ASSERT_EQ(filled, static_cast<int>(FindingCap::kTotal));
  // A new kind of problem (here one that decides the verdict) still shows.
  EXPECT_TRUE(cap.Admit(Code::kMd5Mismatch));
  EXPECT_FALSE(cap.Admit(Code::kMd5Mismatch));
  EXPECT_TRUE(cap.Admit(Code::kFindingsSuppressed));
}

TEST(FindingCapTest, AHostileFileKeepsABoundedReport) {
  testing::Assembly a;
  a.kind = Kind::kCud;
  // 30,000 unparsable .info lines and 3,000 members of bad hash lines.
  a.edit_info_unsigned = [](std::string& info) {
    for (int i = 0; i < 30000; ++i) info += "a\n";
  };
  a.members.clear();
  a.members.push_back({"test.hdb", "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n"});
  for (int i = 0; i < 3000; ++i) a.members.push_back({"m" + std::to_string(i) + ".hdb", "x\nx\n"});
  VerifyOptions o = testing::TestOptions();
  const Report r = VerifyMemory(testing::Assemble(a), o);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  std::map<Code, std::size_t> per_code;
  for (const auto& f : r.findings) ++per_code[f.code];
  for (const auto& [code, n] : per_code) EXPECT_LE(n, FindingCap::kPerCode) << CodeName(code);
  EXPECT_LE(r.findings.size(), FindingCap::kTotal + per_code.size());
  EXPECT_EQ(per_code[Code::kInfoBadEntry], FindingCap::kPerCode);
  ASSERT_EQ(per_code[Code::kFindingsSuppressed], 1u);
  const Finding& last = r.findings.back();
  EXPECT_EQ(last.code, Code::kFindingsSuppressed);
  EXPECT_NE(last.message.find("INFO_BAD_ENTRY 29000"), std::string::npos) << last.message;
}

}  // namespace
}  // namespace cvdguard
