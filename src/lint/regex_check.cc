// See regex_check.h. Both checkers are single left-to-right passes with an
// explicit depth counter (no recursion), so any input is linear time.
#include "lint/regex_check.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <vector>

#include "lint/lint_internal.h"

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

// A POSIX class name both regex engines know ("[:alpha:]").
bool IsPosixClassName(std::string_view name) {
  return std::find(kPosixClasses.begin(), kPosixClasses.end(), name) != kPosixClasses.end();
}

// PCRE2's escapes, as libclamav 1.4.6's PCRE2 compiles them (each letter
// tested alone, inside and outside a class). Outside a class these letters
// stand alone; \g, \k, \o, \p and \P need what follows them (below).
constexpr std::string_view kPcreEscapeLetters = "abcdefhnrstvwxzABCDEGHKNQRSVWXZ";
// Inside a class: these stand alone (\o, \p, \P and \Q need more).
constexpr std::string_view kPcreClassEscapeLetters = "abcdefghnrstvwxDEHSVW";
// The one-letter property names (\pL).
// Case does not matter (tested: "\\pz" and "\\pl" compile, "\\pq" does not).
constexpr std::string_view kPcreShortProperties = "CLMNPSZclmnpsz";

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Whether the escape \e, followed by `next` (0 at the end), compiles.
// Digits are left to the callers (octal, back-references).
const char* PcreEscapeError(char e, char next, bool in_class) {
  if (!IsAsciiLetter(e)) return nullptr;
  if (e == 'o') return next == '{' ? nullptr : "\\o is not followed by {";
  if (e == 'p' || e == 'P') {
    return next == '{' || (next != 0 && kPcreShortProperties.find(next) != std::string_view::npos)
               ? nullptr
               : "unknown property after \\p or \\P";
  }
  if (in_class) {
    if (e == 'Q' || kPcreClassEscapeLetters.find(e) != std::string_view::npos) return nullptr;
    if (e == 'N') return "\\N is not supported in a class";
    if (e == 'B' || e == 'R' || e == 'X' || e == 'A' || e == 'z' || e == 'Z' || e == 'G' ||
        e == 'K' || e == 'C' || e == 'k') {
      return "escape sequence is invalid in character class";
    }
    return "unrecognized character follows \\";
  }
  // Tested: "a\\Nb" compiles, "a\\N{b" and "a\\N{U+41}b" do not.
  if (e == 'N' && next == '{') return "\\N{...} is not supported";
  if (kPcreEscapeLetters.find(e) != std::string_view::npos) return nullptr;
  if (e == 'g') {
    return next != 0 && std::string_view("0123456789{<'+-").find(next) != std::string_view::npos
               ? nullptr
               : "\\g is not followed by a number or a name";
  }
  if (e == 'k') {
    return next == '<' || next == '\'' || next == '{' ? nullptr : "\\k is not followed by a name";
  }
  return "unrecognized character follows \\";
}

// PCRE2's test for POSIX syntax ("[:name:]", "[.x.]", "[=x=]") at s[from],
// just after the '[' and the terminator `term`: true when "term]" comes
// before any ']' or "[term".
bool LooksLikePosixSyntax(std::string_view s, std::size_t from, char term) {
  for (std::size_t k = from; k + 1 < s.size(); ++k) {
    if (s[k] == '\\' && (s[k + 1] == ']' || s[k + 1] == '\\')) {
      ++k;
    } else if ((s[k] == '[' && s[k + 1] == term) || s[k] == ']') {
      return false;
    } else if (s[k] == term && s[k + 1] == ']') {
      return true;
    }
  }
  return false;
}

// One item of a PCRE character class: a class (\d, [:alpha:], ...), a
// character with a known value, or one whose value is not modelled.
struct PcreClassItem {
  enum Kind : std::uint8_t { kClass, kChar, kUnknownChar } kind = kUnknownChar;
  unsigned value = 0;
};

