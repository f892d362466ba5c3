// The .info manifest (FORMAT.md 4.6, checklist I1-I9): parsing, and the
// cross-checks against the container header and the tar members.
#ifndef CVDGUARD_MANIFEST_INFO_H_
#define CVDGUARD_MANIFEST_INFO_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding_cap.h"
#include "cvdguard/finding.h"
#include "cvdguard/report.h"

namespace cvdguard::internal {

struct InfoEntry {
  std::string name;
  std::uint64_t size = 0;
  std::string sha256;  // lowercase hex
  std::uint64_t line = 0;
};

struct InfoParse {
  std::string header_line;  // line 1 without its LF; parsed by the validator
  bool header_ok = false;   // set by the caller after parsing header_line
  HeaderFields header;
  std::vector<InfoEntry> entries;
  bool has_dsig = false;
  std::string dsig;
  std::uint64_t dsig_line = 0;
  std::size_t signed_length = 0;  // bytes covered by the DSIG: up to the DSIG line
  std::vector<Finding> findings;  // member = the .info name, line set
  FindingCap cap;                 // bounds `findings` (millions of bad lines)
};

// Parses the manifest. `signed_kind`: a DSIG line is required (cvd/cld) or
// forbidden (cud).
InfoParse ParseInfo(std::string_view data, bool signed_kind, const std::string& member);

// I1/I2: the .info header line against the container header.
void CompareInfoHeader(const InfoParse& info, const HeaderFields& container,
                       const std::string& member, std::vector<Finding>* findings);

// I4-I6, I9: entries against the members found in the tar.
void CompareInfoMembers(const InfoParse& info, const std::vector<Member>& members,
                        const std::string& info_member, std::vector<Finding>* findings);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_MANIFEST_INFO_H_
