// The callback through which pipeline stages report findings.
#ifndef CVDGUARD_ARCHIVE_SINK_H_
#define CVDGUARD_ARCHIVE_SINK_H_

#include <functional>

#include "cvdguard/finding.h"

namespace cvdguard::internal {

using FindingSink = std::function<void(Finding)>;

inline Finding MakeFinding(Code code, std::string message) {
  Finding f;
  f.code = code;
  f.severity = DefaultSeverity(code);
  f.message = std::move(message);
  return f;
}

}  // namespace cvdguard::internal

#endif  // CVDGUARD_ARCHIVE_SINK_H_
