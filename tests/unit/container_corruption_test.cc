// FORMAT.md section 9: every corruption that concerns one container, built
// with the assembler and test keys, rejected with the right code (or
// accepted where the spec says so).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "archive/inflater.h"
#include "crypto/digest.h"
#include "cvdguard/json.h"
#include "cvdguard/validator.h"
#include "testing/assembly.h"
#include "testing/corruption_cases.h"
#include "testing/fixtures.h"

namespace cvdguard::testing {
namespace {

class CorruptionTest : public ::testing::TestWithParam<Case> {};

TEST_P(CorruptionTest, GivesExpectedCodeAndVerdict) {
  const Case& c = GetParam();
  Assembly a;
  VerifyOptions o = TestOptions();
  std::string file_name = "test.cvd";
  c.setup(a, o, file_name);
  o.file_name = file_name;
  const auto bytes = Assemble(a);
  const Report r = VerifyMemory(bytes, o);
  std::string dump;
  for (const auto& f : r.findings) {
    dump += std::string(CodeName(f.code)) + " (" + std::string(SeverityName(f.severity)) + "): " + f.message + "\n";
  }
  if (c.expect != Code::kInternalError) {
    EXPECT_TRUE(r.Has(c.expect)) << "expected " << CodeName(c.expect) << ", got:\n" << dump;
  }
  EXPECT_FALSE(r.Has(Code::kInternalError)) << dump;
  if (std::string(c.name) == "A9_ZeroBlocksAtEndAreFine") {
    EXPECT_FALSE(r.Has(Code::kTarDataAfterEnd)) << dump;
  }
  EXPECT_EQ(r.verdict, c.valid ? Verdict::kValid : Verdict::kInvalid) << dump;
}

INSTANTIATE_TEST_SUITE_P(FormatSection9, CorruptionTest, ::testing::ValuesIn(CorruptionCases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(CorruptionExtraTest, Md5StartingWithZeroVerifiesWithWarning) {
  // Vary COPYING until the payload MD5 starts with 0x00 (about 1 in 256).
  for (int i = 0; i < 4096; ++i) {
    Assembly a;
    a.copying = "variant " + std::to_string(i) + "\n";
    const auto bytes = Assemble(a);
    internal::Md5 md5;
    md5.Update(std::span<const std::uint8_t>(bytes).subspan(512));
    if (md5.Final()[0] != 0) continue;
    VerifyOptions o = TestOptions();
    o.file_name = "test.cvd";
    const Report r = VerifyMemory(bytes, o);
    EXPECT_EQ(r.verdict, Verdict::kValid);
    EXPECT_TRUE(r.Has(Code::kMd5LeadingZero));
    return;
  }
  FAIL() << "no payload with a leading zero MD5 byte found";
}

TEST(CorruptionExtraTest, BareGzipIsNamed) {
  std::vector<std::uint8_t> gz;
  internal::GzipCompress(cvdguard::AsBytes(std::string(2000, 'a')), 9, &gz);
  const Report r = VerifyMemory(gz, TestOptions());
  EXPECT_TRUE(r.Has(Code::kNotContainerBareGzip));
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
}

TEST(CorruptionExtraTest, JsonErrorPageIsNamed) {
  const std::string json = "{\"error\": \"not found\", \"status\": 404}";
  const Report r = VerifyMemory(cvdguard::AsBytes(json), TestOptions());
  EXPECT_TRUE(r.Has(Code::kNotContainerJson));
}

TEST(CorruptionExtraTest, HtmlPageSavedAsCvdIsNotAContainer) {
  const std::string html =
      "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>gone</body></html>\n";
  VerifyOptions o = TestOptions();
  o.file_name = "daily.cvd";
  const Report r = VerifyMemory(cvdguard::AsBytes(html), o);
  ASSERT_TRUE(r.Has(Code::kNotContainerHtml));
  EXPECT_NE(r.findings.front().message.find("HTML"), std::string::npos);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
}

// A download error page or /dev/zero given as a definition file: once the
// first bytes show it is no container, nothing more is read, so an endless
// or huge input cannot hold the check (the writer below never closes the
// pipe until the check has returned, or 20 s have passed).
TEST(CorruptionExtraTest, AnEndlessNonContainerIsNotReadToTheEnd) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  std::mutex mu;
  std::condition_variable cv;
  bool returned = false;
  bool gave_up = false;
  std::thread writer([&] {
    const std::string page = "<!DOCTYPE html>\n<html>" + std::string(4096, ' ');
    [[maybe_unused]] const ssize_t w = ::write(p[1], page.data(), page.size());
    std::unique_lock<std::mutex> lock(mu);
    gave_up = !cv.wait_for(lock, std::chrono::seconds(20), [&] { return returned; });
    ::close(p[1]);
  });
  const Report r = VerifyFd(p[0], "daily.cvd", TestOptions());
  bool closed_first = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    returned = true;
    closed_first = gave_up;
  }
  cv.notify_all();
  writer.join();
  ::close(p[0]);
  EXPECT_FALSE(closed_first) << "the check waited for the end of an endless input";
  EXPECT_TRUE(r.Has(Code::kNotContainerHtml)) << ReportToJson(r);
}

TEST(CorruptionExtraTest, EmptyFileIsNamed) {
  const Report r = VerifyMemory({}, TestOptions());
  EXPECT_TRUE(r.Has(Code::kFileEmpty));
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
}

}  // namespace
}  // namespace cvdguard::testing
