// The cvdguard command line: exit codes, JSON Lines, sigtool-compatible info
// output, unpack safety, build round trip, and the finding-code docs.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "testing/assembly.h"
#include "testing/cli_runner.h"
#include "testing/fixtures.h"

namespace cvdguard::testing {
namespace {

using CliRun = CliResult;

CliRun Cli(const std::string& args, bool with_stderr = false) { return RunCli(args, with_stderr); }

std::string Q(const std::string& s) { return "'" + s + "'"; }

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_.Join("cvd.pub"), {CvdKey().public_pem.begin(), CvdKey().public_pem.end()});
    WriteFile(dir_.Join("info.pub"), {InfoKey().public_pem.begin(), InfoKey().public_pem.end()});
    keys_ = "--no-official-keys --key cvd:" + Q(dir_.Join("cvd.pub")) + " --key info:" +
            Q(dir_.Join("info.pub"));
  }
  TempDir dir_;
  std::string keys_;
};

TEST_F(CliTest, ValidFileExitsZero) {
  WriteFile(dir_.Join("test.cvd"), Assemble(Assembly{}));
  const CliRun r = Cli("verify " + keys_ + " " + Q(dir_.Join("test.cvd")));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("valid"), std::string::npos);
}

TEST_F(CliTest, InvalidFileExitsOneAndNamesTheCode) {
  Assembly a;
  a.edit_tar_items = [](auto& items) { items.pop_back(); };
  WriteFile(dir_.Join("test.cvd"), Assemble(a));
  const CliRun r = Cli("verify " + keys_ + " " + Q(dir_.Join("test.cvd")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("INFO_MEMBER_MISSING"), std::string::npos) << r.out;
}

TEST_F(CliTest, UnreadableFileExitsThreeAndWinsOverInvalid) {
  WriteFile(dir_.Join("bad.cvd"), {'x'});
  const CliRun r = Cli("verify " + keys_ + " " + Q(dir_.Join("bad.cvd")) + " " + Q(dir_.Join("missing.cvd")));
  EXPECT_EQ(r.exit_code, 3);
}

TEST_F(CliTest, UsageErrorExitsTwo) {
  EXPECT_EQ(Cli("verify --no-such-flag x.cvd").exit_code, 2);
  EXPECT_EQ(Cli("verify --key bogus:x.pem x.cvd").exit_code, 2);
  EXPECT_EQ(Cli("verify --at yesterday x.cvd").exit_code, 2);
  // A day the month does not have is a typo, never rolled into the next month.
  EXPECT_EQ(Cli("verify --at 2026-02-31T00:00:00Z x.cvd").exit_code, 2);
  EXPECT_EQ(Cli("verify --at 2026-04-31T00:00:00Z x.cvd").exit_code, 2);
  EXPECT_EQ(Cli("verify --at 2025-02-29T00:00:00Z x.cvd").exit_code, 2);
  EXPECT_EQ(Cli("verify --at 2024-02-29T00:00:00Z x.cvd").exit_code,
            3);  // a leap day: x.cvd is missing
  EXPECT_EQ(Cli("").exit_code, 2);
}

TEST_F(CliTest, JsonIsOneObjectPerFilePerLine) {
  WriteFile(dir_.Join("a.cvd"), Assemble(Assembly{}));
  Assembly bad;
  bad.edit_file = [](auto& f) { f.resize(f.size() - 3); };
  WriteFile(dir_.Join("b.cvd"), Assemble(bad));
  const CliRun r = Cli("verify --json " + keys_ + " " + Q(dir_.path()));
  EXPECT_EQ(r.exit_code, 1);
  std::istringstream lines(r.out);
  std::string line;
  std::vector<nlohmann::json> objs;
  while (std::getline(lines, line)) objs.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(objs.size(), 2u) << r.out;
  EXPECT_EQ(objs[0]["verdict"], "valid");
  EXPECT_EQ(objs[0]["kind"], "cvd");
  EXPECT_EQ(objs[0]["header"]["version"], 7);
  EXPECT_EQ(objs[0]["header"]["builder"], "tester");
  EXPECT_EQ(objs[0]["signature"]["verified_by"], "legacy");
  EXPECT_EQ(objs[0]["signature"]["methods"][0]["method"], "info_dsig");
  EXPECT_EQ(objs[1]["verdict"], "invalid");
  bool md5 = false;
  for (const auto& f : objs[1]["findings"]) {
    EXPECT_TRUE(f.contains("id") && f.contains("code") && f.contains("severity") && f.contains("message"));
    md5 |= f["code"] == "MD5_MISMATCH" && f["id"] == 200;
  }
  EXPECT_TRUE(md5) << r.out;
}

TEST_F(CliTest, InfoMatchesSigtoolForRealFiles) {
  int status = std::system("command -v sigtool >/dev/null 2>&1");
  if (status != 0) GTEST_SKIP() << "sigtool not installed";
  const auto sigtool_info = [](const std::string& path) {
    std::string text;
    FILE* p = popen(("sigtool --info " + Q(path) + " 2>/dev/null").c_str(), "r");
    std::array<char, 4096> buf{};
    while (std::fgets(buf.data(), static_cast<int>(buf.size()), p) != nullptr) text += buf.data();
    pclose(p);
    return text;
  };
  for (const char* name : {"test-1.cvd", "test-3.cvd", "bytecode-19.cvd"}) {
    const std::string path = RealDataDir() + "/" + name;
    CliRun ours = Cli("info " + Q(path));
    EXPECT_EQ(ours.exit_code, 0);
    EXPECT_EQ(ours.out, sigtool_info(path)) << name;
  }
  // A .cud has no signature: sigtool prints neither MD5 nor signature, and
  // says so instead of "Verification OK.".
  Assembly a;
  a.kind = Kind::kCud;
  const std::string cud = dir_.Join("daily.cud");
  WriteFile(cud, Assemble(a));
  CliRun ours = Cli("info " + Q(cud));
  EXPECT_EQ(ours.exit_code, 0) << ours.out;
  EXPECT_EQ(ours.out, sigtool_info(cud));
}

TEST_F(CliTest, JsonGivesNullForWhatTheFileDoesNotHave) {
  const std::string real = RealDataDir();
  // A .cdiff's header has only a version; its database is its name.
  CliRun r = Cli("verify --json " + Q(real + "/test-3.cdiff"));
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["header"]["version"], 3) << r.out;
  for (const char* field : {"build_time", "builder", "md5", "dsig", "stime"}) {
    EXPECT_TRUE(j["header"][field].is_null()) << field << ": " << r.out;
  }
  EXPECT_EQ(j["database"], "test");
  // Not a container: no header, no database, both still present.
  const std::string junk = "not a database at all";
  WriteFile(dir_.Join("junk.cvd"), std::vector<std::uint8_t>(junk.begin(), junk.end()));
  r = Cli("verify --json " + Q(dir_.Join("junk.cvd")));
  j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j.contains("database") && j["database"].is_null()) << r.out;
  EXPECT_TRUE(j.contains("header") && j["header"].is_null()) << r.out;
}

