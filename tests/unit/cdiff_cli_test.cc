// `cvdguard patch`: exit codes 0/1/2/3 and nothing written on failure.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "testing/cli_runner.h"
#include "testing/fixtures.h"

namespace cvdguard {
namespace {

int RunCli(const std::string& args) {
  const std::string cmd = "'" + testing::CliPath() + "' " + args + " >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Real(const std::string& name) { return "'" + testing::RealDataDir() + "/" + name + "'"; }

TEST(CdiffCliTest, PatchExitCodes) {
  testing::TempDir dir;
  const std::string out = dir.Join("test.cld");
  EXPECT_EQ(RunCli("patch " + Real("test-1.cvd") + " " + Real("test-2.cdiff") + " " +
                Real("test-3.cdiff") + " " + Real("test-4.cdiff") + " -o '" + out + "'"),
            0);
  EXPECT_TRUE(std::filesystem::exists(out));
  EXPECT_EQ(RunCli("verify '" + out + "'"), 0);
  std::filesystem::remove(out);

  // Wrong base: invalid, nothing written.
  EXPECT_EQ(RunCli("patch " + Real("test-2.cvd") + " " + Real("test-2.cdiff") + " -o '" + out + "'"),
            1);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  // Usage: no -o, or no DIFF.
  EXPECT_EQ(RunCli("patch " + Real("test-1.cvd") + " " + Real("test-2.cdiff")), 2);
  EXPECT_EQ(RunCli("patch " + Real("test-1.cvd") + " -o '" + out + "'"), 2);
  // An input that cannot be read.
  EXPECT_EQ(RunCli("patch " + Real("test-1.cvd") + " '" + dir.Join("none-2.cdiff") + "' -o '" + out +
                "'"),
            3);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  // JSON output names the status.
  const std::string cmd = "'" + testing::CliPath() + "' patch --json " + Real("test-2.cvd") + " " +
                          Real("test-2.cdiff") + " -o '" + out + "' 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string text;
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  pclose(p);
  EXPECT_NE(text.find("\"status\":\"invalid\""), std::string::npos) << text;
  EXPECT_NE(text.find("CDIFF_VERSION_CHAIN"), std::string::npos) << text;
}

}  // namespace
}  // namespace cvdguard