// Reads the item at s[*j] and moves past it. False when the class is cut
// short (a trailing backslash, an unclosed \Q), or with *error set for an
// item PCRE2 refuses (a bad [:name:], a collating element, an escape).
bool ReadPcreClassItem(std::string_view s, std::size_t* j, PcreClassItem* item,
                       std::string* error) {
  const std::size_t n = s.size();
  auto hex_value = [&](std::size_t from, std::size_t max_digits, std::size_t* used) {
    unsigned v = 0;
    std::size_t k = 0;
    for (; k < max_digits && from + k < n && IsHexDigit(s[from + k]); ++k) {
      const char c = s[from + k];
      v = v * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    *used = k;
    return v;
  };
  const char c = s[*j];
  if (c == '[' && *j + 1 < n && (s[*j + 1] == ':' || s[*j + 1] == '.' || s[*j + 1] == '=') &&
      LooksLikePosixSyntax(s, *j + 2, s[*j + 1])) {
    const char kind = s[*j + 1];
    if (kind != ':') {
      // Tested: "a[[.a.]]b" and "a[[=a=]]b" fail to compile.
      *error = "POSIX collating elements are not supported by PCRE";
      return false;
    }
    const std::size_t close = s.find(":]", *j + 2);  // found: LooksLikePosixSyntax
    const std::string_view name = s.substr(*j + 2, close - *j - 2);
    // PCRE2 also knows "word" and a negated "^name".
    const bool known =
        IsPosixClassName(name) || name == "word" || (!name.empty() && name[0] == '^');
    if (!known) {
      *error = "unknown POSIX class name";
      return false;
    }
    item->kind = PcreClassItem::kClass;
    *j = close + 2;
    return true;
  }
  if (c != '\\') {
    *item = {PcreClassItem::kChar, static_cast<unsigned char>(c)};
    ++*j;
    return true;
  }
  if (*j + 1 >= n) return false;
  const char e = s[*j + 1];
  if (const char* why = PcreEscapeError(e, *j + 2 < n ? s[*j + 2] : 0, /*in_class=*/true)) {
    *error = why;
    return false;
  }
  *j += 2;
  std::size_t used = 0;
  if (e == 'Q') {  // quoted to \E: literal characters, not modelled
    const std::size_t end = s.find("\\E", *j);
    if (end == std::string_view::npos) return false;
    item->kind = PcreClassItem::kUnknownChar;
    *j = end + 2;
    return true;
  }
  switch (e) {
    case 'd':
    case 'D':
    case 's':
    case 'S':
    case 'w':
    case 'W':
    case 'h':
    case 'H':
    case 'v':
    case 'V':
      item->kind = PcreClassItem::kClass;
      return true;
    case 'p':
    case 'P':
      item->kind = PcreClassItem::kClass;
      if (*j < n && s[*j] == '{') {
        const std::size_t close = s.find('}', *j);
        *j = close == std::string_view::npos ? n : close + 1;
      } else if (*j < n) {
        ++*j;
      }
      return true;
    case 'x':
      if (*j < n && s[*j] == '{') {
        const unsigned v = hex_value(*j + 1, 8, &used);
        if (used > 0 && *j + 1 + used < n && s[*j + 1 + used] == '}') {
          *item = {PcreClassItem::kChar, v};
          *j += used + 2;
          return true;
        }
        item->kind = PcreClassItem::kUnknownChar;
        return true;
      }
      *item = {PcreClassItem::kChar, hex_value(*j, 2, &used)};
      *j += used;
      return true;
    case 'n':
      *item = {PcreClassItem::kChar, '\n'};
      return true;
    case 't':
      *item = {PcreClassItem::kChar, '\t'};
      return true;
    case 'r':
      *item = {PcreClassItem::kChar, '\r'};
      return true;
    case 'f':
      *item = {PcreClassItem::kChar, '\f'};
      return true;
    case 'a':
      *item = {PcreClassItem::kChar, 7};
      return true;
    case 'b':
      *item = {PcreClassItem::kChar, 8};
      return true;
    case 'e':
      *item = {PcreClassItem::kChar, 27};
      return true;
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      // Octal, up to 3 digits, at most \377 (tested: [\2-\1], [%-\00] and
      // [\101-\100] are out of order, [\777-a] is too large).
      unsigned v = static_cast<unsigned>(e - '0');
      for (int k = 0; k < 2 && *j < n && s[*j] >= '0' && s[*j] <= '7'; ++k, ++*j) {
        v = v * 8 + static_cast<unsigned>(s[*j] - '0');
      }
      if (v > 0377) {
        *error = "octal value is greater than \\377";
        return false;
      }
      *item = {PcreClassItem::kChar, v};
      return true;
    }
    case '8':
    case '9':  // the digit itself (tested: [\9-\8] is out of order)
      *item = {PcreClassItem::kChar, static_cast<unsigned char>(e)};
      return true;
    default:
      if ((e >= 'A' && e <= 'Z') || (e >= 'a' && e <= 'z')) {
        item->kind = PcreClassItem::kUnknownChar;  // \c, \o{}, ...: not modelled
      } else {
        *item = {PcreClassItem::kChar, static_cast<unsigned char>(e)};
      }
      return true;
  }
}

