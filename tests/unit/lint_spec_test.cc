// Every tested line of SIGNATURES.md 15(c) that the linter covers: our
// verdict class must equal libclamav 1.4.6's, whatever the chunking.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "lint_test_util.h"

namespace cvdguard::internal {
namespace {

using lint_test::Describe;
using lint_test::Engine216;
using lint_test::HasError;
using lint_test::LintMember;

struct SpecRow {
  const char* id;
  const char* ext;
  std::string_view content;
  bool engine_refuses;
};

// std::string_view from a literal keeps embedded NULs out of the picture;
// the rows contain none.
const SpecRow kRows[] = {
#include "lint_spec_rows.inc"
};

std::string PrintRow(const ::testing::TestParamInfo<SpecRow>& info) {
  std::string id = info.param.id;
  for (char& c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return id;
}

class LintSpecRowTest : public ::testing::TestWithParam<SpecRow> {};

TEST_P(LintSpecRowTest, VerdictMatchesLibclamav) {
  const SpecRow& row = GetParam();
  const std::string name = std::string("test.") + row.ext;
  LintOptions loose = Engine216();
  loose.container_member = false;
  auto linter = CreateMemberLinter(name, loose, nullptr);
  if (!linter) GTEST_SKIP() << name << " is not linted";
  const auto findings = LintMember(name, row.content, loose);
  EXPECT_EQ(HasError(findings), row.engine_refuses)
      << row.id << " " << name << " content:\n" << row.content << "\nlibclamav "
      << (row.engine_refuses ? "refuses" : "accepts") << "; findings:" << Describe(findings);
}

TEST_P(LintSpecRowTest, FindingsDoNotDependOnChunking) {
  const SpecRow& row = GetParam();
  const std::string name = std::string("test.") + row.ext;
  const auto whole = LintMember(name, row.content, Engine216());
  for (std::size_t chunk : {1u, 7u, 512u}) {
    EXPECT_EQ(LintMember(name, row.content, Engine216(), chunk), whole)
        << row.id << " chunk " << chunk << " content:\n" << row.content;
  }
}

TEST_P(LintSpecRowTest, FindingsDoNotDependOnSegmentsOrThreads) {
  const SpecRow& row = GetParam();
  const std::string name = std::string("test.") + row.ext;
  const auto whole = LintMember(name, row.content, Engine216());
  LintWorkers inline_only(0);
  LintWorkers two(2);
  for (LintWorkers* workers : {&inline_only, &two}) {
    for (std::size_t segment : {1u, 5u, 64u}) {
      EXPECT_EQ(lint_test::LintMemberInSegments(name, row.content, Engine216(), segment, 3, workers), whole)
          << row.id << " segment " << segment << " content:\n" << row.content;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Lint15c, LintSpecRowTest, ::testing::ValuesIn(kRows), PrintRow);

}  // namespace
}  // namespace cvdguard::internal
