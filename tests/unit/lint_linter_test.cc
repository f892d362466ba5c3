// Behaviour of the streaming linter: line rules, container traps, flevel
// handling, per-format details not covered by the spec table, and
// pathological inputs that must finish in linear time and bounded memory.
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "cvdguard/cdiff.h"
#include "lint/lint_internal.h"
#include "lint/logic_expr.h"
#include "lint_test_util.h"
#include "testing/fixtures.h"

namespace cvdguard::internal {
namespace {

using lint_test::Describe;
using lint_test::Engine216;
using lint_test::HasCode;
using lint_test::HasError;
using lint_test::LintMember;
using lint_test::Reported;
using testing::ReadFile;
using testing::RealDataDir;

LintOptions Loose() {
  LintOptions o = Engine216();
  o.container_member = false;
  return o;
}

// ---- factory ---------------------------------------------------------------

// The eight-at-a-time hex check agrees with the per-character one for
// every byte value at every position of short and word-sized fields.
TEST(LintTextTest, AllHexAgreesWithThePerCharacterCheck) {
  for (std::size_t len = 1; len < 20; ++len) {
    for (std::size_t pos = 0; pos < len; ++pos) {
      for (int b = 0; b < 256; ++b) {
        std::string s(len, (pos % 2) ? 'F' : '9');
        s[pos] = static_cast<char>(b);
        bool expect = true;
        for (char c : s) expect = expect && lint::IsHexDigit(c);
        ASSERT_EQ(lint::AllHex(s), expect) << "len " << len << " pos " << pos << " byte " << b;
      }
    }
  }
  EXPECT_TRUE(lint::AllHex(""));
  EXPECT_TRUE(lint::AllHex("0123456789abcdefABCDEF0123456789abcdef"));
  EXPECT_FALSE(lint::AllHex("0123456789abcdefABCDEF0123456789abcdeg"));
}

// StrtolWhole's all-digits fast path gives what strtoull does (base 10,
// whole field), up to and across the 64-bit limit, and leaves signs, blanks
// and stray characters to the general path.
TEST(LintTextTest, StrtolWholeMatchesStrtoullOnDecimalFields) {
  const std::vector<std::string> fields = {
      "0", "7", "0007", "4294967294", "4294967295", "18446744073709551615",
      "9999999999999999999", "18446744073709551616", "99999999999999999999",
      "+5", "-5", " 5", "5 ", "5x", "x5", "", "-", "0x10", "1e3"};
  for (const std::string& f : fields) {
    std::uint64_t mag = 0;
    bool neg = false;
    const bool whole = lint::StrtolWhole(f, 10, &mag, &neg);
    char* end = nullptr;
    errno = 0;
    const unsigned long long want = std::strtoull(f.c_str(), &end, 10);
    const bool want_whole = !f.empty() && end == f.c_str() + f.size() &&
                            f.find_first_of("0123456789") != std::string::npos;
    EXPECT_EQ(whole, want_whole) << "'" << f << "'";
    if (!whole) continue;
    EXPECT_EQ(neg, f.find('-') != std::string::npos) << f;
    // strtoull negates a '-' value; the helper keeps the magnitude.
    const unsigned long long got = neg ? 0ULL - mag : mag;
    EXPECT_EQ(got, want) << "'" << f << "'";
  }
}

TEST(LintFactoryTest, ExtensionsAreCaseInsensitive) {
  for (const char* name : {"daily.NDB", "x.Hdb", "main.LDB", "a.Ign2", "b.cbc", "c.MSU", "d.Wdb"}) {
    EXPECT_NE(CreateMemberLinter(name, {}, nullptr), nullptr) << name;
  }
}

TEST(LintFactoryTest, UnlintedFormatsReturnNull) {
  for (const char* name : {"COPYING", "daily.info", "x.yar", "x.db", "x.txt", "x.cdiff", "noext"}) {
    EXPECT_EQ(CreateMemberLinter(name, {}, nullptr), nullptr) << name;
  }
}

TEST(LintCodesTest, AllLintCodesAreInTheLintRange) {
  int count = 0;
  ForEachCode([&](Code c) {
    if (CodeName(c).starts_with("LINT_")) {
      ++count;
      EXPECT_GE(CodeNumber(c), 800) << CodeName(c);
      EXPECT_LE(CodeNumber(c), 999) << CodeName(c);
    }
  });
  EXPECT_GT(count, 40);
  EXPECT_EQ(CodeNumber(Code::kLintNotLinted), 800);
  EXPECT_EQ(DefaultSeverity(Code::kLintNotLinted), Severity::kInfo);
}

// ---- line reading ----------------------------------------------------------

TEST(LintLineTest, ReportsLineNumberAndOffsetOfTheBadLine) {
  const auto f = LintMember("x.ndb", "# c\nT.A:0:*:aabbccdd\nT.B:0:*:zz\n", Engine216());
  ASSERT_EQ(f.size(), 1u) << Describe(f);
  EXPECT_EQ(f[0].line, 3u);
  EXPECT_EQ(f[0].offset, 21u);
  EXPECT_EQ(f[0].severity, Severity::kError);
}

TEST(LintLineTest, EveryBadLineIsReported) {
  const auto f = LintMember("x.hdb", "zz:1:A\nyy:1:B\n", Engine216());
  EXPECT_EQ(f.size(), 2u) << Describe(f);
}

TEST(LintLineTest, UnterminatedLastLineIsAnErrorInAContainer) {
  const auto f = LintMember("x.ndb", "T.A:0:*:aabbccdd\nT.B:0:*:aabbccee", Engine216());
  EXPECT_TRUE(HasCode(f, Code::kLintNoFinalNewline)) << Describe(f);
  EXPECT_TRUE(HasError(f));
}

TEST(LintLineTest, UnterminatedLastLineIsOnlyAWarningInALooseFile) {
  const auto f = LintMember("x.ndb", "T.A:0:*:aabbccdd\nT.B:0:*:aabbccee", Loose());
  EXPECT_TRUE(HasCode(f, Code::kLintNoFinalNewline)) << Describe(f);
  EXPECT_FALSE(HasError(f)) << Describe(f);
  // ...and the line itself is still checked there.
  EXPECT_TRUE(HasError(LintMember("x.ndb", "T.A:0:*:aabbccdd\nT.B:0:*:zz", Loose())));
}

TEST(LintLineTest, NdbLineOf8190CharactersLoadsAnd8191Fails) {
  // BND1/BND2: the limit is 8190 characters plus the newline.
  std::string ok = "T.A:0:*:" + std::string(8190 - 8, 'a');
  std::string too_long = "T.A:0:*:" + std::string(8192 - 8, 'a');
  EXPECT_FALSE(HasError(LintMember("x.ndb", ok + "\n", Loose())));
  const auto f = LintMember("x.ndb", too_long + "\n", Loose());
  EXPECT_TRUE(HasCode(f, Code::kLintLineTooLong)) << Describe(f);
  EXPECT_TRUE(HasCode(LintMember("x.ndb", "T.A:0:*:" + std::string(8191 - 8, 'a') + "\n", Loose()),
                      Code::kLintLineTooLong));
}

TEST(LintLineTest, LdbLinesMayBe32767Characters) {
  // BND6/BND7.
  const std::string head = "T;Target:0;0;";
  const std::string ok = head + std::string(32767 - head.size(), 'a');
  EXPECT_FALSE(HasCode(LintMember("x.ldb", ok + "\n", Loose()), Code::kLintLineTooLong));
  const std::string bad = head + std::string(32768 - head.size(), 'a');
  EXPECT_TRUE(HasCode(LintMember("x.ldb", bad + "\n", Loose()), Code::kLintLineTooLong));
}

TEST(LintLineTest, CrlfIsAccepted) {
  EXPECT_FALSE(HasError(LintMember("x.ndb", "T.A:0:*:aabbccdd\r\nT.B:0:*:aabbccee\r\n", Engine216())));
}

TEST(LintLineTest, LoneCarriageReturnIsABlankLine) {
  const auto f = LintMember("x.ndb", "T.A:0:*:aabbccdd\n\r\n", Engine216());
  EXPECT_TRUE(HasCode(f, Code::kLintBlankLine)) << Describe(f);
}

TEST(LintLineTest, NulEndsTheLineWithAWarning) {
  const std::string content("T.A:0:*:aabbccdd\0garbage\n", 25);
  const auto f = LintMember("x.ndb", content, Engine216());
  EXPECT_TRUE(HasCode(f, Code::kLintNulByte)) << Describe(f);
  EXPECT_FALSE(HasError(f)) << Describe(f);
}

TEST(LintLineTest, EmptyMemberIsRefusedWhereTheEngineRefusesIt) {
  for (const char* name : {"x.hdb", "x.ndb", "x.ldb", "x.cdb", "x.idb", "x.ftm", "x.cbc"}) {
    EXPECT_TRUE(HasCode(LintMember(name, "", Engine216()), Code::kLintEmptyMember)) << name;
  }
  for (const char* name : {"x.ign2", "x.cfg", "x.crb", "x.pdb", "x.wdb"}) {
    EXPECT_FALSE(HasError(LintMember(name, "", Engine216()))) << name;
  }
}

TEST(LintLineTest, BlankLinesAreSkippedInPhishingAndCertificateFiles) {
  EXPECT_FALSE(HasError(LintMember("x.pdb", "H:amazon.com\n\n", Engine216())));
  EXPECT_FALSE(HasError(LintMember("x.cfg", "\n\nPE:0x1\n", Engine216())));
}

TEST(LintLineTest, FindingsAreCappedPerClass) {
  std::string content;
  for (int i = 0; i < 50; ++i) content += "zz:1:A\n";
  LintOptions o = Engine216();
  o.max_findings_per_class = 10;
  const auto f = LintMember("x.hdb", content, o);
  ASSERT_EQ(f.size(), 11u) << Describe(f);
  EXPECT_EQ(f.back().code, Code::kLintFindingsSuppressed);
  EXPECT_NE(f.back().message.find("40 error"), std::string::npos) << f.back().message;
}

// ---- flevel ---------------------------------------------------------------

TEST(LintFlevelTest, OutOfRangeLineIsSkippedEvenIfBroken) {
  const auto f = LintMember("x.ndb", "T.A:0:*:zz:999\n", Engine216());
  EXPECT_FALSE(HasError(f)) << Describe(f);
  EXPECT_TRUE(HasCode(f, Code::kLintFlevelSkipped));
}

TEST(LintFlevelTest, WithoutAnEngineLevelEveryLineIsChecked) {
  const auto f = LintMember("x.ndb", "T.A:0:*:zz:999\n", LintOptions{});
  EXPECT_TRUE(HasError(f)) << Describe(f);
  EXPECT_FALSE(HasCode(f, Code::kLintFlevelSkipped));
}

TEST(LintFlevelTest, SameLineLoadsOnOneEngineAndSkipsOnAnother) {
  LintOptions old_engine;
  old_engine.engine_flevel = 100;
  const std::string line = "T.A:0:*:aabbccdd:150:255\n";
  EXPECT_TRUE(HasCode(LintMember("x.ndb", line, old_engine), Code::kLintFlevelSkipped));
  EXPECT_FALSE(HasCode(LintMember("x.ndb", line, Engine216()), Code::kLintFlevelSkipped));
}

TEST(LintFlevelTest, LdbLogicIsCheckedBeforeTheEngineRange) {
  EXPECT_TRUE(HasError(LintMember("x.ldb", "T;Engine:999-1000,Target:0;0&;aabbccdd\n", Engine216())));
  EXPECT_FALSE(HasError(LintMember("x.ldb", "T;Engine:999-1000,Target:0;0;zz\n", Engine216())));
}

TEST(LintFlevelTest, FtmWithOnlySkippedLinesIsRefused) {
  const auto f = LintMember("x.ftm", "0:0:4d5a:T:CL_TYPE_ANY:CL_TYPE_MSEXE:999\n", Engine216());
  EXPECT_TRUE(HasCode(f, Code::kLintFtmNothingLoaded)) << Describe(f);
}

// ---- per-format details ----------------------------------------------------

TEST(LintFormatTest, IgnoreListNameAfterMd5LineTripsTheStaleMd5Bug) {
  EXPECT_TRUE(HasCode(LintMember("x.ign2", "Sig.A:44d88612fea8a8f36de82e1278abb02f\nSig.B\n", Engine216()),
                      Code::kLintIgnStaleMd5));
  EXPECT_FALSE(HasError(LintMember("x.ign2", "Sig.B\nSig.A:44d88612fea8a8f36de82e1278abb02f\n", Engine216())));
}

TEST(LintFormatTest, IdbUnitTestIconLoads) {
  const std::string good =
      "Test.Sig.IDB_16x16x32:TEST_ICON_GROUP_1:TEST_ICON_GROUP_2:100620a0b05b0307055060b0350a0b0480307051060b840"
      "7008402058308058000008104098109096d020b6b0a046306031800001f040035080000000000\n";
  EXPECT_FALSE(HasError(LintMember("x.idb", good, Engine216()))) << Describe(LintMember("x.idb", good));
  std::string bad_size = good;
  bad_size.replace(bad_size.find(":100620") + 1, 2, "11");
  EXPECT_TRUE(HasCode(LintMember("x.idb", bad_size, Engine216()), Code::kLintIdbHash));
}

TEST(LintFormatTest, CrbUnitTestShapes) {
  const std::string subject = "a5f872f51516a7b95493a152eb79b61d8999188c";
  const std::string serial = "e8fe30ff40549bb36227b3b6fa978bc3b7c93a1b";
  auto line = [&](const std::string& trusted, const std::string& ser, const std::string& pk) {
    return "Test.Sig.CRB;" + trusted + ";" + subject + ";" + ser + ";" + pk + ";010001;1;0;0;;comment\n";
  };
  EXPECT_FALSE(HasError(LintMember("x.crb", line("1", serial, "CA5767E9"), Engine216())));
  EXPECT_FALSE(HasError(LintMember("x.crb", line("1", "", "12zz"), Engine216())));
  EXPECT_TRUE(HasError(LintMember("x.crb", line("2", serial, "CA5767E9"), Engine216())));
  EXPECT_TRUE(HasError(LintMember("x.crb", line("1", "12:34", "CA5767E9"), Engine216())));
  EXPECT_TRUE(HasError(LintMember("x.crb", line("1", serial, "zz"), Engine216())));
}

// A header with the real fields but a body-less count: 5 types (the built-in
// ones and the table's first id, so an empty table) and no function.
constexpr const char* kEmptyBytecodeHeader =
    "ClamBCafhhelmfmkd|afefdfggifnf```ca`a```|bhacflfafmfbfcfmb`cnbacacmbcc`cmbgfcc`c`cefecicfc``"
    "ae`p`clamcoincidencejb:726\n";

TEST(LintFormatTest, BytecodeHeaderWithoutBodyParses) {
  const std::string header = std::string(kEmptyBytecodeHeader) + "BC.X;Target:1;0;aabbccdd\n";
  EXPECT_FALSE(HasError(LintMember("x.cbc", header, Engine216()))) << Describe(LintMember("x.cbc", header));
  std::string bad = header;
  bad.replace(bad.find("clamcoincidence"), 4, "clan");
  EXPECT_TRUE(HasCode(LintMember("x.cbc", bad, Engine216()), Code::kLintCbcHeader));
}

// The number encoding of the bytecode header: a length character, then
// that many nibbles, least significant first.
std::string BcNumber(std::uint64_t v) {
  std::string nibbles;
  for (; v != 0; v >>= 4) nibbles += static_cast<char>(0x60 + (v & 15));
  return static_cast<char>(0x60 + nibbles.size()) + nibbles;
}

// The three official bytecodes of realdata/bytecode-19.cvd pass, and each
// header with its type or function count moved does not. Every moved count
// below was loaded with libclamav 1.4.6 (clamscan --bytecode-unsigned -d):
// all are refused ("Error reading type kind", "Invalid type id", "function
// type not accepted for constant", "Found more functions than declared",
// "Loaded less functions than declared"; 0 types aborts clamscan), except
// one fewer or two fewer types in 767944.cbc, which loads: its last types
// are not referred to. The lint refuses those too (docs/lint.md).
TEST(LintFormatTest, RealBytecodesPassAndTheirCountsMustMatchTheBody) {
  MemberList members;
  std::uint32_t version = 0;
  std::string error;
  ASSERT_TRUE(ReadContainerMembers(ReadFile(RealDataDir() + "/bytecode-19.cvd"), &members, &version,
                                   &error))
      << error;
  int seen = 0;
  for (const auto& member : members) {
    const std::string& name = member.first;
    const std::string& content = member.second;  // a plain reference: lambdas below capture it
    if (!name.ends_with(".cbc")) continue;
    ++seen;
    const auto f = LintMember(name, content, Engine216());
    EXPECT_FALSE(HasError(f)) << name << Describe(f);
    // The two counts sit right before the magic number ("p`clamcoincidence").
    const std::size_t magic = content.find("p`clamcoincidence");
    ASSERT_NE(magic, std::string::npos) << name;
    // Walk back over the function count, then the type count: each is a
    // length character followed by that many nibbles.
    auto number_before = [&](std::size_t end) {
      for (std::size_t start = end; start-- > 0;) {
        if (static_cast<std::size_t>(content[start] - 0x60) == end - start - 1) return start;
      }
      return std::string::npos;
    };
    const std::size_t funcs_at = number_before(magic);
    const std::size_t types_at = number_before(funcs_at);
    auto value = [&](std::size_t at, std::size_t end) {
      std::uint64_t v = 0;
      for (std::size_t k = end; k-- > at + 1;) {
        v = v * 16 + static_cast<std::uint64_t>(content[k] - 0x60);
      }
      return v;
    };
    const std::uint64_t types = value(types_at, funcs_at);
    const std::uint64_t funcs = value(funcs_at, magic);
    ASSERT_GE(types, 30u) << name;  // 39, 34 and 80 in the real files
    ASSERT_GE(funcs, 1u) << name;
    auto with_counts = [&](std::uint64_t t, std::uint64_t fn) {
      return content.substr(0, types_at) + BcNumber(t) + BcNumber(fn) + content.substr(magic);
    };
    EXPECT_FALSE(HasError(LintMember(name, with_counts(types, funcs), Engine216()))) << name;
    for (std::uint64_t t : {types - 2, types - 1, types + 1, std::uint64_t{0}, std::uint64_t{1},
                            std::uint64_t{5}, std::uint64_t{6}}) {
      const auto moved = LintMember(name, with_counts(t, funcs), Engine216());
      EXPECT_TRUE(HasCode(moved, Code::kLintCbcBody)) << name << " types " << t << Describe(moved);
    }
    for (std::uint64_t fn : {funcs - 1, funcs + 1, std::uint64_t{0}, funcs + 16}) {
      const auto moved = LintMember(name, with_counts(types, fn), Engine216());
      EXPECT_TRUE(HasCode(moved, Code::kLintCbcBody))
          << name << " functions " << fn << Describe(moved);
    }
  }
  EXPECT_EQ(seen, 3);
}

// Small bodies, each loaded with libclamav 1.4.6: the type table must hold
// exactly the declared entries with valid kinds and ids, and there is one
// 'A' line per declared function before the first 'S' line.
TEST(LintFormatTest, BytecodeTypeTableAndFunctionHeadersFollowTheHeader) {
  const std::string header = kEmptyBytecodeHeader;
  auto lint_body = [&](std::uint64_t types, std::uint64_t funcs, const std::string& body) {
    std::string h = header;
    h.replace(h.find("ae`p`"), 3, BcNumber(types) + BcNumber(funcs));
    return LintMember("x.cbc", h + "BC.X;Target:1;0;aabbccdd\n" + body, Engine216());
  };
  auto loads = [&](std::uint64_t types, std::uint64_t funcs, const std::string& body) {
    const auto f = lint_body(types, funcs, body);
    EXPECT_FALSE(HasError(f)) << types << "/" << funcs << " " << body << Describe(f);
  };
  auto refused = [&](std::uint64_t types, std::uint64_t funcs, const std::string& body) {
    const auto f = lint_body(types, funcs, body);
    EXPECT_TRUE(HasCode(f, Code::kLintCbcBody))
        << types << "/" << funcs << " " << body << Describe(f);
  };
  // Tested: an empty table loads, with or without the lines that follow,
  // and "Sabc" ends the functions.
  loads(5, 0, "Ted\nE``\nG``\n");
  loads(5, 0, "Ted\n");
  loads(5, 0, "Ted\nE``\nG``\nSabc\nAxx\n");
  // Tested refusals: start id 70, kind 6, 0 types, a declared function
  // that is not there.
  refused(5, 0, "Tfd\nE``\nG``\n");
  refused(6, 0, "Tedfah\nE``\nG``\n");
  refused(0, 0, "Ted\nE``\nG``\n");
  refused(5, 1, "Ted\nE``\nG``\n");
  // One entry (6 types), each tested to load: a pointer to i8 (id 8), an
  // array of 2 x i8, a packed and a plain structure of two i8, a function
  // returning i8, a structure holding id 69, a pointer to id 74 (ids must
  // be below 6 + 69 = 75).
  for (const char* entry : {"eah", "dabah", "cabahah", "babahah", "aaaah", "baabed", "ebjd"}) {
    loads(6, 0, std::string("Ted") + entry + "\n");
  }
  // Each tested to be refused.
  refused(6, 0, "Tedebkd\n");    // a pointer to id 75
  refused(6, 0, "Ted\n");        // the entry is missing
  refused(6, 0, "Teda`\n");      // a function type without a return type
  refused(6, 0, "Tedda\n");      // an array length, then the line ends
  refused(7, 0, "Tedeah\n");     // one entry of two
  refused(6, 0, "Tedbabahz\n");  // a bad character among a structure's ids
  refused(5, 0, "T\n");          // no start id
  // Data after the declared entries: the engine ignores it (tested), but a
  // header that declares too few types looks the same, so the lint refuses.
  refused(6, 0, "Tedeahah\n");
  // A type table of 64 KiB or more is not held, so not checked: an info.
  {
    std::string h = header;
    h.replace(h.find(":726"), 4, ":200000");
    h.replace(h.find("ae`p`"), 3, BcNumber(5 + 30000) + BcNumber(0));
    std::string table = "Ted";
    for (int k = 0; k < 30000; ++k) table += "eah";
    const auto f = LintMember("x.cbc", h + "BC.X\n" + table + "\n", Engine216());
    EXPECT_FALSE(HasError(f)) << Describe(f);
    EXPECT_TRUE(HasCode(f, Code::kLintNotLinted)) << Describe(f);
  }
  // Function headers are counted up to the first 'S' line; basic blocks
  // ('B') are not headers. The lint does not parse these placeholder lines
  // (the engine would refuse "Ax"), so only the count finding is asserted.
  auto count_matches = [&](std::uint64_t funcs, const std::string& body) {
    return !HasCode(lint_body(5, funcs, "Ted\nE``\nG``\n" + body), Code::kLintCbcBody);
  };
  EXPECT_TRUE(count_matches(2, "Ax\nBx\nBx\nAx\nBx\nSx\nAx\n"));
  EXPECT_FALSE(count_matches(1, "Ax\nBx\nAx\nBx\nSx\n"));
  EXPECT_FALSE(count_matches(3, "Ax\nBx\nAx\nBx\nSx\nAx\n"));
}

// Tested with the real header's kind (257, encoded "ca`a") replaced: the
// engine handles kinds 1 and 256-262 and refuses any other.
TEST(LintFormatTest, BytecodeKindMustBeOneTheEngineHandles) {
  const std::string header = std::string(kEmptyBytecodeHeader) + "BC.X;Target:1;0;aabbccdd\n";
  const std::size_t at = header.find("ca`a");
  auto with_kind = [&](const char* encoded) { return std::string(header).replace(at, 4, encoded); };
  for (const char* ok : {"aa", "c``a", "ca`a", "cf`a"}) {  // 1, 256, 257, 262
    const auto f = LintMember("x.cbc", with_kind(ok), Engine216());
    EXPECT_FALSE(HasError(f)) << ok << Describe(f);
  }
  for (const char* bad : {"`", "ab", "baa", "boo", "cg`a", "clba"}) {  // 0, 2, 17, 255, 263, 300
    const auto f = LintMember("x.cbc", with_kind(bad), Engine216());
    EXPECT_TRUE(HasCode(f, Code::kLintCbcHeader)) << bad << Describe(f);
  }
}

// Tested against libclamav 1.4.6 with the real bodies of two official
// bytecodes: a body line of the declared length minus 1 is read, one more
// character is "Line too long"; the length is read like strtol and kept as a
// 32-bit unsigned.
TEST(LintFormatTest, BytecodeHeaderMustEndInTheLineLengthAndBodyLinesFitIt) {
  const std::string header =
      "ClamBCafhhelmfmkd|afefdfggifnf```ca`a```|bhacflfafmfbfcfmb`cnbacacmbcc`cmbgfcc`c`cefecicfc``bgbaap`"
      "clamcoincidencejb:";
  auto body_fits = [&](const std::string& declared, std::size_t line) {
    const auto f =
        LintMember("x.cbc", header + declared + "\n" + std::string(line, 'a') + "\n", Engine216());
    EXPECT_FALSE(HasCode(f, Code::kLintCbcHeader)) << declared << Describe(f);
    return !HasCode(f, Code::kLintLineTooLong);
  };
  EXPECT_TRUE(body_fits("30", 29));
  EXPECT_FALSE(body_fits("30", 30));
  EXPECT_TRUE(body_fits("16108", 16107));
  EXPECT_FALSE(body_fits("16107", 16107));
  for (const char* loose : {" 553", "\t553", "+553", "0553", " +553", "\v553"}) {
    EXPECT_TRUE(body_fits(loose, 552)) << loose;
    EXPECT_FALSE(body_fits(loose, 553)) << loose;
  }
  for (const char* huge : {"-554", "-1", "99999999999999999999", "18446744073709551616"}) {
    EXPECT_TRUE(body_fits(huge, 20000)) << huge;
  }
  EXPECT_FALSE(body_fits("4294967396", 100));  // 100 modulo 2^32
  EXPECT_TRUE(body_fits("-4294967196", 99));
  for (const char* bad : {"726:726", "", "554 ", "554x", "0x300", "1e3", "- 553", "--553", "+-553",
                          "0", "4294967296", "-99999999999999999999"}) {
    EXPECT_TRUE(
        HasCode(LintMember("x.cbc", header + bad + "\n", Engine216()), Code::kLintCbcHeader))
        << bad;
  }
}

// The engine reads every header field even after one fails, applies the
// flevel range with what it read (a failed field is 0 and leaves the
// position), and refuses only afterwards; the fields are 32-bit. Each
// header below was loaded with libclamav 1.4.6 (FLEVEL 216), the first two
// as found by the differential run with seed 781.
TEST(LintFormatTest, BytecodeHeaderIsReadOnAfterAFailedFieldAndIn32Bits) {
  auto skipped = [](const std::string& header) {
    const auto f = LintMember("x.cbc", header + "\nBC.X;Target:1;0;aabbccdd\n", Engine216());
    EXPECT_FALSE(HasError(f)) << header << Describe(f);
    return HasCode(f, Code::kLintFlevelSkipped);
  };
  // The sigmaker string lost its '|': the fields after it are read from
  // the same place, and the "minimum flevel" read there is far above 216.
  EXPECT_TRUE(skipped(
      "ClamBCafhhelmfmkdafefdfggifnf```ca`a```|bhacflfafmfbfcfmb`cnbacacmbcc`cmbgfcc`c`cefecicfc``"
      "bgbaap`clamcoincidencejb:726"));
  // A '|' moved into the minimum flevel: the minimum reads as 8195 and the
  // maximum, now at the '|', fails.
  EXPECT_TRUE(
      skipped("ClamBCaghbjhcmnkd|afefdfggifnf```ca`adc``b|iacflfafmfbfcfmb`"
              "cnbacacmbacbcbcmbgfafafdfgcgcgcaf"
              "``bbbaap`clamcoincidencejb:554"));
  // Without a target flevel to skip it, the same failed string refuses.
  EXPECT_TRUE(HasCode(
      LintMember("x.cbc",
                 "ClamBCafhhelmfmkdafefdfggifnf```ca`a```|bhacflfafmfbfcfmb`cnbacacmbcc`cmbgfcc`c`"
                 "cefecicfc``bgbaap`clamcoincidencejb:726\nBC.X\n",
                 LintOptions{}),
      Code::kLintCbcHeader));
  // 32-bit fields, on the empty-table header: a minimum of 2^32 + 1 is 1
  // (loaded, so its missing function is refused), 2^32 + 300 is 300 and a
  // maximum of 2^32 + 5 is 5 (both skipped); a kind of 2^32 + 257 is 257
  // and 5 + 2^32 types are 5 (loaded); a kind of 65536 + 257 is refused.
  const std::string stem = kEmptyBytecodeHeader;
  const std::size_t range = stem.find("ca`a```|bh") + 4;  // kind, then "``" = no flevel range
  auto with = [&](const std::string& kind, const std::string& min, const std::string& max,
                  const std::string& counts) {
    std::string h = stem.substr(0, range - 4) + kind + min + max + stem.substr(range + 2);
    h.replace(h.find("ae`p`"), 3, counts);
    return h.substr(0, h.size() - 1);  // without the newline
  };
  const std::string one_function = BcNumber(5) + BcNumber(1);
  const std::string empty = BcNumber(5) + BcNumber(0);
  EXPECT_TRUE(HasCode(
      LintMember("x.cbc",
                 with("ca`a", BcNumber((1ull << 32) + 1), "`", one_function) + "\nBC.X\nTed\n",
                 Engine216()),
      Code::kLintCbcBody));
  EXPECT_TRUE(skipped(with("ca`a", BcNumber((1ull << 32) + 300), "`", one_function)));
  EXPECT_TRUE(skipped(with("ca`a", "`", BcNumber((1ull << 32) + 5), one_function)));
  for (const std::string& h : {with(BcNumber((1ull << 32) + 257), "`", "`", empty),
                               with("ca`a", "`", "`", BcNumber((1ull << 32) + 5) + BcNumber(0))}) {
    const auto f = LintMember("x.cbc", h + "\nBC.X\nTed\n", Engine216());
    EXPECT_FALSE(HasError(f)) << h << Describe(f);
  }
  EXPECT_TRUE(HasCode(
      LintMember("x.cbc", with(BcNumber(65536 + 257), "`", "`", empty) + "\nBC.X\n", Engine216()),
      Code::kLintCbcHeader));
}

// Tested against libclamav 1.4.6 with .cud members of ~100 KB: a skipped
// bytecode (format level 1 or 8, or a minimum flevel above the engine's) is
// still read, with a line buffer of max(4096, atoi of what follows the first
// ':' of line 1), whatever the fields before it; a line may fill it but one
// character, a CR counted.
TEST(LintFormatTest, SkippedBytecodeIsStillReadWithALineBuffer) {
  const std::string stem =
      "ClamBCafhhelmfmkd|afefdfggifnf```ca`a```|bhacflfafmfbfcfmb`cnbacacmbcc`cmbgfcc`c`cefecicfc``"
      "bgbaap`"
      "clamcoincidencejb:";
  auto high_min_fl = [&](const std::string& declared) {
    std::string h = stem + declared + "\n";
    return h.replace(h.find("`ca`a```|bh"), 11, "`ca`acooo``|bh");  // minimum flevel 4095
  };
  std::string level8 = stem + "726\n";
  level8.replace(0, 8, "ClamBCah");
  // {header, longest line the engine reads}
  const std::pair<std::string, std::size_t> cases[] = {
      {"ClamBCaah\n", 4095},         {level8, 4095},
      {high_min_fl("726"), 4095},    {high_min_fl("100"), 4095},
      {high_min_fl("5000"), 4999},   {high_min_fl("16109"), 16108},
      {high_min_fl("72x"), 4095},  // the header fails after the range: still skipped
      {high_min_fl("5000x"), 4999},  {"ClamBCaah:5000\n", 4999},
      {"ClamBCaah:50:5000\n", 4095}, {"ClamBCaah:5000:50\n", 4999},
      {"ClamBCah:16109\n", 16108},   {"ClamBCaahzz: +5000\n", 4999},
  };
  for (const auto& [header, longest] : cases) {
    const auto fits =
        LintMember("x.cbc", header + std::string(longest, 'A') + "\nxx\n", Engine216());
    EXPECT_TRUE(HasCode(fits, Code::kLintCbcSkipped) || HasCode(fits, Code::kLintFlevelSkipped))
        << Describe(fits);
    EXPECT_FALSE(HasError(fits)) << header << Describe(fits);
    EXPECT_FALSE(HasError(
        LintMember("x.cbc", header + std::string(longest - 1, 'A') + "\r\nxx\n", Engine216())));
    for (const std::string& line :
         {std::string(longest + 1, 'A') + "\n", std::string(longest, 'A') + "\r\n"}) {
      const auto f = LintMember("x.cbc", header + "xx\n" + line + "xx\n", Engine216());
      EXPECT_TRUE(HasCode(f, Code::kLintLineTooLong)) << header << Describe(f);
    }
  }
  // ":-1" is 2^32 - 1.
  EXPECT_FALSE(HasError(
      LintMember("x.cbc", "ClamBCaah:-1\n" + std::string(20000, 'A') + "\n", Engine216())));
  // A bytecode that loads reads its body with the declared length.
  EXPECT_FALSE(
      HasCode(LintMember("x.cbc", stem + "16109\n" + std::string(16107, 'A') + "\n", Engine216()),
              Code::kLintLineTooLong));
  EXPECT_TRUE(
      HasCode(LintMember("x.cbc", stem + "726\n" + std::string(4095, 'A') + "\n", Engine216()),
              Code::kLintLineTooLong));
}

TEST(LintFormatTest, IgnoreListMd5LineNeedsANameOfThreeCharacters) {
  EXPECT_TRUE(HasCode(LintMember("x.ign2", "ab:44d88612fea8a8f36de82e1278abb02f\n", Engine216()), Code::kLintIgnMd5));
  EXPECT_FALSE(HasError(LintMember("x.ign2", "abc:44d88612fea8a8f36de82e1278abb02f\n", Engine216())));
  EXPECT_FALSE(HasError(LintMember("x.ign2", "ab\n", Engine216())));
}

TEST(LintFormatTest, PhishingRegexNeedsAStaticSuffix) {
  for (const char* ok : {"R:.*abc", "R:a.c", "R:(a|b)c", "R:abc+", "R:ab[c]", "R:x\\.com", "R:.+\\.amazon\\.com([/?].*)?",
                         "R:(ab|cd)\\", "R:ab|cd)"}) {
    EXPECT_FALSE(HasError(LintMember("x.pdb", std::string(ok) + "\n", Engine216()))) << ok;
  }
  for (const char* bad : {"R:abc.*", "R:abc?", "R:.+", "R:.+\\.amazon\\.com/.*", "R:(abc", "R:.+\\", "R:a.)+b"}) {
    EXPECT_TRUE(HasError(LintMember("x.pdb", std::string(bad) + "\n", Engine216()))) << bad;
  }
}

// Tested against libclamav 1.4.6: the suffix extractor refuses an empty
// group anywhere before an unmatched ')', which the regex compiler accepts.
TEST(LintFormatTest, PhishingRegexWithAnEmptyGroupIsRefused) {
  // An empty group after a '|' of its own or an enclosing group only drops
  // that alternative (each tested).
  for (const char* bad : {"x.pdb:R:a()b", "x.pdb:R:()ab|cd)", "x.pdb:R:a(b()c)d", "x.pdb:R:a()*b",
                          "x.pdb:R:()", "x.gdb:R:a()b", "x.wdb:X:a()b", "x.wdb:Y:ab:a()b",
                          "x.pdb:R:ab()|cd", "x.pdb:R:x(ab()|cd)", "x.pdb:R:(ab|cd)()"}) {
    const std::string_view c = bad;
    const auto f = LintMember(c.substr(0, 5), std::string(c.substr(6)) + "\n", Engine216());
    EXPECT_TRUE(HasCode(f, Code::kLintPhishRegex)) << bad << Describe(f);
  }
  for (const char* ok : {"x.pdb:R:a[()]b", "x.pdb:R:a\\(\\)b", "x.pdb:R:ab)()c", "x.pdb:R:a( )b",
                         "x.wdb:M:a()b", "x.pdb:R:ab|cd()", "x.pdb:R:ab|()cd", "x.pdb:R:ab|c()d",
                         "x.pdb:R:x(ab|cd())", "x.pdb:R:ab|cd()()"}) {
    const std::string_view c = ok;
    const auto f = LintMember(c.substr(0, 5), std::string(c.substr(6)) + "\n", Engine216());
    EXPECT_FALSE(HasError(f)) << ok << Describe(f);
  }
}

// Tested against libclamav 1.4.6: every alternative must leave a static
// suffix of 2 characters or more; the '/' the loader appends counts for the
// last one unless an unmatched ')' ended the expression first.
TEST(LintFormatTest, PhishingRegexAlternativesNeedTwoCharacterSuffixes) {
  const std::vector<const char*> loads = {
      "R:ab|cd",       "R:cd|,",       "R:a.bc|de",    "R:(ab|cd)|ef",    "R:ab|cd|e",
      "R:x[ab]|cd",    "R:ab|\\.",     "R:ab|x.cd)",   "R:x(a|b)|cd",     "R:(a|bc)d|ef",
      "R:ab|(c|de)f)", "R:ab+|cd",     "R:ab|c{2}|de", "R:x.c{2}|de",     "R:ab|c{1}|de",
      "R:ab|.{2}|de",  "R:abc{0}",     "R:ab(cd)+|ef", "R:a(b)|cd",       "R:ab$",
      "R:^ab|cd",      "R:ab|.(c|d)e", "R:.[ab]c|de",  "R:(a|b)(c|d)|ef", "R:.(a|b)(c|d)|ef",
      "R:a^|cd",       "R:^a|cd",      "R:(a|b)+c|de", "R:ab[c-]",        "R:ab[c:]",
      "R:ab[-c]",      "R:ab[c-e]",    "R:a",          "R:ab|cd)",        "R:ba|).",
      "R:ab|cd|).",    "R:baa|()",     "R:x(a|cd())"};
  const std::vector<const char*> refused = {
      "R:a|cd",       "R:,|cd)",          "R:a|cd)",       "R:ab|c)",      "R:a.c|de",
      "R:(a|b)|cd",   "R:ab|e|cd",        "R:ab|c+|de",    "R:ab|[cd]|ef", "R:.[ab]|cd",
      "R:\\.|ab",     "R:ab|.c)",         "R:.*(a|bc)|ef", "R:a+|cd",      "R:.b+|cd",
      "R:x(a|.b)|cd", "R:(ab)?|cd",       "R:.(b)|cd",     "R:a$|cd",      "R:$|cd",
      "R:ab|c$)",     "R:x(a|b)?|cd",     "R:x(a|b)*c|de", "R:.(a|b)+|de", "R:ab[17-]",
      "R:ab[c:17-]",  "R:17-]:ab[c:17-]", "R:ab[a-z]",     "Rz(ab|cW:d)",  "R:b|).",
      "R:b|()"};
  for (const bool refuse : {false, true}) {
    for (const char* line : refuse ? refused : loads) {
      const auto f = LintMember("x.pdb", std::string(line) + "\n", Engine216());
      EXPECT_EQ(HasCode(f, Code::kLintPhishNoSuffix), refuse) << line << Describe(f);
      if (!refuse) EXPECT_FALSE(HasError(f)) << line << Describe(f);
    }
  }
}

// Bracket expressions of the POSIX regexes (phishing lists, .cdb), read as
// libclamav's bundled regcomp reads them. Each tested in a .wdb X: line; the
// first refused one is the line the differential run with seed 785 found.
TEST(LintFormatTest, PosixBracketRangesMustRunForwards) {
  auto line = [](const std::string& bracket) {
    return "X:.+\\.amazon\\.com(" + bracket + ".*)?:.+\\.amazon\\.com([/?].*)?\n";
  };
  for (const char* ok : {"[a-z]", "[a-a]", "[%--]", "[a-]", "[[.a.]-b]", "[A-[:alpha:]]", "[^-a]",
                         "[]a]", "[!--]", "[\xe9-\xf0]", "[[.space.]-a]", "[[.BEL.]]", "[[.IS4.]]",
                         "[[.hyphen-minus.]]", "[[=space=]]", "[[.left-curly-bracket.]]"}) {
    const auto f = LintMember("x.wdb", line(ok), Engine216());
    EXPECT_FALSE(HasError(f)) << ok << Describe(f);
  }
  for (const char* bad :
       {"[:999-/?]", "[9-/]",     "[z-a]",         "[^z-a]",        "[--/]",         "[a-c-e]",
        "[]-a]",     "[^]-a]",    "[b-[.a.]]",     "[[:alpha:]-z]", "[a-[:alpha:]]", "[[=a=]-z]",
        "[a--]",     "[a-\xe9]",  "[\xf0-\xe9]",   "[[.foo.]]",     "[[.bel.]]",     "[[..]]",
        "[[==]]",    "[[=foo=]]", "[[.tilde.]-a]", "[[.DEL.]-a]"}) {
    const auto f = LintMember("x.wdb", line(bad), Engine216());
    EXPECT_TRUE(HasCode(f, Code::kLintPhishRegex)) << bad << Describe(f);
  }
}

// Tested: a magic type 1 line adds a pattern under its name, which must
// not be empty; type 0 does not need one, nor a magic.
TEST(LintFormatTest, FtmPatternLineNeedsAName) {
  const auto f =
      LintMember("x.ftm", "1:*:4d5a??????50450000::CL_TYPE_ANY:CL_TYPE_MSEXE\n", Engine216());
  EXPECT_TRUE(HasCode(f, Code::kLintEmptyName)) << Describe(f);
  EXPECT_FALSE(HasError(LintMember("x.ftm", "0:0:4d5a::CL_TYPE_ANY:CL_TYPE_MSEXE\n", Engine216())));
  EXPECT_FALSE(HasError(
      LintMember("x.ftm", "1:*:4d5a??????50450000:x:CL_TYPE_ANY:CL_TYPE_MSEXE\n", Engine216())));
  // Types 0 and 4 take an empty magic.
  EXPECT_FALSE(HasError(LintMember("x.ftm", "0:0::x:CL_TYPE_ANY:CL_TYPE_ZIP\n", Engine216())));
  EXPECT_FALSE(
      HasError(LintMember("x.ftm", "4:0::Part:CL_TYPE_ANY:CL_TYPE_ZIP:51:255\n", Engine216())));
}

// Tested: the flevel suffix may have an empty minimum ("-215" is 0-215).
TEST(LintFormatTest, PhishingFlevelSuffixMayOmitTheMinimum) {
  for (const char* skipped : {"Q:x:-215", "Q:x:-0"}) {
    EXPECT_FALSE(HasError(LintMember("x.pdb", std::string(skipped) + "\n", Engine216())))
        << skipped;
  }
  for (const char* bad : {"R:-", "Q:x:-", "Q:x:-216", "H:-"}) {
    EXPECT_TRUE(HasError(LintMember("x.pdb", std::string(bad) + "\n", Engine216()))) << bad;
  }
  EXPECT_TRUE(HasError(LintMember("x.wdb", "Y:-\n", Engine216())));
  EXPECT_FALSE(HasError(LintMember("x.pdb", "H:x:-216\n", Engine216())));
}

TEST(LintFormatTest, HexPatternRules) {
  struct Case {
    const char* line;
    bool refused;
  } cases[] = {
      {"T:0:*:aabb{127}cc", false},  // {N<128} expands, no split
      {"T:0:*:aabb{128}cc", true},   // split: part "cc" is too short
      {"T:0:*:aabb{-10}ccdd", false},
      {"T:0:*:aabb{1-2-3}ccdd", true},
      // {...} tokens as cli_strtok and atoi read them (each tested): a run
      // of '-' is one separator, an empty field is absent, a number may not
      // turn negative through atoi; a first token of 1-127 read like strtol
      // expands (no split), so "{ 5}" and "{+127}" load there.
      {"T:0:*:aabb{--5}ccdd", false},
      {"T:0:*:aabb{---5}ccdd", false},
      {"T:0:*:aabb{-5-}ccdd", false},
      {"T:0:*:aabb{--}ccdd", false},
      {"T:0:*:aabb{5--6}ccdd", false},
      {"T:0:*:aabb{-5--}ccdd", false},
      {"T:0:*:aabb{4294967296}ccdd", false},
      {"T:0:*:aabb{4294967296-5}ccdd", false},
      {"T:0:*:aabb{ 5}ccdd", false},
      {"T:0:*:aabb{+127}ccdd", false},
      {"T:0:*:aabb{2147483647}ccdd", false},
      {"T:0:*:aabb{2147483648}ccdd", true},
      {"T:0:*:aabb{99999999999999999999}ccdd", true},
      {"T:0:*:aabb{1-2147483648}ccdd", true},
      {"T:0:*:aabb{+128}ccdd", true},
      {"T:0:*:aabb{+0}ccdd", true},
      {"T:0:*:aabb{200}ccdd{+5}eeff", true},
      {"T:0:*:aabb{200}ccdd{--5}eeff", false},
      {"T:0:*:aabb{5 }ccdd", true},
      {"T:0:*:aabb{ 5-6}ccdd", true},
      {"T:0:*:aabb{-+5}ccdd", true},
      {"T:0:*:aabb{--5}cc", true},          // part "cc" is too short
      {"T:2:*:aa[1-2]bbcc[3-4]dd", false},  // left and right anchors
      {"T:2:*:aa[1-2]bbcc[3-4]dd[1]ee", true},
      {"T:0:*:aabb(cc|dd)eeff", false},
      {"T:0:*:aabb!(cccc|dddd)", false},
      {"T:0:*:aabb(cc|d?)eeff", false},  // generic alternation
      {"T:0:*:aabb!(cc|d?)eeff", true},  // negated generic
      {"T:0:*:aabb(L)ccdd(W)", false},
      {"T:0:*:aabbcc*dd??ee", true},  // part "dd??ee" has no static pair
      {"T:0:*:aabbcc*ddeeff", false},
      {"T:1:S1+10:aabbccdd", false},
      {"T:6:SL+4:aabbccdd", false},
      {"T:0:EOF-10,5:aabbccdd", false},
      {"T:0:$3$:aabbccdd", false},
      {"T:0:*:aa[1[1-5]bbccdd", false},  // the range is read like sscanf("%u-%u")
      {"T:2:*:aabb((L)|dddd)eeff", true},
      // Nested groups expand as text: only whole expansions need whole bytes
      // (each tested; the refused ones as "Malformed hexstring: dad", ...).
      {"T:0:*:aabb(cc|d(aabb|ccdd)ddd)eeff", false},
      {"T:0:*:aabb(cc|d(a|bbb)dd)eeff", false},
      {"T:0:*:aabb(cc|d(a?|?\?)d)eeff", false},
      {"T:0:*:aabb(cc|d(a|b)(c|d)d)eeff", false},
      {"T:0:*:aabb(c(c|d)|dd)eeff", false},
      {"T:0:*:aabb(cc|d(a|bb)d)eeff", true},
      {"T:0:*:aabb(cc|d(a|b)(cc|d)d)eeff", true},
      {"T:0:*:aabb(cc|d(a(b|c)|bbb)dd)eeff", true},
      {"T:0:*:aabb(c(c|d)d|dd)eeff", true},
      {"T:0:*:aabb(c(c|dd)d|dd)eeff", true},
      // Empty branches before the first non-empty one are not compared, so
      // these count as fixed-length and their empty branch is refused
      // (tested); an empty branch anywhere else makes the group generic.
      {"T:0:*:aabb(|cc)eeff", true},
      {"T:0:*:aabb(||cc)eeff", true},
      {"T:0:*:aabb(|cc|dd)eeff", true},
      {"T:0:*:aabbcc(|dd)", true},
      {"T:0:*:aabb(cc|)eeff", false},
      {"T:0:*:aabb(|cc|)eeff", false},
      {"T:0:*:aabb(cc||dd)eeff", false},
      {"T:0:*:aabb(|cccc|dd)eeff", false},
      {"T:0:*:aabb(|cc|d?)eeff", false},
  };
  for (const Case& c : cases) {
    const auto f = LintMember("x.ndb", std::string(c.line) + "\n", Engine216());
    EXPECT_EQ(HasError(f), c.refused) << c.line << Describe(f);
  }
}

TEST(LintFormatTest, LdbSubsignatureKinds) {
  struct Case {
    const char* sub;
    bool refused;
  } cases[] = {
      {"${1-2}3$", false},
      {"${1-2}3", true},
      {"0/abc/si", false},
      {"0/abc/w", true},
      {"0/a(bc/", true},  // does not compile
      {"0/a[bc/", true},
      {"0/ab)c/", true},
      {"0/*abc/", true},
      {"0/a{2,1}/", true},
      // Class ranges, each tested with the engine's PCRE2.
      {"0/a[z-a]b/", true},
      {"0/a[\\x41-\\x40]b/", true},
      {"0/a[\\x{7a}-a]b/", true},
      {"0/a[a-\\n]b/", true},
      {"0/a[\\d-z]b/", true},
      {"0/a[a-\\d]b/", true},
      {"0/a[[:alpha:]-z]b/", true},
      {"0/a[a-z]b/", false},
      {"0/a[a-c-e]b/", false},
      {"0/a[--/]b/", false},
      {"0/a[%--]b/", false},
      {"0/a[\\w-]b/", false},
      {"0/a[-\\w]b/", false},
      {"0/a[\\]-a]b/", false},
      {"0/a[\\--a]b/", false},
      {"0/a[]a]b/", false},
      {"0/a[a-\\x{7a}]b/", false},
      {"0/a[\\n-a]b/", false},
      {"0/a[[.a.]]b/", true},  // PCRE2 has no collating elements
      {"0/a[[=a=]]b/", true},
      {"0/a[[:^alpha:]]b/", false},
      // Escapes, each tested: letters PCRE2 does not know, or not in a class.
      {"0/a\\qb/", true},
      {"0/a\\ib/", true},
      {"0/a\\gb/", true},
      {"0/a\\ub/", true},
      {"0/a\\zb/", false},
      {"0/a\\Kb/", false},
      {"0/a[\\z]b/", true},
      {"0/a[\\q]b/", true},
      {"0/a[\\N]b/", true},
      {"0/a[\\R]b/", true},
      {"0/a[\\pb]b/", true},
      {"0/a[\\E]b/", true},  // \E is ignored, so the ']' after it is literal
      {"0/a[\\8]b/", false},
      {"0/a[\\g]b/", false},
      {"0/a[\\Qa-\\E]b/", false},
      {"0/a[\\o{101}]b/", false},
      {"0/a[\\cA]b/", false},
      {"0/a[\\pL]b/", false},
      // POSIX syntax where PCRE2 does not take it.
      {"0/a[:alpha:]b/", true},
      {"0/a[.n.]b/", true},
      {"0/a[=a=]b/", true},
      {"0/a[:x]b/", false},
      // Octal class members, one-letter properties in either case, \N{ (tested).
      {"0/a[\\2-\\1]b/", true},
      {"0/a[%-\\00]b/", true},
      {"0/a[\\777-a]b/", true},
      {"0/a[\\9-\\8]b/", true},
      {"0/a[\\1-\\2]b/", false},
      {"0/a[\\0-a]b/", false},
      {"0/a\\pzb/", false},
      {"0/a\\pqb/", true},
      {"0/a\\N{b/", true},
      {"0/a\\Nb/", false},
      // Assertions take no quantifier; \E is ignored (each tested).
      {"0/a\\b*b/", true},
      {"0/a\\b{2}b/", true},
      {"0/a\\K*b/", true},
      {"0/a\\E*b/", false},
      {"0/a\\d*b/", false},
      // References by name or number (each tested).
      {"0/a(?<n>x)\\k<n>b/", false},
      {"0/a(?'n'x)\\k'n'b/", false},
      {"0/a\\k<n>(?<n>x)b/", false},
      {"0/a(x)\\g{-1}b/", false},
      {"0/a(x)\\g{1}b/", false},
      {"0/a\\k<n>b/", true},
      {"0/a(?<n>x)\\k<m>b/", true},
      {"0/a\\k{b/", true},
      {"0/a\\g{1}b/", true},
      {"0/a\\g<n>b/", true},
      {"0/a(x)\\g2b/", true},
      {"0/\\d+[a-z]{2,3}(?:x|y)?/", false},
      {"0(<<6#hb2#>5)", false},
      {"0(>>#hb2#=0)", false},  // an empty shift is strtol's whole field (tested)
      {"0(<<#hb2#=0)", false},
      {"0(>>x#hb2#=0)", true},
      // The reference id: strtol, then a 16-bit signed number up to 64 (tested).
      {"64(>>4#hb2#=0)", false},
      {"65(>>4#hb2#=0)", true},
      {"+65(>>4#hb2#=0)", true},
      {"65601(>>4#hb2#=0)", true},
      {"-65(>>4#hb2#=0)", false},
      {"65600(>>4#hb2#=0)", false},
      {"7374650(>>4#hb2#=0)6e", false},
      {"4294967295(>>4#hb2#=0)", false},
      {" 5(>>4#hb2#=0)", false},
      {"-(>>4#hb2#=0)", true},
      {"5 (>>4#hb2#=0)", true},
      {"0(>>2#ib3#=1)", true},
      {"0(>>2#hi2#=1)", true},
      {"fuzzy_img#0123456789abcdef", false},
      {"fuzzy_img#0123456789abcdeg", true},
      {"aabbccdd::a", false},
      {"aa(bb|cc)ddee::i", true},  // ::i makes (bb|cc) generic: no pre-filter in target 0
      {"aabb!(cc|dd)eeff", false},
  };
  for (const Case& c : cases) {
    const std::string line = std::string("T;Engine:81-255,Target:0;0&1;aabbccdd;") + c.sub + "\n";
    const auto f = LintMember("x.ldb", line, Engine216());
    EXPECT_EQ(HasError(f), c.refused) << line << Describe(f);
  }
}

TEST(LintFormatTest, PcreWithoutDocumentedEngineLevelWarns) {
  const auto f = LintMember("x.ldb", "T;Target:0;0&1;aabbccdd;0/abc/\n", Engine216());
  EXPECT_FALSE(HasError(f));
  EXPECT_TRUE(HasCode(f, Code::kLintLdbNeedsEngine)) << Describe(f);
}

// ---- pathological inputs ---------------------------------------------------

// Each case must finish well within this; linear-time code needs milliseconds.
constexpr auto kFast = std::chrono::seconds(3);

template <class Fn>
void ExpectFast(const char* what, Fn&& fn) {
  const auto start = std::chrono::steady_clock::now();
  fn();
  EXPECT_LT(std::chrono::steady_clock::now() - start, kFast) << what;
}

TEST(LintPathologicalTest, HugeLineFinishesFastAndIsReportedOnce) {
  const std::string content = "T.A:0:*:" + std::string(20 * 1024 * 1024, 'a') + "\nT.B:0:*:aabbccdd\n";
  ExpectFast("20 MiB line", [&] {
    const auto f = LintMember("x.ndb", content, Engine216(), 65536);
    ASSERT_EQ(f.size(), 1u) << Describe(f);
    EXPECT_EQ(f[0].code, Code::kLintLineTooLong);
  });
}

// Logical expressions of every nesting shape the engine accepts. Each builder
// takes a depth; the expression grows linearly with it.
struct LogicShape {
  const char* name;
  std::uint32_t max_index;  // highest subsignature it references
  std::string (*build)(int depth);
};

const LogicShape kLogicShapes[] = {
    {"parentheses", 0, [](int d) { return std::string(d, '(') + "0" + std::string(d, ')'); }},
    {"left-nested", 1,
     [](int d) {
       std::string s = "0";
       for (int i = 1; i < d; ++i) s = "(" + s + "&1)";
       return s;
     }},
    {"right-nested", 1,
     [](int d) {
       std::string s = "0";
       for (int i = 1; i < d; ++i) s = "1|(" + s + ")";
       return s;
     }},
    {"modifier at every level", 1,
     [](int d) {
       std::string s = "0";
       for (int i = 1; i < d; ++i) s = "((" + s + ")|1)>1,2";
       return s;
     }},
    {"alternating sides", 1,
     [](int d) {
       std::string s = "0";
       for (int i = 1; i < d; ++i) s = (i % 2) != 0 ? "(" + s + "&1)" : "(1|" + s + ")";
       return s;
     }},
    {"flat chain in one group", 1,
     [](int d) {
       std::string s = "(0";
       for (int i = 1; i < d; ++i) s += "&1";
       return s + ")";
     }},
};

// The cost per character does not grow with depth: nesting is linear. The
// engine's own parser (and ours before this check) rescans each level, so a
// 4 KB line nested 2000 deep cost ~4M steps and 3000 such lines a minute.
// sscanf("%u") reads "-2" as 4294967294, an int -2 in the engine, which its
// MAX passes over: "(0&1&-2&3)&(4|1)" loads with 5 subsignatures, and
// clamscan then dies with SIGSEGV scanning a file that matches (tested).
// "-1" is the engine's failure value and is refused at load.
TEST(LintLogicTest, NegativeSubsignatureIndexIsRefusedThoughTheEngineLoadsIt) {
  const std::string subsigs = ";6b6f74656b;616c61;7a6f6c77;7374656e;deadbeef\n";
  auto lint = [&](const std::string& logic) {
    return LintMember("x.ldb", "Sig1;Target:0;" + logic + subsigs, Engine216());
  };
  for (const char* crashes : {"(0&1&-2&3)&(4|1)", "(0&1&4294967294&3)&(4|1)",
                              "(0&1&2147483648&3)&(4|1)", "(0&1&(-2|3))&4"}) {
    const auto f = lint(crashes);
    EXPECT_TRUE(HasCode(f, Code::kLintLdbNegativeIndex)) << crashes << Describe(f);
  }
  for (const char* refused : {"0&-1", "(0&1&4294967295&3)&(4|1)", "(-2&-3)"}) {
    const auto f = lint(refused);
    EXPECT_TRUE(HasCode(f, Code::kLintLdbLogic)) << refused << Describe(f);
  }
  EXPECT_FALSE(HasError(lint("(0&1&2&3)&(4|1)")));
}

TEST(LintLogicCostTest, EveryNestingShapeCostsAFewStepsPerCharacter) {
  for (const LogicShape& shape : kLogicShapes) {
    for (int depth : {10, 100, 5000}) {
      const std::string expr = shape.build(depth);
      const lint::LogicResult r = lint::ParseLogic(expr);
      EXPECT_TRUE(r.ok) << shape.name << " depth " << depth << ": " << r.error;
      EXPECT_FALSE(r.too_complex) << shape.name << " depth " << depth;
      EXPECT_EQ(r.max_index, shape.max_index) << shape.name;
      EXPECT_LE(r.steps, 3 * expr.size())
          << shape.name << " depth " << depth << " (" << expr.size() << " chars)";
    }
  }
}

TEST(LintLogicCostTest, BrokenDeepExpressionsAreStillRefusedAsTheEngineRefusesThem) {
  const std::string deep = kLogicShapes[1].build(3000);
  EXPECT_NE(lint::ParseLogic(deep + ")").error.find("missing opening"), std::string::npos);
  EXPECT_NE(lint::ParseLogic("(" + deep).error.find("missing closing"), std::string::npos);
  // The engine strips "(...)" blindly, so a modifier after a lone group fails.
  EXPECT_FALSE(lint::ParseLogic("(" + deep + ")>1").ok);
  EXPECT_TRUE(lint::ParseLogic("(" + deep + "|1)>1").ok);
  EXPECT_NE(lint::ParseLogic(deep + "&").error.find("missing right"), std::string::npos);
}

TEST(LintPathologicalTest, DeeplyNestedLogicIsAcceptedInLinearTime) {
  // 16000 levels of parentheses fill a 32767-character .ldb line; libclamav
  // loads it, and so must the lint (it used to give up as "too complex").
  const std::string logic = kLogicShapes[0].build(16000);
  const std::string line = "T;Target:0;" + logic + ";aabbccdd\n";
  ExpectFast("nested logic", [&] {
    EXPECT_FALSE(HasError(LintMember("x.ldb", line, Engine216()))) << line.size();
  });
  std::string chain = "0";
  for (int i = 0; i < 10000; ++i) chain += "&0";
  ExpectFast("long chain", [&] {
    EXPECT_FALSE(HasError(LintMember("x.ldb", "T;Target:0;" + chain + ";aabbccdd\n", Engine216())));
  });
  // The reviewer's case: 3000 lines of 4 KB nested 1980 deep, 51 s before.
  const std::string nested = "T;Target:0;" + kLogicShapes[0].build(1980) + ";aabbccdd\n";
  std::string many;
  for (int i = 0; i < 3000; ++i) many += nested;
  ExpectFast("3000 deep lines",
             [&] { EXPECT_FALSE(HasError(LintMember("x.ldb", many, Engine216(), 1 << 20))); });
}

TEST(LintPathologicalTest, AbsurdRepetitionCountsAreHandled) {
  ExpectFast("repetitions", [&] {
    // atoi saturates and truncates this to -1: refused (tested).
    EXPECT_TRUE(HasError(LintMember("x.ndb", "T:0:*:aabb{99999999999999999999}ccdd\n", Engine216())));
    std::string many = "T:0:*:aabb";
    for (int i = 0; i < 1500; ++i) many += "{127}";
    many += "ccdd\n";
    LintMember("x.ndb", many, Engine216());
    EXPECT_TRUE(HasError(LintMember("x.ldb", "T;Engine:81-255,Target:0;0&1;aabbccdd;0/a{99999999999}/\n",
                                    Engine216())));
  });
}

TEST(LintPathologicalTest, BinaryGarbageIsLintedWithoutCrashing) {
  std::string junk;
  std::uint32_t x = 12345;
  for (int i = 0; i < 4 * 1024 * 1024; ++i) {
    x = x * 1103515245u + 12345u;
    junk.push_back(static_cast<char>(x >> 24));
  }
  ExpectFast("4 MiB of noise", [&] {
    for (const char* name : {"x.ndb", "x.ldb", "x.hdb", "x.cdb", "x.pdb", "x.cbc", "x.ftm", "x.idb"}) {
      LintOptions o = Engine216();
      o.max_findings_per_class = 1u << 30;
      LintMember(name, junk, o, 4096);
    }
  });
}

TEST(LintPathologicalTest, ManyLinesStreamInBoundedTime) {
  std::string content;
  for (int i = 0; i < 200000; ++i) content += "Sig." + std::to_string(i) + ":0:*:aabbccdd" + std::to_string(i % 10) + "0\n";
  ExpectFast("200k lines", [&] { EXPECT_FALSE(HasError(LintMember("x.ndb", content, Engine216(), 1 << 20))); });
}

}  // namespace
}  // namespace cvdguard::internal
