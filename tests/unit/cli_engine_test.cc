// `verify --engine-test`: the sandboxed libclamav load. The classification of
// a child's outcome is tested directly; the real load through the CLI runs
// when the CLI was built with libclamav (CVDGUARD_CLI_HAS_ENGINE_TEST).
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/engine_test.h"
#include "testing/cli_runner.h"
#include "testing/fixtures.h"

namespace cvdguard::testing {
namespace {

using cli::ClassifyProbe;
using cli::EngineTestLimits;
using cli::ProbeOutcome;

ProbeOutcome Exited(int status, std::string output) {
  ProbeOutcome o;
  o.exited = true;
  o.exit_status = status;
  o.output = std::move(output);
  o.elapsed_ms = 42;
  return o;
}

ProbeOutcome Killed(int sig, std::string output = "") {
  ProbeOutcome o;
  o.signal = sig;
  o.output = std::move(output);
  return o;
}

TEST(EngineProbeClassification, DoneLineIsLoadOkWithCountVersionAndSandbox) {
  const Finding f = ClassifyProbe(
      Exited(0, "sandbox net isolated\nengine 1.4.6\nmsg other loading\ndone 1234\n"), {});
  EXPECT_EQ(f.code, Code::kEngineLoadOk);
  EXPECT_EQ(f.severity, Severity::kInfo);
  EXPECT_NE(f.message.find("libclamav 1.4.6"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("1234 signatures"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("network isolated"), std::string::npos) << f.message;
}

TEST(EngineProbeClassification, SharedNetworkIsSaidOutLoud) {
  const Finding f = ClassifyProbe(Exited(0, "sandbox net shared\ndone 1\n"), {});
  EXPECT_EQ(f.code, Code::kEngineLoadOk);
  EXPECT_NE(f.message.find("network not isolated"), std::string::npos) << f.message;
}

TEST(EngineProbeClassification, LoadFailureCarriesTheEnginesOwnWords) {
  const Finding f = ClassifyProbe(
      Exited(1, "engine 1.4.6\nmsg error Problem parsing database at line 2\n"
                "msg error Can't load x.ndb: Malformed database\nfail load 0 Malformed database\n"),
      {});
  EXPECT_EQ(f.code, Code::kEngineLoadFailed);
  EXPECT_EQ(f.severity, Severity::kError);
  EXPECT_NE(f.message.find("at load: Malformed database"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("line 2"), std::string::npos) << f.message;
}

TEST(EngineProbeClassification, CompileFailureNamesTheStage) {
  const Finding f = ClassifyProbe(Exited(1, "fail compile 0 Can't compile\n"), {});
  EXPECT_EQ(f.code, Code::kEngineLoadFailed);
  EXPECT_NE(f.message.find("at compile"), std::string::npos) << f.message;
}

TEST(EngineProbeClassification, OutOfMemoryFlagIsMemoryLimit) {
  EngineTestLimits limits;
  limits.memory_mb = 64;
  const Finding f = ClassifyProbe(Exited(1, "fail load 1 Can't allocate memory\n"), limits);
  EXPECT_EQ(f.code, Code::kEngineOutOfMemory);
  EXPECT_NE(f.message.find("64 MB"), std::string::npos) << f.message;
}

TEST(EngineProbeClassification, DeadlineIsTimeout) {
  ProbeOutcome o = Killed(SIGKILL);
  o.timed_out = true;
  EngineTestLimits limits;
  limits.timeout_ms = 1500;
  const Finding f = ClassifyProbe(o, limits);
  EXPECT_EQ(f.code, Code::kEngineTimeout);
  EXPECT_NE(f.message.find("1500 ms"), std::string::npos) << f.message;
}

TEST(EngineProbeClassification, CpuLimitSignalIsTimeout) {
  EXPECT_EQ(ClassifyProbe(Killed(SIGXCPU), {}).code, Code::kEngineTimeout);
}

TEST(EngineProbeClassification, SegfaultIsCrashWithTheSignal) {
  const Finding f = ClassifyProbe(Killed(SIGSEGV, "msg error something odd\n"), {});
  EXPECT_EQ(f.code, Code::kEngineCrashed);
  EXPECT_NE(f.message.find("signal " + std::to_string(SIGSEGV)), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("something odd"), std::string::npos) << f.message;
}

TEST(EngineProbeClassification, ForeignSigkillMentionsTheOomKiller) {
  const Finding f = ClassifyProbe(Killed(SIGKILL), {});
  EXPECT_EQ(f.code, Code::kEngineCrashed);
  EXPECT_NE(f.message.find("out-of-memory killer"), std::string::npos) << f.message;
}

TEST(EngineProbeClassification, ExecFailureIsUnavailable) {
  EXPECT_EQ(ClassifyProbe(Exited(127, "sandbox net shared\nexec-failed\n"), {}).code,
            Code::kEngineTestUnavailable);
}

TEST(EngineProbeClassification, ExitWithoutResultIsCrash) {
  EXPECT_EQ(ClassifyProbe(Exited(0, "engine 1.4.6\n"), {}).code, Code::kEngineCrashed);
  EXPECT_EQ(ClassifyProbe(Exited(3, ""), {}).code, Code::kEngineCrashed);
}

TEST(EngineProbeClassification, HostileOutputGivesBoundedPrintableMessage) {
  std::string noise = "fail load 0 ";
  for (int i = 0; i < 200000; ++i) noise += static_cast<char>(i % 256 == 10 ? 'x' : i % 256);
  noise += "\n";
  const Finding f = ClassifyProbe(Exited(1, noise), {});
  EXPECT_EQ(f.code, Code::kEngineLoadFailed);
  EXPECT_LE(f.message.size(), 700u);
  for (char c : f.message) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << static_cast<int>(c);
}

// --- through the CLI, with the real engine ---------------------------------

#ifdef CVDGUARD_CLI_HAS_ENGINE_TEST

class EngineTestCli : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_.Join("cvd.pub"), {CvdKey().public_pem.begin(), CvdKey().public_pem.end()});
    WriteFile(dir_.Join("info.pub"), {InfoKey().public_pem.begin(), InfoKey().public_pem.end()});
    keys_ = "--no-official-keys --key cvd:" + ShellQuote(dir_.Join("cvd.pub")) +
            " --key info:" + ShellQuote(dir_.Join("info.pub"));
    std::filesystem::create_directory(work_);
  }
  // The engine-test finding of a one-file --json run, and its exit code.
  nlohmann::json Engine(const std::string& file, const std::string& extra, int* exit_code,
                        bool own_keys = true) {
    const CliResult r = RunCli("verify --json --engine-test " + extra + " " +
                                   (own_keys ? keys_ : std::string()) + " " +
                                   ShellQuote(file),
                               false, "TMPDIR=" + ShellQuote(work_));
    *exit_code = r.exit_code;
    const auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_discarded()) {
      ADD_FAILURE() << "not JSON: " << r.out;
      return {};
    }
    for (const auto& f : j["findings"]) {
      if (f["id"].get<int>() >= 1200 && f["id"].get<int>() < 1220) return f;
    }
    ADD_FAILURE() << "no engine-test finding: " << r.out;
    return {};
  }
  bool WorkAreaEmpty() const { return std::filesystem::is_empty(work_); }