// Skips a PCRE bracket expression starting at s[i] == '['. Returns the index
// past ']' or npos; *error set for a bad [:class:] or range. A ']' right
// after the '[' (and any '^') is literal; a '-' first, last or right after a
// range is literal; any other '-' makes a range, which may not have a class
// at either end nor run backwards (tested with libclamav 1.4.6's PCRE2:
// [z-a], [\x{7a}-a], [a-\n], [\d-z], [a-\d] and [[:alpha:]-z] fail to
// compile; [a-c-e], [--/], [%--], [\w-], [-\w], [\]-a] and [\--a] compile).
std::size_t SkipPcreBracket(std::string_view s, std::size_t i, std::string* error) {
  const std::size_t n = s.size();
  std::size_t j = i + 1;
  // Tested: "a[:alpha:]b", "a[.n.]b" and "a[=a=]b" fail to compile; "a[:x]b"
  // compiles.
  if (j < n && (s[j] == ':' || s[j] == '.' || s[j] == '=') &&
      LooksLikePosixSyntax(s, j + 1, s[j])) {
    *error = s[j] == ':' ? "POSIX named classes are supported only within a class"
                         : "POSIX collating elements are not supported";
    return std::string_view::npos;
  }
  if (j < n && s[j] == '^') ++j;
  bool first = true;
  while (j < n) {
    // \E outside \Q...\E is ignored, even where a leading ']' is literal
    // (tested: "a[\E]b" has no closing ']').
    while (j + 1 < n && s[j] == '\\' && s[j + 1] == 'E') j += 2;
    if (j >= n) break;
    if (s[j] == ']' && !first) return j + 1;
    first = false;
    PcreClassItem lo;
    if (!ReadPcreClassItem(s, &j, &lo, error)) return std::string_view::npos;
    if (!(j + 1 < n && s[j] == '-' && s[j + 1] != ']')) continue;
    ++j;
    PcreClassItem hi;
    if (!ReadPcreClassItem(s, &j, &hi, error)) return std::string_view::npos;
    if (lo.kind == PcreClassItem::kClass || hi.kind == PcreClassItem::kClass) {
      *error = "invalid range in a character class";
      return std::string_view::npos;
    }
    if (lo.kind == PcreClassItem::kChar && hi.kind == PcreClassItem::kChar && lo.value > hi.value) {
      *error = "range out of order in a character class";
      return std::string_view::npos;
    }
    if (j < n && s[j] == '-') ++j;  // literal right after a range
  }
  return std::string_view::npos;
}

