// Findings: what the validator reports about an input, each with a stable
// numbered code (codes.def), a severity and where it applies.
#ifndef CVDGUARD_FINDING_H_
#define CVDGUARD_FINDING_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "cvdguard/export.h"

namespace cvdguard {

// Info < Warning < Error < Fatal. Error and Fatal make a report invalid.
// Fatal also stops the pipeline: later stages would only report consequences.
enum class Severity : std::uint8_t { kInfo = 0, kWarning = 1, kError = 2, kFatal = 3 };

enum class Code : std::uint16_t {
#define CVDGUARD_CODE(sym, num, sev, summary) k##sym = num,
#include "cvdguard/codes.def"
#undef CVDGUARD_CODE
};

// The stable number of a code (e.g. 407).
constexpr int CodeNumber(Code code) { return static_cast<int>(code); }
// The stable symbolic name, e.g. "INFO_MEMBER_MISSING". "UNKNOWN" if not a code.
CVDGUARD_EXPORT std::string_view CodeName(Code code);
// One-line summary from codes.def.
CVDGUARD_EXPORT std::string_view CodeSummary(Code code);
CVDGUARD_EXPORT Severity DefaultSeverity(Code code);
// Looks a code up by number or symbolic name. Returns false if none matches.
CVDGUARD_EXPORT bool CodeFromNumber(int number, Code* out);
CVDGUARD_EXPORT bool CodeFromName(std::string_view name, Code* out);
// "info", "warning", "error", "fatal".
CVDGUARD_EXPORT std::string_view SeverityName(Severity severity);

// Visits every code in numeric order: fn(Code).
template <class Fn>
void ForEachCode(Fn&& fn) {
#define CVDGUARD_CODE(sym, num, sev, summary) fn(Code::k##sym);
#include "cvdguard/codes.def"
#undef CVDGUARD_CODE
}

struct Finding {
  static constexpr std::uint64_t kNone = ~std::uint64_t{0};
  Code code = Code::kInternalError;
  Severity severity = Severity::kFatal;
  std::uint64_t offset = kNone;      // byte offset in the input file
  std::uint64_t tar_offset = kNone;  // byte offset in the uncompressed tar
  std::string member;                // tar member the finding is about
  std::uint64_t line = 0;            // 1-based line in `member`; 0 = none
  std::string message;               // for humans; programs match on `code`

  bool operator==(const Finding&) const = default;
};

}  // namespace cvdguard

#endif  // CVDGUARD_FINDING_H_
