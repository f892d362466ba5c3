// Member-name classification (FORMAT.md 4.5): database extensions, the
// sigtool whitelist, forbidden nested-container extensions.
#ifndef CVDGUARD_MANIFEST_NAMES_H_
#define CVDGUARD_MANIFEST_NAMES_H_

#include <string>
#include <string_view>

namespace cvdguard::internal {

enum class MemberClass {
  kCopying,       // COPYING
  kInfo,          // *.info
  kDatabase,      // a whitelisted database extension (sigtool's list, .cbc)
  kUnusual,       // a database extension sigtool never packs: .cat .yar .yara .pwdb .db
  kForbidden,     // .cvd .cld .cud .ioc: the loader opens a path from the CWD
  kStrayCdiff,    // *.cdiff, *.cdiff.sign, *.sign: left by freshclam >= 1.5 in a .cld
  kOther,         // anything else (README.txt, ...)
};

MemberClass ClassifyMember(std::string_view name);
// True if ClamAV's loader dispatches this name to a database loader, i.e.
// it must be listed in .info with size and SHA-256 (I4).
bool HasDbExtension(std::string_view name);
// Lower-case extension without the dot ("hdb"); empty if none.
std::string LowerExtension(std::string_view name);
bool EndsWithCI(std::string_view s, std::string_view suffix);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_MANIFEST_NAMES_H_
