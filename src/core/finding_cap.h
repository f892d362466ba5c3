// Bounds the findings one report keeps, so that a small hostile file (8
// million bad .info lines, 20,000 members of bad lines) cannot grow memory
// and output without bound: at most kPerCode findings of one code and, past
// the first of each code, kTotal in all; the rest are only counted, and
// Summary() says how many.
#ifndef CVDGUARD_CORE_FINDING_CAP_H_
#define CVDGUARD_CORE_FINDING_CAP_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "cvdguard/finding.h"

namespace cvdguard::internal {

class FindingCap {
 public:
  static constexpr std::size_t kPerCode = 1000;
  static constexpr std::size_t kTotal = 10000;

  // True when a finding of `code` may be kept; false counts it as dropped.
  // The one summary finding (FINDINGS_SUPPRESSED) is always admitted.
  bool Admit(Code code);
  // Adds what another cap dropped (a stage that capped its own findings).
  void Merge(const FindingCap& other);
  // Forgets dropped findings whose code `ignore` matches (findings that were
  // themselves removed from the report afterwards).
  void Forget(const std::function<bool(Code)>& ignore);
  // FINDINGS_SUPPRESSED with the dropped counts per code, or nothing.
  std::optional<Finding> Summary() const;

 private:
  std::map<Code, std::size_t> kept_;
  std::map<Code, std::uint64_t> dropped_;
  std::size_t total_ = 0;
};

}  // namespace cvdguard::internal

#endif  // CVDGUARD_CORE_FINDING_CAP_H_
