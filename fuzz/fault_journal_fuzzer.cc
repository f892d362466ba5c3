// Fuzzes the fault journal loader (FaultEngine::RestoreJournal).
// Invariants (abort() on violation):
//   - a failed load reports a journal code and leaves the state unchanged;
//   - a journal that loads re-serialises to a document that loads to the
//     same state (same serialisation), and the loaded engine keeps working:
//     events at its last time apply without error.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cvdguard/faults.h"

namespace {

// Journals are a few KiB; larger inputs only cost time.
constexpr std::size_t kMaxInput = 256 * 1024;

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  cvdguard::FaultEngine engine;
  const std::string fresh = engine.SerializeJournal();
  const cvdguard::FaultStatus st = engine.RestoreJournal(text);
  if (!st.ok()) {
    Check(st.code == cvdguard::Code::kFaultJournalCorrupt ||
          st.code == cvdguard::Code::kFaultJournalNewerVersion);
    Check(!st.message.empty());
    Check(engine.SerializeJournal() == fresh);
    return 0;
  }
  const std::string first = engine.SerializeJournal();
  cvdguard::FaultEngine again;
  Check(again.RestoreJournal(first).ok());
  Check(again.SerializeJournal() == first);
  for (const auto& d : engine.RefusedDigests()) Check(again.IsDigestRefused(d));

  double t = 0;
  if (!engine.LastTime(&t)) t = 0;
  const cvdguard::FaultEventKind kinds[] = {
      cvdguard::FaultEventKind::kTick, cvdguard::FaultEventKind::kServiceStartFailed,
      cvdguard::FaultEventKind::kServiceStarted, cvdguard::FaultEventKind::kServiceCrashed};
  for (const auto kind : kinds) {
    cvdguard::FaultEvent e;
    e.t = t;
    e.kind = kind;
    std::vector<cvdguard::FaultDecision> a, b;
    Check(engine.Apply(e, &a).ok());
    Check(again.Apply(e, &b).ok());
    Check(a == b);
  }
  return 0;
}
