// Batch mode of `cvdguard verify`: --jobs never changes the output or the
// exit code, results come back in input order with bounded buffering, and
// the progress line shows only on a terminal.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "cli/batch.h"
#include "testing/cli_runner.h"
#include "testing/fixtures.h"

namespace cvdguard::testing {
namespace {

TEST(RunInOrderTest, EmitsEveryResultOnceInIndexOrderWithBoundedBacklog) {
  for (const unsigned jobs : {1u, 2u, 5u}) {
    const std::size_t n = 200;
    std::atomic<int> finished{0};
    std::size_t emitted = 0;
    int max_backlog = 0;
    cli::RunInOrder(
        n, jobs,
        [&](std::size_t i) {
          std::mt19937 rng(static_cast<unsigned>(i));
          std::this_thread::sleep_for(std::chrono::microseconds(rng() % 400));
          Report r;
          r.path = std::to_string(i);
          ++finished;
          return r;
        },
        [&](std::size_t i, Report& r) {
          EXPECT_EQ(i, emitted);
          EXPECT_EQ(r.path, std::to_string(i));
          max_backlog = std::max(max_backlog, finished.load() - static_cast<int>(emitted));
          ++emitted;
        });
    EXPECT_EQ(emitted, n);
    EXPECT_LE(max_backlog, static_cast<int>(4 * jobs) + 1) << "jobs " << jobs;
  }
}

TEST(ProgressLineTest, SaysFilesBytesRateAndNothingWhenDisabled) {
  std::FILE* sink = std::tmpfile();
  ASSERT_NE(sink, nullptr);
  {
    cli::ProgressLine off(false, 3, 3000000, sink);
    off.Done(1000000);
    off.Clear();
  }
  EXPECT_EQ(std::ftell(sink), 0) << "a disabled progress line wrote something";
  {
    cli::ProgressLine on(true, 3, 3000000, sink);
    on.Done(1000000);
    EXPECT_NE(on.Text().find("1/3 files, 1.0 MB of 3.0 MB"), std::string::npos) << on.Text();
    EXPECT_GT(std::ftell(sink), 0);
  }  // (its destructor erases the line: before the stream is closed)
  std::fclose(sink);
}

class BatchCli : public ::testing::Test {
 protected:
  void SetUp() override {
    // 24 files: valid, cut short, renamed and empty ones, mixed.
    const auto good = Build(SmallSpec());
    for (int i = 0; i < 24; ++i) {
      std::vector<std::uint8_t> bytes = good;
      std::string name = "db" + std::to_string(i) + "-1.cvd";
      if (i % 5 == 1) bytes.resize(bytes.size() * 2 / 3);
      if (i % 7 == 3) name = "db" + std::to_string(i) + "-1.cld";
      if (i % 11 == 4) bytes.clear();
      WriteFile(dir_.Join(name), bytes);
    }
    WriteFile(dir_.Join("cvd.pub"), {CvdKey().public_pem.begin(), CvdKey().public_pem.end()});
    WriteFile(dir_.Join("info.pub"), {InfoKey().public_pem.begin(), InfoKey().public_pem.end()});
    args_ = "--no-official-keys --key cvd:" + ShellQuote(dir_.Join("cvd.pub")) + " --key info:" +
            ShellQuote(dir_.Join("info.pub")) + " --at 2021-07-01T00:00:00Z " + ShellQuote(dir_.path());
  }
  TempDir dir_;
  std::string args_;
};

TEST_F(BatchCli, JobsNeverChangeTheOutputOrTheExitCode) {
  for (const char* mode : {"--json", ""}) {
    const CliResult one = RunCli(std::string("verify ") + mode + " -j 1 " + args_);
    ASSERT_EQ(one.exit_code, 1) << one.out;  // some files are invalid
    ASSERT_FALSE(one.out.empty());
    for (const char* jobs : {"-j 2", "-j 8", ""}) {
      const CliResult many = RunCli(std::string("verify ") + mode + " " + jobs + " " + args_);
      EXPECT_EQ(many.exit_code, one.exit_code) << jobs;
      EXPECT_EQ(many.out, one.out) << mode << " " << jobs;
    }
  }
}

TEST_F(BatchCli, NoProgressLineWhenStderrIsNotATerminal) {
  const CliResult r = RunCli("verify -j 2 " + args_, /*with_stderr=*/true);
  EXPECT_EQ(r.out.find("files,"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\r'), std::string::npos);
}

TEST_F(BatchCli, ProgressLineOnATerminalIsErasedAtTheEnd) {
  if (access("/usr/bin/script", X_OK) != 0) GTEST_SKIP() << "no script(1) to make a terminal";
  const std::string out = RunCliOnTerminal("verify -j 2 " + args_ + " >/dev/null").out;
  EXPECT_NE(out.find("24/24 files"), std::string::npos) << out;
  // The last thing written is the erase sequence.
  ASSERT_GE(out.size(), 4u);
  EXPECT_EQ(out.substr(out.rfind('\r')), "\r\033[K") << out;
  // --json and --no-progress keep the terminal quiet.
  for (const char* quiet : {"--json", "--no-progress", "--quiet"}) {
    const std::string o =
        RunCliOnTerminal(std::string("verify -j 2 ") + quiet + " " + args_ + " >/dev/null").out;
    EXPECT_EQ(o.find("files,"), std::string::npos) << quiet << ": " << o;
  }
}

}  // namespace
}  // namespace cvdguard::testing
