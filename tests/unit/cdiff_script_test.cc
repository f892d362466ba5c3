// The script language and the in-memory applier (FORMAT.md 5.2): exact
// results of each command, base mismatches, and a generator round trip.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cdiff/cdiff_internal.h"
#include "cvdguard/cdiff.h"

namespace cvdguard::internal {
namespace {

bool Has(const std::vector<Finding>& fs, Code code) {
  for (const auto& f : fs) {
    if (f.code == code) return true;
  }
  return false;
}

// Parses (must be valid) and applies; returns the apply result.
bool RunScript(const std::string& script, FileSet* files, std::vector<Finding>* findings) {
  CdiffScript s;
  EXPECT_TRUE(ParseCdiffScript(script, CdiffLimits{}, &s, findings)) << script;
  return ApplyCdiffScript(s, files, std::uint64_t{1} << 30, findings);
}

TEST(CdiffScriptTest, EditsUseLineNumbersOfTheFileAtOpen) {
  FileSet files{{"a.ndb", "one 1\ntwo 2\nthree 3\nfour 4\n"}};
  std::vector<Finding> fs;
  ASSERT_TRUE(RunScript("# comment\nOPEN a.ndb\nDEL 1 one\nXCHG 3 three THREE x\nADD five 5\n"
                  "ADD \nCLOSE\n",
                  &files, &fs));
  EXPECT_EQ(files["a.ndb"], "two 2\nTHREE x\nfour 4\nfive 5\n\n");
}

TEST(CdiffScriptTest, XchgReplacementMayBeEmptyOrContainSpaces) {
  FileSet files{{"a.ndb", "abc\ndef\n"}};
  std::vector<Finding> fs;
  ASSERT_TRUE(RunScript("OPEN a.ndb\nXCHG 1 abc \nXCHG 2 d x y  z\nCLOSE\n", &files, &fs));
  EXPECT_EQ(files["a.ndb"], "\nx y  z\n");
}

TEST(CdiffScriptTest, OpenCreatesOnlyWithAdds) {
  FileSet files;
  std::vector<Finding> fs;
  ASSERT_TRUE(RunScript("OPEN new.hdb\nCLOSE\nOPEN b.hdb\nADD x\nCLOSE\n", &files, &fs));
  EXPECT_EQ(files.count("new.hdb"), 0u);
  EXPECT_EQ(files["b.hdb"], "x\n");
}

TEST(CdiffScriptTest, UnlinkRemovesAndRefusesMissing) {
  FileSet files{{"a.hdb", "x\n"}};
  std::vector<Finding> fs;
  ASSERT_TRUE(RunScript("UNLINK a.hdb\n", &files, &fs));
  EXPECT_TRUE(files.empty());
  EXPECT_FALSE(RunScript("UNLINK a.hdb\n", &files, &fs));
  EXPECT_TRUE(Has(fs, Code::kCdiffUnlinkMissing));
}

TEST(CdiffScriptTest, PrefixMismatchIsWrongBase) {
  FileSet files{{"a.ndb", "abc\ndef\n"}};
  std::vector<Finding> fs;
  EXPECT_FALSE(RunScript("OPEN a.ndb\nDEL 2 abc\nCLOSE\n", &files, &fs));
  EXPECT_TRUE(Has(fs, Code::kCdiffPrefixMismatch));
}

TEST(CdiffScriptTest, LineBeyondEndIsWrongBase) {
  FileSet files{{"a.ndb", "abc\n"}};
  std::vector<Finding> fs;
  EXPECT_FALSE(RunScript("OPEN a.ndb\nDEL 2 abc\nCLOSE\n", &files, &fs));
  EXPECT_TRUE(Has(fs, Code::kCdiffLineOutOfRange));
  fs.clear();
  EXPECT_FALSE(RunScript("OPEN missing.ndb\nDEL 1 abc\nCLOSE\n", &files, &fs));
  EXPECT_TRUE(Has(fs, Code::kCdiffLineOutOfRange));
}

TEST(CdiffScriptTest, UnterminatedLastLineIsNotEdited) {
  FileSet files{{"a.ndb", "abc\ndef"}};
  std::vector<Finding> fs;
  EXPECT_FALSE(RunScript("OPEN a.ndb\nDEL 1 abc\nCLOSE\n", &files, &fs));
  EXPECT_TRUE(Has(fs, Code::kCdiffEditUnterminated));
  fs.clear();
  EXPECT_FALSE(RunScript("OPEN a.ndb\nADD x\nCLOSE\n", &files, &fs));
  EXPECT_TRUE(Has(fs, Code::kCdiffEditUnterminated));
}

TEST(CdiffScriptTest, SizeLimitHolds) {
  FileSet files{{"a.ndb", "abc\n"}};
  CdiffScript s;
  std::vector<Finding> fs;
  ASSERT_TRUE(ParseCdiffScript("OPEN a.ndb\nADD 0123456789\nCLOSE\n", CdiffLimits{}, &s, &fs));
  EXPECT_FALSE(ApplyCdiffScript(s, &files, 10, &fs));
  EXPECT_TRUE(Has(fs, Code::kCdiffResultTooLarge));
}

TEST(CdiffScriptTest, FindingsAreCapped) {
  std::string script;
  for (int i = 0; i < 1000; ++i) script += "BOGUS\n";
  CdiffScript s;
  std::vector<Finding> fs;
  CdiffLimits limits;
  limits.max_script_findings = 10;
  EXPECT_FALSE(ParseCdiffScript(script, limits, &s, &fs));
  EXPECT_EQ(fs.size(), 11u);
  EXPECT_EQ(fs.back().code, Code::kCdiffTooManyFindings);
}

TEST(CdiffScriptTest, CommandsAreBoundedSoTinyLinesCannotCostGigabytes) {
  std::string script = "OPEN a.hdb\n";
  for (int i = 0; i < 500; ++i) script += "ADD \n";
  script += "CLOSE\n";
  CdiffLimits limits;
  CdiffScript s;
  std::vector<Finding> fs;
  EXPECT_TRUE(ParseCdiffScript(script, limits, &s, &fs));
  EXPECT_EQ(s.commands.size(), 502u);
  limits.max_commands = 100;
  fs.clear();
  EXPECT_FALSE(ParseCdiffScript(script, limits, &s, &fs));
  EXPECT_TRUE(s.commands.empty());
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].code, Code::kCdiffTooManyCommands);
  EXPECT_EQ(fs[0].line, 101u);
}

