// .cdb, .ftm, .cfg, .ign/.ign2, .idb and .crb (SIGNATURES.md 6-11).
#include <array>
#include <string>
#include <unordered_set>
#include <vector>

#include "lint/hex_pattern.h"
#include "lint/lint_internal.h"
#include "lint/regex_check.h"

namespace cvdguard::internal::lint {
namespace {

// Shared "[:MinFL[:MaxFL]]" handling of .cdb/.ftm/.crb: D syntax, then range.
// Returns false when the line is done (failed or skipped).
bool CheckDFlevels(std::string_view min, std::optional<std::string_view> max, Flevel fl, LineResult& r) {
  if (!AllDigits(min)) {
    r.Fail(Code::kLintBadFlevel, "minimum flevel " + Quote(min) + " is not a number");
    return false;
  }
  if (fl.Excludes(AtoiAsUnsigned(min), std::nullopt)) {
    r.FlevelSkip("minimum flevel " + std::string(min) + " is above " + std::to_string(*fl.level));
    return false;
  }
  if (!max) return true;
  if (!AllDigits(*max)) {
    r.Fail(Code::kLintBadFlevel, "maximum flevel " + Quote(*max) + " is not a number");
    return false;
  }
  if (fl.Excludes(0, AtoiAsUnsigned(*max))) {
    r.FlevelSkip("maximum flevel " + std::string(max->empty() ? "'' (= 0)" : *max) + " is below " +
                 std::to_string(*fl.level));
    return false;
  }
  return true;
}

// ---- .cdb ------------------------------------------------------------------
// split(':', 13): 10 to 12 fields.
constexpr std::size_t kMaxCdbFields = 13;

class CdbChecker final : public LineChecker {
 public:
  explicit CdbChecker(Flevel fl) : fl_(fl) {}
  FormatTraits traits() const override { return FormatTraits{}; }

  void CheckLine(std::string_view line, LineResult& r) override {
    const Fields f = SplitFields(line, ':', kMaxCdbFields);
    if (f.size() < 10 || f.size() > 12) {
      r.Fail(Code::kLintFieldCount, "container metadata line needs 10 to 12 fields");
      return;
    }
    if (f.size() >= 11 &&
        !CheckDFlevels(f[10], f.size() == 12 ? std::optional<std::string_view>(f[11]) : std::nullopt, fl_, r)) {
      return;
    }
    if (f[0].empty()) {
      r.Fail(Code::kLintEmptyName, "empty signature name");
      return;
    }
    if (f[1] != "*" && !IsClTypeName(f[1])) {
      r.Fail(Code::kLintCdbContainerType, "container type " + Quote(f[1]) + " is not * or a CL_TYPE_* name");
      return;
    }
    if (f[3] != "*") {
      if (std::optional<std::string> e = EreSyntaxError(f[3])) {
        r.Fail(Code::kLintCdbRegex, "file name regex " + Quote(f[3]) + " does not compile: " + *e);
        return;
      }
    }
    for (int idx : {2, 4, 5, 7}) {
      if (!ValidValue(f[static_cast<std::size_t>(idx)])) {
        r.Fail(Code::kLintCdbValue, "field " + std::to_string(idx + 1) + " " + Quote(f[static_cast<std::size_t>(idx)]) +
                                        " is not *, a number or A-B");
        return;
      }
    }
    if (!(f[6] == "*" || f[6] == "0" || f[6] == "1")) {
      r.Fail(Code::kLintCdbValue, "IsEncrypted " + Quote(f[6]) + " is not *, 0 or 1");
    }
  }

 private:
  // '*', D(v), or "%u-%u" (both numbers required; junk after B ignored).
  static bool ValidValue(std::string_view v) {
    if (v == "*" || AllDigits(v)) return true;
    std::uint32_t a = 0;
    std::size_t used = 0;
    if (!ScanUnsigned(v, &a, &used) || used >= v.size() || v[used] != '-') return false;
    return ScanUnsigned(v.substr(used + 1), &a, &used);
  }
  Flevel fl_;
};

// ---- .ftm ------------------------------------------------------------------
// split(':', 9): 6 to 8 fields.
constexpr std::size_t kMaxFtmFields = 9;

class FtmChecker final : public LineChecker {
 public:
  explicit FtmChecker(Flevel fl) : fl_(fl) {}
  FormatTraits traits() const override {
    FormatTraits t;
    t.independent_lines = false;  // CheckEnd needs to know whether any line loaded
    return t;
  }

