// Phishing lists: .pdb/.gdb (R H S) and .wdb (X Y M S) (SIGNATURES.md 12).
#include <string>
#include <vector>

#include "lint/lint_internal.h"
#include "lint/regex_check.h"

namespace cvdguard::internal::lint {
namespace {

// A bracket expression ending the regex still yields a static suffix when it
// has at most this many members (SIGNATURES.md 12, step 5).
constexpr std::size_t kMaxSuffixClass = 16;
// Nesting of groups followed at the end of a regex; deeper is refused as too
// complex rather than recursing without bound.
constexpr int kMaxSuffixDepth = 64;

struct Atom {
  char kind;  // 'l' literal, '.' any, '[' class, '(' group, '^' '$' anchors
  std::size_t begin;
  std::size_t end;  // exclusive, without the quantifier
  std::string_view quant;
};

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

bool SuffixOk(std::string_view re, int depth);

// The suffix extractor has its own parser, which ends the expression at an
// unmatched ')' (the regex compiler takes that ')' as a literal). Tested:
// "R:ab|cd)" loads, "X:....com([/?].*)?:.)+\\.amazon\\.com" has no suffix.
std::string_view UpToUnmatchedClose(std::string_view s) {
  std::size_t depth = 0;
  for (std::size_t j = 0; j < s.size(); ++j) {
    if (s[j] == '\\') {
      ++j;
    } else if (s[j] == '[') {
      const std::size_t e = BracketEnd(s, j);
      if (e == std::string_view::npos) return s;
      j = e - 1;
    } else if (s[j] == '(') {
      ++depth;
    } else if (s[j] == ')') {
      if (depth == 0) return s.substr(0, j);
      --depth;
    }
  }
  return s;
}

bool BranchEndsStatic(std::string_view b, int depth) {
  std::optional<Atom> last;
  std::size_t i = 0;
  while (i < b.size()) {
    Atom a{'l', i, i + 1, {}};
    const char c = b[i];
    if (c == '\\') {
      if (i + 1 >= b.size()) return false;  // cannot happen after CheckRegex's trim
      a.end = i + 2;
    } else if (c == '[') {
      a.kind = '[';
      a.end = BracketEnd(b, i);
      if (a.end == std::string_view::npos) return false;
    } else if (c == '(') {
      a.kind = '(';
      a.end = GroupEnd(b, i);
      if (a.end == std::string_view::npos) return false;
    } else if (c == '.' || c == '^' || c == '$') {
      a.kind = c;
    }
    std::size_t q = a.end;
    while (q < b.size() && (b[q] == '*' || b[q] == '+' || b[q] == '?' || b[q] == '{')) {
      if (b[q] == '{') {
        const std::size_t close = b.find('}', q);
        if (close == std::string_view::npos) break;
        q = close + 1;
      } else {
        ++q;
      }
    }
    a.quant = b.substr(a.end, q - a.end);
    last = a;
    i = q;
  }
  if (!last) return false;
  const std::string_view qt = last->quant;
  if (qt.find('*') != std::string_view::npos || qt.find('?') != std::string_view::npos ||
      qt.starts_with("{0") || qt.starts_with("{,")) {
    return false;
  }
  switch (last->kind) {
    case 'l':
      return true;
    case '[': {
      const std::string_view cls = b.substr(last->begin + 1, last->end - last->begin - 2);
      if (!cls.empty() && cls[0] == '^') return false;
      std::size_t members = 0;
      for (std::size_t k = 0; k < cls.size(); ++k) {
        if (k + 2 < cls.size() && cls[k + 1] == '-') {
          const auto lo = static_cast<unsigned char>(cls[k]);
          const auto hi = static_cast<unsigned char>(cls[k + 2]);
          members += hi >= lo ? static_cast<std::size_t>(hi - lo) + 1 : 1;
          k += 2;
        } else {
          ++members;
        }
      }
      return members <= kMaxSuffixClass;
    }
    case '(':
      return SuffixOk(b.substr(last->begin + 1, last->end - last->begin - 2), depth + 1);
    default:
      return false;
  }
}

bool SuffixOk(std::string_view re, int depth) {
  if (depth > kMaxSuffixDepth) return false;
  for (std::string_view b : TopLevelBranches(re)) {
    if (!BranchEndsStatic(b, depth)) return false;
  }
  return true;
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
      const std::size_t dash = suf.find('-');
      if (dash != std::string_view::npos && dash > 0 && AllDigits(suf.substr(0, dash)) &&
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
    std::string_view head = UpToUnmatchedClose(re);
    // A trailing lone backslash escapes the '/' the loader appends, which is
    // then just the usual '/' (tested: "R:(ab|cd)\\" loads, "Y:.+\\" does not).
    std::size_t slashes = 0;
    while (slashes < head.size() && head[head.size() - 1 - slashes] == '\\') ++slashes;
    if (slashes % 2 == 1) head.remove_suffix(1);
    if (head.empty() || !SuffixOk(head, 0)) {
      r.Fail(Code::kLintPhishNoSuffix, "regex " + Quote(re) +
                                           " has no static suffix (it must end in a literal, a small"
                                           " class or a group of such; not '.', '*' or '?')");
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