  TempDir dir_;
  std::string work_ = dir_.Join("tmp");
  std::string keys_;
};

TEST_F(EngineTestCli, ContainerSignedWithOwnKeysLoads) {
  // libclamav itself would refuse this .cvd (not ClamAV's key); the test
  // loads the validated members as a .cud.
  WriteFile(dir_.Join("test.cvd"), Build(SmallSpec()));
  int rc = -1;
  const auto f = Engine(dir_.Join("test.cvd"), "", &rc);
  EXPECT_EQ(f.value("code", ""), "ENGINE_LOAD_OK") << f;
  EXPECT_EQ(rc, 0);
  EXPECT_TRUE(WorkAreaEmpty());
}

TEST_F(EngineTestCli, GenuineClamavFilesLoad) {
  for (const char* name : {"test-4.cvd", "bytecode-19.cvd"}) {
    int rc = -1;
    const auto f = Engine(RealDataDir() + "/" + name, "", &rc, /*own_keys=*/false);
    EXPECT_EQ(f.value("code", ""), "ENGINE_LOAD_OK") << name << ": " << f;
  }
}

TEST_F(EngineTestCli, LineTheLintWouldCatchIsRefusedByTheEngineWithLintOff) {
  BuildSpec spec = SmallSpec();
  spec.members = {{"test.ndb", "Good.Sig:0:*:aabbccddeeff\nBad.Sig:0:*:aabb{zz}cc\n"}};
  WriteFile(dir_.Join("test.cvd"), Build(spec));
  int rc = -1;
  const auto f = Engine(dir_.Join("test.cvd"), "--no-lint", &rc);
  EXPECT_EQ(f.value("code", ""), "ENGINE_LOAD_FAILED") << f;
  EXPECT_NE(f.value("message", "").find("Malformed database"), std::string::npos) << f;
  EXPECT_EQ(rc, 1);
  EXPECT_TRUE(WorkAreaEmpty());
}

TEST_F(EngineTestCli, InvalidFileIsNeverHandedToTheEngine) {
  BuildSpec spec = SmallSpec();
  spec.members = {{"test.ndb", "Bad.Sig:0:*:aabb{zz}cc\n"}};
  WriteFile(dir_.Join("test.cvd"), Build(spec));
  int rc = -1;
  const auto f = Engine(dir_.Join("test.cvd"), "", &rc);
  EXPECT_EQ(f.value("code", ""), "ENGINE_TEST_SKIPPED") << f;
  EXPECT_EQ(rc, 1);
}

TEST_F(EngineTestCli, DeadlineKillsTheChildAndCleansUp) {
  WriteFile(dir_.Join("test.cvd"), Build(SmallSpec()));
  int rc = -1;
  const auto f = Engine(dir_.Join("test.cvd"), "--engine-timeout 0.001", &rc);
  EXPECT_EQ(f.value("code", ""), "ENGINE_TIMEOUT") << f;
  EXPECT_EQ(rc, 1);
  EXPECT_TRUE(WorkAreaEmpty());
}

#if defined(__SANITIZE_ADDRESS__)
#define CVDGUARD_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CVDGUARD_TEST_UNDER_ASAN 1
#endif
#endif
#ifndef CVDGUARD_TEST_UNDER_ASAN  // an ASan child runs without the memory cap
TEST_F(EngineTestCli, MemoryLimitIsEnforced) {
  WriteFile(dir_.Join("test.cvd"), Build(SmallSpec()));
  int rc = -1;
  const auto f = Engine(dir_.Join("test.cvd"), "--engine-memory 64", &rc);
  const std::string code = f.value("code", "");
  EXPECT_TRUE(code == "ENGINE_OUT_OF_MEMORY" || code == "ENGINE_CRASHED") << f;
  EXPECT_EQ(rc, 1);
  EXPECT_TRUE(WorkAreaEmpty());
}
#endif

#else

TEST(EngineTestCliAbsent, EngineTestIsAUsageErrorWithoutLibclamav) {
  EXPECT_EQ(RunCli("verify --engine-test /dev/null").exit_code, 2);
}

#endif

}  // namespace
}  // namespace cvdguard::testing
