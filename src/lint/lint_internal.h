// Internals shared by the per-format line checkers: the line-outcome
// collector, the checker interface, and libclamav-faithful text helpers.
#ifndef CVDGUARD_SRC_LINT_LINT_INTERNAL_H_
#define CVDGUARD_SRC_LINT_LINT_INTERNAL_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cvdguard/finding.h"
#include "lint/linter.h"

namespace cvdguard::internal::lint {

// libclamav's line buffer for most loaders is 8192 bytes: 8190 characters of
// text plus the newline and the terminator (SIGNATURES.md 1.2).
inline constexpr std::size_t kMaxLine = 8190;
// The .ldb/.ldu loaders use a 32769-byte buffer (SIGNATURES.md 1.2).
inline constexpr std::size_t kMaxLdbLine = 32767;

struct Issue {
  Code code;
  Severity severity;
  std::string message;
};

// What the engine does with one line, plus the findings that explain it.
class LineResult {
 public:
  // The engine refuses the whole file. Only the first failure is kept: the
  // engine stops at the first error, later ones would be consequences.
  void Fail(Code code, std::string message);
  // The engine skips the line (severity kWarning unless `severity` given).
  void Skip(Code code, std::string message, Severity severity = Severity::kWarning);
  // A note that does not change the outcome.
  void Note(Code code, Severity severity, std::string message);
  // The engine skips the line because of its flevel range.
  void FlevelSkip(std::string message);

  bool failed() const { return failed_; }
  bool skipped() const { return skipped_; }
  bool done() const { return failed_ || skipped_; }
  const std::vector<Issue>& issues() const { return issues_; }

 private:
  bool failed_ = false;
  bool skipped_ = false;
  std::vector<Issue> issues_;
};

enum class BlankRule : std::uint8_t { kFail, kSkip, kIgnore };

struct FormatTraits {
  std::size_t max_line = kMaxLine;
  BlankRule blank = BlankRule::kFail;
  bool comments = true;         // a '#' at byte 0 makes a comment line
  bool empty_fails = true;      // a member without any line is refused
  bool header_only = false;     // only line 1 is parsed; later lines get CheckLaterLine (.cbc)
  std::size_t kept_line = 0;    // header_only: bytes of a later line kept for CheckLaterLine
  bool independent_lines = true;  // no state across lines (false: .ftm, .ign/.ign2, .idb)
};

// Parses one format. Implementations are small state machines; they never
// see more than one line at a time.
class LineChecker {
 public:
  virtual ~LineChecker() = default;
  virtual FormatTraits traits() const = 0;
  // `line` has its terminator, trailing CRs and anything after a NUL removed;
  // it is not blank and not a comment (those are handled by the caller).
  virtual void CheckLine(std::string_view line, LineResult& result) = 0;
  // Bulk fast path: the whole lines at the start of `text`, each ending in
  // '\n' inside it, at most `max_line` long before that '\n' and without a
  // NUL, that the caller's line handling and CheckLine would pass without
  // any finding; adds their count to *lines and returns their bytes.
  // It may stop early at any line (0 is always correct): the caller then
  // takes that line the general way.
  virtual std::size_t SkipCleanLines(std::string_view /*text*/, std::size_t /*max_line*/,
                                     std::uint64_t* /*lines*/) {
    return 0;
  }
  // For header_only formats: a line after the first. `text` is its first
  // kept_line bytes (terminator and trailing CRs removed, cut at a NUL);
  // `length` is its full length.
  virtual std::optional<Issue> CheckLaterLine(std::uint64_t /*line_no*/, std::string_view /*text*/,
                                              std::uint64_t /*length*/) {
    return std::nullopt;
  }
  // End of member; may return a whole-file issue (e.g. .ftm loaded nothing).
  virtual std::optional<Issue> CheckEnd() { return std::nullopt; }
};

// The engine level lines are compared with; unset = no flevel filtering.
struct Flevel {
  std::optional<std::uint32_t> level;
  // True when a line with [min, max] (max absent = unbounded) is skipped.
  bool Excludes(std::uint32_t min, std::optional<std::uint32_t> max) const {
    if (!level) return false;
    if (min > *level) return true;
    return max.has_value() && *max < *level;
  }
};

// Factories, one per family (defined in the *_lint.cc files).
// fast_path=false checks every line the general way (for the tests that
// prove the fast path finds what the general path finds).
std::unique_ptr<LineChecker> MakeHashChecker(std::string_view ext, Flevel fl, bool fast_path = true);
std::unique_ptr<LineChecker> MakeNdbChecker(Flevel fl);
std::unique_ptr<LineChecker> MakeLdbChecker(Flevel fl);
std::unique_ptr<LineChecker> MakeCdbChecker(Flevel fl);
std::unique_ptr<LineChecker> MakeFtmChecker(Flevel fl);
std::unique_ptr<LineChecker> MakeCfgChecker(Flevel fl);
std::unique_ptr<LineChecker> MakeIgnChecker();
std::unique_ptr<LineChecker> MakeIdbChecker();
std::unique_ptr<LineChecker> MakeCrbChecker(Flevel fl);
std::unique_ptr<LineChecker> MakePhishChecker(std::string_view ext, Flevel fl);
std::unique_ptr<LineChecker> MakeCbcChecker(Flevel fl);

// ---- text helpers with libclamav semantics (text_util.cc) -----------------

// cli_strtokenize: split on every `sep`, keep empty fields, produce at most
// `max_fields` fields; text after the max_fields-th separator is dropped.
// The fields of one line. Lines are split millions of times per database,
// so the first kInline fields live inside the object (no allocation).
class Fields {
 public:
  static constexpr std::size_t kInline = 16;
  Fields() {}  // the inline slots stay uninitialised until pushed
  void push_back(std::string_view v) {
    if (n_ < kInline) {
      ptr_[n_] = v.data();
      len_[n_] = v.size();
    } else {
      more_.push_back(v);
    }
    ++n_;
  }
  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  std::string_view operator[](std::size_t i) const {
    return i < kInline ? std::string_view(ptr_[i], len_[i]) : more_[i - kInline];
  }
  std::string_view front() const { return (*this)[0]; }
  std::string_view back() const { return (*this)[n_ - 1]; }

