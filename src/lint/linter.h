// Streaming signature-line linter: predicts, line by line, whether libclamav
// 1.4.6 refuses, skips or loads each line of a database member
// (/work/shared/SIGNATURES.md is the spec; docs/lint.md lists the codes).
#ifndef CVDGUARD_SRC_LINT_LINTER_H_
#define CVDGUARD_SRC_LINT_LINTER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cvdguard/finding.h"

namespace cvdguard::internal {

struct LintOptions {
  // Functionality level of the consumer engine (libclamav 1.4.6 = 216).
  // Unset: flevel ranges are ignored, every line is linted as if the engine
  // loaded it, and no flevel findings are produced.
  std::optional<std::uint32_t> engine_flevel;
  // True (default): the bytes are a member of a .cvd/.cld/.cud, so an
  // unterminated last line is an error (the engine drops it). False: a loose
  // file, where the engine parses that line, so it is only a warning.
  bool container_member = true;
  // Upper bound on reported findings per member for each of the two classes
  // "error" and "other"; further ones are counted in one final
  // LintFindingsSuppressed finding. Bounds the report size for huge members.
  std::uint32_t max_findings_per_class = 1000;
};

// Receives one finding: code, severity, 1-based line number (0 = whole member),
// byte offset of the line start inside the member, human message.
using LintSink = std::function<void(Code code, Severity severity, std::uint64_t line,
                                    std::uint64_t member_offset, std::string message)>;

// What LintSegment() found in a run of whole lines of a member: findings
// with segment-relative line numbers (1 = the segment's first line) and
// member offsets, capped per class as a whole member would be.
struct LintSegmentResult {
  struct Item {
    Code code;
    Severity severity;
    std::uint64_t line;
    std::uint64_t member_offset;
    std::string message;
  };
  std::vector<Item> items;
  std::uint64_t lines = 0;
  std::uint64_t suppressed_errors = 0;
  std::uint64_t suppressed_other = 0;
};

class MemberLinter {
 public:
  virtual ~MemberLinter() = default;
  // Member bytes in order, in chunks of any size. Results do not depend on the
  // chunking. Memory stays bounded: at most one (capped) line plus small state.
  virtual void Update(std::span<const std::uint8_t> bytes) = 0;
  // The same for bytes the linter may keep instead of copying, for as long
  // as it holds `keep` (the segmenting linter hands them to a worker).
  virtual void UpdateShared(std::span<const std::uint8_t> bytes, std::shared_ptr<const void> keep) {
    (void)keep;
    Update(bytes);
  }
  // Takes in the next segment of the member, linted apart by LintSegment(),
  // in member order, as if its bytes had been passed to Update(). Only for a
  // member whose lines are independent (LintsInSegments) and only between
  // whole lines: Update() and Absorb() are not mixed on one member.
  virtual void Absorb(LintSegmentResult result) = 0;
  // End of the member: last-line rules and whole-file rules. Call once.
  virtual void Finish() = 0;
};

// Returns a linter for the member name's format (extension, case-insensitive),
// or nullptr when the format is not linted (the caller then reports an info
// "not linted" finding itself). `sink` is called synchronously from Update()
// and Finish(); it must not throw.
std::unique_ptr<MemberLinter> CreateMemberLinter(std::string_view member_name,
                                                 const LintOptions& options, LintSink sink);

// Whether the member's format has no state across lines, so that runs of
// whole lines can be linted apart (on other threads) and merged in order.
bool LintsInSegments(std::string_view member_name);

// Every line of a format that LintsInSegments() is shorter than this; a line
// that reaches it is "too long" whatever its bytes are.
inline constexpr std::size_t kLintLongLine = 64 * 1024;

// Lints one segment of a member: its bytes are `bytes` followed by `more`.
// They start at a line start, at member offset `start_offset` + `long_prefix`.
// `long_prefix` > 0 means the first line began `long_prefix` bytes earlier
// (those bytes are not given; the line is then too long for any format).
// Unless `member_end`, they end with a newline; at the member end an
// unterminated last line is judged as Finish() would. Member-wide rules
// (empty member, end checks, the suppression summary) are left to the
// MemberLinter that Absorb()s the result.
LintSegmentResult LintSegment(std::string_view member_name, const LintOptions& options,
                              std::uint64_t start_offset, std::uint64_t long_prefix,
                              std::span<const std::uint8_t> bytes, std::span<const std::uint8_t> more,
                              bool member_end);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_SRC_LINT_LINTER_H_
