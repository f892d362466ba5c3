// Internals of the .cdiff module: the file layout parser (D1, D3, D4), the
// script parser and validator (D5-D8), the in-memory applier, the member
// collector and the .cld writer. Pure functions over memory: nothing here
// touches the filesystem (the fuzz target relies on that).
#ifndef CVDGUARD_CDIFF_CDIFF_INTERNAL_H_
#define CVDGUARD_CDIFF_CDIFF_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cvdguard/cdiff.h"
#include "cvdguard/finding.h"
#include "cvdguard/options.h"
#include "cvdguard/report.h"

namespace cvdguard::internal {

using cvdguard::MemberList;

inline constexpr std::string_view kCdiffMagic = "ClamAV-Diff:";
// ClamAV looks for the trailer's ':' in the last 350 bytes (FORMAT.md 5.1).
inline constexpr std::size_t kCdiffTrailerWindow = 350;
// A PSS dsig for a 2048-bit modulus has at most 342 digits (FORMAT.md 3.1).
inline constexpr std::size_t kCdiffMaxDsigChars = 342;

// --- layout ----------------------------------------------------------------

struct CdiffLayout {
  bool header_ok = false;  // D1 parsed (version and length are set)
  std::uint32_t version = 0;
  std::uint64_t declared_length = 0;
  std::size_t header_end = 0;  // offset just after the third ':'
  bool trailer_found = false;
  std::size_t trailer_colon = 0;  // offset of the last ':' (signed bytes end)
  std::string dsig;               // the bytes after it, as they are
  std::size_t dsig_length = 0;    // dsig chars before any whitespace
  bool script_complete = false;   // the gzip member inflated cleanly
  std::string script;             // the decompressed script (maybe partial)
  std::uint64_t gzip_bytes = 0;
  std::vector<Finding> findings;
  bool fatal = false;
};

// Parses header and trailer and inflates the script (D1, D3, D4). Never
// verifies signatures.
CdiffLayout ParseCdiffLayout(std::span<const std::uint8_t> bytes, const CdiffLimits& limits,
                             InflateBackend backend = InflateBackend::kDefault);

// --- script ----------------------------------------------------------------

enum class CdiffOp : std::uint8_t { kOpen, kAdd, kDel, kXchg, kClose, kUnlink };

struct CdiffCommand {
  CdiffOp op = CdiffOp::kOpen;
  std::uint64_t script_line = 0;  // 1-based line in the script
  std::string name;               // OPEN/UNLINK
  std::uint64_t line = 0;         // DEL/XCHG: 1-based line of the file at OPEN
  std::string prefix;             // DEL/XCHG
  std::string text;               // ADD/XCHG: the new line, without LF
};

struct CdiffScript {
  std::vector<CdiffCommand> commands;
};

// Parses and validates the whole script (D5-D8). Returns true when no
// finding of severity Error or worse was made; `out` then holds every
// command. Findings have `line` set to the script line.
bool ParseCdiffScript(std::string_view script, const CdiffLimits& limits, CdiffScript* out,
                      std::vector<Finding>* findings);

// Name rule for OPEN/UNLINK (D7): [A-Za-z0-9._]{1,99}, not "." or "..".
bool IsValidCdiffName(std::string_view name);

// --- application -----------------------------------------------------------

// The work area: file name -> content. Ordered for deterministic output.
using FileSet = std::map<std::string, std::string>;

// Applies a validated script to `files` (in place). Returns false at the
// first error (the set is then partly modified: callers apply to a private
// copy and discard it). `max_total` bounds the size of the whole set.
bool ApplyCdiffScript(const CdiffScript& script, FileSet* files, std::uint64_t max_total,
                      std::vector<Finding>* findings);

// --- members in, .cld out ----------------------------------------------------

// Collects the members of a container while its bytes stream by (any
// chunking): 512-byte header, then gzip or a raw tar. Bounded by `limits`.
class MemberCollector {
 public:
  explicit MemberCollector(const Limits& limits);
  ~MemberCollector();
  MemberCollector(const MemberCollector&) = delete;
  MemberCollector& operator=(const MemberCollector&) = delete;
  void Update(std::span<const std::uint8_t> bytes);
  // True when the whole archive was read without a structural error.
  bool Finish(std::string* error);
  MemberList& members();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The order in which freshclam/sigtool pack members: COPYING, <db>.info,
// <db>.cfg, the other <db>.<ext> in sigtool's extension order, then the rest
// by byte order.
std::vector<std::string> CldMemberOrder(const FileSet& files, const std::string& db);

// Builds a raw-tar .cld from the set (FORMAT.md 5.3), handing it to `write`
// in order (the header, then each member's tar header, data and padding).
// False with *code and *error when COPYING or a usable <db>.info first line
// is missing or a name does not fit the tar dialect (checked before anything
// is written), or with kCdiffOutputFailed and the sink's error when `write`
// fails. The set is taken by value and each member is freed once written, so
// a caller that moves its set in and writes to a file holds one copy of the
// database at most, and less as the build goes on.
using CldSink = std::function<bool(std::span<const std::uint8_t>, std::string* error)>;
bool BuildCld(FileSet files, const std::string& db, const CldSink& write, Code* code,
              std::string* error);
// BuildCld into memory: *out is the whole .cld (cleared on failure).
bool BuildCldBytes(FileSet files, const std::string& db, std::vector<std::uint8_t>* out, Code* code,
                   std::string* error);

// "daily-27001.cdiff" -> {"daily", 27001}. False if the base name is not
// <name>-<digits>.cdiff.
bool ParseCdiffFileName(std::string_view path, std::string* db, std::uint32_t* version);

// Parses [0-9]+ into a u32/u64 exactly (no sign, no spaces). Leading zeros
// are allowed here; callers check canonical form.
bool ParseDecimal32(std::string_view text, std::uint32_t* out);
bool ParseDecimal64(std::string_view text, std::uint64_t* out);

// --- verification ------------------------------------------------------------

// One .cdiff checked: the report VerifyCdiff* returns, and the parsed script
// when the script is valid (script_ok).
struct CdiffCheck {
  Report report;
  CdiffScript script;
  bool script_ok = false;
  std::string db;           // database name from the file name ("" if none)
  bool name_versioned = false;
};

// The shared core of VerifyCdiffPath/Memory. `name` is the file name or path
// (may be empty). `sign_text` is the .cdiff.sign content if one was found;
// `sign_source` says where from (for messages); a non-empty sign_source with
// no sign_text means a .sign was named but could not be read.
CdiffCheck CheckCdiff(std::span<const std::uint8_t> bytes, const std::string& name,
                      const VerifyOptions& options, const std::optional<std::string>& sign_text,
                      const std::string& sign_source, const CdiffLimits& limits);

// Finds and reads the .cdiff.sign for `path`: options.sign_path, else
// <path>.sign when options.discover_sign and it exists. *source is set when
// one was named; *text when it could be read.
void FindCdiffSign(const std::string& path, const VerifyOptions& options,
                   std::optional<std::string>* text, std::string* source);

// Reads a whole regular file of at most max_bytes. Returns 0 on success,
// 1 when it is larger than max_bytes (out is left empty), -1 on an I/O error
// (*error set).
int ReadWholeFile(const std::string& path, std::uint64_t max_bytes, std::vector<std::uint8_t>* out,
                  std::string* error);

// `s` cut to `max` bytes, with bytes outside printable ASCII (and '\\')
// written as \xHH, for messages about hostile input.
std::string CdiffPrintable(std::string_view s, std::size_t max);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_CDIFF_CDIFF_INTERNAL_H_
