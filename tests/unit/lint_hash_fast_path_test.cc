// The hash checker accepts plain lines on a fast path that skips the field
// split. It must report exactly what the general path reports, on every
// line: plain ones, and every near miss of a plain one.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
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

using Found = std::tuple<int, int, std::uint64_t, std::uint64_t, std::string>;

std::vector<Found> LintMember(std::unique_ptr<LineChecker> checker, std::string_view text,
                              std::size_t chunk) {
  std::vector<Found> out;
  LintOptions options;
  options.max_findings_per_class = std::numeric_limits<std::uint32_t>::max();
  auto linter = CreateLinterFor(std::move(checker), options,
                                [&out](Code code, Severity severity, std::uint64_t line,
                                       std::uint64_t offset, std::string message) {
                                  out.emplace_back(CodeNumber(code), static_cast<int>(severity),
                                                   line, offset, std::move(message));
                                });
  for (std::size_t i = 0; i < text.size(); i += chunk) {
    const std::string_view part = text.substr(i, chunk);
    linter->Update(std::span(reinterpret_cast<const std::uint8_t*>(part.data()), part.size()));
  }
  linter->Finish();
  return out;
}

// The bulk path (whole runs of clean lines taken at once, with their line
// ends found by the checker) must give the findings of the line-by-line
// path, with the same line numbers and offsets, however the member is cut
// into chunks: lines ending in LF, CRLF and CR CR LF, lines at and just over
// the length limit, NULs, and an unterminated last line.
TEST(LintHashFastPathTest, WholeMembersLintAsLineByLine) {
  std::size_t members = 0;
  for (const char* ext : {"hsb", "mdb"}) {
    const bool size_first = std::string_view(ext)[0] == 'm';
    std::vector<std::string> lines = Lines(size_first);
    const std::string h = "0123456789abcdef0123456789abcdef";
    const std::string head = size_first ? "68:" + h + ":" : h + ":68:";
    std::string text;
    const char* const ends[] = {"\n", "\r\n", "\n", "\r\r\n", "\n", "\n", "\r\n"};
    for (std::size_t i = 0; i < lines.size(); ++i) text += lines[i] + ends[i % 7];
    for (const std::size_t len : {kMaxLine - 1, kMaxLine, kMaxLine + 1}) {
      for (const char* end : {"\n", "\r\n"}) {
        text += head + std::string(len - head.size(), 'N') + end;
        text += head + std::string(len - head.size() - 3, 'N') + ":73" + end;
      }
    }
    text += lines[1];  // unterminated
    for (const std::optional<std::uint32_t> level :
         {std::optional<std::uint32_t>(216), std::optional<std::uint32_t>()}) {
      const Flevel fl{level};
      for (const std::size_t chunk :
           {text.size(), std::size_t{65536}, std::size_t{4093}, std::size_t{61}}) {
        const std::vector<Found> want =
            LintMember(MakeHashChecker(ext, fl, /*fast_path=*/false), text, chunk);
        const std::vector<Found> got =
            LintMember(MakeHashChecker(ext, fl, /*fast_path=*/true), text, chunk);
        ASSERT_EQ(got.size(), want.size()) << ext << " chunk " << chunk;
        for (std::size_t i = 0; i < want.size(); ++i)
          ASSERT_EQ(got[i], want[i]) << ext << " chunk " << chunk;
        ++members;
      }
    }
  }
  EXPECT_EQ(members, 16u);
}

TEST(LintHashFastPathTest, BulkPathTakesCleanRunsAndStopsAtTheFirstOtherLine) {
  auto checker = MakeHashChecker("hsb", Flevel{216}, /*fast_path=*/true);
  const std::string h = std::string(64, 'a');
  const std::string clean = h + ":10:A:73\n" + h + ":11:B\r\n";
  const std::string text = clean + h + ":0:C\n" + h + ":12:D\n";
  std::uint64_t lines = 0;
  EXPECT_EQ(checker->SkipCleanLines(text, kMaxLine, &lines), clean.size());
  EXPECT_EQ(lines, 2u);
  // An unterminated line is left to the caller.
  lines = 0;
  EXPECT_EQ(checker->SkipCleanLines(h + ":10:A", kMaxLine, &lines), 0u);
  EXPECT_EQ(lines, 0u);
}

}  // namespace
}  // namespace cvdguard::internal::lint
