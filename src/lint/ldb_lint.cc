// .ldb/.ldu logical signatures (SIGNATURES.md 5).
#include <charconv>
#include <string>
#include <vector>

#include "lint/hex_pattern.h"
#include "lint/lint_internal.h"
#include "lint/logic_expr.h"
#include "lint/regex_check.h"

namespace cvdguard::internal::lint {
namespace {

// cli_ldbtokenize is called with 68 = name + TDB + logic + 64 subsigs + 1, so
// "too many" shows up as 65 subsigs.
constexpr std::size_t kMaxLdbFields = 68;
constexpr std::uint32_t kMaxSubsigs = 64;
// Only the first 10 TDB attributes are examined (SIGNATURES.md 5.2).
constexpr std::size_t kMaxTdbAttributes = 10;
// Intermediates keeps at most 16 container types.
constexpr std::size_t kMaxIntermediates = 16;
// Extended TDB attributes need Engine min >= 51 (0.96).
constexpr std::uint32_t kMinFlevelExtAttrs = 51;
// Documented (not enforced) minimums: PCRE/modifiers 81, image fuzzy hash 150.
constexpr std::uint32_t kDocFlevelPcre = 81;
constexpr std::uint32_t kDocFlevelFuzzy = 150;
// Valid targets are 0..14; 15 and above are skipped.
constexpr std::uint32_t kFirstUnsupportedTarget = 15;
// Byte-compare: reference ids up to 64; hex byte length up to 18.
constexpr int kMaxBcompRefId = 64;
constexpr std::uint64_t kMaxBcompHexLen = 18;
// The literal trigger that bypasses the logic check of a PCRE subsig.
constexpr std::string_view kPcreBypassTrigger = "7374756c747a676574737265676578";
// image fuzzy hash: 16 hex digits (64-bit).
constexpr std::size_t kFuzzyHashLen = 16;

// Splits on `sep`; from field `regex_from` on, an unescaped '/' toggles a
// regex state in which `sep` does not split. The state persists over fields.
Fields RegexAwareSplit(std::string_view s, char sep, std::size_t regex_from, std::size_t max_fields) {
  Fields out;
  std::size_t start = 0;
  std::size_t i = 0;
  // Before field `regex_from` a '/' means nothing: jump from sep to sep.
  while (out.size() < regex_from) {
    const std::size_t pos = s.find(sep, i);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = i = pos + 1;
    if (out.size() == max_fields) return out;  // the rest is dropped
  }
  if (s.find('/', i) == std::string_view::npos) {
    // No regex can open: the rest splits on `sep` alone.
    for (std::string_view f : SplitFields(s.substr(start), sep, max_fields - out.size()))
      out.push_back(f);
    return out;
  }
  bool in_regex = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '/' && (i == 0 || s[i - 1] != '\\')) {
      in_regex = !in_regex;
    } else if (c == sep && !in_regex) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
      if (out.size() == max_fields) return out;  // the rest is dropped
    }
  }
  out.push_back(s.substr(start));
  return out;
}

struct Range {
  std::uint32_t min = 0;
  std::uint32_t max = 0;
};

// "A-B" with A and B satisfying D (empty = 0).
bool ParseRange(std::string_view v, Range* r) {
  const std::size_t dash = v.find('-');
  if (dash == std::string_view::npos) return false;
  const std::string_view a = v.substr(0, dash);
  const std::string_view b = v.substr(dash + 1);
  if (!AllDigits(a) || !AllDigits(b)) return false;
  r->min = AtoiAsUnsigned(a);
  r->max = AtoiAsUnsigned(b);
  return true;
}

struct Tdb {
  bool has_engine = false;
  Range engine;
  std::uint32_t target = 0;
};

// "subsignature N 'text': ", the prefix of a subsignature's findings. Built
// only when a finding is made: most lines have none, and quoting every
// subsignature of every line cost more than checking it.
struct Where {
  std::uint32_t index;
  std::string_view subsig;
};

std::string operator+(const Where& w, std::string_view tail) {
  std::string out = "subsignature " + std::to_string(w.index) + " " + Quote(w.subsig, 60) + ": ";
  out.append(tail);
  return out;
}

class LdbChecker final : public LineChecker {
 public:
  explicit LdbChecker(Flevel fl) : fl_(fl) {}

