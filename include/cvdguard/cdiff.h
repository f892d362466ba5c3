// .cdiff incremental patches (FORMAT.md 5, checklist D1-D9): verification,
// application of a verified patch chain to a verified base, production of a
// .cld exactly as freshclam builds it, and builders for tests and private
// mirrors. Never throws. See docs/cdiff.md.
#ifndef CVDGUARD_CDIFF_H_
#define CVDGUARD_CDIFF_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cvdguard/export.h"
#include "cvdguard/finding.h"
#include "cvdguard/options.h"
#include "cvdguard/report.h"

namespace cvdguard {

// Bounds on what a hostile .cdiff may make cvdguard do. Real daily patches
// are a few KB to a few MB; ClamAV's database loader reads lines of at most
// 8 KB, so no legitimate script line comes near the line limit.
struct CdiffLimits {
  std::uint64_t max_file_bytes = std::uint64_t{128} << 20;    // the .cdiff
  std::uint64_t max_script_bytes = std::uint64_t{256} << 20;  // decompressed
  std::uint64_t max_line_bytes = std::uint64_t{64} << 10;     // one script line
  // Commands in one script. Each is held until the script is applied (about
  // 130 bytes apiece), so a small file of millions of tiny lines would
  // otherwise cost gigabytes; real daily patches have a few thousand.
  std::uint64_t max_commands = 1000000;
  // Script findings beyond this many are summarised by one
  // CDIFF_TOO_MANY_FINDINGS, so a hostile script cannot flood the report.
  std::size_t max_script_findings = 100;
};

// Verifies one .cdiff: the signature (the .cdiff.sign beside it or
// options.sign_path, verified against options.certs_path; and the legacy
// trailer with the cdiff-role keys, policy of FORMAT.md 6.3), the header
// (D1, D3, and the version against a <name>-<version>.cdiff file name), the
// gzip member and trailer layout (D4), and the whole script (D5-D8).
// report.kind is Kind::kCdiff; report.header.version is the patch version;
// report.inflated_bytes the script length. Checks against a base (D2) are
// made by ApplyPatches only. Reads the file once.
CVDGUARD_EXPORT Report VerifyCdiffPath(const std::string& path, const VerifyOptions& options,
                                       const CdiffLimits& limits = {});
// The same for bytes in memory. options.file_name (if set) is used for the
// name checks; sign_text is the .cdiff.sign content, if any (options.sign_path
// is read when sign_text is not given).
CVDGUARD_EXPORT Report VerifyCdiffMemory(std::span<const std::uint8_t> bytes,
                                         const VerifyOptions& options,
                                         const std::optional<std::string>& sign_text = std::nullopt,
                                         const CdiffLimits& limits = {});

enum class PatchStatus : std::uint8_t {
  kOk,       // every input and the result valid; the .cld was produced
  kInvalid,  // an input, the chain or the result is invalid; nothing written
  kIoError,  // an input could not be read or the output not written
};

struct PatchOutcome {
  PatchStatus status = PatchStatus::kInvalid;
  Report base;                 // validation of the base container
  std::vector<Report> patches;  // one per .cdiff, in order (those verified)
  bool result_built = false;   // a .cld was assembled and validated
  Report result;               // validation of the produced .cld
  // Chain-level findings: versions, application errors (member = the file
  // being edited, line = the script line), result and output problems.
  std::vector<Finding> findings;
  std::string output_path;  // set only when OUT was written
};

// Verifies the base (.cvd or .cld, fully, as VerifyPath does) and every
// .cdiff (as VerifyCdiffPath), checks the version chain (each patch =
// previous + 1, starting at the base header version, D2), applies the
// patches in memory, builds the .cld as freshclam does (FORMAT.md 5.3: a
// raw tar in ClamAV's dialect, COPYING, <name>.info, <name>.cfg first; header
// = first .info line padded with spaces, md5/dsig "X") into a temporary file
// in out_path's directory, validates that file as a container, and only then
// puts it in place (fsync, rename). On any failure out_path is untouched and
// no temporary file is left behind. The base is read once; memory holds the
// patched members, each freed once written, never a second copy of the .cld.
CVDGUARD_EXPORT PatchOutcome ApplyPatches(const std::string& base_path,
                                          const std::vector<std::string>& cdiff_paths,
                                          const std::string& out_path,
                                          const VerifyOptions& options,
                                          const CdiffLimits& limits = {});

// In memory; touches no file. `cld` receives the .cld bytes when the status is
// kOk (it is cleared otherwise).
struct CdiffInput {
  std::string name;                      // file name, e.g. "daily-27001.cdiff"
  std::span<const std::uint8_t> bytes;   // not owned
  std::optional<std::string> sign_text;  // its .cdiff.sign, if any
};
CVDGUARD_EXPORT PatchOutcome ApplyPatchesMemory(std::span<const std::uint8_t> base,
                                                const std::string& base_name,
                                                const std::vector<CdiffInput>& cdiffs,
                                                const VerifyOptions& options,
                                                std::vector<std::uint8_t>* cld,
                                                const CdiffLimits& limits = {});

// --- builders (tests, benchmarks, private mirrors) ---------------------------

// Wraps a script: "ClamAV-Diff:<version>:<len>:" + gzip(script) + ":" + the
// PSS-style SHA-256 dsig (FORMAT.md 3.4/3.5) made with private_pem (a 2048-bit
// RSA key for the cdiff role). The script is not validated here.
CVDGUARD_EXPORT bool BuildCdiff(const std::string& script, std::uint32_t version,
                                const std::string& private_pem, std::vector<std::uint8_t>* out,
                                std::string* error);

using MemberList = std::vector<std::pair<std::string, std::string>>;
// Writes a script that turns the `base` member set into `target` (both
// name -> content, COPYING and <name>.info included) with sigtool's commands
// only: OPEN/ADD/DEL/XCHG/CLOSE/UNLINK. Fails when a change cannot be said in
// the script language (a file with CR, a non-empty file without final LF, a
// new empty file) or a name does not fit the rules.
CVDGUARD_EXPORT bool MakeCdiffScript(const MemberList& base, const MemberList& target,
                                     std::string* script, std::string* error);
// The members of a container (.cvd/.cld/.cud bytes), in tar order, without
// validating it. False on a structural error.
CVDGUARD_EXPORT bool ReadContainerMembers(std::span<const std::uint8_t> container,
                                          MemberList* members, std::uint32_t* version,
                                          std::string* error);
// base + target containers -> a signed .cdiff whose version is the target's.
CVDGUARD_EXPORT bool BuildCdiffFromContainers(std::span<const std::uint8_t> base,
                                              std::span<const std::uint8_t> target,
                                              const std::string& private_pem,
                                              std::vector<std::uint8_t>* out, std::string* error);

}  // namespace cvdguard

#endif  // CVDGUARD_CDIFF_H_
