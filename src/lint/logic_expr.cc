// See logic_expr.h. The engine's parser recurses on both sides of the first
// top-level operator and on "(...)" with its first and last character cut
// off; here the same ranges go through an explicit work list, so depth costs
// heap, not stack.
//
// Done naively, every range rescans everything inside it, which is quadratic
// in the nesting depth: a 4 KB line nested 2000 deep took 15 ms. But a scan
// only acts on characters at relative depth 0 and 1. Inside a group that
// opens at depth 1 it only lowers and raises the depth and remembers the last
// ')' as the modifier character. So the scan jumps from such a '(' straight
// to its matching ')', found once per expression. Each character is then
// looked at a small constant number of times over the whole work list. A
// step budget proportional to the length stays as a guard, so the cost is
// linear whatever the input.
#include "lint/logic_expr.h"

#include <utility>
#include <vector>

#include "lint/lint_internal.h"

namespace cvdguard::internal::lint {
namespace {

// Steps allowed per character of the expression, plus a constant. Every shape
// tried (deep nesting to either side, long operator chains, modifiers at each
// level, random expressions) stays under 4 steps per character; hitting the
// cap is reported as "too complex" instead of guessing.
constexpr std::uint64_t kStepsPerChar = 16;
constexpr std::uint64_t kStepsBase = 4096;
constexpr std::size_t kNoMatch = static_cast<std::size_t>(-1);
// Subsignature indexes >= 2^31 come back from the engine as negative ints.
// -1 (4294967295, or "-1" through sscanf's %u) is its failure value; any
// other negative one is passed over by the MAX that combines the two sides
// of an operator (tested: "(0&1&-2&3)&(4|1)" loads with 5 subsignatures,
// "0&-1" fails; a lone "-2" leaves no index, and the count check fails).
constexpr std::uint32_t kMaxIndex = 0x7fffffffu;
constexpr std::uint32_t kFailureIndex = 0xffffffffu;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

LogicResult ParseLogic(std::string_view s) {
  LogicResult out;
  // [begin, end) ranges still to parse. Kept per thread: one allocation
  // instead of one per line (the function is not reentrant).
  thread_local std::vector<std::pair<std::size_t, std::size_t>> work;
  // match[p]: for a '(' at p, the position of its ')' (kNoMatch if none).
  thread_local std::vector<std::size_t> match;
  thread_local std::vector<std::size_t> open;
  match.assign(s.size(), kNoMatch);
  open.clear();
  for (std::size_t p = 0; p < s.size(); ++p) {
    if (s[p] == '(') {
      open.push_back(p);
    } else if (s[p] == ')' && !open.empty()) {
      match[open.back()] = p;
      open.pop_back();
    }
  }
  work.clear();
  work.emplace_back(0, s.size());
  const std::uint64_t budget = kStepsBase + kStepsPerChar * s.size();
  std::uint64_t steps = 0;
  std::uint32_t max_index = 0;
  bool any_index = false;
  bool negative_index = false;
  auto fail = [&](std::string why) {
    out.error = std::move(why);
    out.steps = steps;
    return out;
  };
  while (!work.empty()) {
    const auto [b, e] = work.back();
    work.pop_back();
    const std::size_t len = e - b;
    std::size_t depth = 0;
    char op = 0;
    char op1 = 0;
    char mod = 0;
    std::size_t opoff = 0;
    std::size_t op1off = 0;
    std::size_t modoff = 0;
    std::size_t blkend = 0;
    for (std::size_t i = 0; i < len; ++i) {
      if (++steps > budget) {
        out.too_complex = true;
        return fail("logical expression too complex to verify");
      }
      const char c = s[b + i];
      if (c == '(' && depth == 1) {
        // Nothing inside changes the outcome; its ')' is the last modifier.
        const std::size_t close = match[b + i];
        if (close == kNoMatch || close >= e)
          return fail("syntax error: missing closing parenthesis");
        i = close - b;
        mod = ')';
        modoff = i;
        continue;
      }
      if (c == '(') {
        ++depth;
      } else if (c == ')') {
        if (depth == 0) return fail("syntax error: missing opening parenthesis");
        --depth;
        mod = c;
        modoff = i;
      } else if (c == '<' || c == '>' || c == '=') {
        mod = c;
        modoff = i;
      } else if (c == '&' || c == '|') {
        if (depth == 0) {
          op = c;
          opoff = i;
        } else if (depth == 1) {
          op1 = c;
          op1off = i;
        }
      }
      if (op != 0) break;
      if (op1 != 0 && depth == 0) {
        blkend = i;
        if (i + 1 < len && (s[b + i + 1] == '<' || s[b + i + 1] == '>' || s[b + i + 1] == '=')) {
          std::uint32_t v = 0;
          std::size_t used = 0;
          const std::size_t at = b + i + 2;
          if (at > s.size() || !ScanUnsigned(s.substr(at), &v, &used)) {
            return fail(std::string("syntax error: missing number after '") + s[b + i + 1] + "'");
          }
          i += 2;
          while (i + 1 < len && (IsDigit(s[b + i + 1]) || s[b + i + 1] == ',')) ++i;
        }
        if (i + 1 >= len) break;
      }
    }
    if (depth != 0) return fail("syntax error: missing closing parenthesis");
    if (op == 0 && op1 == 0) {
      if (len >= 2 && s[b] == '(') {
        work.emplace_back(b + 1, e - 1);  // the engine strips both ends blindly
        continue;
      }
      std::uint32_t id = 0;
      std::size_t used = 0;
      if (b >= s.size() || !ScanUnsigned(s.substr(b), &id, &used)) {
        return fail("can't parse " + Quote(s.substr(b, len)));
      }
      if (mod != 0) {
        std::uint32_t v = 0;
        const std::size_t at = b + modoff + 1;
        if (at > s.size() || !ScanUnsigned(s.substr(at), &v, &used)) {
          return fail(std::string("syntax error: missing number after '") + mod + "'");
        }
      }
      if (id == kFailureIndex) return fail("subsignature index reads as -1");
      if (id > kMaxIndex) {  // negative as an int: no index
        negative_index = true;
        continue;
      }
      any_index = true;
      if (id > max_index) max_index = id;
      continue;
    }
    std::size_t lstart = b;
    std::size_t rend = e;
    if (op == 0) {
      opoff = op1off;
      lstart = b + 1;
      rend = b + blkend;
    }
    if (opoff == 0) return fail("syntax error: missing left argument");
    if (opoff + 1 == len) return fail("syntax error: missing right argument");
    work.emplace_back(b + opoff + 1, rend);
    work.emplace_back(lstart, b + opoff);
  }
  if (!any_index) return fail("no subsignature index that is not negative");
  out.ok = true;
  out.max_index = max_index;
  out.negative_index = negative_index;
  out.steps = steps;
  return out;
}

}  // namespace cvdguard::internal::lint
