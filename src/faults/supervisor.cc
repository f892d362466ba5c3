// The scan-service supervisor: a single-threaded poll loop around one child
// process, a readiness probe, the fault engine and its journal.
#include "cvdguard/supervise.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "faults/fault_json_util.h"
#include "faults/fault_state.h"

namespace cvdguard {

DefinitionActions::~DefinitionActions() = default;

namespace {

using OrderedJson = nlohmann::ordered_json;

int g_signal_pipe[2] = {-1, -1};
volatile sig_atomic_t g_stop_signal = 0;

extern "C" void OnSignal(int sig) {
  const int saved = errno;
  if (sig == SIGTERM || sig == SIGINT) g_stop_signal = sig;
  // Every signal (SIGHUP too) wakes the loop, which reports it.
  const char byte = static_cast<char>(sig);
  if (g_signal_pipe[1] >= 0) {
    [[maybe_unused]] const ssize_t n = ::write(g_signal_pipe[1], &byte, 1);
  }
  errno = saved;
}

// How far the wall clock may lie behind the journal's last t before the
// journal's later times are moved back to now (see Supervisor::Now).
constexpr double kClockBehindTolerance = 60;
// SIGKILL this long after the SIGTERM that stops a --prune-cmd/--rollback-cmd.
constexpr double kActionStopGrace = 2;

double WallSeconds() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  // Millisecond resolution keeps the numbers in the log short and exact.
  return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) /
         1000.0;
}

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// In a forked child before exec (async-signal-safe calls only): a process
// group of its own, so every stop reaches what it starts (both sides set the
// group, so neither a signal sent right after fork nor an exec that beats the
// parent's setpgid misses it); a SIGTERM from the kernel if the supervisor
// dies; and the default signal dispositions, which exec would not restore
// (the supervisor ignores SIGPIPE and SIGHUP and catches the others).
void PrepareChild(pid_t parent) {
  ::setpgid(0, 0);
#ifdef __linux__
  // A SIGKILLed supervisor cannot stop its children; the kernel does. If the
  // supervisor died before the prctl, nobody would send it: give up now.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(127);
#endif
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGTERM, SIG_DFL);
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGCHLD, SIG_DFL);
  ::signal(SIGHUP, SIG_DFL);
  ::signal(SIGPIPE, SIG_DFL);
}