  FormatTraits traits() const override {
    FormatTraits t;
    t.max_line = kMaxLdbLine;
    return t;
  }

  void CheckLine(std::string_view line, LineResult& r) override {
    const Fields f = RegexAwareSplit(line, ';', 2, kMaxLdbFields);
    if (f.size() < 4) {
      r.Fail(Code::kLintFieldCount, "logical signature needs Name;TDB;Logic;Subsig (found " +
                                        std::to_string(f.size()) + " fields)");
      return;
    }
    const LogicResult logic = ParseLogic(f[2]);
    if (logic.too_complex) {
      r.Fail(Code::kLintTooComplex, "logical expression is too complex to verify");
      return;
    }
    if (!logic.ok) {
      r.Fail(Code::kLintLdbLogic, "logical expression " + Quote(f[2]) + ": " + logic.error);
      return;
    }
    if (logic.negative_index) {
      // Tested: "(0&1&-2&3)&(4|1)" with 5 subsignatures loads, and clamscan
      // dies with SIGSEGV scanning a file that matches subsignatures 0, 1
      // and 3 (it reads the counter of subsignature 4294967294).
      r.Fail(Code::kLintLdbNegativeIndex,
             "logical expression " + Quote(f[2]) +
                 " refers to a subsignature index of 2^31 or more (a negative number): the engine "
                 "loads it, then crashes when it evaluates the signature during a scan");
      return;
    }
    const auto subsigs = static_cast<std::uint32_t>(f.size() - 3);
    const std::uint64_t needed = std::uint64_t{logic.max_index} + 1;
    if (needed != subsigs) {
      r.Fail(Code::kLintLdbSubsigCount,
             "the logic references subsignatures up to " + std::to_string(logic.max_index) +
                 " (needs " + std::to_string(needed) + ") but the line has " + std::to_string(subsigs) +
                 (line.ends_with(";") ? " (a trailing ';' adds an empty subsignature)" : ""));
      return;
    }
    if (subsigs > kMaxSubsigs) {
      r.Fail(Code::kLintLdbTooManySubsigs, "more than 64 subsignatures");
      return;
    }
    Tdb tdb;
    if (!CheckTdb(f[1], &tdb, r)) return;
    if (f[0].empty()) {
      r.Fail(Code::kLintEmptyName, "empty signature name");
      return;
    }
    const std::uint32_t declared_min = tdb.has_engine ? tdb.engine.min : 0;
    for (std::uint32_t i = 0; i < subsigs && !r.done(); ++i) {
      CheckSubsig(f[3 + i], i, tdb.target, declared_min, r);
    }
  }

