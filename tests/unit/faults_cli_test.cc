// `cvdguard faults replay|status` as a process: the documented input and
// output forms, bad lines with line numbers and exit 2, journal errors with
// exit 3, and restart equivalence across processes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cvdguard/faults.h"
#include "testing/cli_runner.h"
#include "unit/faults_timelines.h"

namespace cvdguard {
namespace {

namespace fs = std::filesystem;

using testing::CliPath;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class FaultCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "faults_cli.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  Result Cli(const std::string& args, const std::string& input) {
    const std::string in = dir_ + "/stdin", out = dir_ + "/stdout", err = dir_ + "/stderr";
    { std::ofstream(in, std::ios::binary) << input; }
    const std::string cmd = "'" + CliPath() + "' " + args + " < '" + in + "' > '" + out +
                            "' 2> '" + err + "'";
    const int status = std::system(cmd.c_str());
    Result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = Slurp(out);
    r.err = Slurp(err);
    return r;
  }
  Result Replay(const std::string& state, const std::string& input, const std::string& extra = "") {
    return Cli("faults replay --state-dir '" + state + "'" + extra, input);
  }

  std::string dir_;
};

TEST_F(FaultCliTest, PrintsTheDocumentedForms) {
  const std::string digest(64, 'a');
  const std::string input =
      "{\"t\": 0, \"event\": \"connector_start\"}\n"
      "{\"t\": 0, \"event\": \"definitions_activated\", \"files\": [{\"name\": \"daily.cvd\", "
      "\"version\": 27001, \"sha256\": \"" + digest + "\"}]}\n"
      "{\"t\": 1, \"event\": \"service_started\", \"extra\": [1, 2]}\n"
      "{\"t\": 3, \"event\": \"service_crashed\", \"status\": \"signal 11\"}\n"
      "{\"t\": 4, \"event\": \"service_crashed\"}\n"
      "{\"t\": 5.5, \"event\": \"service_crashed\"}\n"
      "{\"t\": 5.7, \"event\": \"definitions_activated\", \"files\": [{\"name\": \"daily.cvd\", "
      "\"version\": 27002, \"sha256\": \"" + std::string(64, 'B') + "\"}]}\n"
      "{\"t\": 6, \"event\": \"service_start_failed\", \"reason\": \"cannot load daily.cvd\"}\n"
      "{\"t\": 7, \"event\": \"service_start_failed\"}\n"
      "{\"t\": 8, \"event\": \"service_started\"}\n"
      "{\"t\": 300, \"event\": \"service_crashed\"}\n"
      "{\"t\": 605.5, \"event\": \"tick\"}\n";
  const Result r = Replay(dir_ + "/state", input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const std::vector<std::string> expected = {
      R"({"t":3,"decision":"restart_service","delay_s":1})",
      R"({"t":4,"decision":"restart_service","delay_s":2})",
      R"({"t":5.5,"decision":"fault_raised","fault":10})",
      R"({"t":5.5,"decision":"restart_service","delay_s":4})",
      R"({"t":6,"decision":"fault_raised","fault":12})",
      R"({"t":6,"decision":"prune"})",
      R"({"t":6,"decision":"rollback"})",
      R"({"t":6,"decision":"restart_service","delay_s":8})",
      R"({"t":7,"decision":"intervention_required","fault":12,"reason":"fault 12 (scan service failed to start) did not clear on restart after prune/rollback, with no new definitions; file scanning is off","scanning":"off"})",
      R"({"t":7,"decision":"restart_service","delay_s":16})",
      R"({"t":8,"decision":"fault_cleared","fault":12})",
      R"({"t":300,"decision":"restart_service","delay_s":32})",
      R"({"t":605.5,"decision":"intervention_required","fault":10,"reason":"fault 10 (frequent scan-service restarts) still raised 600 s after the later of connector start and the raise; scanning is degraded (best effort): one or more files may be crashing the scanner","scanning":"degraded"})",
  };
  EXPECT_EQ(Lines(r.out), expected);
}

TEST(FaultJsonTest, IntegrityGapAndRoundTripForms) {
  FaultDecision d;
  d.t = 12.25;
  d.kind = FaultDecisionKind::kIntegrityGap;
  d.sha256 = {std::string(64, 'b'), std::string(64, 'c')};
  EXPECT_EQ(FaultDecisionToJson(d), R"({"t":12.25,"decision":"integrity_gap","sha256":[")" +
                                        std::string(64, 'b') + R"(",")" + std::string(64, 'c') +
                                        R"("]})");
  // Every event form survives a print/parse round trip.
  for (const auto& tl : faults_testing::Timelines()) {
    for (const auto& terse : tl.events) {
      FaultEvent e, again;
      ASSERT_TRUE(ParseFaultEventLine(faults_testing::EventJson(terse), &e).ok());
      ASSERT_TRUE(ParseFaultEventLine(FaultEventToJson(e), &again).ok());
      EXPECT_EQ(again, e) << terse;
    }
  }
  FaultConfig c = faults_testing::Shortened();
  FaultConfig back;
  ASSERT_TRUE(ParseFaultConfig(FaultConfigToJson(c), &back).ok());
  EXPECT_EQ(FaultConfigToJson(back), FaultConfigToJson(c));
}

