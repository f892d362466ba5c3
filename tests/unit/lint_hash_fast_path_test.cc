// The hash checker accepts plain lines on a fast path that skips the field
// split. It must report exactly what the general path reports, on every
// line: plain ones, and every near miss of a plain one.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lint/lint_internal.h"

namespace cvdguard::internal::lint {
namespace {

struct Outcome {
  bool failed;
  bool skipped;
  std::vector<std::tuple<int, int, std::string>> issues;
  bool operator==(const Outcome&) const = default;
};

Outcome Check(LineChecker& checker, std::string_view line) {
  LineResult r;
  checker.CheckLine(line, r);
  Outcome o{r.failed(), r.skipped(), {}};
  for (const Issue& i : r.issues()) o.issues.emplace_back(CodeNumber(i.code), static_cast<int>(i.severity), i.message);
  return o;
}

// Lines of both layouts, valid and near valid, plus every single-character
// substitution, deletion and insertion of a set of characters that matter to
// the rules (separators, digits, hex letters, signs, space, NUL, high bytes),
// and every truncation.
std::vector<std::string> Lines(bool size_first) {
  const std::string h32 = "0123456789abcdefABCDEF0123456789";
  const std::string h40 = h32 + "deadBEEF";
  const std::string h64 = h32 + h32;
  std::vector<std::string> base;
  for (const std::string& h : {h32, h40, h64}) {
    for (const std::string size : {"1", "68", "4294967294", "0000000009", "4294967295", "0", "*", "12345678901"}) {
      for (const std::string tail : {"", ":73", ":216", ":217", ":0", ":51:", ":51:216", ":999999999", ":1234567890",
                                     ":", "::", ":7a", ": 73", ":73:100:1"}) {
        const std::string first = size_first ? size : h;
        const std::string second = size_first ? h : size;
        base.push_back(first + ":" + second + ":Win.Test.Name-1" + tail);
        base.push_back(first + ":" + second + ":" + tail);
      }
    }
  }
  std::vector<std::string> out = base;
  const std::string alphabet = std::string(":09afAFgG*-+ x\r", 15) + std::string(1, '\0') + "\xff\x80";
  // Mutate every 21st line fully (the rest are covered by the base set): the
  // test stays a few seconds under the sanitizers.
  for (std::size_t b = 0; b < base.size(); b += 21) {
    const std::string& line = base[b];
    for (std::size_t i = 0; i <= line.size(); ++i) {
      out.push_back(line.substr(0, i));
      if (i < line.size()) out.push_back(line.substr(0, i) + line.substr(i + 1));
      for (const char c : alphabet) {
        out.push_back(line.substr(0, i) + c + line.substr(i));
        if (i < line.size()) {
          std::string s = line;
          s[i] = c;
          out.push_back(s);
        }
      }
    }
  }
  return out;
}

TEST(LintHashFastPathTest, FindsWhatTheGeneralPathFinds) {
  std::size_t clean = 0;
  std::size_t total = 0;
  for (const char* ext : {"hsb", "hdb", "fp", "imp", "mdb", "msu"}) {
    const bool size_first = std::string_view(ext)[0] == 'm';
    const std::vector<std::string> lines = Lines(size_first);
    for (const std::optional<std::uint32_t> level : {std::optional<std::uint32_t>(216), std::optional<std::uint32_t>(51),
                                                      std::optional<std::uint32_t>()}) {
      const Flevel fl{level};
      auto fast = MakeHashChecker(ext, fl, /*fast_path=*/true);
      auto general = MakeHashChecker(ext, fl, /*fast_path=*/false);
      for (const std::string& line : lines) {
        const Outcome want = Check(*general, line);
        ASSERT_EQ(Check(*fast, line), want) << ext << " flevel " << level.value_or(0) << ": '" << line << "'";
        clean += want.issues.empty() ? 1 : 0;
        ++total;
      }
    }
  }
  // The set must exercise both sides: lines the fast path may take and
  // lines it must hand on.
  EXPECT_GT(clean, total / 20);
  EXPECT_GT(total - clean, total / 4);
}

}  // namespace
}  // namespace cvdguard::internal::lint