  void CheckLine(std::string_view line, LineResult& r) override {
    const Fields f = SplitFields(line, ':', kMaxFtmFields);
    if (f.size() < 6 || f.size() > 8) {
      r.Fail(Code::kLintFieldCount, "file type magic line needs 6 to 8 fields");
      return;
    }
    if (f.size() >= 7 &&
        !CheckDFlevels(f[6], f.size() == 8 ? std::optional<std::string_view>(f[7]) : std::nullopt, fl_, r)) {
      return;
    }
    for (int idx : {4, 5}) {
      if (!IsClTypeName(f[static_cast<std::size_t>(idx)])) {
        r.Fail(Code::kLintFtmType, Quote(f[static_cast<std::size_t>(idx)]) + " is not a CL_TYPE_* name");
        return;
      }
    }
    if (!AllDigits(f[0])) {
      r.Fail(Code::kLintFtmMagic, "magic type " + Quote(f[0]) + " is not a number");
      return;
    }
    const std::uint32_t type = AtoiAsUnsigned(f[0]);
    if (type == 1) {
      PatternContext ctx;
      ctx.target = 0;
      ctx.offset = f[1];
      ctx.always_ac = true;
      CheckOffset(f[1], 0, r);
      if (r.done()) return;
      CheckBodyPattern(f[2], ctx, r);
      // The pattern is added under the name, which must not be empty (tested:
      // "1:0:4d5a::CL_TYPE_ANY:CL_TYPE_MSEXE" fails, the same with type 0 loads).
      if (!r.done() && f[3].empty()) {
        r.Fail(Code::kLintEmptyName,
               "empty name: a magic type 1 line needs one ('Empty virus name')");
        return;
      }
    } else if (type == 0 || type == 4) {
      if (!AllDigits(f[1])) {
        r.Fail(Code::kLintFtmMagic, "offset " + Quote(f[1]) + " must be a number for magic type 0/4");
        return;
      }
      // An empty magic loads (tested: "0:0::x:CL_TYPE_ANY:CL_TYPE_ZIP").
      if (f[2].size() % 2 != 0 || !AllHex(f[2])) {
        r.Fail(Code::kLintFtmMagic, "magic " + Quote(f[2]) + " must be whole hex bytes for magic type 0/4");
        return;
      }
    } else {
      r.Skip(Code::kLintFtmUnsupported, "magic type " + std::string(f[0]) + " is not supported (0, 1 or 4)");
      return;
    }
    if (!r.failed()) loaded_ = true;
  }

  std::optional<Issue> CheckEnd() override {
    if (loaded_) return std::nullopt;
    return Issue{Code::kLintFtmNothingLoaded, Severity::kError,
                 "no line of this .ftm loads; libclamav refuses it ('Empty external filetype database')"};
  }

 private:
  Flevel fl_;
  bool loaded_ = false;
};

// ---- .cfg ------------------------------------------------------------------
constexpr std::array<std::string_view, 11> kCfgModules = {
    "PE", "ELF", "MACHO", "ARCHIVE", "DOCUMENT", "MAIL", "OTHER", "PHISHING", "BYTECODE", "STATS", "PCRE"};

class CfgChecker final : public LineChecker {
 public:
  explicit CfgChecker(Flevel fl) : fl_(fl) {}
  FormatTraits traits() const override {
    FormatTraits t;
    t.blank = BlankRule::kIgnore;
    t.empty_fails = false;
    return t;
  }

  void CheckLine(std::string_view line, LineResult& r) override {
    std::size_t module_len = 0;
    for (std::string_view m : kCfgModules) {
      if (line.size() > m.size() && line.starts_with(m) && line[m.size()] == ':') module_len = m.size();
    }
    if (module_len == 0) return;  // the engine ignores lines it does not recognise
    // strtok: runs of ':' collapse and empty tokens vanish.
    std::vector<std::string_view> tok;
    std::size_t i = 0;
    while (i < line.size() && tok.size() < 4) {
      while (i < line.size() && line[i] == ':') ++i;
      const std::size_t st = i;
      while (i < line.size() && line[i] != ':') ++i;
      if (i > st) tok.push_back(line.substr(st, i - st));
    }
    auto starts_digit = [](std::string_view s) { return !s.empty() && s[0] >= '0' && s[0] <= '9'; };
    if (tok.size() >= 3) {
      if (!starts_digit(tok[2])) return;  // ignored
      if (fl_.Excludes(AtoiAsUnsigned(tok[2]), std::nullopt)) {
        r.FlevelSkip("minimum flevel " + std::string(tok[2]) + " excludes this line");
        return;
      }
    }
    if (tok.size() >= 4) {
      if (!starts_digit(tok[3])) return;
      if (fl_.Excludes(0, AtoiAsUnsigned(tok[3]))) {
        r.FlevelSkip("maximum flevel " + std::string(tok[3]) + " excludes this line");
        return;
      }
    }
    // sscanf("0x%x"): literal "0x", then %x (blanks, sign, optional 0x prefix, hex digit).
    // The value is read right after "MODULE:" (no collapsing there).
    const std::string_view value = line.substr(module_len + 1);
    bool ok = value.starts_with("0x");
    if (ok) {
      std::string_view v = value.substr(2);
      std::size_t k = 0;
      while (k < v.size() && (v[k] == ' ' || v[k] == '\t')) ++k;
      if (k < v.size() && (v[k] == '+' || v[k] == '-')) ++k;
      if (k + 2 < v.size() && v[k] == '0' && (v[k + 1] == 'x' || v[k + 1] == 'X') && IsHexDigit(v[k + 2])) k += 2;
      ok = k < v.size() && IsHexDigit(v[k]);
    }
    if (!ok) r.Fail(Code::kLintCfgValue, "value must be 0x followed by hex digits");
  }

