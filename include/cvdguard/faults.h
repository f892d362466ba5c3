// Scan-service fault logic (faults 10 and 12): a pure decision engine with an
// injected clock, its JSON forms, and the journal that persists its state.
// docs/faults.md gives the rules, every boundary and the schemas.
//
// Thread-safety: a FaultEngine is a plain value; use one per thread or lock.
#ifndef CVDGUARD_FAULTS_H_
#define CVDGUARD_FAULTS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cvdguard/export.h"
#include "cvdguard/finding.h"

namespace cvdguard {

namespace internal {
struct FaultState;
}  // namespace internal

// The two faults this engine owns.
inline constexpr int kFaultFrequentRestarts = 10;
inline constexpr int kFaultStartFailed = 12;

// Every number in the rules. Durations are seconds on the caller's clock.
struct FaultConfig {
  // Fault 10 is raised when `crash_threshold` crashes fall within
  // `crash_window_s` (inclusive: last - first <= window). Default: 3 / 300.
  std::uint32_t crash_threshold = 3;
  double crash_window_s = 300;
  // restart_service delay: initial * multiplier^n, capped at max; n resets
  // when `backoff_reset_s` pass without a crash or failed start.
  // Default: 1 s doubling, capped at 60 s, reset after 300 s.
  double backoff_initial_s = 1;
  double backoff_multiplier = 2;
  double backoff_max_s = 60;
  double backoff_reset_s = 300;
  // Fault 10 clears after this long running with no crash. Default: 300.
  double fault10_clear_s = 300;
  // intervention_required(10) this long after the later of connector start
  // and the raise, if still raised. Default: 600.
  double fault10_escalate_s = 600;
  // integrity_gap when fault 12 followed each of the last N tried
  // activations. Default: 2.
  std::uint32_t integrity_gap_activations = 2;
};

// The result of a fallible call. `line` is the 1-based input line for
// event-stream errors (0 otherwise).
struct FaultStatus {
  bool failed = false;
  Code code = Code::kInternalError;  // meaningful only when failed
  std::string message;
  std::uint64_t line = 0;

  [[nodiscard]] bool ok() const { return !failed; }
  static FaultStatus Ok() { return FaultStatus{}; }
  static FaultStatus Error(Code c, std::string msg) {
    FaultStatus s;
    s.failed = true;
    s.code = c;
    s.message = std::move(msg);
    return s;
  }
};

enum class FaultEventKind : std::uint8_t {
  kConnectorStart,
  kServiceStarted,
  kServiceStartFailed,
  kServiceCrashed,
  kDefinitionsActivated,
  kTick,
};

struct DefinitionFile {
  std::string name;
  std::uint64_t version = 0;
  std::string sha256;  // 64 lower-case hex digits

  bool operator==(const DefinitionFile&) const = default;
};

struct FaultEvent {
  double t = 0;
  FaultEventKind kind = FaultEventKind::kTick;
  // service_start_failed "reason" / service_crashed "status": informational,
  // never changes a decision.
  std::string detail;
  std::vector<DefinitionFile> files;  // definitions_activated only

  bool operator==(const FaultEvent&) const = default;
};

enum class FaultDecisionKind : std::uint8_t {
  kRestartService,
  kPrune,
  kRollback,
  kFaultRaised,
  kFaultCleared,
  kInterventionRequired,
  kIntegrityGap,
};

struct FaultDecision {
  double t = 0;  // time of the event that triggered the decision
  FaultDecisionKind kind = FaultDecisionKind::kRestartService;
  double delay_s = 0;               // restart_service
  int fault = 0;                    // fault_raised/cleared, intervention
  std::string reason;               // intervention_required
  std::vector<std::string> sha256;  // integrity_gap, sorted, unique