 private:
  bool CheckTdb(std::string_view text, Tdb* tdb, LineResult& r) {
    const Fields attrs = SplitFields(text, ',', kMaxTdbAttributes);
    bool has_target = false;
    bool extended = false;
    bool icon = false;
    bool ep_or_sections = false;
    for (std::size_t idx = 0; idx < attrs.size(); ++idx) {
      const std::string_view a = attrs[idx];
      const std::size_t colon = a.find(':');
      if (colon == std::string_view::npos) {
        r.Fail(Code::kLintLdbTdb, "TDB attribute " + Quote(a) + " has no ':'");
        return false;
      }
      const std::string_view name = a.substr(0, colon);
      const std::string_view value = a.substr(colon + 1);
      Range range;
      if (name == "Engine") {
        if (idx != 0) {
          r.Fail(Code::kLintLdbTdb, "the Engine attribute must come first in the TDB");
          return false;
        }
        if (!ParseRange(value, &range)) {
          r.Fail(Code::kLintLdbTdb, "Engine " + Quote(value) + " is not MIN-MAX");
          return false;
        }
        tdb->has_engine = true;
        tdb->engine = range;
      } else if (name == "Target") {
        if (!AllDigits(value)) {
          r.Fail(Code::kLintLdbTdb, "Target " + Quote(value) + " is not a number");
          return false;
        }
        has_target = true;
        tdb->target = AtoiAsUnsigned(value);
      } else if (name == "FileSize" || name == "EntryPoint" || name == "NumberOfSections") {
        if (!ParseRange(value, &range)) {
          r.Fail(Code::kLintLdbTdb, std::string(name) + " " + Quote(value) + " is not MIN-MAX");
          return false;
        }
        extended = true;
        ep_or_sections = ep_or_sections || name != "FileSize";
      } else if (name == "IconGroup1" || name == "IconGroup2") {
        extended = true;
        icon = true;
      } else if (name == "Container" || name == "HandlerType") {
        extended = true;
        if (!IsClTypeName(value)) {
          r.Skip(Code::kLintLdbTdbSkipped, std::string(name) + " " + Quote(value) +
                                               " is not a known CL_TYPE: the engine skips the line");
          return false;
        }
      } else if (name == "Intermediates") {
        extended = true;
        const Fields types = SplitFields(value, '>', kMaxIntermediates);
        for (std::string_view t : types) {
          if (!IsClTypeName(t)) {
            r.Skip(Code::kLintLdbTdbSkipped,
                   "Intermediates type " + Quote(t) + " is unknown: the engine skips the line");
            return false;
          }
        }
      } else {
        r.Skip(Code::kLintLdbTdbSkipped,
               "unknown TDB attribute " + Quote(name) + " (names are case-sensitive): the engine skips the line");
        return false;
      }
    }
    if (attrs.size() == kMaxTdbAttributes &&
        SplitFields(text, ',', kMaxTdbAttributes + 1).size() > kMaxTdbAttributes) {
      r.Note(Code::kLintLdbTdbDropped, Severity::kWarning, "TDB attributes after the tenth are ignored");
    }
    if (extended && (!tdb->has_engine || tdb->engine.min < kMinFlevelExtAttrs)) {
      r.Fail(Code::kLintLdbTdb, "TDB attributes other than Target need Engine with a minimum of at least 51");
      return false;
    }
    if (tdb->has_engine && fl_.Excludes(tdb->engine.min, tdb->engine.max)) {
      r.FlevelSkip("Engine:" + std::to_string(tdb->engine.min) + "-" + std::to_string(tdb->engine.max) +
                   " excludes flevel " + std::to_string(*fl_.level));
      return false;
    }
    if (!has_target) {
      r.Fail(Code::kLintLdbTdb, "no Target in the TDB");
      return false;
    }
    if (tdb->target >= kFirstUnsupportedTarget) {
      r.Skip(Code::kLintUnsupportedTarget, "Target " + std::to_string(tdb->target) + " is not supported");
      return false;
    }
    if (icon && tdb->target != 1) {
      r.Fail(Code::kLintLdbTdb, "IconGroup1/2 need Target:1");
      return false;
    }
    if (ep_or_sections && tdb->target != 1 && tdb->target != 6 && tdb->target != 9) {
      r.Fail(Code::kLintLdbTdb, "EntryPoint/NumberOfSections need Target 1, 6 or 9");
      return false;
    }
    return true;
  }

  void NeedsEngine(std::uint32_t declared, std::uint32_t documented, std::string_view what, LineResult& r) {
    if (declared < documented) {
      r.Note(Code::kLintLdbNeedsEngine, Severity::kWarning,
             std::string(what) + " is documented to need Engine:" + std::to_string(documented) +
                 "-255 (libclamav 1.4 does not enforce it)");
    }
  }

  void CheckSubsig(std::string_view s, std::uint32_t index, std::uint32_t target, std::uint32_t declared,
                   LineResult& r) {
    // The common subsignature, whole hex bytes and nothing else, is a body
    // pattern of literals only: CheckContent would find nothing in it.
    if (IsLiteralPart(s)) return;
    const Where where{index, s};
    if (!s.empty() && s[0] == '$') return CheckMacro(s, where, r);
    if (s.find('/') != std::string_view::npos) {
      NeedsEngine(declared, kDocFlevelPcre, "a PCRE subsignature", r);
      return CheckPcre(s, target, where, r);
    }
    if (s.find('(') != std::string_view::npos) {
      std::size_t hashes = 0;
      for (char c : s) hashes += c == '#' ? 1 : 0;
      if (hashes >= 2) return CheckByteCompare(s, where, r);
    }
    if (s.starts_with("fuzzy_img#")) {
      NeedsEngine(declared, kDocFlevelFuzzy, "an image fuzzy hash", r);
      return CheckFuzzy(s, where, r);
    }
    CheckContent(s, target, declared, where, r);
  }

