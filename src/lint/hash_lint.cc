// Hash files: .hdb .hsb .hdu .hsu .fp .sfp .imp (HASH:SIZE:NAME) and
// .mdb .msb .mdu .msu (SIZE:HASH:NAME) (SIGNATURES.md 2).
#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "lint/lint_internal.h"

namespace cvdguard::internal::lint {
namespace {

// split(line, ':', 6): 3 to 5 fields are valid, 6 means "too many".
constexpr std::size_t kMaxHashFields = 6;
// Wildcard sizes need MinFL >= 73 (except .imp).
constexpr std::uint32_t kMinFlevelWildcardSize = 73;
// Size must be below UINT32_MAX (4294967295).
constexpr std::uint64_t kSizeLimit = 4294967295u;

class HashChecker final : public LineChecker {
 public:
  HashChecker(bool size_first, bool imp, Flevel fl, bool fast_path)
      : size_first_(size_first), imp_(imp), fast_path_(fast_path), fl_(fl) {}

  FormatTraits traits() const override { return FormatTraits{}; }

  void CheckLine(std::string_view line, LineResult& r) override {
    if (fast_path_ && PlainLineEnd(line.data(), line.data() + line.size()) != nullptr) return;
    const Fields f = SplitFields(line, ':', kMaxHashFields);
    if (f.size() < 3) {
      r.Fail(Code::kLintFieldCount, "hash line needs at least 3 ':'-separated fields");
      return;
    }
    std::uint32_t min_fl = 0;
    if (f.size() >= 4) {
      min_fl = AtoiAsUnsigned(f[3]);
      if (f.size() == kMaxHashFields) {
        r.Fail(Code::kLintFieldCount, "hash line has more than 5 fields");
        return;
      }
      if (!AllDigits(f[3]) || (f.size() == 5 && !AllDigits(f[4]))) {
        r.Note(Code::kLintHashFlevelNotNumeric, Severity::kWarning,
               "flevel field is not a number; the engine reads it with atoi()");
      }
      std::optional<std::uint32_t> max_fl;
      if (f.size() == 5) max_fl = AtoiAsUnsigned(f[4]);
      if (fl_.Excludes(min_fl, max_fl)) {
        r.FlevelSkip("flevel range " + std::string(f[3]) + (max_fl ? "-" + std::string(f[4]) : "-") +
                     " excludes flevel " + std::to_string(*fl_.level) +
                     (max_fl && f[4].empty() ? " (an empty maximum means 0)" : ""));
        return;
      }
    }
    const std::string_view hash = size_first_ ? f[1] : f[0];
    const std::string_view size = size_first_ ? f[0] : f[1];
    if (size == "*") {
      if (!imp_ && (f.size() < 4 || min_fl < kMinFlevelWildcardSize)) {
        r.Fail(Code::kLintHashWildcardFlevel,
               "wildcard size '*' needs a minimum flevel field of at least 73");
        return;
      }
    } else {
      std::uint64_t v = 0;
      bool negative = false;
      const bool whole = StrtolWhole(size, 10, &v, &negative) || size.empty();
      // strtoul: a '-' wraps to a huge value, which is refused.
      if (!whole || (negative && v != 0) || v == 0 || v >= kSizeLimit) {
        r.Fail(Code::kLintHashBadSize, "size " + Quote(size) + " is not a number in 1..4294967294" +
                                           (size_first_ && size.size() >= 32 ? " (is the hash first? this format is SIZE:HASH:NAME)" : ""));
        return;
      }
    }
    if (f[2].empty()) {
      r.Fail(Code::kLintEmptyName, "empty signature name");
      return;
    }
    if ((hash.size() != 32 && hash.size() != 40 && hash.size() != 64) || !AllHex(hash)) {
      r.Fail(Code::kLintHashBadHash, "hash " + Quote(hash) + " is not 32, 40 or 64 hex digits");
    }
  }

  std::size_t SkipCleanLines(std::string_view text, std::size_t max_line,
                             std::uint64_t* lines) override {
    if (!fast_path_) return 0;
    const char* const begin = text.data();
    const char* const end = begin + text.size();
    const char* p = begin;
    while (p < end) {
      const char* const nl = PlainLineEnd(p, end);
      if (nl == nullptr || nl == end || static_cast<std::size_t>(nl - p) > max_line) break;
      ++*lines;
      p = nl + 1;
    }
    return static_cast<std::size_t>(p - begin);
  }