// Forks and execs; an exec failure comes back through a CLOEXEC pipe as the
// child's errno, so "no such command" is reported with the OS error. The
// child leads its own process group (pgid == pid), so a stop reaches whatever
// it started, and on Linux it gets SIGTERM when the supervisor dies.
pid_t Spawn(const std::vector<std::string>& argv, int* exec_errno) {
  *exec_errno = 0;
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    *exec_errno = errno;
    return -1;
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    *exec_errno = errno;
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return -1;
  }
  if (pid == 0) {
    ::close(pipefd[0]);
    PrepareChild(parent);
    ::execvp(args[0], args.data());
    const int err = errno;
    [[maybe_unused]] const ssize_t n = ::write(pipefd[1], &err, sizeof err);
    ::_exit(127);
  }
  // EACCES (the child already exec'd, so it set the group itself) and ESRCH
  // (it already died) are both fine.
  ::setpgid(pid, pid);
  ::close(pipefd[1]);
  int err = 0;
  ssize_t n;
  do {
    n = ::read(pipefd[0], &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  ::close(pipefd[0]);
  if (n == static_cast<ssize_t>(sizeof err)) {
    *exec_errno = err;
    int status = 0;
    ::waitpid(pid, &status, 0);
    return -1;
  }
  return pid;
}

// Sends `sig` to the process group `pgid` that Spawn made. A group that is
// already gone is not an error. `leader_unreaped`: the leader `pgid` is still
// our unreaped child, so its pid cannot have been reused and may be signalled
// alone if it is somehow not a group leader. Never signals our own group.
void SignalGroup(pid_t pgid, int sig, bool leader_unreaped) {
  if (pgid <= 1 || pgid == ::getpgrp()) return;
  if (::kill(-pgid, sig) != 0 && errno == ESRCH && leader_unreaped) ::kill(pgid, sig);
}

// Whether a process of group `pgid` is still alive. Zombies do not count:
// orphans of the group go to init, which may be slow to reap them, and they
// would hold every stop to its timeout.
bool GroupAlive(pid_t pgid) {
  if (pgid <= 1 || pgid == ::getpgrp()) return false;
  if (::kill(-pgid, 0) != 0) return errno == EPERM;
#ifdef __linux__
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return true;
  bool alive = false;
  while (const dirent* entry = ::readdir(proc)) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
    std::ifstream in(std::string("/proc/") + entry->d_name + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;  // gone meanwhile
    // "pid (comm) state ppid pgrp ...": comm may hold anything, so parse
    // from the last ')'.
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(stat.substr(paren + 1));
    char state = 0;
    long ppid = 0, pgrp = 0;
    if (rest >> state >> ppid >> pgrp && pgrp == pgid && state != 'Z') {
      alive = true;
      break;
    }
  }
  ::closedir(proc);
  return alive;
#else
  return true;
#endif
}

// Stops the process group led by `pid`: `sig`, then SIGKILL after
// `timeout_s`. The rest of the group gets the same grace as the leader, so
// the stop ends when all of it is gone. `leader_reaped`: only the rest of
// the group is left. Returns the leader's status (0 if already reaped).
int StopProcess(pid_t pid, int sig, double timeout_s, bool leader_reaped = false) {
  SignalGroup(pid, sig, !leader_reaped);
  int status = 0;
  bool reaped = leader_reaped;
  // Capped so that the conversion cannot overflow.
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(std::min(timeout_s, 1e7)));
  for (;;) {
    if (!reaped) {
      const pid_t r = ::waitpid(pid, &status, WNOHANG);
      reaped = r == pid || (r < 0 && errno == ECHILD);
    }
    if (reaped && !GroupAlive(pid)) return status;
    if (std::chrono::steady_clock::now() >= deadline) break;
    ::usleep(20000);
  }
  SignalGroup(pid, SIGKILL, !reaped);
  if (!reaped) {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  return status;
}

// The durations must be finite and not negative; the polling intervals must
// also be positive.
bool ValidTimings(const SuperviseOptions& o, std::string* error) {
  struct Timing {
    const char* flag;
    double value;
    bool zero_ok;
  };
  const Timing timings[] = {{"--startup-window", o.startup_window_s, true},
                            {"--probe-interval", o.probe_interval_s, false},
                            {"--tick-interval", o.tick_interval_s, false},
                            {"--stop-timeout", o.stop_timeout_s, true}};
  for (const Timing& t : timings) {
    if (!std::isfinite(t.value) || t.value < 0 || (t.value == 0 && !t.zero_ok)) {
      *error = std::string(t.flag) + " must be a finite number of seconds " +
               (t.zero_ok ? ">= 0" : "> 0");
      return false;
    }
  }
  return true;
}

class Supervisor {
 public:
  Supervisor(const SuperviseOptions& options, DefinitionActions& actions)
      : opt_(options), actions_(actions), engine_(options.config) {}

  int Run() {
    if (opt_.service_argv.empty() || opt_.state_dir.empty()) {
      std::cerr << "cvdguard supervise: a state dir and a service command are required\n";
      return 2;
    }
    if (std::string error; !ValidTimings(opt_, &error)) {
      std::cerr << "cvdguard supervise: " << error << "\n";
      return 2;
    }
    if (FaultStatus st = ValidateFaultConfig(opt_.config); !st.ok()) {
      std::cerr << "cvdguard supervise: " << st.message << "\n";
      return 2;
    }
    std::error_code ec;
    std::filesystem::create_directories(opt_.state_dir + "/inbox", ec);
    if (ec) {
      std::cerr << "cvdguard supervise: cannot create " << opt_.state_dir << ": " << ec.message() << "\n";
      return 3;
    }
    lock_fd_ = ::open((opt_.state_dir + "/supervise.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd_ < 0 || ::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      std::cerr << "cvdguard supervise: another supervisor holds " << opt_.state_dir << " ["
                << CodeName(Code::kFaultJournalLocked) << "]\n";
      return 3;
    }
    if (FaultStatus st = LoadFaultJournal(opt_.state_dir, &engine_); !st.ok()) {
      std::cerr << "cvdguard supervise: " << st.message << " [" << CodeName(st.code) << "]\n";
      return 3;
    }
    const std::string log_path = opt_.log_path.empty() ? opt_.state_dir + "/faults.log" : opt_.log_path;
    log_.open(log_path, std::ios::app);
    if (!log_) {
      std::cerr << "cvdguard supervise: cannot open log " << log_path << "\n";
      return 3;
    }
    if (!InstallSignals()) {
      std::cerr << "cvdguard supervise: cannot install signal handlers\n";
      return 3;
    }
    const int rc = Loop();
    RestoreSignals();
    return rc;
  }

  ~Supervisor() {
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }

 private:
  enum class Phase { kStarting, kRunning, kWaiting };

  bool InstallSignals() {
    if (::pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return false;
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    g_stop_signal = 0;
    // A reader of stdout that went away (`| head`) must not end supervision:
    // the write fails instead, and the log file still gets every line.
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    return ::sigaction(SIGTERM, &sa, &old_term_) == 0 && ::sigaction(SIGINT, &sa, &old_int_) == 0 &&
           ::sigaction(SIGCHLD, &sa, &old_chld_) == 0 && ::sigaction(SIGHUP, &sa, &old_hup_) == 0 &&
           ::sigaction(SIGPIPE, &ignore, &old_pipe_) == 0;
  }
  void RestoreSignals() {
    ::sigaction(SIGTERM, &old_term_, nullptr);
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGCHLD, &old_chld_, nullptr);
    ::sigaction(SIGHUP, &old_hup_, nullptr);
    ::sigaction(SIGPIPE, &old_pipe_, nullptr);
    ::close(g_signal_pipe[0]);
    ::close(g_signal_pipe[1]);
    g_signal_pipe[0] = g_signal_pipe[1] = -1;
  }

  // The engine's clock: wall time, never earlier than the journal's last t
  // (the journal outlives reboots; a clock step back must not be an error).
  // A step back of more than kClockBehindTolerance (a journal written while
  // the clock ran ahead, or a clock corrected while we run) would otherwise
  // hold the engine's time, and with it every fault 10 clear and escalation,
  // until the clock caught up: then the recorded times later than now move
  // back to now, and the log says so.
  double Now() {
    const double wall = WallSeconds();
    double last = 0;
    if (!engine_.LastTime(&last)) return wall;
    if (last - wall > kClockBehindTolerance) {
      ClampEngineTimesTo(wall, last);
      return wall;
    }
    return std::max(wall, last);
  }

  void ClampEngineTimesTo(double wall, double last) {
    internal::FaultState state;
    if (!internal::DeserializeState(engine_.SerializeJournal(), &state).ok() ||
        !internal::ClampTimesTo(&state, wall) ||
        !engine_.RestoreJournal(internal::SerializeState(state)).ok()) {
      return;  // cannot happen: the engine's own state always round-trips
    }
    // Saved with the next event, like any other change of state.
    Note(wall, "clock_behind_journal",
         "the journal's last t=" + FaultSecondsToJson(last) + " is " +
             FaultSecondsToJson(last - wall) +
             " s ahead of the clock; its later times were moved back to now");
  }

  void WriteLine(const std::string& line) {
    log_ << line << '\n';
    log_.flush();
    if (opt_.log_to_stdout) std::cout << line << '\n' << std::flush;
  }
  void Note(double t, const std::string& what, const std::string& detail = "") {
    OrderedJson j;
    j["t"] = internal::SecondsToJson(t);
    j["supervisor"] = what;
    if (!detail.empty()) j["detail"] = detail;
    WriteLine(j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace));
  }

  // Feeds one event: apply, persist, log, then act.
  bool Feed(FaultEvent event) {
    event.t = Now();
    std::vector<FaultDecision> decisions;
    if (FaultStatus st = engine_.Apply(event, &decisions); !st.ok()) {
      Note(event.t, "engine_error", st.message);
      return true;
    }
    if (FaultStatus st = SaveFaultJournal(opt_.state_dir, engine_); !st.ok()) {
      Note(event.t, "journal_error", st.message);
      return false;
    }
    if (event.kind != FaultEventKind::kTick || !decisions.empty()) WriteLine(FaultEventToJson(event));
    for (const auto& d : decisions) {
      WriteLine(FaultDecisionToJson(d));
      Act(d);
    }
    return true;
  }

  void Act(const FaultDecision& d) {
    switch (d.kind) {
      case FaultDecisionKind::kRestartService:
        phase_ = Phase::kWaiting;
        restart_at_ = Steady() + d.delay_s;
        break;
      case FaultDecisionKind::kPrune: {
        const FaultStatus st = actions_.Prune(engine_.RefusedDigests());
        Note(d.t, st.ok() ? "pruned" : "prune_failed", st.message);
        break;
      }
      case FaultDecisionKind::kRollback: {
        const FaultStatus st = actions_.Rollback();
        Note(d.t, st.ok() ? "rolled_back" : "rollback_failed", st.message);
        break;
      }
      default:
        break;  // faults, interventions and gaps are reported by the log line
    }
  }

  static double Steady() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }

  void StartChild() {
    int err = 0;
    child_ = Spawn(opt_.service_argv, &err);
    probe_pid_ = -1;
    next_probe_at_ = Steady();
    started_at_ = Steady();
    if (child_ < 0) {
      phase_ = Phase::kStarting;  // so the failure below counts as a start failure
      FaultEvent e;
      e.kind = FaultEventKind::kServiceStartFailed;
      e.detail = "cannot execute " + opt_.service_argv[0] + ": " + std::strerror(err);
      Feed(e);
      return;
    }
    phase_ = Phase::kStarting;
    Note(Now(), "spawned", "pid " + std::to_string(child_));
  }

  void ChildExited(int status) {
    const pid_t pgid = child_;
    child_ = -1;
    KillProbe();
    // What the service started goes with it, so a restart does not meet the
    // old instance's helpers.
    if (GroupAlive(pgid)) StopProcess(pgid, SIGTERM, opt_.stop_timeout_s, /*leader_reaped=*/true);
    FaultEvent e;
    if (phase_ == Phase::kStarting) {
      e.kind = FaultEventKind::kServiceStartFailed;
      e.detail = DescribeStatus(status) + " before the service was ready";
    } else {
      e.kind = FaultEventKind::kServiceCrashed;
      e.detail = DescribeStatus(status);
    }
    phase_ = Phase::kWaiting;
    restart_at_ = Steady();  // until the engine says otherwise
    Feed(e);
  }

  void KillProbe() {
    if (probe_pid_ > 0) {
      StopProcess(probe_pid_, SIGKILL, 1);
      probe_pid_ = -1;
    }
  }

  void Ready() {
    KillProbe();
    phase_ = Phase::kRunning;
    FaultEvent e;
    e.kind = FaultEventKind::kServiceStarted;
    Feed(e);
  }

  void CheckStartup() {
    const double now = Steady();
    if (opt_.ready_probe.empty()) {
      if (now - started_at_ >= opt_.startup_window_s) Ready();
      return;
    }
    if (probe_pid_ > 0) {
      int status = 0;
      const pid_t r = ::waitpid(probe_pid_, &status, WNOHANG);
      if (r == probe_pid_) {
        SignalGroup(probe_pid_, SIGKILL, false);  // whatever the probe left running
        probe_pid_ = -1;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
          Ready();
          return;
        }
      }
    }
    if (now - started_at_ >= opt_.startup_window_s) {
      KillProbe();
      const int status = StopProcess(child_, SIGTERM, opt_.stop_timeout_s);
      child_ = -1;
      FaultEvent e;
      e.kind = FaultEventKind::kServiceStartFailed;
      e.detail = "not ready within " + FaultSecondsToJson(opt_.startup_window_s) +
                 " s (stopped: " + DescribeStatus(status) + ")";
      phase_ = Phase::kWaiting;
      restart_at_ = Steady();
      Feed(e);
      return;
    }
    if (probe_pid_ < 0 && now >= next_probe_at_) {
      int err = 0;
      probe_pid_ = Spawn({"/bin/sh", "-c", opt_.ready_probe}, &err);
      next_probe_at_ = now + opt_.probe_interval_s;
    }
  }

  void PollInbox() {
    const std::string inbox = opt_.state_dir + "/inbox";
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(inbox, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0) names.push_back(name);
    }
    std::sort(names.begin(), names.end());  // names start with a timestamp
    for (const auto& name : names) {
      const std::string path = inbox + "/" + name;
      std::ifstream in(path);
      std::stringstream text;
      text << in.rdbuf();
      FaultEvent e;
      const FaultStatus st = ParseFaultEventLine(text.str(), &e);
      std::filesystem::remove(path, ec);
      if (!st.ok() || e.kind != FaultEventKind::kDefinitionsActivated) {
        Note(Now(), "inbox_rejected", name + ": " + (st.ok() ? "not definitions_activated" : st.message));
        continue;
      }
      Feed(e);
      if (!opt_.restart_on_activation) continue;
      if (child_ > 0) {
        RestartForActivation();
      } else if (phase_ == Phase::kWaiting && Steady() < restart_at_) {
        // The back-off spaces out retries of the same set; a new set is a
        // fresh attempt, and waiting would keep the old one (or none) live.
        restart_at_ = Steady();
        Note(Now(), "restarting_for_activation", "no service running: restart back-off cut short");
      }
    }
  }

  // A deliberate stop: its exit is not fed to the engine.
  void RestartForActivation() {
    KillProbe();
    const int status = StopProcess(child_, SIGTERM, opt_.stop_timeout_s);
    child_ = -1;
    Note(Now(), "restarting_for_activation", "stopped: " + DescribeStatus(status));
    phase_ = Phase::kWaiting;
    restart_at_ = Steady();
  }

  int Loop() {
    FaultEvent start;
    start.kind = FaultEventKind::kConnectorStart;
    if (!Feed(start)) return 3;
    int rc = 0;
    // Activations queued while no supervisor ran reach the engine before the
    // first start, so they cost no restart.
    PollInbox();
    StartChild();
    double next_tick = Steady() + opt_.tick_interval_s;
    while (g_stop_signal == 0) {
      pollfd pfd{g_signal_pipe[0], POLLIN, 0};
      ::poll(&pfd, 1, 50);
      char buf[64];
      bool hangup = false;
      for (ssize_t n; (n = ::read(g_signal_pipe[0], buf, sizeof buf)) > 0;) {
        hangup = hangup || std::find(buf, buf + n, static_cast<char>(SIGHUP)) != buf + n;
      }
      if (g_stop_signal != 0) break;
      // A closed terminal or a stray "reload" must not stop scanning (nor
      // orphan the service); only SIGTERM/SIGINT stop.
      if (hangup) Note(Now(), "sighup_ignored", "still supervising; stop with SIGTERM or SIGINT");
      if (child_ > 0) {
        int status = 0;
        if (::waitpid(child_, &status, WNOHANG) == child_) {
          ChildExited(status);
          continue;
        }
      }
      if (child_ > 0 && phase_ == Phase::kStarting) CheckStartup();
      if (child_ < 0 && phase_ == Phase::kWaiting && Steady() >= restart_at_) StartChild();
      PollInbox();
      if (Steady() >= next_tick) {
        next_tick = Steady() + opt_.tick_interval_s;
        FaultEvent tick;
        tick.kind = FaultEventKind::kTick;
        if (!Feed(tick)) {
          rc = 3;
          break;
        }
      }
    }
    const int sig = g_stop_signal != 0 ? static_cast<int>(g_stop_signal) : SIGTERM;
    Note(Now(), "stopping", "signal " + std::to_string(sig));
    KillProbe();
    if (child_ > 0) {
      const int status = StopProcess(child_, sig, opt_.stop_timeout_s);
      Note(Now(), "stopped", DescribeStatus(status));
      child_ = -1;
    } else {
      Note(Now(), "stopped", "no service running");  // e.g. during a restart back-off
    }
    return rc;
  }

  const SuperviseOptions& opt_;
  DefinitionActions& actions_;
  FaultEngine engine_;
  std::ofstream log_;
  int lock_fd_ = -1;
  pid_t child_ = -1;
  pid_t probe_pid_ = -1;
  Phase phase_ = Phase::kStarting;
  double started_at_ = 0, restart_at_ = 0, next_probe_at_ = 0;
  struct sigaction old_term_ {
  }, old_int_{}, old_chld_{}, old_hup_{}, old_pipe_{};
};

}  // namespace

