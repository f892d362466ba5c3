// Syntax checks standing in for the two regex engines libclamav uses at load
// time: PCRE2 (.ldb PCRE subsignatures) and its bundled Spencer POSIX ERE
// (.cdb file names, phishing URLs). Approximations; see docs/lint.md.
#ifndef CVDGUARD_SRC_LINT_REGEX_CHECK_H_
#define CVDGUARD_SRC_LINT_REGEX_CHECK_H_

#include <optional>
#include <string>
#include <string_view>

namespace cvdguard::internal::lint {

// Returns why PCRE2 would refuse to compile `regex`, or nullopt. `extended`:
// the x flag is set ('#' starts a comment, so the rest of the line is ignored).
std::optional<std::string> PcreSyntaxError(std::string_view regex, bool extended);

// Returns why a POSIX extended regex does not compile, or nullopt.
std::optional<std::string> EreSyntaxError(std::string_view regex);

}  // namespace cvdguard::internal::lint

#endif  // CVDGUARD_SRC_LINT_REGEX_CHECK_H_