// The character names the bundled regex knows in "[.name.]" and "[=name=]"
// (the POSIX portable set; exact, case-sensitive). Tested: BEL, IS4,
// hyphen-minus, space, left-curly-bracket load; "foo", "bel" and an empty
// name are refused.
struct CharName {
  std::string_view name;
  char value;
};
constexpr CharName kCharNames[] = {
    {"NUL", 0},
    {"SOH", 1},
    {"STX", 2},
    {"ETX", 3},
    {"EOT", 4},
    {"ENQ", 5},
    {"ACK", 6},
    {"BEL", 7},
    {"alert", 7},
    {"BS", 8},
    {"backspace", 8},
    {"HT", 9},
    {"tab", 9},
    {"LF", 10},
    {"newline", 10},
    {"VT", 11},
    {"vertical-tab", 11},
    {"FF", 12},
    {"form-feed", 12},
    {"CR", 13},
    {"carriage-return", 13},
    {"SO", 14},
    {"SI", 15},
    {"DLE", 16},
    {"DC1", 17},
    {"DC2", 18},
    {"DC3", 19},
    {"DC4", 20},
    {"NAK", 21},
    {"SYN", 22},
    {"ETB", 23},
    {"CAN", 24},
    {"EM", 25},
    {"SUB", 26},
    {"ESC", 27},
    {"IS4", 28},
    {"FS", 28},
    {"IS3", 29},
    {"GS", 29},
    {"IS2", 30},
    {"RS", 30},
    {"IS1", 31},
    {"US", 31},
    {"space", ' '},
    {"exclamation-mark", '!'},
    {"quotation-mark", '"'},
    {"number-sign", '#'},
    {"dollar-sign", '$'},
    {"percent-sign", '%'},
    {"ampersand", '&'},
    {"apostrophe", '\''},
    {"left-parenthesis", '('},
    {"right-parenthesis", ')'},
    {"asterisk", '*'},
    {"plus-sign", '+'},
    {"comma", ','},
    {"hyphen", '-'},
    {"hyphen-minus", '-'},
    {"period", '.'},
    {"full-stop", '.'},
    {"slash", '/'},
    {"solidus", '/'},
    {"zero", '0'},
    {"one", '1'},
    {"two", '2'},
    {"three", '3'},
    {"four", '4'},
    {"five", '5'},
    {"six", '6'},
    {"seven", '7'},
    {"eight", '8'},
    {"nine", '9'},
    {"colon", ':'},
    {"semicolon", ';'},
    {"less-than-sign", '<'},
    {"equals-sign", '='},
    {"greater-than-sign", '>'},
    {"question-mark", '?'},
    {"commercial-at", '@'},
    {"left-square-bracket", '['},
    {"backslash", '\\'},
    {"reverse-solidus", '\\'},
    {"right-square-bracket", ']'},
    {"circumflex", '^'},
    {"circumflex-accent", '^'},
    {"underscore", '_'},
    {"low-line", '_'},
    {"grave-accent", '`'},
    {"left-brace", '{'},
    {"left-curly-bracket", '{'},
    {"vertical-line", '|'},
    {"right-brace", '}'},
    {"right-curly-bracket", '}'},
    {"tilde", '~'},
    {"DEL", 127},
};

// The value of a collating element's name: one character stands for
// itself, a longer name must be in kCharNames.
std::optional<char> CollatingValue(std::string_view name) {
  for (const CharName& c : kCharNames) {
    if (c.name == name) return c.value;
  }
  if (name.size() == 1) return name[0];
  return std::nullopt;
}