ShellDefinitionActions::ShellDefinitionActions(std::string db_dir, std::string quarantine_dir,
                                               std::string prune_cmd, std::string rollback_cmd,
                                               double timeout_s)
    : db_dir_(std::move(db_dir)),
      quarantine_dir_(std::move(quarantine_dir)),
      prune_cmd_(std::move(prune_cmd)),
      rollback_cmd_(std::move(rollback_cmd)),
      timeout_s_(timeout_s) {}

FaultStatus ShellDefinitionActions::Run(const std::string& what, const std::string& cmd,
                                        const std::vector<std::string>& refused) {
  if (cmd.empty()) {
    return FaultStatus::Error(Code::kSuperviseIo, what + " is not configured (no command)");
  }
  // A stop asked for while an earlier action ran (prune, then rollback).
  if (g_stop_signal != 0) {
    return FaultStatus::Error(Code::kSuperviseIo,
                              what + " command not run: the supervisor is stopping");
  }
  std::string digests;
  for (const auto& d : refused) digests += (digests.empty() ? "" : " ") + d;
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return FaultStatus::Error(Code::kSuperviseIo, what + ": fork: " + std::strerror(errno));
  if (pid == 0) {
    // As for the service and the probe: a stop or a timeout reaches
    // whatever the command started.
    PrepareChild(parent);
    ::setenv("CVDGUARD_DB_DIR", db_dir_.c_str(), 1);
    ::setenv("CVDGUARD_QUARANTINE_DIR", quarantine_dir_.c_str(), 1);
    ::setenv("CVDGUARD_REFUSED_SHA256", digests.c_str(), 1);
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // both sides, as in Spawn
  // Polled rather than a blocking waitpid: SIGTERM/SIGINT (the handler sets
  // g_stop_signal) and the timeout must end the wait, or a hung command
  // would keep the supervisor from stopping.
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(std::min(timeout_s_, 1e7)));
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      return FaultStatus::Error(Code::kSuperviseIo, what + ": waitpid: " + std::strerror(errno));
    }
    if (g_stop_signal != 0) {
      const int stopped = StopProcess(pid, SIGTERM, kActionStopGrace);
      return FaultStatus::Error(Code::kSuperviseIo,
                                what + " command interrupted: the supervisor is stopping (signal " +
                                    std::to_string(g_stop_signal) + "; " + DescribeStatus(stopped) +
                                    ")");
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      const int stopped = StopProcess(pid, SIGTERM, kActionStopGrace);
      return FaultStatus::Error(
          Code::kSuperviseIo, what + " command timed out after " + FaultSecondsToJson(timeout_s_) +
                                  " s (stopped: " + DescribeStatus(stopped) + ")");
    }
    ::usleep(20000);
  }
  // What the command left running in its group goes with it.
  if (GroupAlive(pid)) StopProcess(pid, SIGTERM, kActionStopGrace, /*leader_reaped=*/true);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return FaultStatus::Error(Code::kSuperviseIo, what + " command failed: " + DescribeStatus(status));
  }
  return FaultStatus::Ok();
}

