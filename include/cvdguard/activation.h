// Activation of new definition files into one live directory (LIVE) for
// updaters: validate, swap atomically and durably, keep the last-known-good
// set, quarantine what is invalid, prune, roll back. Layout, guarantees and
// the record schema are in docs/activation.md.
//
// Every entry point takes an exclusive flock on LIVE/.cvdguard.lock (status
// a shared one), first completes any interrupted operation recorded in
// LIVE/.cvdguard.journal, and never throws. Not meant to be called from two
// threads of one process at once (flock locks are per open file, so two
// threads would serialize correctly, but the test hook is process-wide).
#ifndef CVDGUARD_ACTIVATION_H_
#define CVDGUARD_ACTIVATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cvdguard/export.h"
#include "cvdguard/finding.h"
#include "cvdguard/options.h"
#include "cvdguard/report.h"

namespace cvdguard {

// The name rule for candidates: the base name must match
//   ^[a-z0-9][a-z0-9_]{0,63}\.(cvd|cld|cud)$
// (lower case, no '-', no path, no dot-file). "daily.cvd", "main.cld" and
// "bytecode.cud" pass; "daily-27000.cvd", "Daily.CVD", ".x.cvd" and
// "daily.cvd.sign" do not.
CVDGUARD_EXPORT bool IsPlainDefinitionName(std::string_view base_name);

// The state directory used when none is given: <live>/.cvdguard.
CVDGUARD_EXPORT std::string DefaultStateDir(const std::string& live_dir);

// Bounds on the quarantine directory. When one is exceeded after an
// operation added entries, the oldest entries' files are removed first (never
// an entry added by the same operation) and each record is kept, marked
// "removed". 0 means unbounded.
struct QuarantineBounds {
  std::uint64_t max_bytes = std::uint64_t{2} << 30;    // 2 GiB
  std::int64_t max_age_seconds = 30 * 24 * 3600;       // 30 days
};

struct ActivationOptions {
  // Validation of candidates (activate), of live files (prune, status).
  // sign_path must be unset: each .cvd's .sign is found beside it.
  VerifyOptions verify;
  bool allow_downgrade = false;
  // How long to wait for the lock on LIVE before failing.
  double lock_timeout_seconds = 60;
  QuarantineBounds quarantine_bounds;
  // After an activation or rollback that changed LIVE, append one JSON line
  // (see AppendActivationNotice) to this file. Empty: no notice.
  std::string notify_path;
  // SHA-256 digests (64 hex digits, any case) the fault engine refused after
  // an integrity_gap (LoadRefusedDigests). A candidate (activate) or live
  // file (prune) with one of these digests is invalid even when it passes
  // every check, with ACTIVATION_REFUSED_DIGEST: the check learns from the
  // files that passed it yet failed to load.
  std::vector<std::string> refused_sha256;
  // After an activation or rollback that changed LIVE, queue a
  // definitions_activated event for the supervisor whose state directory
  // this is (NotifyDefinitionsActivated in cvdguard/supervise.h). Empty: none.
  std::string supervisor_state_dir;
  // Time written into records and notices; unset means the clock.
  std::optional<std::int64_t> now;
};

enum class FileOutcome : std::uint8_t {
  kActivated,    // now live
  kAlreadyLive,  // same version already live: nothing done, left in place
  kQuarantined,  // moved to the quarantine directory with a record
  kRefused,      // not a candidate (name, symlink, downgrade, ...): left in place
  kKept,         // prune/rollback: a live file that stays as it is
  kRestored,     // rollback: made live again from last-known-good
  kFailed,       // an I/O error on this file
};
CVDGUARD_EXPORT std::string_view FileOutcomeName(FileOutcome outcome);

// What happened to one candidate (activate), one live file (prune) or one
// file of the swapped sets (rollback).
struct FileResult {
  std::string path;       // as given, or the path in LIVE
  std::string live_name;  // e.g. "daily.cvd"; empty when refused by name
  FileOutcome outcome = FileOutcome::kFailed;
  // Why it was refused or quarantined (activation codes 1000-1099, or the
  // first Error/Fatal finding of the report); kInternalError when n/a.
  std::optional<Code> code;
  std::string message;
  std::uint32_t version = 0;
  std::optional<std::uint32_t> live_version;  // the version it replaced
  std::string sha256;           // of the bytes validated, when read
  std::string sign_name;        // the .sign that went with it, if any
  std::string quarantine_record;  // path of the record, when quarantined
  bool validated = false;       // `report` holds a validation
  Report report;
};

struct QuarantineRemoval {
  std::string record;  // path of the record that was kept
  std::string why;     // "max_bytes" or "max_age"
  std::uint64_t bytes = 0;
};

enum class OperationStatus : std::uint8_t {
  kOk,          // activate: all activated or already live; prune: nothing
                // pruned; rollback: rolled back
  kIncomplete,  // activate: some not activated; prune: something pruned;
                // rollback: nothing to roll back to
  kIoError,     // an I/O error or lock timeout: LIVE untouched
};

// A file made live, as the notification line lists it.
struct ActivatedFile {
  std::string name;  // "daily.cvd"
  std::uint32_t version = 0;
  std::string sha256;  // 64 lower-case hex digits
};

struct OperationResult {
  OperationStatus status = OperationStatus::kIoError;
  bool live_changed = false;
  std::vector<FileResult> files;
  std::vector<ActivatedFile> activated;  // what went live (notice payload)
  std::vector<QuarantineRemoval> removals;
  // Human-readable notes: a completed interrupted operation, no-ops, a
  // failed notice. Never needed to decide success.
  std::vector<std::string> notes;
  std::string error;  // set when status is kIoError
  // Rollback only: LIVE already held the last-known-good set, so nothing
  // moved (status kIncomplete). What a supervisor asked for is then true.
  bool already_last_known_good = false;
};

// Validates `candidates` and makes the valid ones live in `live_dir`
// (see docs/activation.md for every rule). `state_dir` empty: the default.
CVDGUARD_EXPORT OperationResult Activate(const std::string& live_dir,
                                         const std::string& quarantine_dir,
                                         const std::string& state_dir,
                                         const std::vector<std::string>& candidates,
                                         const ActivationOptions& options);

// Validates every definition file in LIVE (every non-directory entry whose
// name ends in .cvd/.cld/.cud, any case) and moves the invalid ones, with the
// .sign that belongs to them, to quarantine with reason "pruned".
CVDGUARD_EXPORT OperationResult Prune(const std::string& live_dir,
                                      const std::string& quarantine_dir,
                                      const ActivationOptions& options);

// Restores the last-known-good set atomically; the live files it replaces
// or removes go to quarantine with reason "rolled_back". Last-known-good is
// consumed: a second rollback has nothing to roll back to.
CVDGUARD_EXPORT OperationResult Rollback(const std::string& live_dir,
                                         const std::string& quarantine_dir,
                                         const std::string& state_dir,
                                         const ActivationOptions& options);

struct LiveFileStatus {
  std::string name;
  Kind kind = Kind::kUnknown;
  std::uint32_t version = 0;
  std::uint32_t sigs = 0;
  std::string build_time;
  Verdict verdict = Verdict::kError;
  std::uint64_t size = 0;
  std::string sign_name;  // the .sign beside it, if any
  Report report;
};

struct StoredFileStatus {
  std::string name;
  std::uint32_t version = 0;
  std::uint64_t size = 0;
  std::string sha256;
};

struct QuarantineEntryStatus {
  std::string record;  // file name of the record in the quarantine dir
  std::string original_path;
  std::string reason;  // "invalid", "pruned", "rolled_back"
  std::string failed_check;
  std::int64_t t = 0;
  std::uint64_t size = 0;
  std::string sha256;
  bool removed = false;       // removed by the bounds; the record stays
  bool file_present = false;  // the quarantined file is in the directory
};

struct DirectoryStatus {
  bool ok = false;  // LIVE could be read
  std::string error;
  std::string live_dir, state_dir, quarantine_dir;
  std::vector<LiveFileStatus> live;
  bool has_last_known_good = false;
  std::int64_t last_known_good_t = 0;
  std::vector<StoredFileStatus> last_known_good;
  std::vector<QuarantineEntryStatus> quarantine;
  std::uint64_t quarantine_bytes = 0;
  bool interrupted_operation_pending = false;
  // Whether a scanner could start on LIVE as it is: at least one definition
  // file live, every live file valid, and no interrupted operation pending
  // (LIVE may then hold part of an old and part of a new set). `problems`
  // says, one sentence each, why not. `cvdguard status` exits 1 unless
  // healthy.
  bool healthy = false;
  std::vector<std::string> problems;
};

// Reports what is live, what last-known-good holds and what sits in
// quarantine. `quarantine_dir` empty: the one the last operation recorded in
// the state dir. Read-only: takes a shared lock when the lock file exists.
CVDGUARD_EXPORT DirectoryStatus Status(const std::string& live_dir,
                                       const std::string& state_dir,
                                       const std::string& quarantine_dir,
                                       const ActivationOptions& options);
// One JSON object on one line (schema in docs/activation.md).
CVDGUARD_EXPORT std::string StatusToJson(const DirectoryStatus& status);

// Appends {"t": t, "event": "definitions_activated", "files": [...]} and a
// newline to `path` in one write(2) on an O_APPEND descriptor (created 0644
// if missing), so concurrent writers never interleave lines. False + *error
// on failure.
CVDGUARD_EXPORT bool AppendActivationNotice(const std::string& path, std::int64_t t,
                                            const std::vector<ActivatedFile>& files,
                                            std::string* error);

}  // namespace cvdguard

#endif  // CVDGUARD_ACTIVATION_H_
