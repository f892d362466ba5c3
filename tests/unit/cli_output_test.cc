// Output conventions of every reporting command (README, "Using it"):
// --json gives one parseable JSON object per line, --quiet prints nothing
// for a good outcome, and colour appears only on a terminal and never with
// NO_COLOR. Real files come from ../shared/realdata.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "testing/cli_runner.h"
#include "testing/fixtures.h"

namespace cvdguard::testing {
namespace {

namespace fs = std::filesystem;

class CliOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string real = std::string(CVDGUARD_REALDATA_DIR) + "/test-1.cvd";
    if (!fs::exists(real)) GTEST_SKIP() << "no real data at " << real;
    good_ = dir_.Join("test.cvd");
    fs::copy_file(real, good_);
    bad_ = dir_.Join("daily.cvd");
    const std::string html = "<!DOCTYPE html><html><body>502 Bad Gateway</body></html>\n";
    WriteFile(bad_, std::vector<std::uint8_t>(html.begin(), html.end()));
    live_ = dir_.Join("live");
    fs::create_directories(live_);
    // activate moves its candidate into LIVE; a second copy tries it again.
    fs::create_directories(dir_.Join("again"));
    again_ = dir_.Join("again/test.cvd");
    fs::copy_file(real, again_);
  }
  std::string Live() const {
    return "--db-dir " + ShellQuote(live_) + " --quarantine-dir " + ShellQuote(dir_.Join("q"));
  }
  // Each non-empty line of `out` must be one JSON object.
  static void ExpectJsonLines(const std::string& what, const std::string& out) {
    std::istringstream lines(out);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      ++n;
      const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      EXPECT_TRUE(j.is_object()) << what << ": not one JSON object per line: " << line;
    }
    EXPECT_GT(n, 0) << what << ": no output";
  }

  TempDir dir_;
  std::string good_, bad_, live_, again_;
};

TEST_F(CliOutputTest, EveryReportingCommandSpeaksJson) {
  const std::vector<std::pair<std::string, int>> cases = {
      {"verify --json " + ShellQuote(good_) + " " + ShellQuote(bad_), 1},
      {"info --json " + ShellQuote(good_), 0},
      {"info --json " + ShellQuote(bad_), 1},
      {"unpack --json " + ShellQuote(good_) + " " + ShellQuote(dir_.Join("out")), 0},
      {"unpack --json " + ShellQuote(bad_) + " " + ShellQuote(dir_.Join("out2")), 1},
      {"activate --json " + Live() + " " + ShellQuote(good_), 0},
      {"prune --json " + Live(), 0},
      {"status --json --db-dir " + ShellQuote(live_), 0},
      {"rollback --json " + Live() + " --state-dir " + ShellQuote(live_ + "/.cvdguard"), 1},
      {"faults status --state-dir " + ShellQuote(dir_.Join("faults")), 0},
  };
  for (const auto& [args, want] : cases) {
    const CliResult r = RunCli(args);
    EXPECT_EQ(r.exit_code, want) << args << "\n" << r.out;
    ExpectJsonLines(args, r.out);
  }
  // The code table is one JSON array (pretty-printed: it is read by people too).
  const CliResult codes = RunCli("codes --json");
  EXPECT_EQ(codes.exit_code, 0);
  const auto table = nlohmann::json::parse(codes.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(table.is_array()) << codes.out.substr(0, 200);
  EXPECT_GT(table.size(), 100u);
}

TEST_F(CliOutputTest, QuietPrintsNothingWhenAllIsWell) {
  const std::vector<std::string> cases = {
      "verify -q " + ShellQuote(good_),
      "info -q " + ShellQuote(good_),
      "unpack -q " + ShellQuote(good_) + " " + ShellQuote(dir_.Join("out")),
      "activate -q " + Live() + " " + ShellQuote(good_),
      "activate -q " + Live() + " " + ShellQuote(again_),  // already live: still nothing
      "prune -q " + Live(),
      "status -q --db-dir " + ShellQuote(live_),
  };
  for (const auto& args : cases) {
    const CliResult r = RunCli(args, /*with_stderr=*/true);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.out;
    EXPECT_EQ(r.out, "") << args;
  }
  // ...and still names the problem when there is one.
  const CliResult bad = RunCli("info -q " + ShellQuote(bad_));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("daily.cvd: Verification FAILED: NOT_CONTAINER_HTML"), std::string::npos)
      << bad.out;
  const CliResult rb = RunCli("rollback -q " + Live() + " --state-dir " +
                              ShellQuote(live_ + "/.cvdguard"));
  EXPECT_EQ(rb.exit_code, 1);
  EXPECT_NE(rb.out.find("nothing to roll back to"), std::string::npos) << rb.out;
}

TEST_F(CliOutputTest, ColourOnlyOnATerminalAndNeverWithNoColor) {
  if (access("/usr/bin/script", X_OK) != 0) GTEST_SKIP() << "no script(1) to make a terminal";
  // --no-progress: the progress line's erase sequence is not colour.
  const std::string args =
      "verify --no-progress " + ShellQuote(good_) + " " + ShellQuote(bad_);
  const std::string tty = RunCliOnTerminal(args, "env -u NO_COLOR").out;
  EXPECT_NE(tty.find("\033["), std::string::npos) << "no colour on a terminal: " << tty;
  EXPECT_NE(tty.find("NOT_CONTAINER_HTML"), std::string::npos) << tty;
  const std::string no_color = RunCliOnTerminal(args, "NO_COLOR=1").out;
  EXPECT_NE(no_color.find("NOT_CONTAINER_HTML"), std::string::npos) << no_color;
  EXPECT_EQ(no_color.find("\033["), std::string::npos) << "colour despite NO_COLOR";
  const CliResult piped = RunCli(args, /*with_stderr=*/true, "env -u NO_COLOR");
  EXPECT_NE(piped.out.find("NOT_CONTAINER_HTML"), std::string::npos) << piped.out;
  EXPECT_EQ(piped.out.find("\033["), std::string::npos) << "colour into a pipe";
}

TEST_F(CliOutputTest, MessagesNameTheFileTheProblemAndWhatToDo) {
  const CliResult r = RunCli("verify " + ShellQuote(bad_));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("daily.cvd"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("HTML page"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mirror"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace cvdguard::testing