TEST_F(CliTest, SignFindingsNameTheSignFileAsTheirMember) {
  const std::string real = RealDataDir();
  WriteFile(dir_.Join("test-2.cvd"), ReadFile(real + "/test-2.cvd"));
  WriteFile(dir_.Join("test-2.cvd.sign"),
            ReadFile(real + "/test-3.cvd.sign"));  // signs another file
  const CliRun r =
      Cli("verify --json --certs " + Q(real + "/certs") + " " + Q(dir_.Join("test-2.cvd")));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  bool seen = false;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  for (const auto& f : j["findings"]) {
    if (f["code"] != "SIGN_DIGEST_MISMATCH") continue;
    seen = true;
    EXPECT_EQ(f["member"], dir_.Join("test-2.cvd.sign")) << f;
  }
  EXPECT_TRUE(seen) << r.out;
}

TEST_F(CliTest, ANamedSignStandsForTheFileItSigns) {
  const std::string real = RealDataDir();
  const std::string certs = " --certs " + Q(real + "/certs") + " ";
  // Alone: the file it signs is checked, with it.
  CliRun r = Cli("verify --json" + certs + Q(real + "/test-2.cvd.sign"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["path"], real + "/test-2.cvd");
  EXPECT_EQ(j["signature"]["verified_by"], "sign");
  // With that file (a shell glob of a mirror): each database once.
  r = Cli("verify --json" + certs + Q(real + "/test-2.cvd") + " " +
          Q(real + "/test-2.cvd.sign") + " " + Q(real + "/test-2.cdiff.sign") + " " +
          Q(real + "/test-2.cdiff"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;
  // <db>-<N>.cvd.sign beside <db>.cvd: the .sign the user named is the one
  // checked, and one of another version does not match.
  WriteFile(dir_.Join("test.cvd"), ReadFile(real + "/test-2.cvd"));
  WriteFile(dir_.Join("test-3.cvd.sign"), ReadFile(real + "/test-3.cvd.sign"));
  r = Cli("verify" + certs + Q(dir_.Join("test-3.cvd.sign")));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("SIGN_DIGEST_MISMATCH"), std::string::npos) << r.out;
  // A .sign of nothing: exit 3, named.
  r = Cli("verify" + certs + Q(dir_.Join("gone-7.cvd.sign")), true);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("gone.cvd"), std::string::npos) << r.out;
}

TEST_F(CliTest, InfoEndsWithTheReasonWhenInvalid) {
  Assembly a;
  a.edit_info_signed = [](std::string& info) { info += "x\n"; };
  WriteFile(dir_.Join("test.cvd"), Assemble(a));
  const CliRun r = Cli("info " + keys_ + " " + Q(dir_.Join("test.cvd")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("Verification FAILED: INFO_DATA_AFTER_DSIG"), std::string::npos) << r.out;
}

TEST_F(CliTest, UnpackWritesOnlyIntoTheDirectory) {
  WriteFile(dir_.Join("test.cvd"), Assemble(Assembly{}));
  const CliRun r = Cli("unpack " + keys_ + " " + Q(dir_.Join("test.cvd")) + " " + Q(dir_.Join("out")));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_FALSE(ReadFile(dir_.Join("out/test.hdb")).empty());
  EXPECT_FALSE(ReadFile(dir_.Join("out/COPYING")).empty());
  // A second unpack never overwrites.
  EXPECT_EQ(Cli("unpack " + keys_ + " " + Q(dir_.Join("test.cvd")) + " " + Q(dir_.Join("out"))).exit_code, 3);
}

TEST_F(CliTest, UnpackWritesNothingWhenAMemberNameIsTaken) {
  WriteFile(dir_.Join("test.cvd"), Assemble(Assembly{}));
  std::filesystem::create_directories(dir_.Join("out"));
  std::filesystem::create_symlink("../elsewhere", dir_.Join("out/test.hdb"));
  const CliRun r =
      Cli("unpack --json " + keys_ + " " + Q(dir_.Join("test.cvd")) + " " + Q(dir_.Join("out")));
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("out/COPYING"))) << "all or nothing";
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("elsewhere")));
  EXPECT_EQ(nlohmann::json::parse(r.out)["written"].size(), 0u);
  // Missing parents are created.
  EXPECT_EQ(Cli("unpack " + keys_ + " " + Q(dir_.Join("test.cvd")) + " " + Q(dir_.Join("a/b/c")))
                .exit_code,
            0);
  EXPECT_TRUE(std::filesystem::exists(dir_.Join("a/b/c/COPYING")));
}

