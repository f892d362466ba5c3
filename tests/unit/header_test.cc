// The 512-byte header parser and the not-a-container sniffer.
#include "header/header.h"

#include <gtest/gtest.h>

namespace cvdguard::internal {
namespace {

std::vector<std::uint8_t> Pad(std::string text, char pad = ' ') {
  text.resize(512, pad);
  return {text.begin(), text.end()};
}

constexpr const char* kGood =
    "ClamAV-VDB:22 Jun 2021 21-34 -0400:6:14:81:3e249e00076b0b15bb54ced37be880c7:Dou6ICRT:micasnyd:1624412045";

TEST(HeaderTest, ParsesAllFields) {
  const auto p = ParseHeader(Pad(kGood), Kind::kUnknown);
  EXPECT_TRUE(p.findings.empty()) << (p.findings.empty() ? "" : p.findings[0].message);
  EXPECT_EQ(p.fields.version, 6u);
  EXPECT_EQ(p.fields.sigs, 14u);
  EXPECT_EQ(p.fields.flevel, 81u);
  EXPECT_EQ(p.fields.stime, 1624412045u);
  EXPECT_EQ(p.fields.builder, "micasnyd");
  EXPECT_EQ(p.content_kind, Kind::kCvd);
}

TEST(HeaderTest, KindFromMd5AndDsigFields) {
  EXPECT_EQ(ParseHeader(Pad("ClamAV-VDB:22 Jun 2021 21-34 -0400:6:14:81:X:X:m:1624412045"), Kind::kUnknown).content_kind,
            Kind::kCld);
  EXPECT_EQ(ParseHeader(Pad("ClamAV-VDB:22 Jun 2021 21-34 -0400:6:14:81:3e249e00076b0b15bb54ced37be880c7:X:m:1624412045"),
                        Kind::kUnknown)
                .content_kind,
            Kind::kCud);
}

TEST(HeaderTest, RejectsLeadingZerosAndSigns) {
  std::string t = kGood;
  t.replace(t.find(":6:"), 3, ":06:");
  const auto p = ParseHeader(Pad(t), Kind::kUnknown);
  ASSERT_FALSE(p.findings.empty());
  EXPECT_EQ(p.findings[0].code, Code::kHeaderNonCanonicalNumber);
}

TEST(HeaderTest, NeverUsesAtoiSemantics) {
  std::string t = kGood;
  t.replace(t.find(":14:"), 4, ":14abc:");
  const auto p = ParseHeader(Pad(t), Kind::kUnknown);
  ASSERT_FALSE(p.findings.empty());
  EXPECT_EQ(p.findings[0].code, Code::kHeaderBadNumber);
  EXPECT_FALSE(p.fields.has_sigs);
}

TEST(HeaderTest, EmptyFieldIsReported) {
  std::string t = kGood;
  t.replace(t.find(":micasnyd:"), 10, "::");
  const auto p = ParseHeader(Pad(t), Kind::kUnknown);
  bool found = false;
  for (const auto& f : p.findings) found |= f.code == Code::kHeaderEmptyField;
  EXPECT_TRUE(found);
}

TEST(HeaderTest, NulPaddingIsBadPadding) {
  const auto p = ParseHeader(Pad(kGood, '\0'), Kind::kUnknown);
  ASSERT_EQ(p.findings.size(), 1u);
  EXPECT_EQ(p.findings[0].code, Code::kHeaderBadPadding);
  EXPECT_EQ(p.findings[0].offset, std::string(kGood).size());
}

TEST(HeaderTest, ColonInPaddingChangesFieldCount) {
  std::string t = std::string(kGood) + "   :x";
  const auto p = ParseHeader(Pad(t), Kind::kUnknown);
  ASSERT_FALSE(p.findings.empty());
  EXPECT_EQ(p.findings[0].code, Code::kHeaderFieldCount);
  EXPECT_TRUE(p.fatal);
}

TEST(HeaderTest, BuildTimeParsesWithOffset) {
  const auto t = ParseBuildTime("22 Jun 2021 21-34 -0400");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, 1624412040);
  EXPECT_FALSE(ParseBuildTime("22 Jun 2021 21:34 -0400").has_value());
  EXPECT_FALSE(ParseBuildTime("31 Feb 2021 21-34 -0400").has_value());
  EXPECT_FALSE(ParseBuildTime("22 Jux 2021 21-34 -0400").has_value());
}

TEST(HeaderTest, FormatBuildTimeRoundTrips) {
  const std::string s = FormatBuildTime(1624412045, -240);
  EXPECT_EQ(s, "22 Jun 2021 21-34 -0400");
  EXPECT_EQ(FormatBuildTime(0, 0), "01 Jan 1970 00-00 +0000");
}

TEST(HeaderTest, HeaderLineParsesInfoFirstLine) {
  HeaderFields h;
  std::string why;
  EXPECT_TRUE(ParseHeaderLine("ClamAV-VDB:22 Jun 2021 21-34 -0400:6:14:81:X:X:micasnyd:1624412045", &h, &why));
  EXPECT_EQ(h.version, 6u);
  EXPECT_FALSE(ParseHeaderLine("ClamAV-VDB:22 Jun 2021 21-34 -0400:6:14:81:X:X:micasnyd", &h, &why));
}

struct SniffCase {
  std::string input;
  Code code;
};

TEST(SniffTest, NamesWhatIsClearlyNotAContainer) {
  const SniffCase cases[] = {
      {"<!DOCTYPE html><html>", Code::kNotContainerHtml},
      {"\n  <html><body>502 Bad Gateway</body></html>", Code::kNotContainerHtml},
      {"<?xml version=\"1.0\"?><Error/>", Code::kNotContainerHtml},
      {"{\"message\":\"rate limited\"}", Code::kNotContainerJson},
      {"[1,2]", Code::kNotContainerJson},
      {"\x1f\x8b\x08\x00", Code::kNotContainerBareGzip},
      {"ClamAV-Diff:2:479:", Code::kNotContainerCdiff},
      {"#clamsign-1.0\n", Code::kNotContainerSignFile},
      {"hello world, this is not a database", Code::kNotContainer},
  };
  for (const auto& c : cases) {
    const auto r = SniffNotContainer({reinterpret_cast<const std::uint8_t*>(c.input.data()), c.input.size()}, true);
    ASSERT_TRUE(r.has_value()) << c.input;
    EXPECT_EQ(r->code, c.code) << c.input;
  }
  EXPECT_EQ(SniffNotContainer({}, true)->code, Code::kFileEmpty);
  const std::string near = "ClamAV-VDX:";
  EXPECT_FALSE(SniffNotContainer({reinterpret_cast<const std::uint8_t*>(near.data()), near.size()}, true).has_value());
}

}  // namespace
}  // namespace cvdguard::internal