struct BadLine {
  const char* name;
  std::string line;
  const char* message;
  const char* code;
};

TEST_F(FaultCliTest, BadLinesNameTheLineAndExit2) {
  const std::vector<BadLine> cases = {
      {"not json", "{\"t\": 9, \"event\": ", "not valid JSON", "FAULT_EVENT_BAD_JSON"},
      {"not an object", "[1, 2]", "not a JSON object", "FAULT_EVENT_BAD_JSON"},
      {"unknown event", "{\"t\": 9, \"event\": \"service_exploded\"}", "unknown event \"service_exploded\"",
       "FAULT_EVENT_UNKNOWN"},
      {"missing t", "{\"event\": \"tick\"}", "missing \"t\"", "FAULT_EVENT_BAD_FIELD"},
      {"string t", "{\"t\": \"9\", \"event\": \"tick\"}", "\"t\" must be a number", "FAULT_EVENT_BAD_FIELD"},
      {"missing event", "{\"t\": 9}", "missing \"event\"", "FAULT_EVENT_BAD_FIELD"},
      {"time backwards", "{\"t\": 1, \"event\": \"tick\"}", "time goes backwards: t=1",
       "FAULT_EVENT_TIME_BACKWARDS"},
      {"missing files", "{\"t\": 9, \"event\": \"definitions_activated\"}", "missing \"files\"",
       "FAULT_EVENT_BAD_FIELD"},
      {"bad digest",
       "{\"t\": 9, \"event\": \"definitions_activated\", \"files\": [{\"name\": \"a.cvd\", "
       "\"version\": 1, \"sha256\": \"xyz\"}]}",
       "files[0]: \"sha256\" must be 64 hex digits", "FAULT_EVENT_BAD_FIELD"},
      {"negative version",
       "{\"t\": 9, \"event\": \"definitions_activated\", \"files\": [{\"name\": \"a.cvd\", "
       "\"version\": -1, \"sha256\": \"" + std::string(64, 'a') + "\"}]}",
       "\"version\" must be a non-negative integer", "FAULT_EVENT_BAD_FIELD"},
      {"numeric reason", "{\"t\": 9, \"event\": \"service_start_failed\", \"reason\": 5}",
       "\"reason\" must be a string", "FAULT_EVENT_BAD_FIELD"},
  };
  int n = 0;
  for (const auto& c : cases) {
    const std::string state = dir_ + "/bad" + std::to_string(n++);
    // Line 1 crashes (one decision printed), line 2 is blank (still counted),
    // line 3 is fine, line 4 is bad, line 5 is never read.
    const std::string input = "{\"t\": 5, \"event\": \"service_crashed\"}\n\n"
                              "{\"t\": 6, \"event\": \"tick\"}\n" +
                              c.line + "\n{\"t\": 10, \"event\": \"service_crashed\"}\n";
    const Result r = Replay(state, input);
    EXPECT_EQ(r.exit_code, 2) << c.name;
    EXPECT_NE(r.err.find("line 4: "), std::string::npos) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.code), std::string::npos) << c.name << ": " << r.err;
    EXPECT_EQ(Lines(r.out), std::vector<std::string>{R"({"t":5,"decision":"restart_service","delay_s":1})"})
        << c.name;
    // The journal holds the lines before the bad one, so a rerun after the
    // fix continues from there.
    FaultEngine engine;
    ASSERT_TRUE(LoadFaultJournal(state, &engine).ok());
    EXPECT_EQ(engine.EventCount(), 2U) << c.name;
  }
}

