// Body-pattern checks: SIGNATURES.md 3.2 (wildcard expansion and splitting),
// 3.3 (BM/AC routing), 3.4 (AC steps C1-C7) and 3.5 (offsets).
#include "lint/hex_pattern.h"

#include <array>
#include <charconv>
#include <string>
#include <vector>

namespace cvdguard::internal::lint {
namespace {

// {N} with N in 1..127 is expanded into N "??" tokens (SIGNATURES.md 3.2).
constexpr unsigned kMaxInlineGap = 127;
// libclamav accepts up to 15 '(' inside one group, i.e. 16 levels (3.4 C3).
constexpr std::size_t kMaxInnerGroups = 15;
// [n-m] anchors allow at most 32 bytes of gap (3.4 C2).
constexpr unsigned kMaxAnchorGap = 32;
// The pre-filter looks at the first 255 elements only (3.4 C6).
constexpr std::size_t kPrefilterWindow = 255;
// Offsets longer than this are refused by cli_caloff (3.5).
constexpr std::size_t kMaxOffsetLen = 64;
// cli_caloff supports macro groups 0..31 (3.5).
constexpr std::uint32_t kMaxMacroGroups = 32;

enum class Kind : std::uint8_t { kLiteral, kAny, kNibble, kByteSet, kStringSet, kGeneric, kSpecial };

struct Elem {
  Kind kind;
  bool nonzero;  // a literal byte other than 00 (the only use of its value)
};

// The elements of one pattern part: at most one per character. Parts are
// checked millions of times per database; most fit the inline buffer.
class ElemList {
 public:
  explicit ElemList(std::size_t max) {
    if (max > kInline) {
      heap_.resize(max);
      data_ = heap_.data();
    }
  }
  ElemList(const ElemList&) = delete;
  ElemList& operator=(const ElemList&) = delete;
  void push_back(Elem e) { data_[n_++] = e; }
  std::size_t size() const { return n_; }
  const Elem& operator[](std::size_t i) const { return data_[i]; }

