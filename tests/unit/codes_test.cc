// Finding codes are a public contract: numbers and names are pinned.
#include <gtest/gtest.h>

#include <set>

#include "cvdguard/finding.h"

namespace cvdguard {
namespace {

static_assert(CodeNumber(Code::kInternalError) == 1);
static_assert(CodeNumber(Code::kIoError) == 2);
static_assert(CodeNumber(Code::kFileEmpty) == 10);
static_assert(CodeNumber(Code::kNotContainerHtml) == 11);
static_assert(CodeNumber(Code::kHeaderTruncated) == 100);
static_assert(CodeNumber(Code::kHeaderBadMagic) == 101);
static_assert(CodeNumber(Code::kMd5Mismatch) == 200);
static_assert(CodeNumber(Code::kDsigInvalid) == 201);
static_assert(CodeNumber(Code::kGzipCrcMismatch) == 313);
static_assert(CodeNumber(Code::kTarBadName) == 336);
static_assert(CodeNumber(Code::kInfoMemberMissing) == 407);
static_assert(CodeNumber(Code::kKindExtensionMismatch) == 500);

TEST(CodesTest, NamesAreScreamingSnakeCase) {
  EXPECT_EQ(CodeName(Code::kInfoMemberMissing), "INFO_MEMBER_MISSING");
  EXPECT_EQ(CodeName(Code::kMd5Mismatch), "MD5_MISMATCH");
  EXPECT_EQ(CodeName(Code::kNotContainerHtml), "NOT_CONTAINER_HTML");
}

TEST(CodesTest, NumbersAndNamesAreUnique) {
  std::set<int> numbers;
  std::set<std::string> names;
  int count = 0;
  ForEachCode([&](Code c) {
    ++count;
    EXPECT_TRUE(numbers.insert(CodeNumber(c)).second) << CodeNumber(c);
    EXPECT_TRUE(names.insert(std::string(CodeName(c))).second) << CodeName(c);
    EXPECT_FALSE(CodeSummary(c).empty());
  });
  EXPECT_GT(count, 90);
}

TEST(CodesTest, LookupByNumberAndName) {
  Code c{};
  ASSERT_TRUE(CodeFromNumber(407, &c));
  EXPECT_EQ(c, Code::kInfoMemberMissing);
  ASSERT_TRUE(CodeFromName("GZIP_TRAILING_DATA", &c));
  EXPECT_EQ(c, Code::kGzipTrailingData);
  EXPECT_FALSE(CodeFromNumber(99999, &c));
}

}  // namespace
}  // namespace cvdguard
