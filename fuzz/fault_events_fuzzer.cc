// Fuzzes the `faults replay` event-line parser and the fault engine.
// Input: JSON Lines; the first byte picks the config and where to cut the
// stream for the restart check.
// Invariants (abort() on violation):
//   - a parsed event prints and re-parses to the same event;
//   - after a successful parse the engine fails only on time going backwards;
//   - every decision carries the event's t; fault_cleared and
//     intervention_required only for a raised fault; no second raise within
//     an episode; restart delays within [0, backoff_max_s];
//   - an engine restored from the journal at the cut decides exactly as the
//     uninterrupted engine, and ends in the same state.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cvdguard/faults.h"

namespace {

using cvdguard::FaultDecision;
using cvdguard::FaultDecisionKind;
using cvdguard::FaultEngine;
using cvdguard::FaultEvent;

// Bounds the cost per input, not coverage: a few hundred events reach every
// rule.
constexpr std::size_t kMaxInput = 64 * 1024;
constexpr std::size_t kMaxLines = 512;

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > kMaxInput) return 0;
  const std::uint8_t selector = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  cvdguard::FaultConfig config;
  if ((selector & 1U) != 0) {  // the shortened timings: more rules fire
    config.crash_window_s = 10;
    config.backoff_initial_s = 0.5;
    config.backoff_max_s = 2;
    config.backoff_reset_s = 10;
    config.fault10_clear_s = 5;
    config.fault10_escalate_s = 8;
    config.crash_threshold = 2;
    config.integrity_gap_activations = 1 + ((selector >> 1) & 3U);
  }
  const std::size_t cut = selector >> 3;  // restart before event `cut`

  FaultEngine engine(config);
  FaultEngine restored(config);
  bool have_restored = false;
  bool raised[13] = {};
  std::size_t applied = 0, lines = 0, pos = 0;
  while (pos <= text.size() && lines < kMaxLines) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++lines;
    FaultEvent event;
    if (!cvdguard::ParseFaultEventLine(line, &event).ok()) continue;
    FaultEvent again;
    Check(cvdguard::ParseFaultEventLine(cvdguard::FaultEventToJson(event), &again).ok());
    Check(again == event);

    if (applied == cut && !have_restored) {
      Check(restored.RestoreJournal(engine.SerializeJournal()).ok());
      have_restored = true;
    }
    std::vector<FaultDecision> out;
    const cvdguard::FaultStatus st = engine.Apply(event, &out);
    if (!st.ok()) {
      Check(st.code == cvdguard::Code::kFaultEventTimeBackwards);
      Check(out.empty());
      if (have_restored) Check(!restored.Apply(event, nullptr).ok());
      continue;
    }
    ++applied;
    for (const auto& d : out) {
      Check(d.t == event.t);
      switch (d.kind) {
        case FaultDecisionKind::kFaultRaised:
          Check(d.fault == 10 || d.fault == 12);
          Check(!raised[d.fault]);
          raised[d.fault] = true;
          break;
        case FaultDecisionKind::kFaultCleared:
          Check(d.fault == 10 || d.fault == 12);
          Check(raised[d.fault]);
          raised[d.fault] = false;
          break;
        case FaultDecisionKind::kInterventionRequired:
          Check((d.fault == 10 || d.fault == 12) && raised[d.fault] && !d.reason.empty());
          break;
        case FaultDecisionKind::kRestartService:
          Check(d.delay_s >= 0 && d.delay_s <= config.backoff_max_s);
          break;
        case FaultDecisionKind::kIntegrityGap:
          Check(!d.sha256.empty());
          for (const auto& s : d.sha256) Check(engine.IsDigestRefused(s));
          break;
        case FaultDecisionKind::kPrune:
        case FaultDecisionKind::kRollback:
          Check(raised[12]);
          break;
      }
    }
    Check(engine.FaultRaised(10) == raised[10] && engine.FaultRaised(12) == raised[12]);
    if (have_restored) {
      std::vector<FaultDecision> out2;
      Check(restored.Apply(event, &out2).ok());
      Check(out2 == out);
    }
  }
  if (have_restored) Check(restored.SerializeJournal() == engine.SerializeJournal());
  return 0;
}