TEST_F(CliTest, VerifyDirectoryReportsDanglingLinksAndEmptyDirectories) {
  std::filesystem::create_directories(dir_.Join("db"));
  WriteFile(dir_.Join("db/a.cvd"), Assemble(Assembly{}));
  std::filesystem::create_symlink(dir_.Join("gone.cvd"), dir_.Join("db/daily.cvd"));
  CliRun r = Cli("verify " + keys_ + " " + Q(dir_.Join("db")));
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("daily.cvd"), std::string::npos) << r.out;
  std::filesystem::create_directories(dir_.Join("empty"));
  r = Cli("verify " + keys_ + " " + Q(dir_.Join("empty")), true);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("no definition files"), std::string::npos) << r.out;
}

TEST_F(CliTest, VerifyDirectoryReportsWhatItCannotCheck) {
  std::filesystem::create_directories(dir_.Join("db/sub"));
  WriteFile(dir_.Join("db/a.cvd"), Assemble(Assembly{}));
  WriteFile(dir_.Join("db/sub/b.cvd"), Assemble(Assembly{}));
  // A FIFO under a definition name: reported, never opened (it would block).
  ASSERT_EQ(::mkfifo(dir_.Join("db/daily.cvd").c_str(), 0644), 0);
  CliRun r = Cli("verify " + keys_ + " " + Q(dir_.Join("db")), true);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("daily.cvd: not a regular file"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sub/b.cvd: valid"), std::string::npos) << r.out;
  ::unlink(dir_.Join("db/daily.cvd").c_str());
  // A subdirectory the caller cannot read: its files would go unchecked, so
  // it is an error, not a silent skip (root reads everything: drop to
  // nobody when the machine can).
  if (std::system("command -v setpriv >/dev/null 2>&1") != 0) GTEST_SKIP() << "no setpriv";
  ::chmod(dir_.path().c_str(), 0755);
  ::chmod(dir_.Join("db").c_str(), 0755);
  ::chmod(dir_.Join("db/a.cvd").c_str(), 0644);
  ::chmod(dir_.Join("db/sub").c_str(), 0);
  r = RunCli("verify " + keys_ + " " + Q(dir_.Join("db")), true,
             "setpriv --reuid=65534 --regid=65534 --clear-groups");
  ::chmod(dir_.Join("db/sub").c_str(), 0755);
  if (r.out.find("a.cvd: valid") == std::string::npos) {
    GTEST_SKIP() << "nobody cannot run the CLI on this tree here: " << r.out;
  }
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("cannot read the directory"), std::string::npos) << r.out;
}