 private:
  static constexpr std::size_t kInline = 512;
  Elem inline_[kInline];
  std::vector<Elem> heap_;
  Elem* data_ = inline_;
  std::size_t n_ = 0;
};

bool IsGroupKind(Kind k) {
  return k == Kind::kByteSet || k == Kind::kStringSet || k == Kind::kGeneric || k == Kind::kSpecial;
}

bool ParseSmallNumber(std::string_view s, unsigned* out) {
  if (s.empty() || s.size() > 9 || !AllDigits(s)) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Byte token of two characters: "??", "x?", "?x" or two hex digits.
bool IsByteToken(std::string_view t) {
  if (t.size() != 2) return false;
  const bool a = IsHexDigit(t[0]) || t[0] == '?';
  const bool b = IsHexDigit(t[1]) || t[1] == '?';
  return a && b;
}

// Whether the literal byte of two hex digits is not 00.
bool NonZeroByte(char hi, char lo) { return hi != '0' || lo != '0'; }

// Finds the ')' matching the '(' at `open`; counts '(' inside it.
std::size_t MatchParen(std::string_view s, std::size_t open, std::size_t* inner_opens) {
  std::size_t depth = 0;
  *inner_opens = 0;
  for (std::size_t i = open; i < s.size(); ++i) {
    if (s[i] == '(') {
      if (depth > 0) ++*inner_opens;
      ++depth;
    } else if (s[i] == ')') {
      if (--depth == 0) return i;
    }
  }
  return std::string_view::npos;
}

std::vector<std::string_view> SplitTopLevelBars(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(') ++depth;
    else if (s[i] == ')' && depth > 0) --depth;
    else if (s[i] == '|' && depth == 0) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

// Sets of length parities: bit 0 even, bit 1 odd.
constexpr unsigned kEven = 1;
constexpr unsigned kOdd = 2;

// The parities of a + b for a in `x` and b in `y`.
unsigned AddParities(unsigned x, unsigned y) {
  unsigned out = 0;
  if (x & kEven) out |= y;
  if (x & kOdd) out |= ((y & kEven) ? kOdd : 0) | ((y & kOdd) ? kEven : 0);
  return out;
}

// A branch of a generic alternation: hex digits, '?' and nested groups. The
// engine expands nested groups as text, one alternative per combination, and
// parses each expansion as hex bytes (tested: "d(aabb|ccdd)ddd" and
// "d(a|bbb)dd" load, "d(a|bb)d" is refused with "Malformed hexstring: dad").
// So only the expansions need whole bytes; *parities gets the parities of
// their lengths, which is linear to compute where the expansions are not.
// Nesting is already limited to 16 levels by the caller, which bounds the
// recursion.
bool GenericBranchParities(std::string_view b, unsigned* parities, std::string* why) {
  unsigned acc = kEven;
  std::size_t i = 0;
  while (i < b.size()) {
    if (b[i] == '(') {
      std::size_t inner = 0;
      const std::size_t close = MatchParen(b, i, &inner);
      if (close == std::string_view::npos) {
        *why = "missing closing parenthesis";
        return false;
      }
      const std::string_view content = b.substr(i + 1, close - i - 1);
      if (content.empty()) {
        *why = "empty block '()'";
        return false;
      }
      if (content == "B" || content == "L" || content == "W") {
        // Tested: "aabb((L)|dddd)eeff" is refused.
        *why = "(B)/(L)/(W) cannot be used inside an alternative";
        return false;
      }
      unsigned group = 0;
      for (std::string_view sub : SplitTopLevelBars(content)) {
        unsigned sub_parities = 0;
        if (!GenericBranchParities(sub, &sub_parities, why)) return false;
        group |= sub_parities;
      }
      acc = AddParities(acc, group);
      i = close + 1;
      continue;
    }
    if (!IsHexDigit(b[i]) && b[i] != '?') {
      *why = "invalid character in an alternative";
      return false;
    }
    acc = AddParities(acc, kOdd);
    ++i;
  }
  *parities = acc;
  return true;
}

// A top-level branch: every expansion must be whole bytes.
bool ValidGenericBranch(std::string_view b, std::string* why) {
  unsigned parities = 0;
  if (!GenericBranchParities(b, &parities, why)) return false;
  if (parities != kEven) {
    *why = "an expansion of the alternative " + Quote(b) + " has an odd number of hex characters";
    return false;
  }
  return true;
}

struct PartChecker {
  const PatternContext& ctx;
  LineResult& result;

  bool Fail(Code code, const std::string& msg) {
    result.Fail(code, msg);
    return false;
  }

  // Read like sscanf("%u-%u"): trailing junk is ignored and a lone number
  // means n = m (tested: "aa[1[1-5]bbccdd" loads).
  bool ParseAnchorRange(std::string_view r) {
    std::uint32_t n = 0;
    std::uint32_t m = 0;
    std::size_t used = 0;
    if (!ScanUnsigned(r, &n, &used)) return false;
    m = n;
    if (used < r.size() && r[used] == '-') {
      std::size_t used2 = 0;
      if (!ScanUnsigned(r.substr(used + 1), &m, &used2)) m = n;
    }
    return n <= m && m <= kMaxAnchorGap;
  }

  // C2: strips [n-m] anchors; returns the remaining text.
  bool StripAnchors(std::string_view part, std::string_view* rest) {
    *rest = part;
    const std::size_t lb = part.find('[');
    if (lb == std::string_view::npos) return true;
    const std::size_t rb = part.find(']', lb);
    auto msg = [part] {
      return "malformed [n-m] anchor in " + Quote(part) +
             " (needs XX[n-m]REST or REST[n-m]XX with n <= m <= 32)";
    };
    if (rb == std::string_view::npos || !ParseAnchorRange(part.substr(lb + 1, rb - lb - 1))) {
      return Fail(Code::kLintPatternBadAnchor, msg());
    }
    const std::string_view before = part.substr(0, lb);
    const std::string_view after = part.substr(rb + 1);
    if (before.size() == 2) {
      if (!IsByteToken(before)) return Fail(Code::kLintPatternBadHex, "invalid anchor byte in " + Quote(part));
      std::string_view mid = after;
      const std::size_t lb2 = mid.find('[');
      if (lb2 != std::string_view::npos) {
        const std::size_t rb2 = mid.find(']', lb2);
        if (rb2 == std::string_view::npos || !ParseAnchorRange(mid.substr(lb2 + 1, rb2 - lb2 - 1))) {
          return Fail(Code::kLintPatternBadAnchor, msg());
        }
        const std::string_view tail = mid.substr(rb2 + 1);
        if (tail.size() != 2) return Fail(Code::kLintPatternBadAnchor, msg());
        if (!IsByteToken(tail)) return Fail(Code::kLintPatternBadHex, "invalid anchor byte in " + Quote(part));
        mid = mid.substr(0, lb2);
      }
      if (mid.find('[') != std::string_view::npos) return Fail(Code::kLintPatternBadAnchor, msg());
      *rest = mid;
      return true;
    }
    if (after.size() == 2) {
      if (!IsByteToken(after)) return Fail(Code::kLintPatternBadHex, "invalid anchor byte in " + Quote(part));
      *rest = before;
      return true;
    }
    return Fail(Code::kLintPatternBadAnchor, msg());
  }

  // C3 + C4: element list of `rest`.
  bool Elements(std::string_view rest, ElemList* elems) {
    std::size_t i = 0;
    while (i < rest.size()) {
      bool negate = false;
      std::size_t start = i;
      if (rest[i] == '!' && i + 1 < rest.size() && rest[i + 1] == '(') {
        negate = true;
        ++i;
      }
      if (rest[i] == '(') {
        std::size_t inner = 0;
        const std::size_t close = MatchParen(rest, i, &inner);
        if (close == std::string_view::npos) {
          return Fail(Code::kLintPatternBadGroup, "missing closing parenthesis in " + Quote(rest));
        }
        const std::string_view content = rest.substr(i + 1, close - i - 1);
        if (content.empty()) return Fail(Code::kLintPatternBadGroup, "empty block '()'");
        if (inner > kMaxInnerGroups) {
          return Fail(Code::kLintPatternBadGroup, "alternatives nested deeper than 16 levels");
        }
        i = close + 1;
        if (content == "B" || content == "L" || content == "W") {
          const bool at_edge = start == 0 || close + 1 == rest.size();
          if (!at_edge) elems->push_back({Kind::kSpecial, false});
          continue;
        }
        const std::vector<std::string_view> branches = SplitTopLevelBars(content);
        // The engine's length test: every branch after the first non-empty
        // one must have its length; empty branches before it are not
        // compared. So "(|cc)" is taken as fixed-length and then refused for
        // its empty branch, while "(cc|)" and "(|cc|)" are generic (tested).
        std::size_t first_len = 0;
        bool same_len = true;
        for (std::string_view b : branches) {
          if (first_len == 0) {
            first_len = b.size();
          } else if (b.size() != first_len) {
            same_len = false;
          }
        }
        const bool fixed = !ctx.has_modifiers && content.find('?') == std::string_view::npos &&
                           content.find('(') == std::string_view::npos && same_len;
        if (fixed) {
          for (std::string_view b : branches) {
            if (b.empty() || b.size() % 2 != 0 || !AllHex(b)) {
              return Fail(Code::kLintPatternBadHex, "alternative " + Quote(b) + " is not whole hex bytes");
            }
          }
          elems->push_back({branches[0].size() == 2 ? Kind::kByteSet : Kind::kStringSet, false});
          continue;
        }
        if (negate) {
          return Fail(Code::kLintPatternBadGroup,
                      "negation '!(...)' is only allowed on fixed-length hex alternatives"
                      " (and never with ::i/w/f/a modifiers)");
        }
        if (content.find("!(") != std::string_view::npos) {
          return Fail(Code::kLintPatternBadGroup, "generic alternatives cannot contain negations");
        }
        std::string why;
        for (std::string_view b : branches) {
          if (!ValidGenericBranch(b, &why)) return Fail(Code::kLintPatternBadHex, why + " in " + Quote(content));
        }
        elems->push_back({Kind::kGeneric, false});
        continue;
      }
      // Most of a pattern is literal hex bytes, and expanded {N} gaps are
      // runs of "??": take both without the token analysis below.
      if (i + 1 < rest.size() && IsHexDigit(rest[i]) && IsHexDigit(rest[i + 1])) {
        elems->push_back({Kind::kLiteral, NonZeroByte(rest[i], rest[i + 1])});
        i += 2;
        continue;
      }
      if (i + 1 < rest.size() && rest[i] == '?' && rest[i + 1] == '?') {
        elems->push_back({Kind::kAny, false});
        i += 2;
        continue;
      }
      if (i + 1 >= rest.size()) {
        return Fail(Code::kLintPatternBadHex, "odd number of hex characters in " + Quote(rest));
      }
      const std::string_view t = rest.substr(i, 2);
      if (!IsByteToken(t)) {
        return Fail(Code::kLintPatternBadHex, "invalid character in hex pattern " + Quote(rest));
      }
      if (t == "??") {
        elems->push_back({Kind::kAny, false});
      } else if (t[0] == '?' || t[1] == '?') {
        elems->push_back({Kind::kNibble, false});
      } else {
        elems->push_back({Kind::kLiteral, NonZeroByte(t[0], t[1])});
      }
      i += 2;
    }
    return true;
  }

  bool CheckPart(std::string_view part) {
    if (part.size() / 2 < 2) {
      return Fail(Code::kLintPatternTooShort, "pattern part " + Quote(part) + " is shorter than 2 bytes");
    }
    if (IsLiteralPart(part)) return true;  // the common part
    std::string_view rest;
    if (!StripAnchors(part, &rest)) return false;
    ElemList elems(rest.size());
    if (!Elements(rest, &elems)) return false;
    if (elems.size() < 2) {
      return Fail(Code::kLintPatternTooShort,
                  "pattern part " + Quote(part) + " has fewer than 2 elements (AC trie minimum depth)");
    }
    if (ctx.target == 0 || ctx.target == 1 || ctx.target == 4 || ctx.target == 7) {
      std::size_t k = 0;
      while (k < elems.size() && k < kPrefilterWindow && IsGroupKind(elems[k].kind) &&
             elems[k].kind != Kind::kByteSet) {
        ++k;
      }
      std::size_t run = 0;
      bool all_any_pairs = true;
      for (std::size_t j = k; j < elems.size() && j < kPrefilterWindow; ++j) {
        const Kind kk = elems[j].kind;
        if (IsGroupKind(kk) && kk != Kind::kByteSet) break;
        ++run;
        if (run >= 2 && !(elems[j - 1].kind == Kind::kAny && kk == Kind::kAny)) all_any_pairs = false;
      }
      if (run < 2 || all_any_pairs) {
        return Fail(Code::kLintPatternPrefilter,
                    "no pre-filter can be built for " + Quote(part) + " in target " +
                        std::to_string(ctx.target) +
                        " (needs 2 leading byte-like elements before any multi-byte group)");
      }
    }
    const std::size_t head = elems.size() < 3 ? elems.size() : 3;
    bool wild = false;
    bool all_zero = true;
    for (std::size_t j = 0; j < head; ++j) {
      if (elems[j].kind != Kind::kLiteral) wild = true;
      if (elems[j].kind != Kind::kLiteral || elems[j].nonzero) all_zero = false;
    }
    if (wild || all_zero) {
      bool pair = false;
      for (std::size_t j = 0; j + 1 < elems.size() && !pair; ++j) {
        pair = elems[j].kind == Kind::kLiteral && elems[j + 1].kind == Kind::kLiteral;
      }
      if (!pair) {
        return Fail(Code::kLintPatternNoStaticPair,
                    "pattern part " + Quote(part) + " has no 2 consecutive static bytes");
      }
    }
    return true;
  }
};

// Step A: expands small {N}; true when a split ({...} or *) is still needed.
bool ExpandInlineGaps(std::string_view in, std::string* out) {
  out->clear();
  std::size_t i = 0;
  for (;;) {
    const std::size_t open = in.find('{', i);
    if (open == std::string_view::npos) {
      out->append(in.substr(i));
      return out->find('*') != std::string::npos;
    }
    const std::size_t close = in.find('}', open);
    // The first token is expanded when it reads, like strtol over the whole
    // token (leading blanks and a sign allowed), as 1-127 (tested: "{ 5}",
    // "{+127}" and "{05}" expand; "{5 }" and "{+128}" do not).
    std::uint64_t n = 0;
    bool negative = false;
    if (close != std::string_view::npos &&
        StrtolWhole(in.substr(open + 1, close - open - 1), 10, &n, &negative) && !negative &&
        n >= 1 && n <= kMaxInlineGap) {
      out->append(in.substr(i, open - i));
      out->append(2 * std::size_t{n}, '?');  // n "??" tokens
      i = close + 1;
      continue;
    }
    out->append(in.substr(i));
    return true;
  }
}

// A {...} token that splits the pattern, read as libclamav 1.4.6 reads it:
// without a '-', digits only (an empty token is 0); with one, fields 0 and 1
// as cli_strtok gives them (a run of '-' is one separator and an empty field
// is absent), each digits only, and no field 2. Each number goes through
// atoi and must not come out negative. Tested: {--5}, {5--6}, {-5-}, {--}
// and {4294967296} load; {1-2-3}, {+5} (when it splits), { 5-6}, {5 },
// {2147483648} and {1-2147483648} are refused.
bool CheckGapToken(std::string_view content, LineResult& result) {
  auto number_ok = [](std::string_view n) {
    return AllDigits(n) && static_cast<std::int32_t>(AtoiAsUnsigned(n)) >= 0;
  };
  bool ok = true;
  std::optional<std::string_view> lo, hi;
  if (content.find('-') == std::string_view::npos) {
    ok = number_ok(content);
  } else {
    lo = StrtokField(content, '-', 0);
    hi = StrtokField(content, '-', 1);
    ok = (!lo || number_ok(*lo)) && (!hi || number_ok(*hi)) && !StrtokField(content, '-', 2);
  }
  if (!ok) {
    result.Fail(Code::kLintPatternBadWildcard, "malformed wildcard {" + std::string(content.substr(0, 40)) + "}");
    return false;
  }
  unsigned a = 0;
  unsigned b = 0;
  if (lo && hi && ParseSmallNumber(*lo, &a) && ParseSmallNumber(*hi, &b) && a > b) {
    result.Note(Code::kLintPatternReversedRange, Severity::kWarning,
                "wildcard {" + std::string(content) + "} has A > B and never matches");
  }
  return true;
}

// Which of the characters that route a pattern a text contains, found in
// one pass (patterns are short; one loop beats a search per character).
enum : std::uint8_t { kHasBrace = 1, kHasStar = 2, kHasAcOnly = 4 };
constexpr std::array<std::uint8_t, 256> kPatternCharTable = [] {
  std::array<std::uint8_t, 256> t{};
  t['{'] = kHasBrace;
  t['*'] = kHasStar;
  t['?'] = t['('] = t['['] = kHasAcOnly;  // a Boyer-Moore pattern has none of these
  return t;
}();

std::uint8_t PatternChars(std::string_view s) {
  std::uint8_t flags = 0;
  for (const char c : s) flags |= kPatternCharTable[static_cast<unsigned char>(c)];
  return flags;
}

}  // namespace

bool IsLiteralPart(std::string_view part) {
  return part.size() >= 4 && part.size() % 2 == 0 && AllHex(part);
}

void CheckBodyPattern(std::string_view pattern, const PatternContext& ctx, LineResult& result) {
  // Without '{' there is nothing to expand: check the pattern in place.
  std::string storage;
  std::string_view s = pattern;
  // Most patterns are hex digits only, which hold none of those characters.
  bool all_hex = AllHex(pattern);
  std::uint8_t chars = all_hex ? 0 : PatternChars(pattern);
  bool split = (chars & kHasStar) != 0;
  if ((chars & kHasBrace) != 0) {
    split = ExpandInlineGaps(pattern, &storage);
    s = storage;
    all_hex = AllHex(s);
    chars = PatternChars(s);
  }
  PartChecker checker{ctx, result};
  if (split) {
    std::vector<std::string_view> parts;
    std::size_t depth = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '(') {
        ++depth;
      } else if (c == ')') {
        if (depth > 0) --depth;
      } else if (c == '{' || c == '*') {
        if (depth > 0) {
          result.Fail(Code::kLintPatternBadWildcard,
                      c == '*' ? "alternative contains an unbounded '*' wildcard"
                               : "alternative contains a {n-m} ranged wildcard");
          return;
        }
        parts.push_back(s.substr(start, i - start));
        if (c == '{') {
          const std::size_t close = s.find('}', i);
          if (close == std::string_view::npos) {
            result.Fail(Code::kLintPatternBadWildcard, "'{' without a matching '}'");
            return;
          }
          if (!CheckGapToken(s.substr(i + 1, close - i - 1), result)) return;
          i = close;
        }
        start = i + 1;
      }
    }
    parts.push_back(s.substr(start));
    for (std::size_t k = 0; k < parts.size(); ++k) {
      if (parts[k].empty()) {
        result.Fail(Code::kLintPatternBadWildcard,
                    "part " + std::to_string(k + 1) + " of the split pattern is empty");
        return;
      }
    }
    for (std::string_view part : parts) {
      if (!checker.CheckPart(part)) return;
    }
    return;
  }
  auto offset_ok_for_bm = [&ctx] {
    return ctx.offset.find("VI") == std::string_view::npos &&
           ctx.offset.find('$') == std::string_view::npos &&
           (ctx.target != 1 ||
            (ctx.offset != "*" && ctx.offset.find(',') == std::string_view::npos));
  };
  const bool bm = !ctx.always_ac && !ctx.has_modifiers && (ctx.target == 0 || ctx.target == 1) &&
                  (chars & kHasAcOnly) == 0 && offset_ok_for_bm();
  if (bm) {
    if (s.size() % 2 != 0 || !all_hex) {
      result.Fail(Code::kLintPatternBadHex, "malformed hex string " + Quote(s));
    } else if (s.size() / 2 < 3) {
      result.Fail(Code::kLintPatternTooShort,
                  "static pattern " + Quote(s) + " is shorter than 3 bytes (Boyer-Moore minimum)");
    }
    return;
  }
  checker.CheckPart(s);
}

void CheckOffset(std::string_view off, int target, LineResult& result) {
  auto fail = [&](const std::string& why) {
    result.Fail(Code::kLintBadOffset, "offset " + Quote(off) + ": " + why);
  };
  if (off == "*") return;
  if (off.size() > kMaxOffsetLen) return fail("longer than 64 characters");
  std::string_view base = off;
  const std::size_t comma = off.find(',');
  if (comma != std::string_view::npos) {
    if (!AllDigits(off.substr(comma + 1))) return fail("invalid shift value after ','");
    base = off.substr(0, comma);
  }
  const bool relative_ok = target == 1 || target == 6 || target == 9;
  auto relative = [&](std::string_view digits) {
    if (!AllDigits(digits)) return fail("invalid number");
    if (!relative_ok) return fail("relative offsets need target 1, 6 or 9, not " + std::to_string(target));
  };
  if (base.starts_with("EP+") || base.starts_with("EP-")) return relative(base.substr(3));
  if (base.starts_with("SE")) return relative(base.substr(2));
  if (base.starts_with("SL+")) return relative(base.substr(3));
  if (base.starts_with("S")) {
    std::uint32_t v = 0;
    std::size_t used = 0;
    const std::string_view rest = base.substr(1);
    if (!ScanUnsigned(rest, &v, &used) || used >= rest.size() || rest[used] != '+' ||
        !ScanUnsigned(rest.substr(used + 1), &v, &used)) {
      return fail("invalid section offset (expected Sx+n)");
    }
    if (!relative_ok) return fail("relative offsets need target 1, 6 or 9, not " + std::to_string(target));
    return;
  }
  if (base.starts_with("EOF-")) {
    if (!AllDigits(base.substr(4))) return fail("invalid number after EOF-");
    return;
  }
  if (base.starts_with("VI")) {
    if (!relative_ok) return fail("VI offsets need target 1, 6 or 9, not " + std::to_string(target));
    return;
  }
  if (base.find('$') != std::string_view::npos) {
    std::uint32_t group = 0;
    std::size_t used = 0;
    if (base[0] != '$' || !ScanUnsigned(base.substr(1), &group, &used)) return fail("invalid macro offset");
    if (group >= kMaxMacroGroups) return fail("at most 32 macro groups are supported");
    return;
  }
  if (!AllDigits(base)) return fail("invalid offset value");
}

}  // namespace cvdguard::internal::lint