 private:
  // The shape of nearly every line of a real hash database: a plain hash of
  // 32, 40 or 64 hex digits, a plain decimal size in range, a name, and at
  // most an all-digit minimum flevel the engine accepts. One pass, no field
  // split. The line starts at `p` and ends at the first '\n' or at `end`,
  // less any CRs before that '\n' (the caller strips them from a line).
  // Returns where the line ends when the general check in CheckLine would
  // find nothing in it, else nullptr: every other line, including every
  // suspect one, takes that path. Hash and size digits cannot be '\n', so
  // their checks cannot run past the line.
  const char* PlainLineEnd(const char* p, const char* end) const {
    const std::size_t n = static_cast<std::size_t>(end - p);
    std::size_t pos = 0;
    if (size_first_) {
      if (!PlainSize(p, n, &pos) || !PlainHash(p, n, &pos)) return nullptr;
    } else {
      if (!PlainHash(p, n, &pos) || !PlainSize(p, n, &pos)) return nullptr;
    }
    const char* const name = p + pos;
    // The name may hold any byte but NUL (the line would be cut there).
    const char* const stop = FindAnyOf(name, end, ':', '\n', '\0');
    if (stop < end && *stop == '\0') return nullptr;
    if (stop == end || *stop == '\n') {  // three fields
      const char* text_end = stop;
      if (stop < end) {
        while (text_end > name && text_end[-1] == '\r') --text_end;
      }
      return text_end == name ? nullptr : stop;
    }
    if (stop == name) return nullptr;  // empty name
    // A fourth and last field of 1-9 digits: the minimum flevel.
    const char* d = stop + 1;
    std::uint32_t min_fl = 0;
    std::size_t digits = 0;
    for (; d < end && digits <= 9; ++d, ++digits) {
      const unsigned digit = static_cast<unsigned char>(*d) - unsigned{'0'};
      if (digit > 9) break;
      min_fl = min_fl * 10 + digit;
    }
    if (digits == 0 || digits > 9) return nullptr;
    // Then the line ends, after any CRs.
    const char* nl = d;
    while (nl < end && *nl == '\r') ++nl;
    if (nl < end ? *nl != '\n' : nl != d) return nullptr;
    return fl_.Excludes(min_fl, std::nullopt) ? nullptr : nl;
  }
  // A hash field and its ':' at *pos. A prefix of all hex digits holds no
  // ':', so the field ends at the first length that is followed by one.
  static bool PlainHash(const char* p, std::size_t n, std::size_t* pos) {
    const std::size_t left = n - *pos;
    std::size_t len = 0;
    if (left > 32 && p[*pos + 32] == ':') {
      len = 32;
    } else if (left > 40 && p[*pos + 40] == ':') {
      len = 40;
    } else if (left > 64 && p[*pos + 64] == ':') {
      len = 64;
    } else {
      return false;
    }
    if (!AllHex(std::string_view(p + *pos, len))) return false;
    *pos += len + 1;
    return true;
  }
  // A size field of 1-10 decimal digits in 1..4294967294, and its ':'.
  static bool PlainSize(const char* p, std::size_t n, std::size_t* pos) {
    std::size_t i = *pos;
    std::uint64_t v = 0;
    for (; i < n && i - *pos <= 10; ++i) {
      const unsigned d = static_cast<unsigned char>(p[i]) - unsigned{'0'};
      if (d > 9) break;
      v = v * 10 + d;
    }
    if (i == *pos || i - *pos > 10 || i == n || p[i] != ':' || v == 0 || v >= kSizeLimit) return false;
    *pos = i + 1;
    return true;
  }

  bool size_first_;
  bool imp_;
  bool fast_path_;
  Flevel fl_;
};

}  // namespace

std::unique_ptr<LineChecker> MakeHashChecker(std::string_view ext, Flevel fl, bool fast_path) {
  const bool size_first = ext == "mdb" || ext == "msb" || ext == "mdu" || ext == "msu";
  return std::make_unique<HashChecker>(size_first, ext == "imp", fl, fast_path);
}

}  // namespace cvdguard::internal::lint