FaultStatus ShellDefinitionActions::Prune(const std::vector<std::string>& refused_sha256) {
  return Run("prune", prune_cmd_, refused_sha256);
}

FaultStatus ShellDefinitionActions::Rollback() { return Run("rollback", rollback_cmd_, {}); }

namespace {

// "quarantined daily.cud (ACTIVATION_REFUSED_DIGEST), kept main.cvd"
std::string Summarize(const OperationResult& r) {
  std::string out;
  for (const auto& f : r.files) {
    if (!out.empty()) out += ", ";
    out += std::string(FileOutcomeName(f.outcome)) + " " +
           (f.live_name.empty() ? f.path : f.live_name);
    if (f.code) out += " (" + std::string(CodeName(*f.code)) + ")";
  }
  for (const auto& n : r.notes) out += (out.empty() ? "" : "; ") + n;
  return out.empty() ? "no definition files" : out;
}

}  // namespace

ActivationDefinitionActions::ActivationDefinitionActions(std::string live_dir,
                                                         std::string quarantine_dir,
                                                         std::string activation_state_dir,
                                                         ActivationOptions options)
    : live_dir_(std::move(live_dir)),
      quarantine_dir_(std::move(quarantine_dir)),
      state_dir_(std::move(activation_state_dir)),
      options_(std::move(options)) {
  if (state_dir_.empty()) state_dir_ = DefaultStateDir(live_dir_);
  options_.notify_path.clear();
  options_.supervisor_state_dir.clear();
}