TEST_F(CliTest, UnpackRefusesAnInvalidFile) {
  Assembly a;
  a.edit_tar_items = [](auto& items) { items.push_back({"../evil.hdb", "x\n"}); };
  WriteFile(dir_.Join("test.cvd"), Assemble(a));
  const CliRun r = Cli("unpack " + keys_ + " " + Q(dir_.Join("test.cvd")) + " " + Q(dir_.Join("out")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(ReadFile(dir_.Join("evil.hdb")).empty());
  EXPECT_TRUE(ReadFile(dir_.Join("out/evil.hdb")).empty());
}

TEST_F(CliTest, BuildThenVerifyRoundTrips) {
  WriteFile(dir_.Join("cvd.key"), {CvdKey().private_pem.begin(), CvdKey().private_pem.end()});
  WriteFile(dir_.Join("info.key"), {InfoKey().private_pem.begin(), InfoKey().private_pem.end()});
  const std::string hdb = "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n";
  WriteFile(dir_.Join("mine.hdb"), {hdb.begin(), hdb.end()});
  for (const char* kind : {"cvd", "cld", "cud"}) {
    const std::string out = dir_.Join(std::string("mine.") + kind);
    const CliRun b = Cli(std::string("build --kind ") + kind + " --name mine --version 3 --stime 1700000000 --cvd-key " +
                      Q(dir_.Join("cvd.key")) + " --info-key " + Q(dir_.Join("info.key")) + " -o " + Q(out) +
                      " " + Q(dir_.Join("mine.hdb")));
    ASSERT_EQ(b.exit_code, 0) << kind;
    const CliRun v = Cli("verify --json --at 1700000100 " + keys_ + " " + Q(out));
    EXPECT_EQ(v.exit_code, 0) << kind << ": " << v.out;
    const auto j = nlohmann::json::parse(v.out);
    EXPECT_EQ(j["kind"], kind);
    EXPECT_EQ(j["header"]["sigs"], 1);
  }
}

TEST_F(CliTest, UnusableKeyOrCertsPathIsAUsageErrorNotAnInvalidFile) {
  WriteFile(dir_.Join("test.cvd"), Assemble(Assembly{}));
  WriteFile(dir_.Join("garbage.pem"), {'x', '\n'});
  CliRun r =
      Cli("verify --key cvd:" + Q(dir_.Join("garbage.pem")) + " " + Q(dir_.Join("test.cvd")), true);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--key"), std::string::npos) << r.out;
  r = Cli("verify " + keys_ + " --certs " + Q(dir_.Join("no-such-ca.pem")) + " " +
          Q(dir_.Join("test.cvd")));
  EXPECT_EQ(r.exit_code, 2) << r.out;
}

TEST_F(CliTest, KeygenNeverReplacesAKeyWithoutForce) {
  const std::string prefix = dir_.Join("mine");
  ASSERT_EQ(Cli("keygen --bits 1024 " + Q(prefix)).exit_code, 0);
  struct stat st {};
  ASSERT_EQ(::stat((prefix + ".key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "a private key is never readable by others";
  const auto key = ReadFile(prefix + ".key");
  const CliRun again = Cli("keygen --bits 1024 " + Q(prefix), true);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.out.find("exists"), std::string::npos) << again.out;
  EXPECT_EQ(ReadFile(prefix + ".key"), key);
  EXPECT_EQ(Cli("keygen --force --bits 1024 " + Q(prefix)).exit_code, 0);
  EXPECT_NE(ReadFile(prefix + ".key"), key);
}

TEST_F(CliTest, TextOutputEscapesControlCharactersInNames) {
  // A file name that would print a forged verdict line and a terminal escape.
  const std::string name = dir_.Join("x\nforged.cvd: valid (cvd)\n\x1b[2K.cvd");
  WriteFile(name, {'x'});
  const CliRun r = Cli("verify " + keys_ + " " + Q(name));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(r.out.find("\nforged.cvd: valid"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\\x0aforged.cvd"), std::string::npos) << r.out;
}

TEST_F(CliTest, PatchRefusesAnOutputNotNamedCld) {
  WriteFile(dir_.Join("daily.cvd"), Assemble(Assembly{}));
  for (const char* out : {"out.cvd", "out.cud"}) {
    const CliRun r = Cli("patch " + keys_ + " " + Q(dir_.Join("daily.cvd")) + " " +
                             Q(dir_.Join("daily-2.cdiff")) + " -o " + Q(dir_.Join(out)),
                         true);
    EXPECT_EQ(r.exit_code, 2) << out << ": " << r.out;
    EXPECT_FALSE(std::filesystem::exists(dir_.Join(out)));
  }
  EXPECT_EQ(Cli("patch " + keys_ + " " + Q(dir_.Join("daily.cvd")) + " x.cdiff -o ''").exit_code,
            2);
}

TEST_F(CliTest, BuildWritesNothingThatVerifyWouldReject) {
  WriteFile(dir_.Join("cvd.key"), {CvdKey().private_pem.begin(), CvdKey().private_pem.end()});
  WriteFile(dir_.Join("info.key"), {InfoKey().private_pem.begin(), InfoKey().private_pem.end()});
  const std::string hdb = "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n";
  WriteFile(dir_.Join("mine.hdb"), {hdb.begin(), hdb.end()});
  const std::string head = "build --kind cvd --name mine --version 3 --cvd-key " +
                           Q(dir_.Join("cvd.key")) + " --info-key " + Q(dir_.Join("info.key")) +
                           " -o " + Q(dir_.Join("dup.cvd"));
  // The same member twice: signed, yet TAR_DUPLICATE_MEMBER.
  const CliRun r =
      Cli(head + " " + Q(dir_.Join("mine.hdb")) + " " + Q(dir_.Join("mine.hdb")), true);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("TAR_DUPLICATE_MEMBER"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("dup.cvd")));
  EXPECT_EQ(
      Cli(head + " --allow-invalid " + Q(dir_.Join("mine.hdb")) + " " + Q(dir_.Join("mine.hdb")))
          .exit_code,
      0);
  EXPECT_EQ(Cli("verify " + keys_ + " " + Q(dir_.Join("dup.cvd"))).exit_code, 1);
}

TEST(CodesDocTest, FindingCodesDocMatchesTheTable) {
  const CliRun r = Cli("codes --markdown");
  ASSERT_EQ(r.exit_code, 0);
  std::ifstream in(std::string(CVDGUARD_SOURCE_DIR) + "/docs/finding-codes.md");
  std::stringstream doc;
  doc << in.rdbuf();
  EXPECT_EQ(doc.str(), r.out) << "regenerate with: build/cvdguard codes --markdown > docs/finding-codes.md";
}

}  // namespace
}  // namespace cvdguard::testing
