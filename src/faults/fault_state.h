// The fault engine's whole state: everything a decision depends on, so that
// a journal of it lets a restarted process decide as an uninterrupted one.
#ifndef CVDGUARD_SRC_FAULTS_FAULT_STATE_H_
#define CVDGUARD_SRC_FAULTS_FAULT_STATE_H_

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cvdguard/faults.h"

namespace cvdguard::internal {

// Bounds that keep a state (and a journal) small whatever the config; the
// journal loader rejects states beyond them.
inline constexpr std::uint32_t kMaxBackoffStep = 10000;
inline constexpr std::size_t kMaxListEntries = 1000;   // crashes, activations
inline constexpr std::size_t kMaxSetFiles = 10000;     // files per set

// A definition set that was activated, and what happened on the first start
// attempt after it. Superseded activations (a second activation before any
// start attempt) are replaced: their files were never tried.
struct ActivationRecord {
  enum class Outcome : std::uint8_t { kPending = 0, kStarted = 1, kFailed = 2 };
  std::uint64_t seq = 0;  // 1-based activation number over the history
  std::vector<DefinitionFile> files;
  Outcome outcome = Outcome::kPending;
  // Digests of `files` not in the known-good set when the start failed.
  std::vector<std::string> offending;

  bool operator==(const ActivationRecord&) const = default;
};

struct FaultState {
  std::uint64_t event_count = 0;
  bool has_time = false;
  double last_t = 0;

  bool has_connector_start = false;
  double connector_start_t = 0;  // latest connector_start

  bool running = false;
  double running_since = 0;  // service_started that began this run

  // restart_service back-off, shared by crashes and failed starts.
  bool has_last_failure = false;
  double last_failure_t = 0;
  std::uint32_t backoff_step = 0;

  // Fault 10.
  std::vector<double> crash_times;  // ascending; pruned to the window
  bool f10_raised = false;
  double f10_raised_t = 0;
  bool f10_escalated = false;

  // Fault 12.
  bool f12_raised = false;
  bool f12_escalated = false;
  bool activated_since_good_start = false;
  bool activated_since_last_failure = false;

  std::uint64_t activation_count = 0;
  std::vector<DefinitionFile> current_set;  // what should be live now
  std::vector<DefinitionFile> known_good;   // live at the last good start
  std::vector<ActivationRecord> activations;  // the last N tried, oldest first
  std::set<std::string> refused;              // learned integrity-gap digests

  bool operator==(const FaultState&) const = default;
};

// Moves every recorded time later than `now` back to `now`, keeping the state
// consistent (crash times stay ascending, nothing lies after the last event).
// For a state recorded on a wall clock that has since stepped back: without
// it the engine's time, and every clear and escalation, would wait for the
// clock to catch up. True if anything changed.
bool ClampTimesTo(FaultState* state, double now);

// CRC-32 (IEEE) as the journal uses it over the canonical state text.
std::uint32_t JournalCrc32(std::string_view data);

// Journal (de)serialisation of the state (fault_journal_format.cc).
std::string SerializeState(const FaultState& state);
FaultStatus DeserializeState(std::string_view text, FaultState* out);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_SRC_FAULTS_FAULT_STATE_H_