FaultStatus ActivationDefinitionActions::Prune(const std::vector<std::string>& refused_sha256) {
  ActivationOptions o = options_;
  o.refused_sha256.insert(o.refused_sha256.end(), refused_sha256.begin(), refused_sha256.end());
  const OperationResult r = cvdguard::Prune(live_dir_, quarantine_dir_, o);
  if (r.status == OperationStatus::kIoError) {
    return FaultStatus::Error(Code::kSuperviseIo, "prune: " + r.error + ": " + Summarize(r));
  }
  FaultStatus ok = FaultStatus::Ok();
  ok.message = Summarize(r);
  return ok;
}

FaultStatus ActivationDefinitionActions::Rollback() {
  const OperationResult r = cvdguard::Rollback(live_dir_, quarantine_dir_, state_dir_, options_);
  if (r.status == OperationStatus::kIoError) {
    return FaultStatus::Error(Code::kSuperviseIo, "rollback: " + r.error);
  }
  // LIVE already holding last-known-good (a prune before took the new files
  // out) is what was asked for; any other incomplete rollback (no
  // last-known-good set at all) is not.
  if (r.status == OperationStatus::kIncomplete && !r.already_last_known_good) {
    return FaultStatus::Error(Code::kSuperviseIo, "rollback: " + Summarize(r));
  }
  FaultStatus ok = FaultStatus::Ok();
  ok.message = Summarize(r);
  return ok;
}