TEST_F(FaultCliTest, TimeGoingBackwardsAcrossRunsIsCaught) {
  const std::string state = dir_ + "/state";
  ASSERT_EQ(Replay(state, "{\"t\": 100, \"event\": \"tick\"}\n").exit_code, 0);
  const Result r = Replay(state, "{\"t\": 50, \"event\": \"tick\"}\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("line 1: time goes backwards"), std::string::npos) << r.err;
}

TEST_F(FaultCliTest, ConfigFileShortensTheRules) {
  const std::string config = dir_ + "/config.json";
  { std::ofstream(config) << R"({"crash_threshold": 2, "fault10_escalate_s": 5, "backoff_initial_s": 0.25})"; }
  const Result r = Replay(dir_ + "/state",
                          "{\"t\": 0, \"event\": \"service_crashed\"}\n"
                          "{\"t\": 1, \"event\": \"service_crashed\"}\n"
                          "{\"t\": 6, \"event\": \"tick\"}\n",
                          " --config '" + config + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 4U) << r.out;
  EXPECT_EQ(lines[0], R"({"t":0,"decision":"restart_service","delay_s":0.25})");
  EXPECT_EQ(lines[1], R"({"t":1,"decision":"fault_raised","fault":10})");
  EXPECT_EQ(lines[2], R"({"t":1,"decision":"restart_service","delay_s":0.5})");
  EXPECT_NE(lines[3].find(R"("decision":"intervention_required","fault":10)"), std::string::npos);
}

TEST_F(FaultCliTest, BadConfigIsExit2) {
  const std::string config = dir_ + "/config.json";
  { std::ofstream(config) << R"({"crash_treshold": 2})"; }
  const Result r = Replay(dir_ + "/state", "", " --config '" + config + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown config key \"crash_treshold\""), std::string::npos) << r.err;
  EXPECT_EQ(Replay(dir_ + "/state", "", " --config '" + dir_ + "/none.json'").exit_code, 2);
}

