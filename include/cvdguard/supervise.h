// The scan-service supervisor: runs the service as a child, tells a failed
// start from a crash, feeds the fault engine and carries out its decisions
// (docs/faults.md, "Supervisor"). POSIX only.
#ifndef CVDGUARD_SUPERVISE_H_
#define CVDGUARD_SUPERVISE_H_

#include <string>
#include <vector>

#include "cvdguard/activation.h"
#include "cvdguard/export.h"
#include "cvdguard/faults.h"

namespace cvdguard {

// What the supervisor needs from the activation component. Implementations
// must be synchronous: the supervisor restarts the service after they return.
class CVDGUARD_EXPORT DefinitionActions {
 public:
  virtual ~DefinitionActions();
  // Moves every invalid definition file out of the live directory (into
  // quarantine). Files whose digest is in `refused_sha256` (the engine's
  // learned integrity-gap set) count as invalid.
  virtual FaultStatus Prune(const std::vector<std::string>& refused_sha256) = 0;
  // Restores the last-known-good definition set into the live directory.
  virtual FaultStatus Rollback() = 0;
};

// Prune and rollback by the activation component (cvdguard/activation.h) on
// one live directory: Prune validates every live file with `options.verify`
// plus the refused digests and quarantines the invalid ones; Rollback
// restores the last-known-good set kept in `activation_state_dir` (empty:
// DefaultStateDir(live_dir)). Neither notifies a supervisor: the supervisor
// asked for them. Prune fails only on an I/O error; Rollback also fails when
// there is nothing to roll back to.
class CVDGUARD_EXPORT ActivationDefinitionActions final : public DefinitionActions {
 public:
  ActivationDefinitionActions(std::string live_dir, std::string quarantine_dir,
                              std::string activation_state_dir, ActivationOptions options);
  FaultStatus Prune(const std::vector<std::string>& refused_sha256) override;
  FaultStatus Rollback() override;

 private:
  std::string live_dir_, quarantine_dir_, state_dir_;
  ActivationOptions options_;
};

// Runs shell commands for prune/rollback (empty: the action is reported as
// not configured). The commands see CVDGUARD_DB_DIR, CVDGUARD_QUARANTINE_DIR
// and CVDGUARD_REFUSED_SHA256 (space-separated) in their environment. Each
// runs in a process group of its own; a command still running after
// `timeout_s`, or when RunSupervisor is asked to stop, is stopped with its
// group (SIGTERM, SIGKILL 2 s later) and the action fails.
inline constexpr double kDefaultActionTimeoutS = 300;
class CVDGUARD_EXPORT ShellDefinitionActions final : public DefinitionActions {
 public:
  ShellDefinitionActions(std::string db_dir, std::string quarantine_dir, std::string prune_cmd,
                         std::string rollback_cmd, double timeout_s = kDefaultActionTimeoutS);
  FaultStatus Prune(const std::vector<std::string>& refused_sha256) override;
  FaultStatus Rollback() override;

 private:
  FaultStatus Run(const std::string& what, const std::string& cmd,
                  const std::vector<std::string>& refused);
  std::string db_dir_, quarantine_dir_, prune_cmd_, rollback_cmd_;
  double timeout_s_;
};

struct SuperviseOptions {
  std::vector<std::string> service_argv;  // REQUIRES: non-empty; run with execvp
  // Readiness probe, run with /bin/sh -c; exit 0 = ready. Empty: the service
  // counts as started once it survives `startup_window_s`.
  std::string ready_probe;
  // With a probe: not ready within this window is a failed start (the child
  // is stopped). Without: an exit within it is a failed start.
  double startup_window_s = 10;
  double probe_interval_s = 0.5;
  double tick_interval_s = 1;   // how often `tick` reaches the engine
  double stop_timeout_s = 10;   // SIGKILL after this on shutdown
  std::string state_dir;        // journal, lock, inbox
  std::string log_path;         // JSON Lines; empty: <state_dir>/faults.log
  bool log_to_stdout = true;
  // On definitions_activated (from the inbox), stop the running service's
  // process group (SIGTERM, then SIGKILL after stop_timeout_s) and start it
  // again at once,
  // so the new set is loaded now. Services such as clamd keep their old
  // database when a reload fails, which would hide a bad set until the next
  // restart. The stop is not a crash.
  bool restart_on_activation = false;
  FaultConfig config;
};

// Runs until SIGTERM/SIGINT (forwarded to the child's process group, then a
// clean exit); SIGHUP is logged and ignored. Returns a process exit code: 0
// after a clean stop, 2 for bad options (among them a negative, NaN or
// infinite duration, or a zero probe or tick interval), 3 if the journal or
// state dir cannot be used. Installs signal handlers for SIGTERM, SIGINT,
// SIGHUP and SIGCHLD, and ignores SIGPIPE, while it runs.
CVDGUARD_EXPORT int RunSupervisor(const SuperviseOptions& options, DefinitionActions& actions);

// Called by `cvdguard activate` after it made a set live: queues a
// definitions_activated event for the supervisor of `state_dir` (a file in
// <state_dir>/inbox, written atomically). The supervisor stamps it with its
// own clock when it picks it up.
CVDGUARD_EXPORT FaultStatus NotifyDefinitionsActivated(const std::string& state_dir,
                                                       const std::vector<DefinitionFile>& files);

}  // namespace cvdguard

#endif  // CVDGUARD_SUPERVISE_H_