 private:
  Flevel fl_;
};

// ---- .ign/.ign2 ------------------------------------------------------------
constexpr std::size_t kMinIgnNameWithMd5 = 3;
class IgnChecker final : public LineChecker {
 public:
  FormatTraits traits() const override {
    FormatTraits t;
    t.empty_fails = false;
    t.independent_lines = false;  // a line's verdict depends on an earlier Name:MD5 line
    return t;
  }

  void CheckLine(std::string_view line, LineResult& r) override {
    const Fields f = SplitFields(line, ':', 4);
    if (f.size() > 3) {
      r.Fail(Code::kLintFieldCount, "ignore line has more than 3 fields");
      return;
    }
    const std::string_view name = f.size() == 3 ? f[2] : f[0];
    if (name.empty()) {
      r.Fail(Code::kLintEmptyName, "no signature name");
      return;
    }
    if (f.size() == 2) {
      // Names shorter than 3 characters are padded in place, which clobbers
      // the MD5 field (tested: "ab:<md5>" fails with "Malformed MD5 string").
      if (f[0].size() < kMinIgnNameWithMd5) {
        r.Fail(Code::kLintIgnMd5, "a Name:MD5 line needs a name of at least 3 characters");
        return;
      }
      if (f[1].size() != 32 || !AllHex(f[1])) {
        r.Fail(Code::kLintIgnMd5, "MD5 " + Quote(f[1]) + " is not 32 hex digits");
        return;
      }
      saw_md5_ = true;
      return;
    }
    if (saw_md5_) {
      r.Fail(Code::kLintIgnStaleMd5,
             "a Name or DbFile:Line:Name line after a Name:MD5 line fails in libclamav "
             "(stale MD5 pointer bug); put Name:MD5 lines last");
    }
  }

 private:
  bool saw_md5_ = false;
};

// ---- .idb ------------------------------------------------------------------
constexpr std::size_t kIdbHashLen = 124;
// More than 256 distinct names per group column fail the load.
constexpr std::size_t kMaxIconGroups = 256;

class IdbChecker final : public LineChecker {
 public:
  FormatTraits traits() const override {
    FormatTraits t;
    t.independent_lines = false;  // icon groups are counted over the member
    return t;
  }