  static void CheckMacro(std::string_view s, const Where& where, LineResult& r) {
    if (s.back() != '$') {
      r.Fail(Code::kLintLdbMacro, where + "macro subsignature must end with '$'");
      return;
    }
    // ${%u-%u}%u$
    std::uint32_t a = 0;
    std::uint32_t b = 0;
    std::uint32_t group = 0;
    std::size_t used = 0;
    std::string_view p = s.substr(1);
    bool ok = !p.empty() && p[0] == '{';
    if (ok) p.remove_prefix(1);
    ok = ok && ScanUnsigned(p, &a, &used);
    if (ok) p.remove_prefix(used);
    ok = ok && !p.empty() && p[0] == '-';
    if (ok) p.remove_prefix(1);
    ok = ok && ScanUnsigned(p, &b, &used);
    if (ok) p.remove_prefix(used);
    ok = ok && !p.empty() && p[0] == '}';
    if (ok) p.remove_prefix(1);
    ok = ok && ScanUnsigned(p, &group, &used);
    if (!ok) {
      r.Fail(Code::kLintLdbMacro, where + "macro subsignature is not ${MIN-MAX}GROUP$");
      return;
    }
    if (group >= 32) r.Fail(Code::kLintLdbMacro, where + "only 32 macro groups (0-31) are supported");
  }

  void CheckPcre(std::string_view s, std::uint32_t target, const Where& where,
                 LineResult& r) {
    // cli's tokenizer is given 5 slots; only the 2-token form has an offset.
    const Fields t = RegexAwareSplit(s, ':', 0, 5);
    std::string_view offset;
    std::string_view pcre = t[0];
    if (t.size() == 2) {
      offset = t[0];
      pcre = t[1];
    } else if (t.size() > 2) {
      r.Note(Code::kLintLdbPcreFlagsIgnored, Severity::kWarning,
             where + "everything after the first ':' of this PCRE subsignature is ignored");
    }
    const std::size_t first = pcre.find('/');
    const std::size_t last = pcre.rfind('/');
    if (first == std::string_view::npos || first == last) {
      r.Fail(Code::kLintLdbPcre, where + "PCRE subsignature needs Trigger/Regex/ (mismatched '/')");
      return;
    }
    if (first == 0) {
      r.Fail(Code::kLintLdbPcre, where + "PCRE subsignature has no logical trigger before '/'");
      return;
    }
    const std::string_view trigger = pcre.substr(0, first);
    const std::string_view regex = pcre.substr(first + 1, last - first - 1);
    const std::string_view flags = pcre.substr(last + 1);
    if (regex.empty()) {
      r.Fail(Code::kLintLdbPcre, where + "PCRE trigger or pattern is empty");
      return;
    }
    if (trigger != kPcreBypassTrigger) {
      const LogicResult lr = ParseLogic(trigger);
      if (lr.too_complex) {
        r.Fail(Code::kLintTooComplex, where + "PCRE trigger too complex to verify");
        return;
      }
      if (!lr.ok) {
        r.Fail(Code::kLintLdbPcre, where + "PCRE trigger " + Quote(trigger) + " is not a valid logical expression");
        return;
      }
      if (lr.negative_index) {
        r.Fail(Code::kLintLdbNegativeIndex,
               where + "PCRE trigger " + Quote(trigger) +
                   " refers to a subsignature index of 2^31 or more (a negative number)");
        return;
      }
      if (lr.max_index >= where.index) {
        r.Fail(Code::kLintLdbPcre, where + "PCRE trigger refers to subsignature " + std::to_string(lr.max_index) +
                                       (lr.max_index == where.index ? " (itself)" : " (a later one)"));
        return;
      }
    }
    if (!offset.empty() || t.size() == 2) {
      CheckOffset(offset, static_cast<int>(target), r);
      if (r.done()) return;
    }
    bool extended = false;
    for (char c : flags) {
      if (std::string_view("ismxAEUgre").find(c) == std::string_view::npos) {
        r.Fail(Code::kLintLdbPcre, where + "unknown PCRE option " + Quote(std::string_view(&c, 1)));
        return;
      }
      extended = extended || c == 'x';
    }
    if (std::optional<std::string> e = PcreSyntaxError(regex, extended)) {
      r.Fail(Code::kLintLdbPcreRegex, where + "regex does not compile: " + *e);
    }
  }

