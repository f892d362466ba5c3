// `cvdguard supervise`: run the scan service under the fault engine
// (docs/faults.md, "Supervisor"). Public API only.
#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/verify_flags.h"
#include "cvdguard/activation.h"
#include "cvdguard/faults.h"
#include "cvdguard/supervise.h"

namespace cvdguard::cli {
namespace {

struct SuperviseArgs {
  SuperviseOptions options;
  std::string db_dir;
  std::string quarantine_dir;
  std::string activation_state_dir;
  VerifyFlags flags;
  std::string config_file;
  std::string prune_cmd;
  std::string rollback_cmd;
  double action_timeout_s = kDefaultActionTimeoutS;
  bool quiet = false;
};

// The built-in actions, with either one replaced by its shell hook.
class HookedActions final : public DefinitionActions {
 public:
  HookedActions(DefinitionActions& builtin, DefinitionActions& shell, bool shell_prune,
                bool shell_rollback)
      : builtin_(builtin), shell_(shell), shell_prune_(shell_prune), shell_rollback_(shell_rollback) {}
  FaultStatus Prune(const std::vector<std::string>& refused) override {
    return (shell_prune_ ? shell_ : builtin_).Prune(refused);
  }
  FaultStatus Rollback() override { return (shell_rollback_ ? shell_ : builtin_).Rollback(); }

 private:
  DefinitionActions& builtin_;
  DefinitionActions& shell_;
  bool shell_prune_, shell_rollback_;
};

int Supervise(SuperviseArgs& args) {
  if (!args.config_file.empty()) {
    std::ifstream in(args.config_file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    const FaultStatus st =
        in ? ParseFaultConfig(text.str(), &args.options.config)
           : FaultStatus::Error(Code::kFaultConfigInvalid, "cannot read " + args.config_file);
    if (!st.ok()) {
      std::cerr << "cvdguard supervise: " << args.config_file << ": " << st.message << " ["
                << CodeName(st.code) << "]\n";
      return kExitUsage;
    }
  }
  args.options.log_to_stdout = !args.quiet;
  ActivationOptions activation;
  std::string error;
  if (!BuildVerifyOptions(args.flags, &activation.verify, &error)) {
    std::cerr << "cvdguard supervise: " << error << "\n";
    return kExitUsage;
  }
  if (!std::isfinite(args.action_timeout_s) || args.action_timeout_s <= 0) {
    std::cerr << "cvdguard supervise: --action-timeout must be a finite number of seconds > 0\n";
    return kExitUsage;
  }
  // Prune and rollback go through the activation component unless a shell
  // hook replaces one of them.
  ActivationDefinitionActions builtin(args.db_dir, args.quarantine_dir, args.activation_state_dir,
                                      activation);
  ShellDefinitionActions shell(args.db_dir, args.quarantine_dir, args.prune_cmd, args.rollback_cmd,
                               args.action_timeout_s);
  HookedActions actions(builtin, shell, !args.prune_cmd.empty(), !args.rollback_cmd.empty());
  return RunSupervisor(args.options, actions);
}

void AddSuperviseCommand(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<SuperviseArgs>();
  auto* cmd = app.add_subcommand(
      "supervise", "Run the scan service as a child under the fault engine (faults 10 and 12)");
  cmd->add_option("--db-dir", args->db_dir, "Live definition directory")->required();
  cmd->add_option("--quarantine-dir", args->quarantine_dir, "Where pruned files go")->required();
  cmd->add_option("--state-dir", args->options.state_dir, "Fault journal, lock and inbox")
      ->required();
  cmd->add_option("--ready-probe", args->options.ready_probe,
                  "Shell command; exit 0 means the service is ready");
  cmd->add_option("--startup-window", args->options.startup_window_s,
                  "Seconds a start may take (default 10)");
  cmd->add_option("--probe-interval", args->options.probe_interval_s,
                  "Seconds between readiness probes (default 0.5)");
  cmd->add_option("--tick-interval", args->options.tick_interval_s,
                  "Seconds between engine ticks (default 1)");
  cmd->add_option("--stop-timeout", args->options.stop_timeout_s,
                  "Seconds before SIGKILL on shutdown (default 10)");
  cmd->add_option("--config", args->config_file, "Fault rule numbers (JSON)");
  cmd->add_option("--log", args->options.log_path,
                  "JSON Lines log (default <state-dir>/faults.log)");
  cmd->add_option("--activation-state-dir", args->activation_state_dir,
                  "State directory of `cvdguard activate` (last-known-good; default "
                  "LIVE/.cvdguard)");
  cmd->add_option("--prune-cmd", args->prune_cmd,
                  "Shell command to run instead of the built-in prune (sees CVDGUARD_DB_DIR, "
                  "CVDGUARD_QUARANTINE_DIR, CVDGUARD_REFUSED_SHA256)");
  cmd->add_option("--rollback-cmd", args->rollback_cmd,
                  "Shell command to run instead of the built-in rollback");
  cmd->add_option("--action-timeout", args->action_timeout_s,
                  "Seconds a --prune-cmd or --rollback-cmd may run before it is stopped with what "
                  "it started (default 300)");
  cmd->add_flag("--restart-on-activation", args->options.restart_on_activation,
                "Restart the service when `activate --supervisor-state` reports a new set, so it "
                "is loaded now (clamd keeps its old database when a reload fails)");
  cmd->add_flag("--quiet", args->quiet, "Log to the file only, not stdout");
  AddVerifyFlags(cmd, &args->flags);
  // --sign names the .sign of one file; prune checks a whole directory, each
  // .cvd with the .sign beside it.
  if (CLI::Option* sign = cmd->get_option_no_throw("--sign")) cmd->remove_option(sign);
  cmd->add_option("service", args->options.service_argv, "-- SERVICE_CMD [ARGS...]")
      ->required()
      ->expected(1, -1);
  cmd->callback([args, &ctx] { ctx.exit_code = Supervise(*args); });
}

}  // namespace

CVDGUARD_REGISTER_COMMAND("supervise", AddSuperviseCommand);

}  // namespace cvdguard::cli