TEST_F(FaultCliTest, CorruptOrNewerJournalIsExit3AndKept) {
  const std::string state = dir_ + "/state";
  fs::create_directories(state);
  { std::ofstream(state + "/faults.journal") << "{\"format\":\"cvdguard-fault-jour"; }
  Result r = Replay(state, "{\"t\": 1, \"event\": \"tick\"}\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("fault journal is corrupt"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("FAULT_JOURNAL_CORRUPT"), std::string::npos) << r.err;
  EXPECT_EQ(Slurp(state + "/faults.journal"), "{\"format\":\"cvdguard-fault-jour");

  { std::ofstream(state + "/faults.journal") << R"({"format":"cvdguard-fault-journal","version":7})"; }
  r = Replay(state, "{\"t\": 1, \"event\": \"tick\"}\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("version 7 is newer"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("FAULT_JOURNAL_NEWER_VERSION"), std::string::npos) << r.err;
}

TEST_F(FaultCliTest, StatusShowsLearnedDigests) {
  std::string input;
  for (const auto& tl : faults_testing::Timelines()) {
    if (tl.name != "TwoFailedActivationsInARowAreAnIntegrityGap") continue;
    for (const auto& e : tl.events) input += faults_testing::EventJson(e) + "\n";
  }
  ASSERT_EQ(Replay(dir_ + "/state", input).exit_code, 0);
  const Result r = Cli("faults status --state-dir '" + dir_ + "/state'", "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"fault_12\":false"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"refused_sha256\":[\"" + std::string(64, 'b') + "\",\"" +
                       std::string(64, 'c') + "\"]"),
            std::string::npos)
      << r.out;
}

// An unbounded line would be read into memory whole; 64 KiB is far above any
// real event (a definitions_activated line of a few files is < 1 KiB).
TEST_F(FaultCliTest, OverLongLineIsABadLineWithItsNumber) {
  const std::string pad(70000, 'x');
  const Result r = Replay(dir_ + "/state",
                          "{\"t\": 1, \"event\": \"tick\"}\n"
                          "{\"t\": 2, \"event\": \"tick\", \"pad\": \"" +
                              pad + "\"}\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("line 2: line is longer than 65536 bytes"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("FAULT_EVENT_BAD_JSON"), std::string::npos) << r.err;
  FaultEngine engine;
  ASSERT_TRUE(LoadFaultJournal(dir_ + "/state", &engine).ok());
  EXPECT_EQ(engine.EventCount(), 1U);
  // A line of exactly 64 KiB (its CR LF not counted) is read and applied.
  const std::string at_bound =
      "{\"t\": 3, \"event\": \"tick\", \"pad\": \"" + std::string(65536 - 36, 'x') + "\"}";
  ASSERT_EQ(at_bound.size(), 65536U);
  EXPECT_EQ(Replay(dir_ + "/state", at_bound + "\r\n").exit_code, 0);
}

TEST_F(FaultCliTest, StatusPrintsIntegralTimesWithoutAFraction) {
  ASSERT_EQ(Replay(dir_ + "/state", "{\"t\": 12, \"event\": \"tick\"}\n").exit_code, 0);
  Result r = Cli("faults status --state-dir '" + dir_ + "/state'", "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"last_t\":12,"), std::string::npos) << r.out;
  ASSERT_EQ(Replay(dir_ + "/state", "{\"t\": 12.5, \"event\": \"tick\"}\n").exit_code, 0);
  r = Cli("faults status --state-dir '" + dir_ + "/state'", "");
  EXPECT_NE(r.out.find("\"last_t\":12.5,"), std::string::npos) << r.out;
}

// A --supervisor-state that holds no supervisor state is a wrong path or a
// supervisor that has not run yet: the refused-digest check is off, so say
// so; but go on, as the systemd recipe prunes before the first start.
TEST_F(FaultCliTest, SupervisorStateWithoutAJournalIsReported) {
  fs::create_directories(dir_ + "/db");
  fs::create_directories(dir_ + "/empty");
  const std::string base = "prune --db-dir '" + dir_ + "/db' --quarantine-dir '" + dir_ + "/q'";
  Result r = Cli(base + " --supervisor-state '" + dir_ + "/no-such-dir'", "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: no supervisor state in " + dir_ + "/no-such-dir"),
            std::string::npos)
      << r.err;
  r = Cli(base + " --supervisor-state '" + dir_ + "/empty'", "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: no supervisor state in " + dir_ + "/empty"), std::string::npos)
      << r.err;
  // A real supervisor state dir is quiet.
  ASSERT_EQ(Replay(dir_ + "/sup", "{\"t\": 1, \"event\": \"tick\"}\n").exit_code, 0);
  r = Cli(base + " --supervisor-state '" + dir_ + "/sup'", "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("supervisor state"), std::string::npos) << r.err;
}

// Restart equivalence with a new process per half: for every timeline and
// every cut, the two runs' output equals one uninterrupted run's.
TEST_F(FaultCliTest, RestartEquivalenceAcrossProcesses) {
  int run = 0;
  for (const auto& tl : faults_testing::Timelines()) {
    const std::string config = dir_ + "/config" + std::to_string(run) + ".json";
    { std::ofstream(config) << FaultConfigToJson(tl.config); }
    const std::string extra = " --config '" + config + "'";
    std::vector<std::string> lines;
    for (const auto& e : tl.events) lines.push_back(faults_testing::EventJson(e) + "\n");
    auto join = [&lines](std::size_t b, std::size_t e) {
      std::string s;
      for (std::size_t i = b; i < e; ++i) s += lines[i];
      return s;
    };
    const Result whole = Replay(dir_ + "/whole" + std::to_string(run), join(0, lines.size()), extra);
    ASSERT_EQ(whole.exit_code, 0) << tl.name << whole.err;
    EXPECT_EQ(Lines(whole.out).size(), tl.expected.size()) << tl.name;
    for (std::size_t cut = 1; cut < lines.size(); ++cut) {
      const std::string state = dir_ + "/cut" + std::to_string(run) + "_" + std::to_string(cut);
      const Result a = Replay(state, join(0, cut), extra);
      const Result b = Replay(state, join(cut, lines.size()), extra);
      ASSERT_EQ(a.exit_code, 0) << a.err;
      ASSERT_EQ(b.exit_code, 0) << b.err;
      EXPECT_EQ(a.out + b.out, whole.out) << tl.name << " cut before line " << cut + 1;
      EXPECT_EQ(Slurp(state + "/faults.journal"),
                Slurp(dir_ + "/whole" + std::to_string(run) + "/faults.journal"))
          << tl.name << " cut " << cut;
    }
    ++run;
  }
}

}  // namespace
}  // namespace cvdguard