  static void CheckByteCompare(std::string_view s, const Where& where, LineResult& r) {
    auto fail = [&](const std::string& why) { r.Fail(Code::kLintLdbByteCompare, where + why); };
    const std::size_t lp = s.find('(');
    const std::string_view id = s.substr(0, lp);
    std::uint64_t idv = 0;
    bool neg = false;
    // The id is read with strtol, which must stop at the '(' (an empty id
    // reads as 0: "(0>>4#hb2#=0)" loads; " 5", "+5" and "-65" load too), and
    // kept as a 16-bit signed number that may not exceed 64 (tested: 65,
    // "+65" and 65601 are refused; 7374650, 4294967295, 65600 and -1 load).
    if (!id.empty() && !StrtolWhole(id, 10, &idv, &neg)) {
      return fail("byte compare must start with a decimal subsignature id and '('");
    }
    const auto ref = static_cast<std::int16_t>(AtoiAsUnsigned(id) & 0xffffu);
    if (ref > kMaxBcompRefId) {
      return fail("byte compare refers to subsignature " + std::to_string(ref) +
                  " (the id as a 16-bit number), above 64");
    }
    const std::size_t rp = s.find(')', lp);
    if (rp == std::string_view::npos) return fail("byte compare has no closing ')'");
    const std::string_view params = s.substr(lp + 1, rp - lp - 1);
    const Fields f = SplitFields(params, '#', 4);
    if (f.size() != 3) return fail("byte compare needs exactly 3 '#'-separated parameters");
    // Offset.
    const std::string_view off = f[0];
    std::uint64_t mag = 0;
    if (off.starts_with(">>") || off.starts_with("<<")) {
      // strtol must stop at the field's end, which an empty shift does
      // (tested: "0(>>#hb2#=0)" loads).
      const std::string_view shift = off.substr(2);
      if (!shift.empty() && !StrtolWhole(shift, 0, &mag, &neg)) {
        return fail("byte compare offset shift is not a number");
      }
    } else if (!off.empty() && off[0] != '0') {
      return fail("byte compare offset must be >>N, <<N or 0");
    }
    // Options and length.
    const std::string_view ol = f[1];
    std::size_t k = 0;
    while (k < ol.size() && !(ol[k] >= '0' && ol[k] <= '9')) ++k;
    const std::string_view opts = ol.substr(0, k);
    int base_opts = 0;
    bool has_h = false, has_d = false, has_i = false, has_l = false, has_b = false;
    for (char c : opts) {
      switch (c) {
        case 'h': has_h = true; break;
        case 'd': has_d = true; break;
        case 'i': has_i = true; break;
        case 'a': break;
        case 'l': has_l = true; break;
        case 'b': has_b = true; break;
        case 'e': break;
        default: return fail("byte compare option " + Quote(std::string_view(&c, 1)) + " is invalid");
      }
    }
    for (char c : std::string_view("hdai")) base_opts += opts.find(c) != std::string_view::npos ? 1 : 0;
    if (base_opts > 1 || (has_l && has_b) || (has_d && has_l)) return fail("byte compare options conflict");
    const std::string_view len = ol.substr(k);
    if (!StrtolWhole(len, 0, &mag, &neg) || mag == 0) return fail("byte compare length is not a non-zero number");
    if (has_i && !neg && !(mag == 1 || mag == 2 || mag == 4 || mag == 8)) {
      return fail("byte compare length must be 1, 2, 4 or 8 with 'i'");
    }
    if (has_h && !neg && mag > kMaxBcompHexLen) return fail("byte compare length above 18 with 'h'");
    // Comparisons.
    const Fields cmps = SplitFields(f[2], ',', 3);
    if (cmps.size() > 2) return fail("byte compare has more than one ',' in its comparisons");
    for (std::string_view c : cmps) {
      if (c.empty() || (c[0] != '<' && c[0] != '>' && c[0] != '=')) {
        return fail("byte compare comparison must start with <, > or =");
      }
      const std::string_view v = c.substr(1);
      if (!v.empty() && !StrtolWhole(v, 0, &mag, &neg)) return fail("byte compare value is not a number");
    }
  }

