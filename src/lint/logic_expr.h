// The .ldb logical-expression parser, reproducing libclamav 1.4's parse-only
// behaviour as described in SIGNATURES.md 5.3, iteratively and in linear time.
#ifndef CVDGUARD_SRC_LINT_LOGIC_EXPR_H_
#define CVDGUARD_SRC_LINT_LOGIC_EXPR_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace cvdguard::internal::lint {

struct LogicResult {
  bool ok = false;
  bool too_complex = false;   // work cap hit: nothing is known
  std::uint32_t max_index = 0;  // highest subsignature index referenced
  bool negative_index = false;  // an index of 2^31 or more (a negative int in the engine)
  std::uint64_t steps = 0;      // characters scanned, for tests of the cost
  std::string error;          // why it does not parse
};

LogicResult ParseLogic(std::string_view expr);

}  // namespace cvdguard::internal::lint

#endif  // CVDGUARD_SRC_LINT_LOGIC_EXPR_H_
