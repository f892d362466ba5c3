// Library version.
#ifndef CVDGUARD_VERSION_H_
#define CVDGUARD_VERSION_H_

#include <string_view>

#include "cvdguard/export.h"

namespace cvdguard {

inline constexpr int kVersionMajor = 0;
inline constexpr int kVersionMinor = 1;
inline constexpr int kVersionPatch = 0;

// "0.1.0"
CVDGUARD_EXPORT std::string_view VersionString();

}  // namespace cvdguard

#endif  // CVDGUARD_VERSION_H_
