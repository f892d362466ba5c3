// Hash files: .hdb .hsb .hdu .hsu .fp .sfp .imp (HASH:SIZE:NAME) and
// .mdb .msb .mdu .msu (SIZE:HASH:NAME) (SIGNATURES.md 2).
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
    if (fast_path_ && PlainLineLoads(line)) return;
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

 private:
  // The shape of nearly every line of a real hash database: a plain hash of
  // 32, 40 or 64 hex digits, a plain decimal size in range, a name, and at
  // most an all-digit minimum flevel the engine accepts. True only when the
  // general check in CheckLine would find nothing; every other line,
  // including every suspect one, takes that path. One pass, no field split.
  bool PlainLineLoads(std::string_view line) const {
    const char* const p = line.data();
    const std::size_t n = line.size();
    std::size_t pos = 0;
    if (size_first_) {
      if (!PlainSize(p, n, &pos) || !PlainHash(p, n, &pos)) return false;
    } else {
      if (!PlainHash(p, n, &pos) || !PlainSize(p, n, &pos)) return false;
    }
    const void* colon = std::memchr(p + pos, ':', n - pos);
    if (colon == nullptr) return pos < n;  // three fields; the name is not empty
    const std::size_t name_end = static_cast<std::size_t>(static_cast<const char*>(colon) - p);
    if (name_end == pos) return false;
    // A fourth and last field of 1-9 digits: the minimum flevel.
    std::size_t i = name_end + 1;
    if (i == n || n - i > 9) return false;
    std::uint32_t min_fl = 0;
    for (; i < n; ++i) {
      const unsigned d = static_cast<unsigned char>(p[i]) - unsigned{'0'};
      if (d > 9) return false;
      min_fl = min_fl * 10 + d;
    }
    return !fl_.Excludes(min_fl, std::nullopt);
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