// A POSIX bracket expression starting at s[i] == '[', read the way
// libclamav's bundled (Spencer) regcomp reads it. Returns the index past
// its ']' or npos with *error set. A leading ']' or '-' (after any '^') is
// literal, and so is a '-' right before the closing ']'; any other '-' that
// starts a term is an error, and a range must not run backwards in byte
// order (tested: [9-/], [z-a], [--/], [a-c-e], []-a], [[:alpha:]-z] and
// [b-[.a.]] are refused; [%--], [a-], [[.a.]-b] and [a-z] load).
std::size_t SkipEreBracket(std::string_view s, std::size_t i, std::string* error) {
  const std::size_t n = s.size();
  std::size_t j = i + 1;
  auto fail = [error](const char* why) {
    *error = why;
    return std::string_view::npos;
  };
  if (j < n && s[j] == '^') ++j;
  if (j < n && (s[j] == ']' || s[j] == '-')) ++j;
  // A symbol at s[*k]: one character, or a collating element "[.name.]".
  // Sets *value to the character as the engine compares it (a signed char:
  // tested, [a-\xe9] is refused and [\xe9-\xf0] loads). False with *error
  // set for an element that is not closed or not a known name.
  auto symbol = [&](std::size_t* k, int* value) {
    if (*k + 1 < n && s[*k] == '[' && s[*k + 1] == '.') {
      const std::size_t close = s.find(".]", *k + 2);
      if (close == std::string_view::npos) {
        *error = "brackets not balanced";
        return false;
      }
      const std::optional<char> v = CollatingValue(s.substr(*k + 2, close - *k - 2));
      if (!v) {
        *error = "unknown collating element";
        return false;
      }
      *value = static_cast<signed char>(*v);
      *k = close + 2;
      return true;
    }
    *value = static_cast<signed char>(s[(*k)++]);
    return true;
  };
  while (j < n && s[j] != ']' && !(s[j] == '-' && j + 1 < n && s[j + 1] == ']')) {
    if (s[j] == '[' && j + 1 < n && (s[j + 1] == ':' || s[j + 1] == '=')) {
      const char kind = s[j + 1];
      const std::size_t close = s.find(std::string{kind, ']'}, j + 2);
      if (close == std::string_view::npos) return fail("brackets not balanced");
      const std::string_view name = s.substr(j + 2, close - j - 2);
      if (kind == ':') {
        if (!IsPosixClassName(name)) return fail("unknown POSIX class name");
      } else if (!CollatingValue(name)) {
        return fail("unknown collating element");
      }
      j = close + 2;
      continue;
    }
    if (s[j] == '-') return fail("'-' starts a term inside a bracket expression (invalid range)");
    int start = 0;
    if (!symbol(&j, &start)) return std::string_view::npos;
    int finish = start;
    if (j + 1 < n && s[j] == '-' && s[j + 1] != ']') {
      ++j;
      if (s[j] == '-') {
        finish = '-';
        ++j;
      } else if (!symbol(&j, &finish)) {
        return std::string_view::npos;
      }
    }
    if (start > finish) {
      return fail("range out of order in a bracket expression");
    }
  }
  if (j < n && s[j] == '-') ++j;
  if (j >= n || s[j] != ']') return fail("brackets not balanced");
  return j + 1;
}

// The names of the named groups, "(?<n>", "(?'n'" and "(?P<n>", wherever
// they are (PCRE2 resolves references to them after the whole pattern).
std::vector<std::string_view> PcreGroupNames(std::string_view s) {
  std::vector<std::string_view> names;
  for (std::size_t k = s.find("(?"); k != std::string_view::npos; k = s.find("(?", k + 2)) {
    std::size_t from = k + 2;
    if (from < s.size() && s[from] == 'P') ++from;
    if (from >= s.size() || (s[from] != '<' && s[from] != '\'')) continue;
    if (s[from] == '<' && from + 1 < s.size() && (s[from + 1] == '=' || s[from + 1] == '!')) {
      continue;
    }
    const std::size_t end = s.find(s[from] == '<' ? '>' : '\'', from + 1);
    if (end != std::string_view::npos) names.push_back(s.substr(from + 1, end - from - 1));
  }
  return names;
}