  bool operator==(const FaultDecision&) const = default;
};

// "connector_start", ..., "tick" / "restart_service", ..., "integrity_gap".
CVDGUARD_EXPORT std::string_view FaultEventKindName(FaultEventKind kind);
CVDGUARD_EXPORT std::string_view FaultDecisionKindName(FaultDecisionKind kind);

// Checks every field of `config` (finite, non-negative durations, threshold
// and activations in 1..1000, multiplier >= 1).
CVDGUARD_EXPORT FaultStatus ValidateFaultConfig(const FaultConfig& config);
// Parses a config JSON object (docs/faults.md); missing keys keep their
// defaults, unknown keys are errors. `*out` is written only on success.
CVDGUARD_EXPORT FaultStatus ParseFaultConfig(std::string_view json_text,
                                             FaultConfig* out);
CVDGUARD_EXPORT std::string FaultConfigToJson(const FaultConfig& config);

// Parses one input line of `faults replay` (one JSON object). The returned
// status carries no line number; callers add it. `*out` is written only on
// success.
CVDGUARD_EXPORT FaultStatus ParseFaultEventLine(std::string_view line,
                                                FaultEvent* out);
// The canonical input line for `event` (no trailing newline).
CVDGUARD_EXPORT std::string FaultEventToJson(const FaultEvent& event);
// One output line of `faults replay` (no trailing newline).
CVDGUARD_EXPORT std::string FaultDecisionToJson(const FaultDecision& decision);
// A time or duration in seconds as the fault JSON writes it: integral values
// as integers ("12", not "12.0").
CVDGUARD_EXPORT std::string FaultSecondsToJson(double seconds);

// The decision engine. No I/O, no clock: time comes from the events.
class CVDGUARD_EXPORT FaultEngine {
 public:
  // REQUIRES: ValidateFaultConfig(config).ok(); otherwise every Apply fails.
  explicit FaultEngine(const FaultConfig& config = FaultConfig{});
  ~FaultEngine();
  FaultEngine(const FaultEngine& other);
  FaultEngine& operator=(const FaultEngine& other);
  FaultEngine(FaultEngine&&) noexcept;
  FaultEngine& operator=(FaultEngine&&) noexcept;

  // Applies one event and appends its decisions to `*out` in order. On error
  // (time going backwards, a malformed event, an invalid config) nothing
  // changes and nothing is appended.
  FaultStatus Apply(const FaultEvent& event, std::vector<FaultDecision>* out);

  [[nodiscard]] const FaultConfig& config() const { return config_; }
  [[nodiscard]] bool FaultRaised(int fault) const;
  // Number of events applied over the whole history (journal included).
  [[nodiscard]] std::uint64_t EventCount() const;
  // Time of the last applied event; false if none.
  [[nodiscard]] bool LastTime(double* t) const;
  // The set recorded as known-good at the last successful start.
  [[nodiscard]] std::vector<DefinitionFile> KnownGood() const;
  // Digests refused by later validation: the files named by every
  // integrity_gap so far (the check learns from its misses). Sorted.
  [[nodiscard]] std::vector<std::string> RefusedDigests() const;
  [[nodiscard]] bool IsDigestRefused(std::string_view sha256) const;

  // The whole state as a journal document (docs/faults.md, one line, no
  // trailing newline). Deterministic: equal states give equal text.
  [[nodiscard]] std::string SerializeJournal() const;
  // Replaces the state with one read from a journal document. Fails with
  // kFaultJournalCorrupt (torn, bad JSON, bad checksum, inconsistent
  // state) or kFaultJournalNewerVersion; the state is unchanged on failure.
  FaultStatus RestoreJournal(std::string_view text);

 private:
  FaultConfig config_;
  std::unique_ptr<internal::FaultState> state_;
};

// The journal file inside a state directory.
inline constexpr std::string_view kFaultJournalFileName = "faults.journal";

// Loads `<state_dir>/faults.journal` into `*engine`. A missing journal (and
// missing directory) leaves a fresh state and sets *existed = false. An
// empty, torn or corrupt file is an error, never a silent reset.
CVDGUARD_EXPORT FaultStatus LoadFaultJournal(const std::string& state_dir,
                                             FaultEngine* engine,
                                             bool* existed = nullptr);
// Writes the journal atomically: temp file, fsync, rename, fsync of the
// directory. Creates `state_dir` if needed.
CVDGUARD_EXPORT FaultStatus SaveFaultJournal(const std::string& state_dir,
                                             const FaultEngine& engine);
// The refused digests recorded in a state dir's journal, for validators that
// do not run the engine. A missing journal gives an empty list.
CVDGUARD_EXPORT FaultStatus LoadRefusedDigests(const std::string& state_dir,
                                               std::vector<std::string>* out);

}  // namespace cvdguard

#endif  // CVDGUARD_FAULTS_H_
