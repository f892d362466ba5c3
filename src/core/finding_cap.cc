#include "core/finding_cap.h"

#include <utility>

namespace cvdguard::internal {

bool FindingCap::Admit(Code code) {
  if (code == Code::kFindingsSuppressed) return true;
  std::size_t& kept = kept_[code];
  // The first of each code is always kept, so no kind of problem (and no
  // error that decides the verdict) is ever hidden, only repeats of it.
  if (kept > 0 && (kept >= kPerCode || total_ >= kTotal)) {
    ++dropped_[code];
    return false;
  }
  ++kept;
  ++total_;
  return true;
}

void FindingCap::Merge(const FindingCap& other) {
  for (const auto& [code, n] : other.dropped_) dropped_[code] += n;
}

void FindingCap::Forget(const std::function<bool(Code)>& ignore) {
  std::erase_if(dropped_, [&](const auto& e) { return ignore(e.first); });
}

std::optional<Finding> FindingCap::Summary() const {
  if (dropped_.empty()) return std::nullopt;
  std::uint64_t all = 0;
  std::string list;
  for (const auto& [code, n] : dropped_) {
    all += n;
    list += (list.empty() ? "" : ", ") + std::string(CodeName(code)) + " " + std::to_string(n);
  }
  Finding f;
  f.code = Code::kFindingsSuppressed;
  f.severity = DefaultSeverity(f.code);
  f.message = std::to_string(all) + " further findings not reported (a report keeps at most " +
              std::to_string(kPerCode) + " per code and " + std::to_string(kTotal) +
              " in all): " + list;
  return f;
}

}  // namespace cvdguard::internal