// A reference after \k or \g (s[i] is the letter): a group number, a
// relative one (+n, -n) or a name, in <>, '' or {} (\g also takes bare
// digits). Raises *max_number for numbers; the error for a reference that
// cannot resolve (tested: "a\k<n>b", "a\k{b", "a\g<n>b" and "a(x)\g2b"
// fail; "a(?<n>x)\k{n}b", "a(x)\g{-1}b" and "a(x)\g1b" compile).
const char* PcreReferenceError(std::string_view s, std::size_t i,
                               const std::vector<std::string_view>& names, unsigned* max_number,
                               std::size_t* end) {
  std::size_t k = i + 1;
  std::string_view ref;
  if (k < s.size() && (s[k] == '<' || s[k] == '\'' || s[k] == '{')) {
    const char close = s[k] == '<' ? '>' : s[k] == '{' ? '}' : '\'';
    const std::size_t c = s.find(close, k + 1);
    if (c == std::string_view::npos) return "syntax error in subpattern name (missing terminator)";
    ref = s.substr(k + 1, c - k - 1);
    *end = c + 1;
  } else {  // \g followed by digits, with an optional sign
    std::size_t e = k;
    if (e < s.size() && (s[e] == '+' || s[e] == '-')) ++e;
    while (e < s.size() && IsDigit(s[e])) ++e;
    ref = s.substr(k, e - k);
    *end = e;
  }
  if (!ref.empty() && (ref[0] == '+' || ref[0] == '-')) return nullptr;  // relative
  if (!ref.empty() && IsDigit(ref[0])) {
    unsigned v = 0;
    for (char d : ref) {
      if (!IsDigit(d)) return "reference to non-existent subpattern";
      v = v > 100000 ? v : v * 10 + static_cast<unsigned>(d - '0');
    }
    if (v > *max_number) *max_number = v;
    return nullptr;
  }
  for (std::string_view n : names) {
    if (n == ref) return nullptr;
  }
  return "reference to non-existent subpattern";
}

}  // namespace

std::optional<std::string> PcreSyntaxError(std::string_view s, bool extended) {
  std::size_t depth = 0;
  bool repeatable = false;     // the previous item can take a quantifier
  bool after_quant = false;    // just after a quantifier (a '+' or '?' may follow once)
  std::size_t i = 0;
  unsigned groups = 0;
  unsigned max_backref = 0;
  const std::vector<std::string_view> names = PcreGroupNames(s);
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
      if (const char* why = PcreEscapeError(n, i + 2 < s.size() ? s[i + 2] : 0, false)) return why;
      if (n == 'k' || n == 'g') {
        std::size_t end = i + 2;
        if (const char* why = PcreReferenceError(s, i + 1, names, &max_backref, &end)) return why;
        i = end;
        repeatable = true;
        after_quant = false;
        continue;
      }
      if (n == 'Q') {  // quoted to \E (or to the end): literal characters
        const std::size_t end = s.find("\\E", i + 2);
        i = end == std::string_view::npos ? s.size() : end + 2;
        repeatable = true;
        after_quant = false;
        continue;
      }
      if (n >= '1' && n <= '9') {
        unsigned v = static_cast<unsigned>(n - '0');
        if (v > max_backref) max_backref = v;
      }
      i += 2;
      after_quant = false;
      if (n == 'E') continue;  // ignored: a quantifier applies to what came before
      // Assertions take no quantifier (tested: "a\\b*b", "a\\b{2}b", "a\\B*b",
      // "a\\A*b", "a\\z*b", "a\\Z*b", "a\\G*b" and "a\\K*b" fail to compile).
      repeatable = std::string_view("bBAzZGK").find(n) == std::string_view::npos;
      continue;
    }
    if (c == '[') {
      std::string error;
      const std::size_t end = SkipPcreBracket(s, i, &error);
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
      const std::size_t end = SkipEreBracket(s, i, &error);
      if (end == std::string_view::npos) return error;
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
