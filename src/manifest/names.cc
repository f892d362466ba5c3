#include "manifest/names.h"

#include <array>

namespace cvdguard::internal {
namespace {

// sigtool --build's list plus .cbc (bytecode) (FORMAT.md 4.5).
constexpr std::array<std::string_view, 30> kWhitelist = {
    "cfg", "ign", "ign2", "ftm", "hdb", "hdu", "hsb", "hsu", "mdb", "mdu",
    "msb", "msu", "ndb", "ndu", "ldb", "ldu", "sdb", "zmd", "rmd", "idb",
    "fp",  "sfp", "gdb", "pdb", "wdb", "crb", "cdb", "imp", "cbc", "db"};
// Database extensions ClamAV loads that sigtool never packs.
constexpr std::array<std::string_view, 4> kUnusual = {"cat", "yar", "yara", "pwdb"};
constexpr std::array<std::string_view, 4> kForbidden = {"cvd", "cld", "cud", "ioc"};

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool EndsWithCI(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    if (Lower(s[s.size() - suffix.size() + i]) != Lower(suffix[i])) return false;
  }
  return true;
}

std::string LowerExtension(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return {};
  std::string ext(name.substr(dot + 1));
  for (char& c : ext) c = Lower(c);
  return ext;
}

MemberClass ClassifyMember(std::string_view name) {
  if (name == "COPYING") return MemberClass::kCopying;
  if (EndsWithCI(name, ".info")) return MemberClass::kInfo;
  if (EndsWithCI(name, ".cdiff") || EndsWithCI(name, ".cdiff.sign") || EndsWithCI(name, ".sign")) {
    return MemberClass::kStrayCdiff;
  }
  const std::string ext = LowerExtension(name);
  for (auto e : kForbidden) {
    if (ext == e) return MemberClass::kForbidden;
  }
  // ".db" is the legacy format; sigtool packs it, so it is whitelisted.
  for (auto e : kWhitelist) {
    if (ext == e) return MemberClass::kDatabase;
  }
  for (auto e : kUnusual) {
    if (ext == e) return MemberClass::kUnusual;
  }
  return MemberClass::kOther;
}

bool HasDbExtension(std::string_view name) {
  switch (ClassifyMember(name)) {
    case MemberClass::kDatabase:
    case MemberClass::kUnusual:
    case MemberClass::kForbidden:
      return true;
    default:
      return false;
  }
}

}  // namespace cvdguard::internal
