// The segmenting linter (lint/parallel_linter.h) must report exactly what
// the one-thread linter reports, whatever the segment size, the chunking of
// the input, whether chunks are lent or handed over, and the number of
// worker threads.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "lint_test_util.h"

namespace cvdguard::internal {
namespace {

using lint_test::Describe;
using lint_test::LintMember;
using lint_test::LintMemberInSegments;
using lint_test::Reported;

LintOptions Options(bool container, bool flevel) {
  LintOptions o;
  o.container_member = container;
  if (flevel) o.engine_flevel = 216;
  return o;
}

// Compares both linters on `content` over segment sizes, chunkings, thread
// counts and option sets.
void ExpectSameAsOneThread(const std::string& name, const std::string& content) {
  LintWorkers inline_only(0);
  LintWorkers two(2);
  for (const bool container : {true, false}) {
    for (const bool flevel : {true, false}) {
      const LintOptions options = Options(container, flevel);
      const std::vector<Reported> want = LintMember(name, content, options);
      for (LintWorkers* workers : {&inline_only, &two}) {
        for (const std::size_t segment : {1u, 10u, 100u, 4096u, 256u * 1024u}) {
          for (const std::size_t chunk : {0u, 7u, 5000u}) {
            for (const bool owned : {false, true}) {
              const auto got = LintMemberInSegments(name, content, options, segment, chunk, workers, owned);
              ASSERT_EQ(got, want) << name << " segment " << segment << " chunk " << chunk << " owned " << owned
                                   << " container " << container << " flevel " << flevel
                                   << "\ngot:" << Describe(got) << "\nwant:" << Describe(want);
            }
          }
        }
      }
    }
  }
}

TEST(LintParallelTest, SameFindingsAsOneThreadOnEdgeShapes) {
  const std::string too_long_ldb(40000, 'a');  // over .ldb's 32767, under kLintLongLine
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"x.ndb", ""},
      {"x.ndb", "\n"},
      {"x.ndb", "\n\n\n"},
      {"x.ndb", "A:0:*:aabbccdd"},
      {"x.ndb", "A:0:*:aabbccdd\nB:0:*:zz\r\n# c\n\nC:0:*:aabb{1-2}ccdd\nD:0:*:aa"},
      {"x.ndb", std::string("A:0:*:aabb\0ccdd\nB:0:*:aabbccdd\n", 32)},
      {"x.hdb", "44d88612fea8a8f36de82e1278abb02f:68:Eicar\n" + std::string(9000, 'f') + "\nx:1:y\n"},
      {"x.hsb", "# only a comment\n"},
      {"x.mdb", "68:44d88612fea8a8f36de82e1278abb02f:Eicar:73:\r\r\n*:44d88612fea8a8f36de82e1278abb02f:W\n"},
      {"x.ldb", "S;Target:1;0;aabbccdd\n" + too_long_ldb + "\nS;Target:1;0&1;aabbccdd\n"},
      {"x.ldb", "S;Target:1;0;aabbccdd\n" + too_long_ldb},
      {"x.cdb", "Name:CL_TYPE_ZIP:*:x:*:*:*:*:*:*\n\n"},
      {"x.ign2", "Eicar\n\nOther\n"},
      {"x.pdb", "R:.+\\.example\\.com([/?].*)?:.+\nH:x\n"},
      {"x.ftm", "0:0:4d5a:PE:CL_TYPE_ANY:CL_TYPE_MSEXE\nbad\n"},
      {"x.cbc", "ClamBCaa\nanything\n"},
  };
  for (const auto& [name, content] : cases) ExpectSameAsOneThread(name, content);
}

// Lines of 64 KiB and more are only measured, never held: the long-line
// path of the segmenter must place them, and the lines after them, exactly.
TEST(LintParallelTest, LinesBeyondTheLongLineBoundKeepTheirNumbersAndOffsets) {
  const std::string huge(kLintLongLine * 3 + 17, 'b');
  ExpectSameAsOneThread("x.ndb", "A:0:*:aabbccdd\n" + huge + "\nB:0:*:zz\n" + huge + "\r\n" + huge);
  ExpectSameAsOneThread("x.ldb", huge + "\n");
  ExpectSameAsOneThread("x.hsb", std::string(kLintLongLine, 'c') + "\n" + std::string(kLintLongLine - 1, 'c'));
}

// The per-class caps and the suppression summary are member-wide: findings
// cut at the cap in one segment must not make room in the next.
TEST(LintParallelTest, FindingCapsAndTheSuppressionCountAreMemberWide) {
  std::string content;
  std::mt19937 rng(5);
  for (int i = 0; i < 4000; ++i) {
    switch (rng() % 4) {
      case 0: content += "Bad" + std::to_string(i) + ":0:*:zz\n"; break;       // error
      case 1: content += "W" + std::to_string(i) + ":0:*:aabb{5-3}ccdd\n"; break;  // warning
      case 2: content += "Ok" + std::to_string(i) + ":0:*:aabbccdd\n"; break;
      default: content += "\n"; break;                                           // blank: error
    }
  }
  LintOptions options = Options(true, true);
  options.max_findings_per_class = 50;
  const auto want = LintMember("x.ndb", content, options);
  ASSERT_TRUE(lint_test::HasCode(want, Code::kLintFindingsSuppressed));
  LintWorkers two(2);
  for (const std::size_t segment : {64u, 1000u, 30000u}) {
    EXPECT_EQ(LintMemberInSegments("x.ndb", content, options, segment, 4096, &two), want) << segment;
    EXPECT_EQ(LintMemberInSegments("x.ndb", content, options, segment, 4096, &two, true), want) << segment;
  }
}

TEST(LintParallelTest, OnlyFormatsWithoutStateAcrossLinesAreSegmented) {
  for (const char* name : {"x.hdb", "x.hsb", "x.msb", "x.ndb", "x.ldb", "x.ldu", "x.cdb", "x.pdb", "x.crb"}) {
    EXPECT_TRUE(LintsInSegments(name)) << name;
  }
  // .ftm refuses a member where no line loaded, .ign/.ign2 and .idb judge a
  // line by earlier ones, .cbc parses line 1 only.
  for (const char* name : {"x.ftm", "x.ign", "x.ign2", "x.idb", "x.cbc", "x.info", "x.txt"}) {
    EXPECT_FALSE(LintsInSegments(name)) << name;
  }
}

// A member dropped unfinished (a truncated file) leaves segments queued or
// running; destroying the linter first must be safe.
TEST(LintParallelTest, DroppingAnUnfinishedMemberIsSafe) {
  std::string content;
  for (int i = 0; i < 20000; ++i) content += "Sig" + std::to_string(i) + ":0:*:aabbccdd\n";
  LintWorkers two(2);
  std::size_t findings = 0;
  {
    auto linter = CreateParallelMemberLinter(
        "x.ndb", Options(true, true),
        [&](Code, Severity, std::uint64_t, std::uint64_t, std::string) { ++findings; }, &two, 1024);
    ASSERT_NE(linter, nullptr);
    linter->Update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(content.data()),
                                                 content.size()));
  }
  EXPECT_EQ(findings, 0u);
}

}  // namespace
}  // namespace cvdguard::internal
