// See regex_check.h. Both checkers are single left-to-right passes with an
// explicit depth counter (no recursion), so any input is linear time.
#include "lint/regex_check.h"

#include <array>
#include <charconv>
#include <cstdint>

namespace cvdguard::internal::lint {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// PCRE2's largest repeat count (PCRE2 10.42: "number too big in {} quantifier").
constexpr unsigned kPcreMaxRepeat = 65535;
// RE_DUP_MAX of libclamav's bundled regex.
constexpr unsigned kEreMaxRepeat = 255;

// Parses "{n}", "{n,}", "{n,m}" at s[i]; on success sets *end past '}'.
bool ParseBound(std::string_view s, std::size_t i, unsigned* lo, unsigned* hi, bool* has_hi,
                std::size_t* end, bool* too_big) {
  std::size_t j = i + 1;
  auto number = [&](unsigned* out) {
    const std::size_t st = j;
    std::uint64_t v = 0;
    while (j < s.size() && IsDigit(s[j])) {
      v = v * 10 + static_cast<std::uint64_t>(s[j] - '0');
      if (v > 1000000) *too_big = true;  // keep v small; any such value is too big anyway
      if (v > 1000000) v = 1000000;
      ++j;
    }
    *out = static_cast<unsigned>(v);
    return j > st;
  };
  *too_big = false;
  if (!number(lo)) return false;
  *has_hi = false;
  *hi = *lo;
  if (j < s.size() && s[j] == ',') {
    ++j;
    *has_hi = number(hi);
    if (!*has_hi) *hi = ~0u;
  } else {
    *has_hi = true;
  }
  if (j >= s.size() || s[j] != '}') return false;
  *end = j + 1;
  return true;
}

constexpr std::array<std::string_view, 12> kPosixClasses = {
    "alnum", "alpha", "blank", "cntrl", "digit", "graph",
    "lower", "print", "punct", "space", "upper", "xdigit"};

// Skips a bracket expression starting at s[i] == '['. Returns the index past
// ']' or npos; *error set for a bad [:class:].
std::size_t SkipBracket(std::string_view s, std::size_t i, bool pcre, std::string* error) {
  std::size_t j = i + 1;
  if (j < s.size() && s[j] == '^') ++j;
  if (j < s.size() && s[j] == ']') ++j;  // a leading ']' is literal
  while (j < s.size()) {
    const char c = s[j];
    if (c == ']') return j + 1;
    if (pcre && c == '\\') {
      j += 2;
      continue;
    }
    if (c == '[' && j + 1 < s.size() && (s[j + 1] == ':' || s[j + 1] == '.' || s[j + 1] == '=')) {
      const char kind = s[j + 1];
      const std::size_t close = s.find(std::string{kind, ']'}, j + 2);
      if (close == std::string_view::npos) {
        if (!pcre) return std::string_view::npos;
        ++j;
        continue;
      }
      if (kind == ':') {
        const std::string_view name = s.substr(j + 2, close - j - 2);
        bool known = false;
        for (std::string_view k : kPosixClasses) known = known || k == name || (pcre && name == "word");
        if (pcre && !name.empty() && name[0] == '^') known = true;
        if (!known) {
          *error = "unknown POSIX class name";
          return std::string_view::npos;
        }
      }
      j = close + 2;
      continue;
    }
    ++j;
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<std::string> PcreSyntaxError(std::string_view s, bool extended) {
  std::size_t depth = 0;
  bool repeatable = false;     // the previous item can take a quantifier
  bool after_quant = false;    // just after a quantifier (a '+' or '?' may follow once)
  std::size_t i = 0;
  unsigned groups = 0;
  unsigned max_backref = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (extended && (c == ' ' || c == '\t')) {
      ++i;
      continue;
    }
    if (extended && c == '#') break;  // comment to the end of the pattern
    if (c == '\\') {
      if (i + 1 >= s.size()) return "\\ at end of pattern";
      const char n = s[i + 1];
      if (n >= '1' && n <= '9') {
        unsigned v = static_cast<unsigned>(n - '0');
        if (v > max_backref) max_backref = v;
      }
      i += 2;
      repeatable = true;
      after_quant = false;
      continue;
    }
    if (c == '[') {
      std::string error;
      const std::size_t end = SkipBracket(s, i, /*pcre=*/true, &error);
      if (end == std::string_view::npos) {
        return error.empty() ? std::string("missing terminating ] for character class") : error;
      }
      i = end;
      repeatable = true;
      after_quant = false;
      continue;
    }
    if (c == '(') {
      ++depth;
      if (i + 1 < s.size() && s[i + 1] == '?') {
        if (i + 2 >= s.size()) return "unrecognized character after (?";
        const char k = s[i + 2];
        if (k == '#') {
          const std::size_t close = s.find(')', i);
          if (close == std::string_view::npos) return "missing ) after (?# comment";
          --depth;
          i = close + 1;
          continue;
        }
        constexpr std::string_view kAllowed = ":=!<>'P|-+)imsxnJUX^&R(0123456789C";
        if (kAllowed.find(k) == std::string_view::npos) return "unrecognized character after (?";
        if (k == '<' && i + 3 < s.size() && s[i + 3] != '=' && s[i + 3] != '!') ++groups;
        if (k == '\'' || k == 'P') ++groups;
        i += 2;
      } else if (i + 1 < s.size() && s[i + 1] == '*') {
        i += 2;  // (*VERB) and friends
      } else {
        ++groups;
        ++i;
      }
      repeatable = false;
      after_quant = false;
      continue;
    }
    if (c == ')') {
      if (depth == 0) return "unmatched closing parenthesis";
      --depth;
      ++i;
      repeatable = true;
      after_quant = false;
      continue;
    }
    if (c == '|') {
      ++i;
      repeatable = false;
      after_quant = false;
      continue;
    }
    if (c == '*' || c == '+' || c == '?') {
      if (after_quant && (c == '+' || c == '?')) {
        after_quant = false;  // possessive or lazy marker
        ++i;
        continue;
      }
      if (!repeatable) return "quantifier does not follow a repeatable item";
      repeatable = false;
      after_quant = true;
      ++i;
      continue;
    }
    if (c == '{') {
      unsigned lo = 0;
      unsigned hi = 0;
      bool has_hi = false;
      bool too_big = false;
      std::size_t end = 0;
      if (ParseBound(s, i, &lo, &hi, &has_hi, &end, &too_big)) {
        if (too_big || lo > kPcreMaxRepeat || (has_hi && hi != ~0u && hi > kPcreMaxRepeat)) {
          return "number too big in {} quantifier";
        }
        if (has_hi && hi != ~0u && lo > hi) return "numbers out of order in {} quantifier";
        if (!repeatable) return "quantifier does not follow a repeatable item";
        repeatable = false;
        after_quant = true;
        i = end;
        continue;
      }
      // Not a quantifier: a literal '{'.
    }
    if (c == '^' || c == '$') {
      repeatable = false;
      after_quant = false;
      ++i;
      continue;
    }
    repeatable = true;
    after_quant = false;
    ++i;
  }
  if (depth != 0) return "missing closing parenthesis";
  if (max_backref > groups) return "reference to non-existent subpattern";
  return std::nullopt;
}

std::optional<std::string> EreSyntaxError(std::string_view s) {
  if (s.empty()) return "empty regular expression";
  std::size_t depth = 0;
  bool atom_start = true;   // at the start of an expression, branch or group
  bool repeatable = false;
  bool after_repeat = false;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '\\') {
      if (i + 1 >= s.size()) return "trailing backslash";
      i += 2;
      atom_start = false;
      repeatable = true;
      after_repeat = false;
      continue;
    }
    if (c == '[') {
      std::string error;
      const std::size_t end = SkipBracket(s, i, /*pcre=*/false, &error);
      if (end == std::string_view::npos) return error.empty() ? std::string("brackets not balanced") : error;
      i = end;
      atom_start = false;
      repeatable = true;
      after_repeat = false;
      continue;
    }
    if (c == '(') {
      ++depth;
      ++i;
      atom_start = true;
      repeatable = false;
      after_repeat = false;
      if (i < s.size() && s[i] == ')') {  // "()" is an empty group, accepted
        --depth;
        ++i;
        atom_start = false;
        repeatable = true;
      }
      continue;
    }
    if (c == ')' && depth == 0) {
      // libclamav's regex takes an unmatched ')' as a literal (tested).
      ++i;
      atom_start = false;
      repeatable = true;
      after_repeat = false;
      continue;
    }
    if (c == ')') {
      if (atom_start) return "empty (sub)expression";
      --depth;
      ++i;
      atom_start = false;
      repeatable = true;
      after_repeat = false;
      continue;
    }
    if (c == '|') {
      if (atom_start) return "empty (sub)expression";
      ++i;
      atom_start = true;
      repeatable = false;
      after_repeat = false;
      continue;
    }
    const bool bound_start = c == '{' && i + 1 < s.size() && IsDigit(s[i + 1]);
    if (c == '*' || c == '+' || c == '?' || bound_start) {
      if (atom_start || after_repeat || !repeatable) return "invalid repetition operator";
      if (bound_start) {
        unsigned lo = 0;
        unsigned hi = 0;
        bool has_hi = false;
        bool too_big = false;
        std::size_t end = 0;
        if (!ParseBound(s, i, &lo, &hi, &has_hi, &end, &too_big)) return "braces not balanced";
        if (too_big || lo > kEreMaxRepeat || (hi != ~0u && hi > kEreMaxRepeat) || (hi != ~0u && lo > hi)) {
          return "invalid repetition count(s)";
        }
        i = end;
      } else {
        ++i;
      }
      after_repeat = true;
      continue;
    }
    ++i;
    atom_start = false;
    repeatable = c != '^';
    after_repeat = false;
  }
  if (depth != 0) return "parentheses not balanced";
  if (atom_start) return "empty (sub)expression";
  return std::nullopt;
}

}  // namespace cvdguard::internal::lint