  static void CheckFuzzy(std::string_view s, const Where& where, LineResult& r) {
    const Fields f = SplitFields(s, '#', 4);
    if (f.size() < 2 || f[1].size() != kFuzzyHashLen || !AllHex(f[1])) {
      r.Fail(Code::kLintLdbFuzzyHash, where + "image fuzzy hash must be 16 hex digits");
      return;
    }
    if (f.size() >= 3) {
      std::uint32_t d = 0;
      auto [p, ec] = std::from_chars(f[2].data(), f[2].data() + f[2].size(), d);
      if (ec != std::errc() || p != f[2].data() + f[2].size() || d != 0) {
        r.Fail(Code::kLintLdbFuzzyHash, where + "only a hamming distance of 0 is supported");
      }
    }
  }

  // ::w interleaves a 00 byte after every byte token; brackets and braces are
  // copied as they are.
  static std::string Widen(std::string_view p) {
    std::string out;
    out.reserve(p.size() * 2);
    std::size_t i = 0;
    while (i < p.size()) {
      const char c = p[i];
      if (c == '(' || c == ')' || c == '|' || c == '!' || c == '*') {
        out += c;
        ++i;
      } else if (c == '{' || c == '[') {
        const std::size_t close = p.find(c == '{' ? '}' : ']', i);
        const std::size_t end = close == std::string_view::npos ? p.size() : close + 1;
        out.append(p.substr(i, end - i));
        i = end;
      } else if (i + 1 < p.size()) {
        out.append(p.substr(i, 2));
        out.append("00");
        i += 2;
      } else {
        out += c;
        ++i;
      }
    }
    return out;
  }

  static std::string FullWord(std::string_view p) {
    std::string out = "(W)";
    for (char c : p) out += c == '[' ? '{' : c == ']' ? '}' : c;
    out += "(W)";
    return out;
  }

  void CheckContent(std::string_view s, std::uint32_t target, std::uint32_t declared, const Where& where,
                    LineResult& r) {
    const Fields t = SplitFields(s, ':', 5);
    std::string_view offset;
    std::string_view hex = t[0];
    std::string_view mods;
    bool has_offset = false;
    switch (t.size()) {
      case 2: offset = t[0]; hex = t[1]; has_offset = true; break;
      case 3: hex = t[0]; mods = t[2]; break;
      case 4: offset = t[0]; hex = t[1]; mods = t[3]; has_offset = true; break;
      default: break;
    }
    bool wide = false, ascii = false, fullword = false;
    for (char c : mods) {
      if (c == 'w') wide = true;
      else if (c == 'a') ascii = true;
      else if (c == 'f') fullword = true;
      else if (c != 'i') {
        r.Fail(Code::kLintLdbModifier, where + "unknown modifier " + Quote(std::string_view(&c, 1)) +
                                           " (allowed: i w f a)");
        return;
      }
    }
    if (!mods.empty()) NeedsEngine(declared, kDocFlevelPcre, "a ::i/w/f/a modifier", r);
    PatternContext ctx;
    ctx.target = static_cast<int>(target);
    ctx.always_ac = true;
    ctx.has_modifiers = !mods.empty();
    if (has_offset) {
      CheckOffset(offset, ctx.target, r);
      if (r.done()) return;
    }
    auto check = [&](bool widen) {
      // Only a modifier rewrites the pattern; the common case checks it in place.
      std::string rewritten;
      std::string_view p = hex;
      if (widen || fullword) {
        rewritten = widen ? Widen(hex) : std::string(hex);
        if (fullword) rewritten = FullWord(rewritten);
        p = rewritten;
      }
      LineResult sub;
      CheckBodyPattern(p, ctx, sub);
      for (const Issue& issue : sub.issues()) {
        if (issue.severity >= Severity::kError) {
          r.Fail(issue.code, where + issue.message);
        } else {
          r.Note(issue.code, issue.severity, where + issue.message);
        }
      }
    };
    if (wide) check(true);
    if (!r.done() && (!wide || ascii)) check(false);
  }

  Flevel fl_;
};

}  // namespace

std::unique_ptr<LineChecker> MakeLdbChecker(Flevel fl) { return std::make_unique<LdbChecker>(fl); }

}  // namespace cvdguard::internal::lint