TEST(CdiffScriptTest, NameRule) {
  EXPECT_TRUE(IsValidCdiffName("daily.ldb"));
  EXPECT_TRUE(IsValidCdiffName("COPYING"));
  EXPECT_TRUE(IsValidCdiffName("a_b.c"));
  EXPECT_FALSE(IsValidCdiffName(""));
  EXPECT_FALSE(IsValidCdiffName("."));
  EXPECT_FALSE(IsValidCdiffName(".."));
  EXPECT_FALSE(IsValidCdiffName("../x"));
  EXPECT_FALSE(IsValidCdiffName("a/b"));
  EXPECT_FALSE(IsValidCdiffName("a-b.hdb"));
  EXPECT_FALSE(IsValidCdiffName("t\xc3\xa9st.hdb"));
  EXPECT_FALSE(IsValidCdiffName(std::string(100, 'a')));
  EXPECT_TRUE(IsValidCdiffName(std::string(99, 'a')));
}

TEST(CdiffScriptTest, FileNameParsing) {
  std::string db;
  std::uint32_t v = 0;
  EXPECT_TRUE(ParseCdiffFileName("/x/daily-27001.cdiff", &db, &v));
  EXPECT_EQ(db, "daily");
  EXPECT_EQ(v, 27001u);
  EXPECT_FALSE(ParseCdiffFileName("daily.cdiff", &db, &v));
  EXPECT_FALSE(ParseCdiffFileName("daily-x.cdiff", &db, &v));
  EXPECT_FALSE(ParseCdiffFileName("daily-99999999999.cdiff", &db, &v));
  EXPECT_FALSE(ParseCdiffFileName("-5.cdiff", &db, &v));
}

