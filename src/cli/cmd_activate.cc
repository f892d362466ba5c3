// cvdguard activate | prune | rollback | status: manage one live definitions
// directory (docs/activation.md).
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/report_text.h"
#include "cli/verify_flags.h"
#include "cvdguard/activation.h"
#include "cvdguard/faults.h"

namespace cvdguard::cli {
namespace {

struct DirArgs {
  std::string live, quarantine, state;
  std::string supervisor_state;  // --supervisor-state
  double lock_timeout = 60;
  unsigned long long q_max_bytes = QuarantineBounds{}.max_bytes;
  double q_max_age_days = static_cast<double>(QuarantineBounds{}.max_age_seconds) / 86400.0;
  bool json = false;
  bool quiet = false;
};

void AddLockFlag(CLI::App* sub, DirArgs* a) {
  sub->add_option("--lock-timeout", a->lock_timeout,
                  "Seconds to wait for another cvdguard holding LIVE's lock (default 60)")
      ->check(CLI::Range(0.0, 86400.0));
}

// --supervisor-state S names a state dir of `cvdguard supervise`, which
// creates it and its journal when it first starts. Without a journal there
// is nothing refused and nobody reading the inbox yet: a supervisor that has
// not run (the systemd recipe prunes before its first start) or a wrong
// path. Either way the operation goes on as before, but says so.
void WarnIfNoSupervisorState(const DirArgs& a, const char* cmd) {
  if (a.supervisor_state.empty()) return;
  std::error_code ec;
  if (std::filesystem::exists(a.supervisor_state + "/" + std::string(kFaultJournalFileName), ec))
    return;
  std::cerr << "cvdguard " << cmd << ": warning: no supervisor state in "
            << ForText(a.supervisor_state) << " (no " << kFaultJournalFileName
            << "): no digests are refused; is it the --state-dir of `cvdguard supervise`, and has "
               "that run yet?\n";
}

// --supervisor-state S: reads the digests the fault engine refused
// (integrity_gap) and, for activate, names the supervisor to notify. A torn
// journal stops the operation rather than let a file through that the engine
// refused. False after printing why.
bool LoadSupervisorState(const DirArgs& a, const char* cmd, bool notifies, ActivationOptions* o) {
  if (a.supervisor_state.empty()) return true;
  WarnIfNoSupervisorState(a, cmd);
  const FaultStatus st = LoadRefusedDigests(a.supervisor_state, &o->refused_sha256);
  if (!st.ok()) {
    std::cerr << "cvdguard " << cmd << ": " << st.message << " [" << CodeName(st.code) << "]\n";
    return false;
  }
  if (notifies) o->supervisor_state_dir = a.supervisor_state;
  return true;
}

void AddBoundFlags(CLI::App* sub, DirArgs* a) {
  sub->add_option("--quarantine-max-bytes", a->q_max_bytes,
                  "Size bound of the quarantine directory; oldest files go first, their records "
                  "stay (default 2 GiB; 0 = none)");
  sub->add_option("--quarantine-max-age-days", a->q_max_age_days,
                  "Age bound of quarantined files in days (default 30; 0 = none)")
      ->check(CLI::Range(0.0, 36500.0));
}

bool MakeOptions(const DirArgs& a, const VerifyFlags* flags, const char* cmd,
                 ActivationOptions* o) {
  if (flags != nullptr) {
    std::string error;
    if (!BuildVerifyOptions(*flags, &o->verify, &error)) {
      std::cerr << "cvdguard " << cmd << ": " << error << "\n";
      return false;
    }
    if (o->verify.sign_path) {
      std::cerr << "cvdguard " << cmd
                << ": --sign is not supported here: each .cvd's <name>-<version>.cvd.sign is "
                   "taken from beside it\n";
      return false;
    }
  }
  o->lock_timeout_seconds = a.lock_timeout;
  o->quarantine_bounds.max_bytes = a.q_max_bytes;
  o->quarantine_bounds.max_age_seconds = static_cast<std::int64_t>(a.q_max_age_days * 86400.0);
  return true;
}

std::string ResultJson(const OperationResult& r) {
  using nlohmann::json;
  json j;
  j["status"] = r.status == OperationStatus::kOk           ? "ok"
                : r.status == OperationStatus::kIncomplete ? "incomplete"
                                                           : "io_error";
  j["live_changed"] = r.live_changed;
  j["files"] = json::array();
  for (const auto& f : r.files) {
    json e = {{"path", f.path},
              {"name", f.live_name},
              {"outcome", std::string(FileOutcomeName(f.outcome))},
              {"message", f.message},
              {"version", f.version},
              {"sha256", f.sha256}};
    e["code"] = f.code ? json(std::string(CodeName(*f.code))) : json(nullptr);
    e["live_version"] = f.live_version ? json(*f.live_version) : json(nullptr);
    e["sign"] = f.sign_name.empty() ? json(nullptr) : json(f.sign_name);
    e["quarantine_record"] =
        f.quarantine_record.empty() ? json(nullptr) : json(f.quarantine_record);
    j["files"].push_back(std::move(e));
  }
  j["notes"] = r.notes;
  j["removed_from_quarantine"] = json::array();
  for (const auto& q : r.removals) {
    j["removed_from_quarantine"].push_back({{"record", q.record}, {"why", q.why}, {"bytes", q.bytes}});
  }
  j["error"] = r.error.empty() ? json(nullptr) : json(r.error);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

int Report(const char* cmd, const OperationResult& r, const DirArgs& a) {
  if (a.json) {
    std::cout << ResultJson(r) << "\n";
  } else {
    for (const auto& f : r.files) {
      if (a.quiet && (f.outcome == FileOutcome::kKept || f.outcome == FileOutcome::kActivated ||
                      f.outcome == FileOutcome::kRestored ||
                      f.outcome == FileOutcome::kAlreadyLive)) {
        continue;
      }
      std::cout << FileOutcomeName(f.outcome) << "  " << ForText(f.path);
      if (f.outcome == FileOutcome::kActivated || f.outcome == FileOutcome::kRestored) {
        std::cout << "  version " << f.version;
        if (f.live_version) std::cout << " (was " << *f.live_version << ")";
        if (!f.sign_name.empty()) std::cout << " with " << ForText(f.sign_name);
      }
      if (!f.message.empty()) std::cout << "  " << ForText(f.message);
      if (!f.quarantine_record.empty()) std::cout << "  record: " << ForText(f.quarantine_record);
      std::cout << "\n";
    }
    // Notes and bound removals never decide success (docs/activation.md);
    // --quiet shows the notes only when the operation did not succeed (they
    // say why, e.g. "nothing to roll back to").
    for (const auto& n : r.notes) {
      if (!a.quiet || r.status != OperationStatus::kOk) std::cout << "note: " << ForText(n) << "\n";
    }
    for (const auto& q : r.removals) {
      if (a.quiet) break;
      std::cout << "quarantine bound (" << q.why << "): removed " << q.bytes
                << " bytes; record kept: " << ForText(q.record) << "\n";
    }
  }
  if (r.status == OperationStatus::kIoError) {
    std::cerr << "cvdguard " << cmd << ": " << ForText(r.error) << "\n";
    return kExitIo;
  }
  return r.status == OperationStatus::kOk ? kExitOk : kExitInvalid;
}

struct ActivateArgs {
  DirArgs dirs;
  VerifyFlags flags;
  std::vector<std::string> candidates;
  bool allow_downgrade = false;
  std::string notify;
};

void AddActivate(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<ActivateArgs>();
  CLI::App* sub = app.add_subcommand(
      "activate",
      "Validate candidate definition files and make the valid ones live, atomically. "
      "Exit 0: all activated (or already live); 1: some quarantined or refused; 2: usage; "
      "3: I/O error, LIVE untouched.");
  sub->add_option("--db-dir", a->dirs.live, "The live definitions directory (LIVE)")->required();
  sub->add_option("--quarantine-dir", a->dirs.quarantine,
                  "Where invalid candidates are moved, each with a JSON record")
      ->required();
  sub->add_option("--state-dir", a->dirs.state,
                  "Where last-known-good is kept (default LIVE/.cvdguard)");
  sub->add_option("CANDIDATE", a->candidates,
                  "Definition files to activate: <name>.cvd|.cld|.cud; a .cvd's "
                  "<name>-<version>.cvd.sign beside it goes along")
      ->required();
  sub->add_flag("--allow-downgrade", a->allow_downgrade,
                "Activate a version lower than the live one");
  sub->add_option("--notify", a->notify,
                  "After LIVE changed, append one definitions_activated JSON line to this file");
  sub->add_flag("--json", a->dirs.json, "Print the outcome as one JSON object");
  sub->add_flag("-q,--quiet", a->dirs.quiet, "Print only what was not activated");
  sub->add_option("--supervisor-state", a->dirs.supervisor_state,
                  "State dir of `cvdguard supervise`: refuse the SHA-256s its fault engine "
                  "refused (integrity_gap), and queue definitions_activated for it after LIVE "
                  "changed");
  AddLockFlag(sub, &a->dirs);
  AddBoundFlags(sub, &a->dirs);
  AddVerifyFlags(sub, &a->flags);
  sub->callback([a, &ctx] {
    ActivationOptions o;
    if (!MakeOptions(a->dirs, &a->flags, "activate", &o)) {
      ctx.exit_code = kExitUsage;
      return;
    }
    if (!LoadSupervisorState(a->dirs, "activate", true, &o)) {
      ctx.exit_code = kExitIo;
      return;
    }
    o.allow_downgrade = a->allow_downgrade;
    o.notify_path = a->notify;
    const OperationResult r =
        Activate(a->dirs.live, a->dirs.quarantine, a->dirs.state, a->candidates, o);
    ctx.exit_code = Report("activate", r, a->dirs);
  });
}

struct PruneArgs {
  DirArgs dirs;
  VerifyFlags flags;
};

void AddPrune(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<PruneArgs>();
  CLI::App* sub = app.add_subcommand(
      "prune",
      "Validate every definition file in LIVE and move the invalid ones to quarantine with "
      "their records. Exit 0: nothing pruned; 1: something pruned; 2: usage; 3: I/O error.");
  sub->add_option("--db-dir", a->dirs.live, "The live definitions directory (LIVE)")->required();
  sub->add_option("--quarantine-dir", a->dirs.quarantine, "Where invalid files are moved")
      ->required();
  sub->add_flag("--json", a->dirs.json, "Print the outcome as one JSON object");
  sub->add_flag("-q,--quiet", a->dirs.quiet, "Print only what was pruned");
  sub->add_option("--supervisor-state", a->dirs.supervisor_state,
                  "State dir of `cvdguard supervise`: refuse the SHA-256s its fault engine "
                  "refused (integrity_gap)");
  AddLockFlag(sub, &a->dirs);
  AddBoundFlags(sub, &a->dirs);
  AddVerifyFlags(sub, &a->flags);
  sub->callback([a, &ctx] {
    ActivationOptions o;
    if (!MakeOptions(a->dirs, &a->flags, "prune", &o)) {
      ctx.exit_code = kExitUsage;
      return;
    }
    if (!LoadSupervisorState(a->dirs, "prune", false, &o)) {
      ctx.exit_code = kExitIo;
      return;
    }
    ctx.exit_code = Report("prune", Prune(a->dirs.live, a->dirs.quarantine, o), a->dirs);
  });
}

struct RollbackArgs {
  DirArgs dirs;
  std::string notify;
};

void AddRollback(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<RollbackArgs>();
  CLI::App* sub = app.add_subcommand(
      "rollback",
      "Restore the last-known-good set atomically; the replaced files go to quarantine "
      "(reason rolled_back). Exit 0: rolled back; 1: nothing to roll back to; 2: usage; "
      "3: I/O error, LIVE untouched.");
  sub->add_option("--db-dir", a->dirs.live, "The live definitions directory (LIVE)")->required();
  sub->add_option("--quarantine-dir", a->dirs.quarantine, "Where the replaced files go")
      ->required();
  sub->add_option("--state-dir", a->dirs.state,
                  "The state directory of activate (default LIVE/.cvdguard, as for activate)");
  sub->add_option("--notify", a->notify,
                  "After LIVE changed, append one definitions_activated JSON line to this file");
  sub->add_flag("--json", a->dirs.json, "Print the outcome as one JSON object");
  sub->add_flag("-q,--quiet", a->dirs.quiet, "Print only what went wrong");
  sub->add_option("--supervisor-state", a->dirs.supervisor_state,
                  "State dir of `cvdguard supervise`: queue definitions_activated for it "
                  "after LIVE changed");
  AddLockFlag(sub, &a->dirs);
  AddBoundFlags(sub, &a->dirs);
  sub->callback([a, &ctx] {
    ActivationOptions o;
    if (!MakeOptions(a->dirs, nullptr, "rollback", &o)) {
      ctx.exit_code = kExitUsage;
      return;
    }
    WarnIfNoSupervisorState(a->dirs, "rollback");
    o.supervisor_state_dir = a->dirs.supervisor_state;
    o.notify_path = a->notify;
    ctx.exit_code = Report("rollback", Rollback(a->dirs.live, a->dirs.quarantine, a->dirs.state, o),
                           a->dirs);
  });
}

struct StatusArgs {
  DirArgs dirs;
  VerifyFlags flags;
};

void PrintStatusText(const DirectoryStatus& st) {
  std::cout << "live: " << ForText(st.live_dir) << "\n";
  for (const auto& f : st.live) {
    std::cout << "  " << ForText(f.name) << "  " << KindName(f.kind) << "  version " << f.version
              << "  sigs " << f.sigs << "  built "
              << (f.build_time.empty() ? "?" : DisplayBuildTime(f.build_time)) << "  "
              << VerdictName(f.verdict);
    if (!f.sign_name.empty()) std::cout << "  (" << ForText(f.sign_name) << ")";
    std::cout << "\n";
  }
  if (st.live.empty()) std::cout << "  (no definition files)\n";
  std::cout << "last-known-good: " << ForText(st.state_dir) << "\n";
  if (!st.has_last_known_good) std::cout << "  (none)\n";
  for (const auto& f : st.last_known_good) {
    std::cout << "  " << ForText(f.name) << "  version " << f.version << "  " << f.size
              << " bytes  " << f.sha256 << "\n";
  }
  std::cout << "quarantine: "
            << (st.quarantine_dir.empty() ? "(unknown)" : ForText(st.quarantine_dir)) << "  "
            << st.quarantine_bytes << " bytes\n";
  for (const auto& e : st.quarantine) {
    std::cout << "  " << ForText(e.record) << "  " << ForText(e.reason) << "  "
              << ForText(e.original_path);
    if (!e.failed_check.empty()) std::cout << "  " << ForText(e.failed_check);
    if (e.removed) std::cout << "  (file removed by the bounds)";
    std::cout << "\n";
  }
  std::cout << "health: " << (st.healthy ? "ok" : "NOT HEALTHY") << "\n";
  for (const auto& p : st.problems) std::cout << "  " << ForText(p) << "\n";
}

void AddStatus(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<StatusArgs>();
  CLI::App* sub = app.add_subcommand(
      "status",
      "Show what is live (validated), what last-known-good holds and what sits in quarantine. "
      "Exit 0: healthy (definition files live, every one valid); 1: nothing live, some live "
      "file invalid, or an interrupted operation pending; 2: usage; 3: LIVE unreadable.");
  sub->add_option("--db-dir", a->dirs.live, "The live definitions directory (LIVE)")->required();
  sub->add_option("--state-dir", a->dirs.state, "State directory (default LIVE/.cvdguard)");
  sub->add_option("--quarantine-dir", a->dirs.quarantine,
                  "Quarantine directory (default: the one the last operation recorded)");
  sub->add_flag("--json", a->dirs.json, "Print one JSON object");
  sub->add_flag("-q,--quiet", a->dirs.quiet, "Print only live files that are not valid");
  AddLockFlag(sub, &a->dirs);
  AddVerifyFlags(sub, &a->flags);
  sub->callback([a, &ctx] {
    ActivationOptions o;
    if (!MakeOptions(a->dirs, &a->flags, "status", &o)) {
      ctx.exit_code = kExitUsage;
      return;
    }
    const DirectoryStatus st = Status(a->dirs.live, a->dirs.state, a->dirs.quarantine, o);
    if (!st.ok) {
      if (a->dirs.json) std::cout << StatusToJson(st) << "\n";
      std::cerr << "cvdguard status: " << ForText(st.error) << "\n";
      ctx.exit_code = kExitIo;
      return;
    }
    if (a->dirs.json) {
      std::cout << StatusToJson(st) << "\n";
    } else if (a->dirs.quiet) {
      for (const auto& f : st.live) {
        if (f.verdict != Verdict::kValid) {
          std::cout << ForText(st.live_dir + "/" + f.name) << ": " << VerdictName(f.verdict)
                    << "\n";
        }
      }
      for (const auto& p : st.problems)
        std::cout << ForText(st.live_dir) << ": " << ForText(p) << "\n";
    } else {
      PrintStatusText(st);
    }
    ctx.exit_code = st.healthy ? kExitOk : kExitInvalid;
  });
}

}  // namespace

CVDGUARD_REGISTER_COMMAND("activate", AddActivate);
CVDGUARD_REGISTER_COMMAND("prune", AddPrune);
CVDGUARD_REGISTER_COMMAND("rollback", AddRollback);
CVDGUARD_REGISTER_COMMAND("status", AddStatus);

}  // namespace cvdguard::cli
