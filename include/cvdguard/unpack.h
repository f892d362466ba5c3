// Safe extraction of a verified container's members into a directory.
#ifndef CVDGUARD_UNPACK_H_
#define CVDGUARD_UNPACK_H_

#include <string>
#include <vector>

#include "cvdguard/export.h"
#include "cvdguard/options.h"
#include "cvdguard/report.h"

namespace cvdguard {

enum class UnpackStatus { kOk, kInvalid, kIoError };

// Verifies `path` first; only a valid container is extracted, from the same
// open file that was verified. Members are written under `dir` (created,
// with its parents, if missing) with their plain names; nothing is ever
// written outside `dir`, no links or special files are created, and
// existing files are not overwritten. All or nothing: if a member's name is
// already taken in `dir`, nothing is written; if extraction fails later (or
// the file changed meanwhile), the files this call wrote are removed.
// *report receives the verification.
CVDGUARD_EXPORT UnpackStatus UnpackContainer(const std::string& path, const std::string& dir,
                                             const VerifyOptions& options, Report* report,
                                             std::vector<std::string>* written,
                                             std::string* error);

}  // namespace cvdguard

#endif  // CVDGUARD_UNPACK_H_