// Random member sets: the generated script is valid and reproduces the target
// exactly (including rewrites forced by lines with empty prefixes).
TEST(CdiffScriptTest, GeneratorRoundTrip) {
  std::mt19937 rng(12345);
  auto line = [&rng]() {
    static const char* kWords[] = {"Sig", "a", " lead", "x:y:z", "44d8", "", "Win.Test-1", "q q"};
    std::string l;
    const int n = static_cast<int>(rng() % 3);
    for (int i = 0; i <= n; ++i) l += kWords[rng() % 8];
    return l;
  };
  auto file = [&](int max_lines) {
    std::string f;
    const int n = static_cast<int>(rng() % static_cast<unsigned>(max_lines + 1));
    for (int i = 0; i < n; ++i) f += line() + "\n";
    return f;
  };
  const std::vector<std::string> names = {"t.hdb", "t.ndb", "t.ldb", "t.fp", "t.cfg"};
  for (int iter = 0; iter < 300; ++iter) {
    MemberList base, target;
    for (const auto& n : names) {
      if (rng() % 4 != 0) base.emplace_back(n, file(12));
    }
    for (const auto& n : names) {
      if (rng() % 4 == 0) continue;
      std::string content;
      bool found = false;
      for (const auto& [bn, bd] : base) {
        if (bn == n) {
          content = bd;
          found = true;
        }
      }
      if (!found || rng() % 2 == 0) content = file(12);
      if (rng() % 3 == 0 && found) content += line() + "\n";
      if (content.empty() && !found) content = "x\n";
      target.emplace_back(n, content);
    }
    std::string script, error;
    if (!MakeCdiffScript(base, target, &script, &error)) {
      // Only a change that the language cannot express may fail.
      EXPECT_NE(error.find("becomes empty"), std::string::npos) << error;
      continue;
    }
    CdiffScript parsed;
    std::vector<Finding> fs;
    ASSERT_TRUE(ParseCdiffScript(script, CdiffLimits{}, &parsed, &fs)) << script;
    FileSet files(base.begin(), base.end());
    ASSERT_TRUE(ApplyCdiffScript(parsed, &files, std::uint64_t{1} << 30, &fs))
        << script << (fs.empty() ? "" : fs.back().message);
    const FileSet want(target.begin(), target.end());
    EXPECT_EQ(files, want) << script;
  }
}

// Random mutations of a valid script: never a crash, never an internal
// error, and a script that validates either applies or fails with a base
// mismatch finding.
TEST(CdiffScriptTest, MutatedScriptsNeverCrash) {
  const std::string good =
      "OPEN t.info\nXCHG 1 ClamAV-VDB:1 ClamAV-VDB:2\nCLOSE\nOPEN t.ndb\nDEL 2 b\nXCHG 1 a A\n"
      "ADD c\nCLOSE\nUNLINK t.fp\nOPEN t.hdb\nADD h\nCLOSE\n";
  const FileSet base{{"t.info", "ClamAV-VDB:1\n"}, {"t.ndb", "a\nb\n"}, {"t.fp", "f\n"}};
  std::mt19937 rng(777);
  const std::string alphabet = "OPENADDXCHGLOSUIKMV \n\r\t0123456789./#:abc";
  for (int iter = 0; iter < 5000; ++iter) {
    std::string s = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const std::size_t at = rng() % s.size();
      switch (rng() % 3) {
        case 0: s[at] = alphabet[rng() % alphabet.size()]; break;
        case 1: s.erase(at, 1 + rng() % 8); break;
        default: s.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
      }
    }
    CdiffScript parsed;
    std::vector<Finding> fs;
    const bool ok = ParseCdiffScript(s, CdiffLimits{}, &parsed, &fs);
    for (const auto& f : fs) ASSERT_NE(f.code, Code::kInternalError);
    if (!ok) {
      EXPECT_TRUE(parsed.commands.empty());
      bool any_error = false;
      for (const auto& f : fs) any_error = any_error || f.severity >= Severity::kError;
      EXPECT_TRUE(any_error) << s;
      continue;
    }
    FileSet files = base;
    std::vector<Finding> afs;
    if (!ApplyCdiffScript(parsed, &files, 1 << 20, &afs)) {
      ASSERT_FALSE(afs.empty());
      const Code c = afs.back().code;
      EXPECT_TRUE(c == Code::kCdiffPrefixMismatch || c == Code::kCdiffLineOutOfRange ||
                  c == Code::kCdiffUnlinkMissing || c == Code::kCdiffEditUnterminated)
          << CodeName(c) << "\n" << s;
    }
  }
}

}  // namespace
}  // namespace cvdguard::internal