int RunSupervisor(const SuperviseOptions& options, DefinitionActions& actions) {
  Supervisor supervisor(options, actions);
  return supervisor.Run();
}

FaultStatus NotifyDefinitionsActivated(const std::string& state_dir,
                                       const std::vector<DefinitionFile>& files) {
  FaultEvent e;
  e.kind = FaultEventKind::kDefinitionsActivated;
  e.files = files;
  for (auto& f : e.files) {
    std::transform(f.sha256.begin(), f.sha256.end(), f.sha256.begin(), [](char c) {
      return (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
    });
  }
  // Validate through the same parser the supervisor will use.
  FaultEvent check;
  const std::string text = FaultEventToJson(e);
  if (FaultStatus st = ParseFaultEventLine(text, &check); !st.ok()) return st;
  const std::string inbox = state_dir + "/inbox";
  std::error_code ec;
  std::filesystem::create_directories(inbox, ec);
  if (ec) return FaultStatus::Error(Code::kSuperviseIo, "cannot create " + inbox + ": " + ec.message());
  const auto stamp = std::chrono::system_clock::now().time_since_epoch().count();
  const std::string base = inbox + "/" + std::to_string(stamp) + "-" + std::to_string(::getpid());
  const std::string tmp = base + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text << '\n';
    out.flush();
    if (!out) return FaultStatus::Error(Code::kSuperviseIo, "cannot write " + tmp);
  }
  // The supervisor only reads *.json, so the rename publishes it atomically.
  if (::rename(tmp.c_str(), (base + ".json").c_str()) != 0) {
    return FaultStatus::Error(Code::kSuperviseIo, "cannot rename " + tmp + ": " + std::strerror(errno));
  }
  return FaultStatus::Ok();
}

}  // namespace cvdguard
