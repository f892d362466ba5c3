// Phishing lists: .pdb/.gdb (R H S) and .wdb (X Y M S) (SIGNATURES.md 12).
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "lint/lint_internal.h"
#include "lint/regex_check.h"

namespace cvdguard::internal::lint {
namespace {

// A bracket expression ending the regex still yields a static suffix when it
// has at most this many members (SIGNATURES.md 12, step 5).
constexpr std::size_t kMaxSuffixClass = 16;
// Every alternative must end in a static suffix of at least this length
// (tested: "R:ab|cd" loads, "R:a|cd" and "R:ab|c)" fail; the appended '/'
// counts, so "R:a" loads).
constexpr std::size_t kMinSuffix = 2;
// Nesting of groups followed at the end of a regex; deeper is refused as too
// complex rather than recursing without bound.
constexpr int kMaxSuffixDepth = 64;

// Index past the bracket expression starting at s[i] == '[' (npos if open).
std::size_t BracketEnd(std::string_view s, std::size_t i) {
  std::size_t j = i + 1;
  if (j < s.size() && s[j] == '^') ++j;
  if (j < s.size() && s[j] == ']') ++j;
  while (j < s.size() && s[j] != ']') {
    if (s[j] == '[' && j + 1 < s.size() && (s[j + 1] == ':' || s[j + 1] == '.' || s[j + 1] == '=')) {
      const std::size_t close = s.find(std::string{s[j + 1], ']'}, j + 2);
      if (close == std::string_view::npos) return std::string_view::npos;
      j = close + 2;
      continue;
    }
    ++j;
  }
  return j < s.size() ? j + 1 : std::string_view::npos;
}

std::size_t GroupEnd(std::string_view s, std::size_t i) {
  std::size_t depth = 0;
  for (std::size_t j = i; j < s.size(); ++j) {
    if (s[j] == '\\') {
      ++j;
    } else if (s[j] == '[') {
      const std::size_t e = BracketEnd(s, j);
      if (e == std::string_view::npos) return e;
      j = e - 1;
    } else if (s[j] == '(') {
      ++depth;
    } else if (s[j] == ')' && --depth == 0) {
      return j + 1;
    }
  }
  return std::string_view::npos;
}

std::vector<std::string_view> TopLevelBranches(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t j = 0; j < s.size(); ++j) {
    if (s[j] == '\\') {
      ++j;
    } else if (s[j] == '[') {
      const std::size_t e = BracketEnd(s, j);
      if (e == std::string_view::npos) break;
      j = e - 1;
    } else if (s[j] == '(') {
      const std::size_t e = GroupEnd(s, j);
      if (e == std::string_view::npos) break;
      j = e - 1;
    } else if (s[j] == '|') {
      out.push_back(s.substr(start, j - start));
      start = j + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

struct SuffixRun;
SuffixRun AlternativesSuffix(std::string_view re, std::size_t before, int depth);

// The suffix extractor has its own parser, which ends the expression at an
// unmatched ')' (the regex compiler takes that ')' as a literal). Tested:
// "R:ab|cd)" loads, "X:....com([/?].*)?:.)+\\.amazon\\.com" has no suffix.
// What the extractor parses of the regex, with the loader's '/' appended when
// it reaches the end. An empty group "()" fails the extractor unless it sits
// after a '|' of its own group or of an enclosing one: then the alternative
// from that '|' on is dropped and the parse ends there (tested: "R:ab|cd()",
// "R:ab|()cd", "R:ab|c()d", "R:baa|()" and "R:x(ab|cd())" load; "R:ab()|cd",
// "R:()ab|cd" and "R:abcd()" fail). An alternative that an unmatched ')'
// leaves empty is dropped too (tested: "R:ba|)." and "R:ab|cd|)." load,
// "R:b|)." does not).
struct ExtractorText {
  std::string text;
  bool empty_group = false;  // the extractor fails
};

ExtractorText ExtractorView(std::string_view s) {
  ExtractorText out;
  // bars[d]: where the last '|' of the group open at depth d is (0: the top
  // level), npos before any.
  std::vector<std::size_t> bars(1, std::string_view::npos);
  for (std::size_t j = 0; j < s.size(); ++j) {
    if (s[j] == '\\') {
      ++j;
    } else if (s[j] == '[') {
      const std::size_t e = BracketEnd(s, j);
      if (e == std::string_view::npos) break;
      j = e - 1;
    } else if (s[j] == '(') {
      if (j + 1 < s.size() && s[j + 1] == ')') {
        std::size_t level = bars.size();
        while (level > 0 && bars[level - 1] == std::string_view::npos) --level;
        if (level == 0) {
          out.empty_group = true;
          return out;
        }
        out.text = std::string(s.substr(0, bars[level - 1])) + std::string(level - 1, ')');
        return out;
      }
      bars.push_back(std::string_view::npos);
    } else if (s[j] == ')') {
      if (bars.size() == 1) {
        out.text = std::string(s.substr(0, j));
        if (!out.text.empty() && out.text.back() == '|') {
          std::size_t slashes = 0;
          while (slashes + 1 < out.text.size() && out.text[out.text.size() - 2 - slashes] == '\\') {
            ++slashes;
          }
          if (slashes % 2 == 0) out.text.pop_back();
        }
        return out;
      }
      bars.pop_back();
    } else if (s[j] == '|') {
      bars.back() = j;
    }
  }
  // The '/' the loader appends is part of the last suffix (a trailing lone
  // backslash escapes it: "R:(ab|cd)\\" loads, "Y:.+\\" does not).
  out.text = std::string(s) + '/';
  return out;
}

// Members of the bracket expression b[begin, end) as the suffix extractor
// counts them; 0 when negated. Its own reading: a '-' right before the
// closing ']' makes a range up to ']' (tested: "R:ab[17-]" and "R:ab[c:17-]"
// fail, "R:ab[c-]" and "R:ab[-c]" load).
std::size_t ClassMembers(std::string_view b, std::size_t begin, std::size_t end) {
  const std::string_view cls = b.substr(begin + 1, end - begin - 2);
  if (!cls.empty() && cls[0] == '^') return 0;
  std::size_t members = 0;
  for (std::size_t k = 0; k < cls.size(); ++k) {
    const bool range = k + 2 < cls.size() && cls[k + 1] == '-';
    const bool to_close = k + 2 == cls.size() && cls[k + 1] == '-' && cls[k] <= ']';
    if (range || to_close) {
      const auto lo = static_cast<unsigned char>(cls[k]);
      const auto hi = static_cast<unsigned char>(to_close ? ']' : cls[k + 2]);
      members += hi >= lo ? static_cast<std::size_t>(hi - lo) + 1 : 1;
      k += to_close ? 1 : 2;
    } else {
      ++members;
    }
  }
  return members;
}

// The static suffix a branch yields: its shortest length (over the choices
// of its groups), and whether every atom of the branch is static, in which
// case the suffix runs on into what comes before the branch.
struct SuffixRun {
  std::size_t min_length;
  bool whole;
};

// Tested against libclamav 1.4.6 (the rows in lint_linter_test.cc): a
// literal, escaped character, '^', '{' or '}' adds 1; '$' adds 0; a class of
// at most 16 members adds 1; a group adds its alternatives' shortest suffix;
// '+' changes nothing; '.', a larger or negated class, '*' and '?' end the
// run (the suffix restarts after them).
SuffixRun BranchSuffix(std::string_view b, int depth) {
  SuffixRun run{0, true};
  std::size_t i = 0;
  while (i < b.size()) {
    const char c = b[i];
    std::size_t end = i + 1;
    bool is_static = true;
    std::size_t length = run.min_length + 1;
    bool whole = run.whole;
    if (c == '\\') {
      if (i + 1 >= b.size()) return {0, false};
      end = i + 2;
    } else if (c == '[') {
      end = BracketEnd(b, i);
      if (end == std::string_view::npos) return {0, false};
      const std::size_t members = ClassMembers(b, i, end);
      is_static = members > 0 && members <= kMaxSuffixClass;
    } else if (c == '(') {
      end = GroupEnd(b, i);
      if (end == std::string_view::npos) return {0, false};
      const SuffixRun group =
          AlternativesSuffix(b.substr(i + 1, end - i - 2), run.min_length, depth + 1);
      length = group.min_length;
      whole = whole && group.whole;
    } else if (c == '.') {
      is_static = false;
    } else if (c == '$') {
      length = run.min_length;
    }
    std::size_t q = end;
    while (q < b.size() && (b[q] == '*' || b[q] == '+' || b[q] == '?')) {
      if (b[q] != '+') is_static = false;
      ++q;
    }
    run = is_static ? SuffixRun{length, whole} : SuffixRun{0, false};
    i = q;
  }
  return run;
}

// `before`: the suffix length that precedes the alternatives.
SuffixRun AlternativesSuffix(std::string_view re, std::size_t before, int depth) {
  if (depth > kMaxSuffixDepth) return {0, false};
  SuffixRun out{std::numeric_limits<std::size_t>::max(), true};
  for (std::string_view b : TopLevelBranches(re)) {
    const SuffixRun r = BranchSuffix(b, depth);
    out.min_length = std::min(out.min_length, r.whole ? r.min_length + before : r.min_length);
    out.whole = out.whole && r.whole;
  }
  return out;
}

class PhishChecker final : public LineChecker {
 public:
  PhishChecker(bool wdb, Flevel fl) : wdb_(wdb), fl_(fl) {}
  FormatTraits traits() const override {
    FormatTraits t;
    t.blank = BlankRule::kSkip;
    t.empty_fails = false;
    return t;
  }

  void CheckLine(std::string_view line, LineResult& r) override {
    const std::size_t last = line.rfind(':');
    if (last != std::string_view::npos) {
      const std::string_view suf = line.substr(last + 1);
      // Either side may be empty (tested: "Q:x:-215" is skipped, "R:-"
      // becomes "R", which has no ':').
      const std::size_t dash = suf.find('-');
      if (dash != std::string_view::npos && AllDigits(suf.substr(0, dash)) &&
          AllDigits(suf.substr(dash + 1))) {
        const std::string_view max = suf.substr(dash + 1);
        const std::optional<std::uint32_t> maxv =
            max.empty() ? std::nullopt : std::optional<std::uint32_t>(AtoiAsUnsigned(max));
        if (fl_.Excludes(AtoiAsUnsigned(suf.substr(0, dash)), maxv)) {
          r.FlevelSkip("flevel range " + std::string(suf) + " excludes flevel " + std::to_string(*fl_.level));
          return;
        }
        line = line.substr(0, last);
      } else if (!suf.empty() && AllDigits(suf) && line.find(':') != last) {
        r.Note(Code::kLintPhishFlevelNoDash, Severity::kWarning,
               "':" + std::string(suf) + "' is not an flevel range (write " + std::string(suf) +
                   "-); it stays part of the pattern");
      }
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      r.Fail(Code::kLintPhishType, "line has no ':' (malformed regex list line)");
      return;
    }
    const char type = line[0];
    const std::string_view content = line.substr(colon + 1);
    const bool regex = wdb_ ? (type == 'X' || type == 'Y') : type == 'R';
    const bool host = wdb_ ? type == 'M' : type == 'H';
    if (regex) return CheckRegex(content, r);
    if (host) {
      if (content.empty()) r.Fail(Code::kLintPhishEmpty, "empty host");
      return;
    }
    if (type == 'S') return CheckHash(content, r);
    r.Fail(Code::kLintPhishType, "type " + Quote(line.substr(0, 1)) + " is not valid in " +
                                     (wdb_ ? ".wdb (X Y M S)" : ".pdb/.gdb (R H S)"));
  }

 private:
  void CheckRegex(std::string_view re, LineResult& r) {
    for (std::string_view tail : {std::string_view("([/?].*)?"), std::string_view("([/?].*)")}) {
      if (re.ends_with(tail)) {
        re.remove_suffix(tail.size());
        break;
      }
    }
    if (std::optional<std::string> e = EreSyntaxError(std::string(re) + "/")) {
      r.Fail(Code::kLintPhishRegex, "regex " + Quote(re) + " does not compile: " + *e);
      return;
    }
    // The suffix extractor refuses an empty group (tested: "R:a()b",
    // "R:a(b()c)d" fail, "R:a[()]b", "R:a\(\)b" and "R:ab)()c" load), though
    // the compiler accepts one (".cdb" "()ab" loads); see ExtractorView.
    const ExtractorText view = ExtractorView(re);
    if (view.empty_group) {
      r.Fail(Code::kLintPhishRegex, "regex " + Quote(re) + " has an empty group '()'");
      return;
    }
    const std::string& text = view.text;
    if (AlternativesSuffix(text, 0, 0).min_length < kMinSuffix) {
      r.Fail(Code::kLintPhishNoSuffix,
             "regex " + Quote(re) +
                 " has no static suffix of 2 characters in some alternative (each must end in"
                 " literals, small classes or groups of such, not '.', '*' or '?'; the last one"
                 " gets a '/')");
    }
  }

  void CheckHash(std::string_view c, LineResult& r) {
    if (c.size() < 2 || c[1] != ':') {
      r.Fail(Code::kLintPhishHash, "S: entry must be W:, F: or P: followed by hex");
      return;
    }
    const char sub = c[0];
    const std::string_view hex = c.substr(2);
    const bool allowed = wdb_ ? sub == 'W' : (sub == 'W' || sub == 'F' || sub == 'P');
    if (!allowed) {
      r.Fail(Code::kLintPhishHash, "S: sub-type " + Quote(c.substr(0, 1)) + " is not valid here");
      return;
    }
    if (hex.empty() || !AllHex(hex) || hex.size() % 2 != 0) {
      r.Fail(Code::kLintPhishHash, "S: hash " + Quote(hex) + " is not a non-empty hex string");
    }
  }

  bool wdb_;
  Flevel fl_;
};

}  // namespace

std::unique_ptr<LineChecker> MakePhishChecker(std::string_view ext, Flevel fl) {
  return std::make_unique<PhishChecker>(ext == "wdb", fl);
}

}  // namespace cvdguard::internal::lint
