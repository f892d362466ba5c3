// Body-pattern ("hex signature") and offset rules of SIGNATURES.md 3, shared
// by .ndb, .ldb content subsignatures and .ftm magic type 1.
#ifndef CVDGUARD_SRC_LINT_HEX_PATTERN_H_
#define CVDGUARD_SRC_LINT_HEX_PATTERN_H_

#include <string_view>

#include "lint/lint_internal.h"

namespace cvdguard::internal::lint {

struct PatternContext {
  int target = 0;               // target root type, 0..14
  std::string_view offset = "*";  // decides BM routing for .ndb
  bool always_ac = false;       // .ldb subsignatures and .ftm never use BM
  bool has_modifiers = false;   // any ::i/w/f/a: alternations become generic
};

// Checks `pattern` (after modifier rewriting) the way the loader does; the
// first violation is recorded with result.Fail(). Does not check the offset.
void CheckBodyPattern(std::string_view pattern, const PatternContext& ctx, LineResult& result);

// Whether `part` is whole hex bytes only, at least 2: every element a
// literal, so the AC part rules of SIGNATURES.md 3.4 all hold for it (2+
// elements, a pre-filter run of literals, a pair of consecutive static bytes).
bool IsLiteralPart(std::string_view part);

// cli_caloff rules (SIGNATURES.md 3.5) for `target`; records result.Fail().
void CheckOffset(std::string_view offset, int target, LineResult& result);

}  // namespace cvdguard::internal::lint

#endif  // CVDGUARD_SRC_LINT_HEX_PATTERN_H_
