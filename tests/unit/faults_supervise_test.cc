// `cvdguard supervise` with small shell services: failed start vs crash,
// exec failures with the OS error, readiness probe, SIGTERM forwarding, the
// activation inbox, the JSON Lines log, and that nothing the service or the
// probe started outlives a stop or the supervisor.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cvdguard/faults.h"
#include "cvdguard/supervise.h"
#include "testing/cli_runner.h"

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

bool WaitFor(const std::function<bool()>& cond, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cond();
}

// Gone or a zombie: PID 1 here may be slow to reap orphans, and a zombie is
// as dead as a process gets.
bool ProcessGone(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return true;
  const size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] == 'Z';
}

std::vector<pid_t> ReadPids(const std::string& path) {
  std::ifstream in(path);
  std::vector<pid_t> pids;
  for (long pid = 0; in >> pid;) {
    if (pid > 1) pids.push_back(static_cast<pid_t>(pid));
  }
  return pids;
}

bool AllGone(const std::vector<pid_t>& pids) {
  for (const pid_t pid : pids) {
    if (!ProcessGone(pid)) return false;
  }
  return true;
}

class FaultSuperviseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "faults_sup.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    fs::create_directories(dir_ + "/db");
    fs::create_directories(dir_ + "/q");
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    // Whatever a failing test left behind (services, their children, probes).
    for (const auto& file : pid_files_) {
      for (const pid_t pid : ReadPids(file)) {
        if (!ProcessGone(pid)) ::kill(pid, SIGKILL);
      }
    }
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Starts the supervisor; stdout goes to <dir>/stdout.
  void Start(std::vector<std::string> extra, const std::vector<std::string>& service,
             const std::string& config_json = "") {
    std::vector<std::string> argv = {CliPath(), "supervise", "--db-dir", dir_ + "/db",
                                     "--quarantine-dir", dir_ + "/q", "--state-dir",
                                     dir_ + "/state", "--tick-interval", "0.1", "--stop-timeout",
                                     "3"};
    if (!config_json.empty()) {
      { std::ofstream(dir_ + "/config.json") << config_json; }
      argv.push_back("--config");
      argv.push_back(dir_ + "/config.json");
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("--");
    argv.insert(argv.end(), service.begin(), service.end());
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      const int fd = stdout_fd_ >= 0
                         ? stdout_fd_
                         : ::open((dir_ + "/stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }

  // SIGTERM, then the exit code (-1 if it did not stop within 10 s).
  int Stop(int sig = SIGTERM) {
    ::kill(pid_, sig);
    int status = 0;
    const bool done = WaitFor(
        [&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, 10);
    pid_ = -1;
    if (!done) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string Log() const { return Slurp(dir_ + "/state/faults.log"); }
  bool LogHas(const std::string& s) const { return Log().find(s) != std::string::npos; }
  size_t LogCount(const std::string& s) const {
    const std::string log = Log();
    size_t n = 0;
    for (size_t at = log.find(s); at != std::string::npos; at = log.find(s, at + 1)) ++n;
    return n;
  }

  // A file of pids (one a line) that TearDown kills if they are still alive.
  std::string PidFile(const std::string& name) {
    pid_files_.push_back(dir_ + "/" + name);
    return pid_files_.back();
  }
  bool Alive() { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

  std::string dir_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;  // the supervisor's stdout if >= 0 (else <dir>/stdout)
  std::vector<std::string> pid_files_;
};

TEST_F(FaultSuperviseTest, MissingCommandIsAStartFailureWithTheOsError) {
  Start({"--prune-cmd", "touch \"$CVDGUARD_QUARANTINE_DIR/pruned\""},
        {dir_ + "/no-such-service"});
  EXPECT_TRUE(WaitFor([&] { return LogHas("\"decision\":\"intervention_required\",\"fault\":12"); },
                      15))
      << Log();
  EXPECT_EQ(Stop(), 0);
  const std::string log = Log();
  EXPECT_NE(log.find("\"event\":\"connector_start\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"event\":\"service_start_failed\",\"reason\":\"cannot execute " + dir_ +
                     "/no-such-service: No such file or directory\""),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("\"decision\":\"fault_raised\",\"fault\":12"), std::string::npos) << log;
  EXPECT_NE(log.find("\"supervisor\":\"pruned\""), std::string::npos) << log;
  EXPECT_TRUE(fs::exists(dir_ + "/q/pruned"));
  // stdout carries the same lines as the log file.
  EXPECT_NE(Slurp(dir_ + "/stdout").find("\"fault_raised\""), std::string::npos);
}

TEST_F(FaultSuperviseTest, CrashLoopRaisesFault10AndEscalates) {
  Start({"--startup-window", "0.2"}, {"/bin/sh", "-c", "sleep 1.5; kill -SEGV $$"},
        R"({"backoff_initial_s": 0.1, "backoff_max_s": 0.2, "fault10_escalate_s": 2,
            "crash_window_s": 60, "fault10_clear_s": 100})");
  EXPECT_TRUE(WaitFor([&] { return LogHas("\"decision\":\"intervention_required\",\"fault\":10"); },
                      30))
      << Log();
  EXPECT_EQ(Stop(), 0);
  const std::string log = Log();
  EXPECT_NE(log.find("\"event\":\"service_started\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"event\":\"service_crashed\",\"status\":\"signal 11\""), std::string::npos)
      << log;
  EXPECT_NE(log.find("\"decision\":\"fault_raised\",\"fault\":10"), std::string::npos) << log;
  EXPECT_EQ(log.find("\"service_start_failed\""), std::string::npos) << log;
  // The journal was kept: a status query sees fault 10 raised.
  FaultEngine engine;
  ASSERT_TRUE(LoadFaultJournal(dir_ + "/state", &engine).ok());
  EXPECT_TRUE(engine.FaultRaised(kFaultFrequentRestarts));
}

TEST_F(FaultSuperviseTest, ExitBeforeReadyIsAFailedStart) {
  Start({"--ready-probe", "false", "--startup-window", "5"}, {"/bin/sh", "-c", "sleep 0.3; exit 3"});
  EXPECT_TRUE(WaitFor([&] { return LogHas("\"decision\":\"fault_raised\",\"fault\":12"); }, 15))
      << Log();
  EXPECT_EQ(Stop(), 0);
  const std::string log = Log();
  EXPECT_NE(log.find("\"reason\":\"exit 3 before the service was ready\""), std::string::npos)
      << log;
  EXPECT_EQ(log.find("\"service_crashed\""), std::string::npos) << log;
  // The built-in prune ran on LIVE (empty here) and said what it found.
  EXPECT_NE(log.find("\"supervisor\":\"pruned\",\"detail\":\"no definition files\""),
            std::string::npos)
      << log;
}

TEST_F(FaultSuperviseTest, FailingPruneHookIsReportedNotHidden) {
  Start({"--startup-window", "5", "--prune-cmd", "exit 7"}, {"/bin/sh", "-c", "exit 3"});
  EXPECT_TRUE(WaitFor([&] { return LogHas("\"supervisor\":\"prune_failed\""); }, 15)) << Log();
  EXPECT_EQ(Stop(), 0);
  EXPECT_NE(Log().find("prune command failed: exit 7"), std::string::npos) << Log();
}

TEST_F(FaultSuperviseTest, RestartOnActivationStopsAndStartsWithoutACrash) {
  const std::string count = dir_ + "/starts";
  Start({"--startup-window", "0.3", "--restart-on-activation"},
        {"/bin/sh", "-c", "echo x >> '" + count + "'; exec sleep 60"});
  ASSERT_TRUE(WaitFor([&] { return LogHas("\"event\":\"service_started\""); }, 15)) << Log();
  ASSERT_TRUE(NotifyDefinitionsActivated(dir_ + "/state", {{"daily.cvd", 2, std::string(64, 'b')}})
                  .ok());
  ASSERT_TRUE(WaitFor([&] { return Slurp(count).size() == 4; }, 15)) << Log();
  EXPECT_TRUE(WaitFor(
      [&] {
        const std::string log = Log();
        return log.rfind("\"event\":\"service_started\"") >
               log.find("\"supervisor\":\"restarting_for_activation\"");
      },
      15))
      << Log();
  EXPECT_EQ(Stop(), 0);
  const std::string log = Log();
  EXPECT_EQ(log.find("\"service_crashed\""), std::string::npos) << log;
  EXPECT_EQ(log.find("\"fault_raised\""), std::string::npos) << log;
}

TEST_F(FaultSuperviseTest, ProbeReadinessInboxAndSigtermForwarding) {
  const std::string script = "trap 'echo term > \"" + dir_ +
                             "/got-term\"; exit 0' TERM; touch \"" + dir_ +
                             "/ready\"; while :; do sleep 0.05; done";
  Start({"--ready-probe", "test -f '" + dir_ + "/ready'", "--startup-window", "10"},
        {"/bin/sh", "-c", script});
  ASSERT_TRUE(WaitFor([&] { return LogHas("\"event\":\"service_started\""); }, 15)) << Log();
  const std::vector<DefinitionFile> files = {{"daily.cvd", 27001, std::string(64, 'A')}};
  ASSERT_TRUE(NotifyDefinitionsActivated(dir_ + "/state", files).ok());
  EXPECT_TRUE(WaitFor([&] { return LogHas("\"event\":\"definitions_activated\""); }, 10)) << Log();
  EXPECT_NE(Log().find(std::string(64, 'a')), std::string::npos);
  EXPECT_EQ(Stop(), 0);
  EXPECT_TRUE(fs::exists(dir_ + "/got-term")) << "SIGTERM was not forwarded";
  EXPECT_NE(Log().find("\"supervisor\":\"stopped\",\"detail\":\"exit 0\""), std::string::npos)
      << Log();
  EXPECT_EQ(Log().find("\"service_crashed\""), std::string::npos) << "a clean stop is no crash";
}

TEST_F(FaultSuperviseTest, SecondSupervisorOnTheSameStateDirIsRefused) {
  Start({"--startup-window", "0.2"}, {"/bin/sh", "-c", "exec sleep 30"});
  ASSERT_TRUE(WaitFor([&] { return LogHas("\"event\":\"service_started\""); }, 15)) << Log();
  const std::string cmd = "'" + CliPath() + "' supervise --db-dir '" + dir_ + "/db' --quarantine-dir '" +
                          dir_ + "/q' --state-dir '" + dir_ + "/state' -- /bin/true 2> '" + dir_ +
                          "/err2'";
  const int status = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_NE(Slurp(dir_ + "/err2").find("FAULT_JOURNAL_LOCKED"), std::string::npos);
  EXPECT_EQ(Stop(SIGINT), 0);
}

TEST_F(FaultSuperviseTest, ClosedStdoutPipeDoesNotStopTheSupervisor) {
  // `supervise ... | head -n 1`: the reader goes away after the first line.
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  stdout_fd_ = fds[1];
  const std::string svc = PidFile("service.pid");
  Start({"--startup-window", "0.2"}, {"/bin/sh", "-c", "echo $$ > '" + svc + "'; exec sleep 30"});
  ::close(fds[0]);
  ASSERT_TRUE(WaitFor([&] { return LogHas("\"event\":\"service_started\""); }, 15)) << Log();
  // More lines after the reader left; the supervisor must still be there.
  ASSERT_TRUE(
      NotifyDefinitionsActivated(dir_ + "/state", {{"daily.cvd", 2, std::string(64, 'c')}}).ok());
  EXPECT_TRUE(WaitFor([&] { return LogHas("\"event\":\"definitions_activated\""); }, 10)) << Log();
  EXPECT_TRUE(Alive()) << Log();
  EXPECT_EQ(Stop(), 0);
  EXPECT_EQ(LogCount("\"supervisor\":\"stopped\""), 1u) << Log();
}

TEST_F(FaultSuperviseTest, SighupIsIgnoredAndTheServiceKeepsRunning) {
  const std::string svc = PidFile("service.pid");
  Start({"--startup-window", "0.2"}, {"/bin/sh", "-c", "echo $$ > '" + svc + "'; exec sleep 30"});
  ASSERT_TRUE(WaitFor([&] { return LogHas("\"event\":\"service_started\""); }, 15)) << Log();
  ::kill(pid_, SIGHUP);
  EXPECT_TRUE(WaitFor([&] { return LogHas("\"supervisor\":\"sighup_ignored\""); }, 10)) << Log();
  EXPECT_TRUE(Alive()) << Log();
  const std::vector<pid_t> service = ReadPids(svc);
  ASSERT_EQ(service.size(), 1u);
  EXPECT_FALSE(ProcessGone(service[0]));
  EXPECT_EQ(Stop(), 0);
  EXPECT_EQ(LogCount("\"supervisor\":\"stopped\""), 1u) << Log();
  EXPECT_EQ(Log().find("\"service_crashed\""), std::string::npos) << Log();
}

TEST_F(FaultSuperviseTest, ServiceDoesNotOutliveAKilledSupervisor) {
  const std::string svc = PidFile("service.pid");
  Start({"--startup-window", "0.2"}, {"/bin/sh", "-c", "echo $$ > '" + svc + "'; exec sleep 30"});
  ASSERT_TRUE(WaitFor([&] { return LogHas("\"event\":\"service_started\""); }, 15)) << Log();
  const std::vector<pid_t> service = ReadPids(svc);
  ASSERT_EQ(service.size(), 1u);
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  EXPECT_TRUE(WaitFor([&] { return ProcessGone(service[0]); }, 5));
}

TEST_F(FaultSuperviseTest, StopReachesWhatTheServiceStarted) {
  const std::string kids = PidFile("kids.pid");
  Start({"--startup-window", "0.2"},
        {"/bin/sh", "-c", "sleep 777 & echo $! >> '" + kids + "'; wait"});
  ASSERT_TRUE(WaitFor([&] { return LogHas("\"event\":\"service_started\""); }, 15)) << Log();
  ASSERT_TRUE(WaitFor([&] { return ReadPids(kids).size() == 1; }, 5));
  EXPECT_EQ(Stop(), 0);
  EXPECT_TRUE(WaitFor([&] { return AllGone(ReadPids(kids)); }, 5));
}

TEST_F(FaultSuperviseTest, StopTimeoutKillsTheWholeServiceGroup) {
  // Everything in the group ignores SIGTERM (an ignored signal is inherited).
  const std::string kids = PidFile("kids.pid");
  Start({"--startup-window", "0.2"},
        {"/bin/sh", "-c",
         "trap '' TERM; sleep 777 & echo $! >> '" + kids + "'; while :; do sleep 0.1; done"});
  ASSERT_TRUE(WaitFor([&] { return LogHas("\"event\":\"service_started\""); }, 15)) << Log();
  ASSERT_TRUE(WaitFor([&] { return ReadPids(kids).size() == 1; }, 5));
  EXPECT_EQ(Stop(), 0);  // after --stop-timeout 3
  EXPECT_NE(Log().find("\"supervisor\":\"stopped\",\"detail\":\"signal 9\""), std::string::npos)
      << Log();
  EXPECT_TRUE(WaitFor([&] { return AllGone(ReadPids(kids)); }, 5));
}

TEST_F(FaultSuperviseTest, RestartForActivationReachesWhatTheServiceStarted) {
  const std::string kids = PidFile("kids.pid");
  Start({"--startup-window", "0.3", "--restart-on-activation"},
        {"/bin/sh", "-c", "sleep 777 & echo $! >> '" + kids + "'; wait"});
  ASSERT_TRUE(WaitFor([&] { return LogHas("\"event\":\"service_started\""); }, 15)) << Log();
  ASSERT_TRUE(WaitFor([&] { return ReadPids(kids).size() == 1; }, 5));
  const pid_t first = ReadPids(kids)[0];
  ASSERT_TRUE(
      NotifyDefinitionsActivated(dir_ + "/state", {{"daily.cvd", 2, std::string(64, 'b')}}).ok());
  ASSERT_TRUE(WaitFor([&] { return ReadPids(kids).size() == 2; }, 15)) << Log();
  EXPECT_TRUE(WaitFor([&] { return ProcessGone(first); }, 5));
  EXPECT_EQ(Stop(), 0);
}

TEST_F(FaultSuperviseTest, HungProbeIsKilledWithWhatItStarted) {
  const std::string probes = PidFile("probe.pid");
  Start({"--ready-probe", "sleep 20 & echo $! >> '" + probes + "'; wait", "--startup-window", "1"},
        {"/bin/sh", "-c", "exec sleep 30"});
  ASSERT_TRUE(WaitFor([&] { return LogHas("not ready within"); }, 15)) << Log();
  EXPECT_EQ(Stop(), 0);
  ASSERT_FALSE(ReadPids(probes).empty());
  EXPECT_TRUE(WaitFor([&] { return AllGone(ReadPids(probes)); }, 5));
}

TEST_F(FaultSuperviseTest, StopDuringRestartBackoffLogsStoppedOnce) {
  Start({}, {dir_ + "/no-such-service"});
  ASSERT_TRUE(WaitFor([&] { return LogHas("\"event\":\"service_start_failed\""); }, 15)) << Log();
  EXPECT_EQ(Stop(), 0);
  EXPECT_EQ(LogCount("\"supervisor\":\"stopping\""), 1u) << Log();
  EXPECT_EQ(LogCount("\"supervisor\":\"stopped\""), 1u) << Log();
}

// A journal written while the wall clock ran ahead (then stepped back) must
// not freeze the engine's time at the journal's future: fault 10, raised
// then, still escalates.
TEST_F(FaultSuperviseTest, JournalFromTheFutureIsClampedAndFault10StillEscalates) {
  const long long future = static_cast<long long>(std::time(nullptr)) + 1000000;
  std::string events;
  for (int i = 0; i < 3; ++i) {
    events += "{\"t\": " + std::to_string(future + i) + ", \"event\": \"service_crashed\"}\n";
  }
  { std::ofstream(dir_ + "/events") << events; }
  const std::string replay = "'" + CliPath() + "' faults replay --state-dir '" + dir_ +
                             "/state' < '" + dir_ + "/events' > /dev/null";
  ASSERT_EQ(std::system(replay.c_str()), 0);
  Start({"--startup-window", "0.2"}, {"/bin/sh", "-c", "exec sleep 30"},
        R"({"fault10_escalate_s": 1, "fault10_clear_s": 100})");
  EXPECT_TRUE(
      WaitFor([&] { return LogHas("\"decision\":\"intervention_required\",\"fault\":10"); }, 15))
      << Log();
  EXPECT_TRUE(LogHas("\"supervisor\":\"clock_behind_journal\"")) << Log();
  EXPECT_EQ(Stop(), 0);
  double last = 0;
  FaultEngine engine;
  ASSERT_TRUE(LoadFaultJournal(dir_ + "/state", &engine).ok());
  ASSERT_TRUE(engine.LastTime(&last));
  EXPECT_LT(last, static_cast<double>(future));
}

TEST_F(FaultSuperviseTest, HungPruneCommandDoesNotBlockTheStop) {
  const std::string pids = PidFile("prune.pid");
  Start({"--startup-window", "5", "--prune-cmd",
         "echo $$ >> '" + pids + "'; sleep 60 & echo $! >> '" + pids + "'; wait"},
        {"/bin/sh", "-c", "exit 3"});
  ASSERT_TRUE(WaitFor([&] { return ReadPids(pids).size() == 2; }, 15)) << Log();
  EXPECT_EQ(Stop(), 0);
  EXPECT_TRUE(WaitFor([&] { return AllGone(ReadPids(pids)); }, 5));
  EXPECT_TRUE(LogHas("\"supervisor\":\"prune_failed\"")) << Log();
  EXPECT_EQ(LogCount("\"supervisor\":\"stopped\""), 1u) << Log();
}

TEST_F(FaultSuperviseTest, PruneCommandTimesOutWithWhatItStarted) {
  const std::string pids = PidFile("prune.pid");
  Start({"--startup-window", "5", "--action-timeout", "1", "--prune-cmd",
         "echo $$ >> '" + pids + "'; sleep 60 & echo $! >> '" + pids + "'; wait"},
        {"/bin/sh", "-c", "exit 3"});
  EXPECT_TRUE(WaitFor([&] { return LogHas("prune command timed out after 1 s"); }, 15)) << Log();
  EXPECT_TRUE(WaitFor([&] { return AllGone(ReadPids(pids)); }, 5));
  EXPECT_EQ(Stop(), 0);
}

TEST_F(FaultSuperviseTest, RestartOnActivationCutsTheRestartBackoff) {
  const std::string count = dir_ + "/starts";
  Start({"--startup-window", "5", "--restart-on-activation"},
        {"/bin/sh", "-c", "echo x >> '" + count + "'; exit 3"}, R"({"backoff_initial_s": 60})");
  ASSERT_TRUE(
      WaitFor([&] { return LogHas("\"decision\":\"restart_service\",\"delay_s\":60"); }, 15))
      << Log();
  ASSERT_EQ(Slurp(count).size(), 2u);
  ASSERT_TRUE(
      NotifyDefinitionsActivated(dir_ + "/state", {{"daily.cvd", 2, std::string(64, 'b')}}).ok());
  EXPECT_TRUE(WaitFor([&] { return Slurp(count).size() == 4; }, 10)) << Log();
  EXPECT_TRUE(LogHas("\"supervisor\":\"restarting_for_activation\"")) << Log();
  EXPECT_EQ(Stop(), 0);
}

// --sign names one .sign for one file; a supervisor's prune checks a whole
// directory, each .cvd with the .sign beside it.
TEST_F(FaultSuperviseTest, HelpDoesNotOfferSign) {
  const std::string help = "'" + CliPath() + "' supervise --help > '" + dir_ + "/help' 2>&1";
  ASSERT_EQ(std::system(help.c_str()), 0);
  const std::string text = Slurp(dir_ + "/help");
  EXPECT_NE(text.find("--sign-policy"), std::string::npos) << text;
  EXPECT_EQ(text.find("--sign "), std::string::npos) << text;
  const std::string cmd = "'" + CliPath() + "' supervise --db-dir '" + dir_ +
                          "/db' --quarantine-dir '" + dir_ + "/q' --state-dir '" + dir_ +
                          "/state' --sign x.sign -- /bin/true > /dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2);
}

TEST_F(FaultSuperviseTest, BadTimingOptionsAreUsageErrors) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"--startup-window", "-1"}, {"--tick-interval", "-1"},   {"--tick-interval", "0"},
      {"--probe-interval", "0"},  {"--probe-interval", "nan"}, {"--stop-timeout", "inf"}};
  for (const auto& [flag, value] : bad) {
    // `timeout` only matters when the option is wrongly accepted.
    const std::string cmd = "timeout -k 1 3 '" + CliPath() + "' supervise --db-dir '" + dir_ +
                            "/db' --quarantine-dir '" + dir_ + "/q' --state-dir '" + dir_ +
                            "/state' " + flag + " " + value + " -- /bin/true >/dev/null 2> '" +
                            dir_ + "/err'";
    const int status = std::system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << flag << " " << value;
    EXPECT_NE(Slurp(dir_ + "/err").find(flag), std::string::npos) << Slurp(dir_ + "/err");
  }
}

}  // namespace
}  // namespace cvdguard
