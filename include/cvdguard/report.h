// The result of validating one input: findings, parsed header, members,
// signature outcomes and a verdict.
#ifndef CVDGUARD_REPORT_H_
#define CVDGUARD_REPORT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cvdguard/export.h"
#include "cvdguard/finding.h"

namespace cvdguard {

enum class Kind : std::uint8_t { kUnknown, kCvd, kCld, kCud, kCdiff };
CVDGUARD_EXPORT std::string_view KindName(Kind kind);  // "cvd", "cld", ...

enum class Verdict : std::uint8_t {
  kValid,    // no Error or Fatal finding, and authenticated (or allowed not to be)
  kInvalid,  // at least one Error or Fatal finding
  kError,    // the input could not be read: no judgement on its content
};
CVDGUARD_EXPORT std::string_view VerdictName(Verdict verdict);

// The 512-byte header as parsed. A numeric field that did not parse is
// absent (the has_* flag is false).
struct HeaderFields {
  bool present = false;  // the magic was found and fields were split
  std::string build_time;
  std::uint32_t version = 0;
  std::uint32_t sigs = 0;
  std::uint32_t flevel = 0;
  std::string md5;
  std::string dsig;
  std::string builder;
  std::uint64_t stime = 0;
  bool has_version = false, has_sigs = false, has_flevel = false,
       has_stime = false;
};

struct Member {
  std::string name;
  std::uint64_t tar_offset = 0;  // of its 512-byte header in the tar
  std::uint64_t size = 0;
  std::string sha256;  // lowercase hex of the member data
};

enum class SigMethod : std::uint8_t { kLegacy, kInfoDsig, kSign, kCdiffTrailer };
enum class SigOutcome : std::uint8_t { kValid, kInvalid, kCannotVerify };
CVDGUARD_EXPORT std::string_view SigMethodName(SigMethod method);
CVDGUARD_EXPORT std::string_view SigOutcomeName(SigOutcome outcome);

// One signature method that was tried.
struct SignatureCheck {
  SigMethod method = SigMethod::kLegacy;
  SigOutcome outcome = SigOutcome::kCannotVerify;
  std::string key;     // label of the key that verified (legacy, info, cdiff)
  std::string signer;  // subject of the signing certificate (.sign)
  std::vector<std::string> chain;  // certificate subjects, leaf first (.sign)
  std::string detail;  // why it failed or could not verify
};

struct Report {
  std::string path;  // as given; empty for memory input
  Kind kind = Kind::kUnknown;
  Kind extension_kind = Kind::kUnknown;  // from the file name, if any
  std::string database;                  // e.g. "daily", from the .info name
  HeaderFields header;
  std::uint64_t file_size = 0;
  std::uint64_t payload_bytes = 0;   // compressed bytes after the header
  std::uint64_t inflated_bytes = 0;  // tar bytes
  std::vector<Member> members;
  std::vector<SignatureCheck> signatures;
  std::vector<Finding> findings;
  Verdict verdict = Verdict::kInvalid;

  // The method that authenticated the content: "legacy", "info_dsig",
  // "sign", "cdiff_trailer", or "none".
  std::string verified_by = "none";

  [[nodiscard]] CVDGUARD_EXPORT Severity worst() const;
  [[nodiscard]] CVDGUARD_EXPORT bool Has(Code code) const;
  [[nodiscard]] bool valid() const { return verdict == Verdict::kValid; }
};

}  // namespace cvdguard

#endif  // CVDGUARD_REPORT_H_
