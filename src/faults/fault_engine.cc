// The fault 10/12 decision rules (docs/faults.md). Pure: no I/O, no clock.
#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cvdguard/faults.h"
#include "faults/fault_state.h"

namespace cvdguard {
namespace {

using internal::ActivationRecord;
using internal::FaultState;

// Times beyond 2^53 s are not exact doubles; the boundaries would blur.
constexpr double kMaxAbsTime = 9007199254740992.0;

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

FaultStatus CheckEvent(const FaultEvent& event) {
  if (!std::isfinite(event.t) || std::fabs(event.t) > kMaxAbsTime) {
    return FaultStatus::Error(Code::kFaultEventBadField,
                              "\"t\" must be a finite number of seconds within +-2^53");
  }
  if (event.kind == FaultEventKind::kDefinitionsActivated) {
    if (event.files.empty()) {
      return FaultStatus::Error(Code::kFaultEventBadField,
                                "definitions_activated needs a non-empty \"files\" array");
    }
    if (event.files.size() > internal::kMaxSetFiles) {
      return FaultStatus::Error(Code::kFaultEventBadField, "definitions_activated lists too many files");
    }
    for (const auto& f : event.files) {
      if (f.name.empty()) {
        return FaultStatus::Error(Code::kFaultEventBadField, "a file has an empty \"name\"");
      }
      if (!IsHex64(f.sha256)) {
        return FaultStatus::Error(Code::kFaultEventBadField,
                                  "file \"" + f.name + "\": \"sha256\" must be 64 lower-case hex digits");
      }
    }
  } else if (!event.files.empty()) {
    return FaultStatus::Error(Code::kFaultEventBadField, "only definitions_activated carries files");
  }
  return FaultStatus::Ok();
}

std::string FormatSeconds(double s) {
  if (std::nearbyint(s) == s && std::fabs(s) < 1e15) {
    return std::to_string(static_cast<long long>(s));
  }
  std::string text = std::to_string(s);
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

// Applies one event to a state. Stateless helper around FaultState so that
// Apply can work on a copy and commit only on success.
class Rules {
 public:
  Rules(const FaultConfig& config, FaultState& state, std::vector<FaultDecision>& out)
      : config_(config), s_(state), out_(out) {}

  void Apply(const FaultEvent& event) {
    t_ = event.t;
    EmitDue();
    switch (event.kind) {
      case FaultEventKind::kConnectorStart:
        s_.has_connector_start = true;
        s_.connector_start_t = t_;
        // The service is a child of the connector: a new connector means a
        // service that has yet to start.
        s_.running = false;
        break;
      case FaultEventKind::kServiceStarted:
        OnStarted();
        break;
      case FaultEventKind::kServiceStartFailed:
        OnStartFailed();
        break;
      case FaultEventKind::kServiceCrashed:
        OnCrashed();
        break;
      case FaultEventKind::kDefinitionsActivated:
        OnActivated(event.files);
        break;
      case FaultEventKind::kTick:
        break;
    }
    // Zero-length durations in the config make decisions due at once.
    EmitDue();
    s_.has_time = true;
    s_.last_t = t_;
    ++s_.event_count;
  }

 private:
  void Emit(FaultDecisionKind kind, int fault = 0) {
    FaultDecision d;
    d.t = t_;
    d.kind = kind;
    d.fault = fault;
    out_.push_back(std::move(d));
  }

  // Time-driven decisions (fault 10 clear and escalation) due at or before
  // t_, in order of due time; on a tie the clear wins, so the fault counts as
  // cleared "within" the escalation time. They carry t_, the time of the
  // event that triggered them.
  void EmitDue() {
    for (;;) {
      if (!s_.f10_raised) return;
      const bool clear_pending = s_.running;
      const double clear_due = s_.running_since + config_.fault10_clear_s;
      const bool esc_pending = !s_.f10_escalated;
      const double esc_due =
          std::max(s_.has_connector_start ? s_.connector_start_t : s_.f10_raised_t, s_.f10_raised_t) +
          config_.fault10_escalate_s;
      const bool clear_now = clear_pending && clear_due <= t_;
      const bool esc_now = esc_pending && esc_due <= t_;
      if (clear_now && (!esc_now || clear_due <= esc_due)) {
        s_.f10_raised = false;
        s_.f10_escalated = false;
        // A new episode starts from a clean crash history.
        s_.crash_times.clear();
        Emit(FaultDecisionKind::kFaultCleared, kFaultFrequentRestarts);
        return;
      }
      if (!esc_now) return;
      s_.f10_escalated = true;
      Emit(FaultDecisionKind::kInterventionRequired, kFaultFrequentRestarts);
      out_.back().reason = "fault 10 (frequent scan-service restarts) still raised " +
                           FormatSeconds(config_.fault10_escalate_s) +
                           " s after the later of connector start and the raise; scanning is "
                           "degraded (best effort): one or more files may be crashing the scanner";
    }
  }

  double NextDelay() {
    if (s_.has_last_failure && t_ - s_.last_failure_t >= config_.backoff_reset_s) {
      s_.backoff_step = 0;
    }
    s_.has_last_failure = true;
    s_.last_failure_t = t_;
    double delay = config_.backoff_initial_s;
    for (std::uint32_t i = 0; i < s_.backoff_step && delay < config_.backoff_max_s; ++i) {
      delay *= config_.backoff_multiplier;
    }
    delay = std::min(delay, config_.backoff_max_s);
    // Stop counting once capped (or when the delay cannot grow): the step
    // stays small, the loop above short and the delay exact.
    if (delay < config_.backoff_max_s && delay > 0 && config_.backoff_multiplier > 1 &&
        s_.backoff_step < internal::kMaxBackoffStep) {
      ++s_.backoff_step;
    }
    return delay;
  }

  void EmitRestart() {
    const double delay = NextDelay();
    Emit(FaultDecisionKind::kRestartService);
    out_.back().delay_s = delay;
  }

  void OnStarted() {
    if (!s_.running) {
      s_.running = true;
      s_.running_since = t_;
    }
    if (!s_.activations.empty() &&
        s_.activations.back().outcome == ActivationRecord::Outcome::kPending) {
      s_.activations.back().outcome = ActivationRecord::Outcome::kStarted;
    }
    s_.known_good = s_.current_set;
    s_.activated_since_good_start = false;
    s_.activated_since_last_failure = false;
    if (s_.f12_raised) {
      s_.f12_raised = false;
      s_.f12_escalated = false;
      Emit(FaultDecisionKind::kFaultCleared, kFaultStartFailed);
    }
  }

  void OnCrashed() {
    s_.running = false;
    const double t = t_;
    const double window = config_.crash_window_s;
    s_.crash_times.erase(std::remove_if(s_.crash_times.begin(), s_.crash_times.end(),
                                        [t, window](double c) { return t - c > window; }),
                         s_.crash_times.end());
    s_.crash_times.push_back(t);
    // Only the last threshold-1 crashes can take part in a future raise.
    const std::size_t keep = config_.crash_threshold;
    if (s_.crash_times.size() > keep) {
      s_.crash_times.erase(s_.crash_times.begin(),
                           s_.crash_times.end() - static_cast<std::ptrdiff_t>(keep));
    }
    if (!s_.f10_raised && s_.crash_times.size() >= config_.crash_threshold) {
      s_.f10_raised = true;
      s_.f10_raised_t = t_;
      s_.f10_escalated = false;
      Emit(FaultDecisionKind::kFaultRaised, kFaultFrequentRestarts);
    }
    // Restarts go on after a raise and after escalation: best effort.
    EmitRestart();
  }

  std::vector<std::string> Offending(const ActivationRecord& record) const {
    std::set<std::string> good;
    for (const auto& f : s_.known_good) good.insert(f.sha256);
    std::set<std::string> bad;
    for (const auto& f : record.files) {
      if (good.count(f.sha256) == 0) bad.insert(f.sha256);
    }
    return {bad.begin(), bad.end()};
  }

  void OnStartFailed() {
    s_.running = false;
    bool first_after_activation = false;
    if (!s_.activations.empty() &&
        s_.activations.back().outcome == ActivationRecord::Outcome::kPending) {
      auto& record = s_.activations.back();
      record.outcome = ActivationRecord::Outcome::kFailed;
      record.offending = Offending(record);
      first_after_activation = true;
    }
    const bool new_activation = s_.activated_since_last_failure;
    s_.activated_since_last_failure = false;

    bool fresh_attempt = true;  // prune (and maybe rollback) this time
    if (!s_.f12_raised) {
      s_.f12_raised = true;
      s_.f12_escalated = false;
      Emit(FaultDecisionKind::kFaultRaised, kFaultStartFailed);
    } else if (!new_activation) {
      fresh_attempt = false;
      if (!s_.f12_escalated) {
        s_.f12_escalated = true;
        Emit(FaultDecisionKind::kInterventionRequired, kFaultStartFailed);
        out_.back().reason =
            "fault 12 (scan service failed to start) did not clear on restart after "
            "prune/rollback, with no new definitions; file scanning is off";
      }
    }
    if (first_after_activation) MaybeIntegrityGap();
    if (fresh_attempt) {
      Emit(FaultDecisionKind::kPrune);
      if (s_.activated_since_good_start) {
        Emit(FaultDecisionKind::kRollback);
        s_.current_set = s_.known_good;
        s_.activated_since_good_start = false;
      }
    }
    EmitRestart();
  }

  void MaybeIntegrityGap() {
    const std::size_t n = config_.integrity_gap_activations;
    if (s_.activations.size() < n) return;
    std::set<std::string> digests;
    for (std::size_t i = s_.activations.size() - n; i < s_.activations.size(); ++i) {
      const auto& record = s_.activations[i];
      if (record.outcome != ActivationRecord::Outcome::kFailed) return;
      digests.insert(record.offending.begin(), record.offending.end());
    }
    // Every file was in the known-good set: nothing to blame on the check.
    if (digests.empty()) return;
    s_.refused.insert(digests.begin(), digests.end());
    Emit(FaultDecisionKind::kIntegrityGap);
    out_.back().sha256.assign(digests.begin(), digests.end());
  }

  void OnActivated(const std::vector<DefinitionFile>& files) {
    ++s_.activation_count;
    ActivationRecord record;
    record.seq = s_.activation_count;
    record.files = files;
    if (!s_.activations.empty() &&
        s_.activations.back().outcome == ActivationRecord::Outcome::kPending) {
      s_.activations.back() = std::move(record);  // superseded, never tried
    } else {
      s_.activations.push_back(std::move(record));
    }
    const std::size_t keep = config_.integrity_gap_activations;
    if (s_.activations.size() > keep) {
      s_.activations.erase(s_.activations.begin(),
                           s_.activations.end() - static_cast<std::ptrdiff_t>(keep));
    }
    s_.current_set = files;
    s_.activated_since_good_start = true;
    s_.activated_since_last_failure = true;
  }

  const FaultConfig& config_;
  FaultState& s_;
  std::vector<FaultDecision>& out_;
  double t_ = 0;
};

}  // namespace

std::string_view FaultEventKindName(FaultEventKind kind) {
  switch (kind) {
    case FaultEventKind::kConnectorStart: return "connector_start";
    case FaultEventKind::kServiceStarted: return "service_started";
    case FaultEventKind::kServiceStartFailed: return "service_start_failed";
    case FaultEventKind::kServiceCrashed: return "service_crashed";
    case FaultEventKind::kDefinitionsActivated: return "definitions_activated";
    case FaultEventKind::kTick: return "tick";
  }
  return "unknown";
}

std::string_view FaultDecisionKindName(FaultDecisionKind kind) {
  switch (kind) {
    case FaultDecisionKind::kRestartService: return "restart_service";
    case FaultDecisionKind::kPrune: return "prune";
    case FaultDecisionKind::kRollback: return "rollback";
    case FaultDecisionKind::kFaultRaised: return "fault_raised";
    case FaultDecisionKind::kFaultCleared: return "fault_cleared";
    case FaultDecisionKind::kInterventionRequired: return "intervention_required";
    case FaultDecisionKind::kIntegrityGap: return "integrity_gap";
  }
  return "unknown";
}

FaultStatus ValidateFaultConfig(const FaultConfig& c) {
  const auto duration_ok = [](double v) { return std::isfinite(v) && v >= 0 && v <= kMaxAbsTime; };
  const struct {
    const char* name;
    double value;
  } durations[] = {{"crash_window_s", c.crash_window_s},
                   {"backoff_initial_s", c.backoff_initial_s},
                   {"backoff_max_s", c.backoff_max_s},
                   {"backoff_reset_s", c.backoff_reset_s},
                   {"fault10_clear_s", c.fault10_clear_s},
                   {"fault10_escalate_s", c.fault10_escalate_s}};
  for (const auto& d : durations) {
    if (!duration_ok(d.value)) {
      return FaultStatus::Error(Code::kFaultConfigInvalid,
                                std::string(d.name) + " must be a finite number of seconds >= 0");
    }
  }
  if (!std::isfinite(c.backoff_multiplier) || c.backoff_multiplier < 1 ||
      c.backoff_multiplier > 1000) {
    return FaultStatus::Error(Code::kFaultConfigInvalid, "backoff_multiplier must be in 1..1000");
  }
  // Upper bounds keep the state (and the journal) small.
  if (c.crash_threshold < 1 || c.crash_threshold > 1000) {
    return FaultStatus::Error(Code::kFaultConfigInvalid, "crash_threshold must be in 1..1000");
  }
  if (c.integrity_gap_activations < 1 || c.integrity_gap_activations > 1000) {
    return FaultStatus::Error(Code::kFaultConfigInvalid,
                              "integrity_gap_activations must be in 1..1000");
  }
  return FaultStatus::Ok();
}

FaultEngine::FaultEngine(const FaultConfig& config)
    : config_(config), state_(std::make_unique<internal::FaultState>()) {}
FaultEngine::~FaultEngine() = default;
FaultEngine::FaultEngine(const FaultEngine& other)
    : config_(other.config_), state_(std::make_unique<internal::FaultState>(*other.state_)) {}
FaultEngine& FaultEngine::operator=(const FaultEngine& other) {
  if (this != &other) {
    config_ = other.config_;
    state_ = std::make_unique<internal::FaultState>(*other.state_);
  }
  return *this;
}
FaultEngine::FaultEngine(FaultEngine&&) noexcept = default;
FaultEngine& FaultEngine::operator=(FaultEngine&&) noexcept = default;

FaultStatus FaultEngine::Apply(const FaultEvent& event, std::vector<FaultDecision>* out) {
  if (!state_) state_ = std::make_unique<internal::FaultState>();  // moved-from
  if (FaultStatus st = ValidateFaultConfig(config_); !st.ok()) return st;
  if (FaultStatus st = CheckEvent(event); !st.ok()) return st;
  if (state_->has_time && event.t < state_->last_t) {
    return FaultStatus::Error(Code::kFaultEventTimeBackwards,
                              "time goes backwards: t=" + FormatSeconds(event.t) +
                                  " is before the previous event's t=" +
                                  FormatSeconds(state_->last_t));
  }
  internal::FaultState next = *state_;
  std::vector<FaultDecision> decisions;
  Rules(config_, next, decisions).Apply(event);
  *state_ = std::move(next);
  if (out != nullptr) out->insert(out->end(), decisions.begin(), decisions.end());
  return FaultStatus::Ok();
}

bool FaultEngine::FaultRaised(int fault) const {
  if (!state_) return false;
  if (fault == kFaultFrequentRestarts) return state_->f10_raised;
  if (fault == kFaultStartFailed) return state_->f12_raised;
  return false;
}

std::uint64_t FaultEngine::EventCount() const { return state_ ? state_->event_count : 0; }

bool FaultEngine::LastTime(double* t) const {
  if (!state_ || !state_->has_time) return false;
  if (t != nullptr) *t = state_->last_t;
  return true;
}

std::vector<DefinitionFile> FaultEngine::KnownGood() const {
  return state_ ? state_->known_good : std::vector<DefinitionFile>{};
}

std::vector<std::string> FaultEngine::RefusedDigests() const {
  if (!state_) return {};
  return {state_->refused.begin(), state_->refused.end()};
}

bool FaultEngine::IsDigestRefused(std::string_view sha256) const {
  if (!state_) return false;
  std::string lower(sha256);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return state_->refused.count(lower) != 0;
}

std::string FaultEngine::SerializeJournal() const {
  static const internal::FaultState kEmpty;
  return internal::SerializeState(state_ ? *state_ : kEmpty);
}

FaultStatus FaultEngine::RestoreJournal(std::string_view text) {
  internal::FaultState loaded;
  if (FaultStatus st = internal::DeserializeState(text, &loaded); !st.ok()) return st;
  state_ = std::make_unique<internal::FaultState>(std::move(loaded));
  return FaultStatus::Ok();
}

namespace internal {

bool ClampTimesTo(FaultState* s, double now) {
  bool changed = false;
  const auto clamp = [now, &changed](double& t) {
    if (t > now) {
      t = now;
      changed = true;
    }
  };
  clamp(s->last_t);
  clamp(s->connector_start_t);
  clamp(s->running_since);
  clamp(s->last_failure_t);
  for (double& c : s->crash_times) clamp(c);
  clamp(s->f10_raised_t);
  return changed;
}

}  // namespace internal

}  // namespace cvdguard