  class const_iterator {
   public:
    const_iterator(const Fields* f, std::size_t i) : f_(f), i_(i) {}
    std::string_view operator*() const { return (*f_)[i_]; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }
    bool operator!=(const const_iterator& o) const { return i_ != o.i_; }

   private:
    const Fields* f_;
    std::size_t i_;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, n_}; }

 private:
  const char* ptr_[kInline];
  std::size_t len_[kInline];
  std::vector<std::string_view> more_;
  std::size_t n_ = 0;
};
Fields SplitFields(std::string_view s, char sep, std::size_t max_fields);
// D(s) of SIGNATURES.md: every character is an ASCII digit (empty is true).
bool AllDigits(std::string_view s);
inline constexpr std::array<std::uint8_t, 256> kHexDigitTable = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = 1;
  for (int c = 'a'; c <= 'f'; ++c) t[static_cast<std::size_t>(c)] = 1;
  for (int c = 'A'; c <= 'F'; ++c) t[static_cast<std::size_t>(c)] = 1;
  return t;
}();
// Inline: the pattern checks call it for every character.
inline bool IsHexDigit(char c) { return kHexDigitTable[static_cast<unsigned char>(c)] != 0; }
bool AllHex(std::string_view s);
// The first of `a`, `b` or `c` in [p, end), or `end`: one scan for three
// bytes where a memchr call for each would read the line again.
const char* FindAnyOf(const char* p, const char* end, char a, char b, char c);
// C atoi() as glibc implements it: strtol (saturating at the 64-bit long
// range), then truncated to int. Returned as the unsigned value the loaders
// compare with cl_retflevel().
std::uint32_t AtoiAsUnsigned(std::string_view s);
// cli_strtok: field `n` of `s` split at `sep`, where a run of separators
// counts as one; nullopt where libclamav returns NULL (no such field, or an
// empty one, as at the start of "-5").
std::optional<std::string_view> StrtokField(std::string_view s, char sep, unsigned n);
// sscanf("%u") at the start of `s`: optional blanks and sign, then at least
// one digit. Sets *consumed to the characters used. False if no digit.
bool ScanUnsigned(std::string_view s, std::uint32_t* value, std::size_t* consumed);
// strtol/strtoul/strtoll (base 0 or 10) that must consume the whole, non-empty
// field. `*negative` tells whether a '-' was given; `magnitude` saturates.
bool StrtolWhole(std::string_view s, int base, std::uint64_t* magnitude, bool* negative);
// Exact CL_TYPE_* name known to libclamav 1.4 (case-sensitive).
bool IsClTypeName(std::string_view s);
// For messages: at most `max` characters of `s`, printable ASCII only.
std::string Quote(std::string_view s, std::size_t max = 80);

// The member linter of CreateMemberLinter() around a given checker: the
// tests use it to run a checker with and without its fast paths.
std::unique_ptr<MemberLinter> CreateLinterFor(std::unique_ptr<LineChecker> checker,
                                              const LintOptions& options, LintSink sink);

}  // namespace cvdguard::internal::lint

#endif  // CVDGUARD_SRC_LINT_LINT_INTERNAL_H_