  void CheckLine(std::string_view line, LineResult& r) override {
    const Fields f = SplitFields(line, ':', 5);
    if (f.size() != 4) {
      r.Fail(Code::kLintFieldCount, "icon line needs exactly 4 fields (wrong token count)");
      return;
    }
    const std::string_view h = f[3];
    if (h.size() != kIdbHashLen) return (void)r.Fail(Code::kLintIdbHash, "hash is not 124 characters (wrong length)");
    if (!AllHex(h)) return (void)r.Fail(Code::kLintIdbHash, "hash has non-hex characters (bad chars)");
    std::size_t pos = 0;
    auto take = [&](std::size_t n) {
      std::uint32_t v = 0;
      for (std::size_t k = 0; k < n; ++k) {
        const char c = h[pos++];
        v = v * 16 + static_cast<std::uint32_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
      }
      return v;
    };
    const std::uint32_t size = take(2);
    if (size != 16 && size != 24 && size != 32) return (void)r.Fail(Code::kLintIdbHash, "icon size is not 16, 24 or 32 (bad size)");
    const std::uint32_t lim = size - size / 8;
    const char* what[] = {"color", "gray"};
    for (const char* w : what) {
      for (int k = 0; k < 3; ++k) {
        const std::uint32_t avg = take(3);
        const std::uint32_t x = take(2);
        const std::uint32_t y = take(2);
        if (avg > 4072 || x > lim || y > lim) {
          return (void)r.Fail(Code::kLintIdbHash, std::string("bad ") + w + " data");
        }
      }
    }
    const char* what2[] = {"bright", "dark", "edge", "noedge"};
    for (const char* w : what2) {
      for (int k = 0; k < 3; ++k) {
        take(2);
        const std::uint32_t x = take(2);
        const std::uint32_t y = take(2);
        if (x > lim || y > lim) return (void)r.Fail(Code::kLintIdbHash, std::string("bad ") + w + " data");
      }
    }
    const std::uint32_t rs = take(2), gs = take(2), bs = take(2), cnt = take(2);
    if (rs + gs + bs > 103 || cnt > 100) return (void)r.Fail(Code::kLintIdbHash, "bad spread data");
    if (group1_.size() <= kMaxIconGroups) group1_.insert(std::hash<std::string_view>{}(f[1]));
    if (group2_.size() <= kMaxIconGroups) group2_.insert(std::hash<std::string_view>{}(f[2]));
    if (group1_.size() > kMaxIconGroups || group2_.size() > kMaxIconGroups) {
      r.Fail(Code::kLintIdbTooManyGroups, "more than 256 distinct icon groups");
    }
  }

 private:
  // Hashes of the names seen; at most kMaxIconGroups + 1 entries each matter,
  // and the sets stop growing once the limit has been reported.
  std::unordered_set<std::size_t> group1_;
  std::unordered_set<std::size_t> group2_;
};

// ---- .crb ------------------------------------------------------------------
// split(';', 14): 11 to 13 fields.
constexpr std::size_t kMaxCrbFields = 14;
constexpr std::size_t kSha1HexLen = 40;

class CrbChecker final : public LineChecker {
 public:
  explicit CrbChecker(Flevel fl) : fl_(fl) {}
  FormatTraits traits() const override {
    FormatTraits t;
    t.blank = BlankRule::kSkip;
    t.empty_fails = false;
    return t;
  }

  void CheckLine(std::string_view line, LineResult& r) override {
    const Fields f = SplitFields(line, ';', kMaxCrbFields);
    if (f.size() < 11 || f.size() > 13) {
      r.Fail(Code::kLintFieldCount, "certificate line needs 11 to 13 ';'-separated fields");
      return;
    }
    if (f.size() >= 12 &&
        !CheckDFlevels(f[11], f.size() == 13 ? std::optional<std::string_view>(f[12]) : std::nullopt, fl_, r)) {
      return;
    }
    auto bit = [](std::string_view s) { return !s.empty() && (s[0] == '0' || s[0] == '1'); };
    if (!bit(f[1])) return (void)r.Fail(Code::kLintCrbField, "Trusted must start with 0 or 1");
    if (!f[3].empty() && (f[3].size() != kSha1HexLen || !AllHex(f[3]))) {
      return (void)r.Fail(Code::kLintCrbField, "Serial must be empty or 40 hex digits");
    }
    if (f[2].size() != kSha1HexLen || !AllHex(f[2])) {
      return (void)r.Fail(Code::kLintCrbField, "Subject must be 40 hex digits");
    }
    std::string_view pk = f[4];
    if (!pk.empty() && pk[0] == '-') pk.remove_prefix(1);
    if (pk.empty() || !IsHexDigit(pk[0])) {
      return (void)r.Fail(Code::kLintCrbField, "Pubkey has no hex digits");
    }
    if (!bit(f[6]) || !bit(f[7]) || !bit(f[8])) {
      return (void)r.Fail(Code::kLintCrbField, "CodeSign/TimeSign/CertSign must start with 0 or 1");
    }
  }

 private:
  Flevel fl_;
};

}  // namespace

std::unique_ptr<LineChecker> MakeCdbChecker(Flevel fl) { return std::make_unique<CdbChecker>(fl); }
std::unique_ptr<LineChecker> MakeFtmChecker(Flevel fl) { return std::make_unique<FtmChecker>(fl); }
std::unique_ptr<LineChecker> MakeCfgChecker(Flevel fl) { return std::make_unique<CfgChecker>(fl); }
std::unique_ptr<LineChecker> MakeIgnChecker() { return std::make_unique<IgnChecker>(); }
std::unique_ptr<LineChecker> MakeIdbChecker() { return std::make_unique<IdbChecker>(); }
std::unique_ptr<LineChecker> MakeCrbChecker(Flevel fl) { return std::make_unique<CrbChecker>(fl); }

}  // namespace cvdguard::internal::lint
