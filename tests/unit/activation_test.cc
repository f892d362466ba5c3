// activate / prune / rollback / status: the rules of docs/activation.md,
// through the library and through the CLI's exit codes.
#include <gtest/gtest.h>
#include <sys/file.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "cvdguard/activation.h"
#include "cvdguard/faults.h"
#include "cvdguard/supervise.h"
#include "cvdguard/validator.h"
#include "unit/activation_test_util.h"

namespace cvdguard::testing {
namespace {

using nlohmann::json;

class ActivationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    live_ = tmp_.Join("live");
    q_ = tmp_.Join("q");
    s_ = tmp_.Join("state");
    in_ = tmp_.Join("incoming");
    fs::create_directories(live_);
    fs::create_directories(in_);
  }
  std::string Put(const std::string& dir, const std::string& name,
                  const std::vector<std::uint8_t>& bytes) {
    const std::string p = dir + "/" + name;
    EXPECT_TRUE(WriteFile(p, bytes));
    return p;
  }
  OperationResult Act(const std::vector<std::string>& c,
                      ActivationOptions o = TestActivationOptions()) {
    return Activate(live_, q_, s_, c, o);
  }
  std::vector<std::string> Cli(const std::vector<std::string>& head) {
    std::vector<std::string> a = head;
    const auto k = KeyFlags(tmp_.path());
    a.insert(a.end(), k.begin(), k.end());
    return a;
  }

  TempDir tmp_;
  std::string live_, q_, s_, in_;
};

TEST(ActivationNameTest, PlainDefinitionNamesOnly) {
  for (const char* ok : {"daily.cvd", "main.cld", "bytecode.cud", "safebrowsing.cvd", "a1_b.cvd"}) {
    EXPECT_TRUE(IsPlainDefinitionName(ok)) << ok;
  }
  for (const char* bad : {"daily-27000.cvd", "Daily.CVD", ".daily.cvd", "daily.cvd.sign", "daily",
                          "daily.cdiff", "../daily.cvd", "x/daily.cvd", "_x.cvd", ".cvd", "daily.hdb",
                          "dai ly.cvd", "daily.cvd.tmp"}) {
    EXPECT_FALSE(IsPlainDefinitionName(bad)) << bad;
  }
}

TEST_F(ActivationTest, ActivatesAndKeepsLastKnownGood) {
  const auto old_bytes = MakeDb("daily", Kind::kCvd, 10);
  Put(live_, "daily.cvd", old_bytes);
  const auto new_bytes = MakeDb("daily", Kind::kCvd, 11);
  const std::string cand = Put(in_, "daily.cvd", new_bytes);
  const auto r = Act({cand});
  ASSERT_EQ(r.status, OperationStatus::kOk) << r.error;
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].outcome, FileOutcome::kActivated);
  EXPECT_EQ(r.files[0].version, 11u);
  EXPECT_EQ(r.files[0].live_version, 10u);
  EXPECT_TRUE(r.live_changed);
  EXPECT_EQ(ReadFile(live_ + "/daily.cvd"), new_bytes);
  EXPECT_FALSE(fs::exists(cand)) << "the candidate is moved, not copied";
  EXPECT_EQ(ReadFile(s_ + "/lkg/daily.cvd"), old_bytes);
  // Nothing but the set and cvdguard's dot-files in LIVE.
  for (const auto& e : fs::directory_iterator(live_)) {
    const auto n = e.path().filename().string();
    EXPECT_TRUE(n == "daily.cvd" || n == ".cvdguard.lock") << n;
  }
}

TEST_F(ActivationTest, DowngradeRefusedUnlessAllowed) {
  const auto live_bytes = MakeDb("daily", Kind::kCvd, 10);
  Put(live_, "daily.cvd", live_bytes);
  const std::string cand = Put(in_, "daily.cvd", MakeDb("daily", Kind::kCvd, 9));
  auto r = Act({cand});
  EXPECT_EQ(r.status, OperationStatus::kIncomplete);
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].outcome, FileOutcome::kRefused);
  EXPECT_EQ(r.files[0].code, Code::kActivationDowngrade);
  EXPECT_EQ(ReadFile(live_ + "/daily.cvd"), live_bytes);
  EXPECT_TRUE(fs::exists(cand)) << "a refused candidate stays where it was";
  EXPECT_FALSE(fs::exists(s_ + "/lkg")) << "last-known-good changes only with LIVE";

  const auto run = RunCli(Cli({"activate", "--db-dir", live_, "--quarantine-dir", q_,
                               "--state-dir", s_, cand}),
                          tmp_.path());
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;

  ActivationOptions o = TestActivationOptions();
  o.allow_downgrade = true;
  r = Act({cand}, o);
  EXPECT_EQ(r.status, OperationStatus::kOk) << r.error;
  EXPECT_EQ(HeaderVersionOf(live_ + "/daily.cvd"), 9u);
}

TEST_F(ActivationTest, EqualVersionIsANoOpWithAMessage) {
  const auto live_bytes = MakeDb("daily", Kind::kCvd, 10);
  Put(live_, "daily.cvd", live_bytes);
  const std::string cand = Put(in_, "daily.cvd", MakeDb("daily", Kind::kCvd, 10));
  const auto run = RunCli(Cli({"activate", "--db-dir", live_, "--quarantine-dir", q_,
                               "--state-dir", s_, cand}),
                          tmp_.path());
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("already live"), std::string::npos) << run.out;
  EXPECT_EQ(ReadFile(live_ + "/daily.cvd"), live_bytes);
  EXPECT_TRUE(fs::exists(cand));
  EXPECT_FALSE(fs::exists(s_ + "/lkg"));
}

TEST_F(ActivationTest, CvdReplacesCldAndTheReverse) {
  const auto cld = MakeDb("main", Kind::kCld, 5);
  Put(live_, "main.cld", cld);
  const auto cvd = MakeDb("main", Kind::kCvd, 6);
  auto r = Act({Put(in_, "main.cvd", cvd)});
  ASSERT_EQ(r.status, OperationStatus::kOk) << r.error;
  EXPECT_FALSE(fs::exists(live_ + "/main.cld"));
  EXPECT_EQ(ReadFile(live_ + "/main.cvd"), cvd);
  EXPECT_EQ(ReadFile(s_ + "/lkg/main.cld"), cld);

  const auto cld2 = MakeDb("main", Kind::kCld, 7);
  r = Act({Put(in_, "main.cld", cld2)});
  ASSERT_EQ(r.status, OperationStatus::kOk) << r.error;
  EXPECT_FALSE(fs::exists(live_ + "/main.cvd"));
  EXPECT_EQ(ReadFile(live_ + "/main.cld"), cld2);
  EXPECT_EQ(ReadFile(s_ + "/lkg/main.cvd"), cvd);
  EXPECT_FALSE(fs::exists(s_ + "/lkg/main.cld")) << "last-known-good is the set before, only";
}

TEST_F(ActivationTest, SignGoesAlongAndStaleSignsLeave) {
  Put(live_, "daily.cvd", MakeDb("daily", Kind::kCvd, 10));
  const std::vector<std::uint8_t> old_sign = {'#', 'o', 'l', 'd', '\n'};
  Put(live_, "daily-10.cvd.sign", old_sign);
  Put(live_, "main-3.cvd.sign", old_sign);  // another database's: untouched
  const std::string cand = Put(in_, "daily.cvd", MakeDb("daily", Kind::kCvd, 11));
  // A .sign that cannot be verified without --certs: legacy signature decides.
  const std::string text = "#clamsign-1.0\n230::pkcs7-pem:AAAA\n";
  const std::vector<std::uint8_t> sign(text.begin(), text.end());
  const std::string cand_sign = Put(in_, "daily-11.cvd.sign", sign);
  const auto r = Act({cand});
  ASSERT_EQ(r.status, OperationStatus::kOk) << r.error << (r.files.empty() ? "" : r.files[0].message);
  EXPECT_EQ(r.files[0].sign_name, "daily-11.cvd.sign");
  EXPECT_EQ(ReadFile(live_ + "/daily-11.cvd.sign"), sign);
  EXPECT_FALSE(fs::exists(live_ + "/daily-10.cvd.sign"));
  EXPECT_TRUE(fs::exists(live_ + "/main-3.cvd.sign"));
  EXPECT_FALSE(fs::exists(cand_sign));
  EXPECT_EQ(ReadFile(s_ + "/lkg/daily-10.cvd.sign"), old_sign);
}

TEST_F(ActivationTest, InvalidCandidateIsMovedToQuarantineWithItsRecord) {
  const auto live_bytes = MakeDb("daily", Kind::kCvd, 10);
  Put(live_, "daily.cvd", live_bytes);
  auto bad = MakeDb("daily", Kind::kCvd, 11);
  bad.resize(bad.size() - 100);  // truncated download
  const std::string cand = Put(in_, "daily.cvd", bad);
  const auto run = RunCli(Cli({"activate", "--db-dir", live_, "--quarantine-dir", q_,
                               "--state-dir", s_, "--json", cand}),
                          tmp_.path());
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_FALSE(fs::exists(cand));
  EXPECT_EQ(ReadFile(live_ + "/daily.cvd"), live_bytes);
  EXPECT_FALSE(fs::exists(s_ + "/lkg"));
  const auto recs = Records(q_);
  ASSERT_EQ(recs.size(), 1u);
  const json j = json::parse(recs.begin()->second);
  EXPECT_EQ(j["reason"], "invalid");
  EXPECT_EQ(j["operation"], "activate");
  EXPECT_NE(j["original_path"].get<std::string>().find("incoming/daily.cvd"), std::string::npos);
  EXPECT_EQ(j["size"], bad.size());
  EXPECT_EQ(j["sha256"], Sha256Hex(bad));
  EXPECT_TRUE(j["failed_check"].is_object());
  EXPECT_FALSE(j["failed_check"]["name"].get<std::string>().empty());
  EXPECT_TRUE(j["findings"].is_array());
  EXPECT_FALSE(j["findings"].empty());
  EXPECT_GT(j["t"].get<std::int64_t>(), 0);
  EXPECT_EQ(ReadFile(q_ + "/" + j["file"].get<std::string>()), bad);
  const json out = json::parse(run.out);
  EXPECT_EQ(out["files"][0]["outcome"], "quarantined");
}

TEST_F(ActivationTest, BadNamesAndSymlinksAreRefusedAndLeftInPlace) {
  Put(live_, "daily.cvd", MakeDb("daily", Kind::kCvd, 10));
  const auto before = Snapshot(live_);
  const std::string odd = Put(in_, "daily-11.cvd", MakeDb("daily", Kind::kCvd, 11));
  const std::string upper = Put(in_, "Daily.CVD", MakeDb("daily", Kind::kCvd, 11));
  const std::string outside = tmp_.Join("outside.cvd");
  WriteFile(outside, MakeDb("daily", Kind::kCvd, 12));
  const std::string link = in_ + "/daily.cvd";
  fs::create_symlink(outside, link);
  const std::string passwd_link = in_ + "/main.cvd";
  fs::create_symlink("/etc/passwd", passwd_link);
  const auto r = Act({odd, upper, link, passwd_link, "/etc/../etc/bytecode.cvd", in_ + "/none.cvd"});
  EXPECT_EQ(r.status, OperationStatus::kIncomplete) << r.error;
  ASSERT_EQ(r.files.size(), 6u);
  EXPECT_EQ(r.files[0].code, Code::kActivationBadName);
  EXPECT_EQ(r.files[1].code, Code::kActivationBadName);
  EXPECT_EQ(r.files[2].code, Code::kActivationNotRegularFile);
  EXPECT_EQ(r.files[3].code, Code::kActivationNotRegularFile);
  for (const auto& f : r.files) EXPECT_EQ(f.outcome, FileOutcome::kRefused) << f.path;
  EXPECT_EQ(Snapshot(live_), before);
  EXPECT_TRUE(fs::exists(odd));
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_TRUE(fs::exists(outside));
  EXPECT_TRUE(Records(q_).empty());
}

TEST_F(ActivationTest, PruneMovesOnlyTheInvalidOnes) {
  const auto good_main = MakeDb("main", Kind::kCvd, 3);
  const auto good_bc = MakeDb("bytecode", Kind::kCld, 4);
  Put(live_, "main.cvd", good_main);
  Put(live_, "bytecode.cld", good_bc);
  auto trunc = MakeDb("safebrowsing", Kind::kCld, 9);
  trunc.resize(trunc.size() / 2);
  Put(live_, "safebrowsing.cld", trunc);
  const std::string html = "<!DOCTYPE html><html><body>404 Not Found</body></html>\n";
  Put(live_, "daily.cvd", std::vector<std::uint8_t>(html.begin(), html.end()));
  Put(live_, "extra.cud", {});
  Put(live_, "local.hdb", {'x', '\n'});  // not a container: not ours
  const auto run = RunCli(Cli({"prune", "--db-dir", live_, "--quarantine-dir", q_}), tmp_.path());
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  const auto after = Snapshot(live_);
  EXPECT_EQ(after.size(), 3u);
  EXPECT_EQ(ReadFile(live_ + "/main.cvd"), good_main);
  EXPECT_EQ(ReadFile(live_ + "/bytecode.cld"), good_bc);
  EXPECT_TRUE(fs::exists(live_ + "/local.hdb"));
  const auto recs = Records(q_);
  ASSERT_EQ(recs.size(), 3u);
  std::set<std::string> originals, checks;
  for (const auto& [name, text] : recs) {
    const json j = json::parse(text);
    EXPECT_EQ(j["reason"], "pruned");
    originals.insert(fs::path(j["original_path"].get<std::string>()).filename().string());
    checks.insert(j["failed_check"]["name"].get<std::string>());
    EXPECT_TRUE(fs::exists(q_ + "/" + j["file"].get<std::string>()));
  }
  EXPECT_EQ(originals, (std::set<std::string>{"daily.cvd", "extra.cud", "safebrowsing.cld"}));
  EXPECT_TRUE(checks.count("NOT_CONTAINER_HTML")) << ::testing::PrintToString(checks);
  EXPECT_TRUE(checks.count("FILE_EMPTY")) << ::testing::PrintToString(checks);
  // A second prune finds nothing.
  const auto again = RunCli(Cli({"prune", "--db-dir", live_, "--quarantine-dir", q_}), tmp_.path());
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
}

TEST_F(ActivationTest, RollbackRestoresThePreviousSetByteForByte) {
  const auto daily10 = MakeDb("daily", Kind::kCvd, 10);
  const auto main_cld = MakeDb("main", Kind::kCld, 5);
  Put(live_, "daily.cvd", daily10);
  Put(live_, "main.cld", main_cld);
  Put(live_, "daily-10.cvd.sign", {'s', '\n'});
  const auto before = Snapshot(live_);
  const auto r = Act({Put(in_, "daily.cvd", MakeDb("daily", Kind::kCvd, 11)),
                      Put(in_, "main.cvd", MakeDb("main", Kind::kCvd, 6)),
                      Put(in_, "bytecode.cvd", MakeDb("bytecode", Kind::kCvd, 2))});
  ASSERT_EQ(r.status, OperationStatus::kOk) << r.error;
  const auto activated = Snapshot(live_);
  ASSERT_NE(activated, before);
  const std::string notify = tmp_.Join("events.jsonl");
  const auto run = RunCli({"rollback", "--db-dir", live_, "--quarantine-dir", q_, "--state-dir", s_,
                           "--notify", notify},
                          tmp_.path());
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(Snapshot(live_), before);
  // The set that was replaced is in quarantine, byte for byte.
  std::set<std::string> rolled;
  for (const auto& [name, text] : Records(q_)) {
    const json j = json::parse(text);
    EXPECT_EQ(j["reason"], "rolled_back");
    const std::string base = fs::path(j["original_path"].get<std::string>()).filename().string();
    rolled.insert(base);
    EXPECT_EQ(FileSha(q_ + "/" + j["file"].get<std::string>()), activated.at(base));
  }
  EXPECT_EQ(rolled, (std::set<std::string>{"daily.cvd", "main.cvd", "bytecode.cvd"}));
  const json event = json::parse(SlurpText(notify));
  EXPECT_EQ(event["event"], "definitions_activated");
  // Nothing left to roll back to.
  const auto again = RunCli({"rollback", "--db-dir", live_, "--quarantine-dir", q_, "--state-dir", s_},
                            tmp_.path());
  EXPECT_EQ(again.exit_code, 1) << again.out << again.err;
  EXPECT_EQ(Snapshot(live_), before);
}

TEST_F(ActivationTest, NotifyAppendsOneLinePerChange) {
  const std::string notify = tmp_.Join("events.jsonl");
  const auto bytes = MakeDb("daily", Kind::kCvd, 27001);
  ActivationOptions o = TestActivationOptions();
  o.notify_path = notify;
  o.now = 1700000000;
  auto r = Act({Put(in_, "daily.cvd", bytes)}, o);
  ASSERT_EQ(r.status, OperationStatus::kOk) << r.error;
  r = Act({Put(in_, "daily.cvd", bytes)}, o);  // same version: LIVE unchanged, no line
  ASSERT_EQ(r.status, OperationStatus::kOk) << r.error;
  const std::string text = SlurpText(notify);
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  const json j = json::parse(text);
  EXPECT_EQ(j["t"], 1700000000);
  EXPECT_EQ(j["event"], "definitions_activated");
  ASSERT_EQ(j["files"].size(), 1u);
  EXPECT_EQ(j["files"][0]["name"], "daily.cvd");
  EXPECT_EQ(j["files"][0]["version"], 27001);
  EXPECT_EQ(j["files"][0]["sha256"], Sha256Hex(bytes));
}

TEST_F(ActivationTest, QuarantineBoundsRemoveOldestFilesAndKeepRecords) {
  ActivationOptions o = TestActivationOptions();
  o.quarantine_bounds.max_bytes = 0;
  o.quarantine_bounds.max_age_seconds = 100;
  auto bad = MakeDb("daily", Kind::kCvd, 11);
  bad[600] ^= 0xff;
  o.now = 1000;
  ASSERT_EQ(Act({Put(in_, "daily.cvd", bad)}, o).status, OperationStatus::kIncomplete);
  o.now = 1050;
  ASSERT_EQ(Act({Put(in_, "daily.cvd", bad)}, o).status, OperationStatus::kIncomplete);
  o.now = 1120;  // the first is now 120 s old, the second 70 s
  const auto r = Act({Put(in_, "daily.cvd", bad)}, o);
  ASSERT_EQ(r.removals.size(), 1u);
  EXPECT_EQ(r.removals[0].why, "max_age");
  const auto recs = Records(q_);
  ASSERT_EQ(recs.size(), 3u) << "every record is kept";
  int removed = 0;
  for (const auto& [name, text] : recs) {
    const json j = json::parse(text);
    const bool present = fs::exists(q_ + "/" + j["file"].get<std::string>());
    if (!j["removed"].is_null()) {
      ++removed;
      EXPECT_EQ(j["t"], 1000);
      EXPECT_EQ(j["removed"]["why"], "max_age");
      EXPECT_FALSE(present);
    } else {
      EXPECT_TRUE(present);
    }
  }
  EXPECT_EQ(removed, 1);
  // Size bound: keep at most one file's worth; the newest entry is never removed.
  o.quarantine_bounds.max_age_seconds = 0;
  o.quarantine_bounds.max_bytes = bad.size() + 10;
  o.now = 1130;
  const auto r2 = Act({Put(in_, "daily.cvd", bad)}, o);
  ASSERT_EQ(r2.removals.size(), 2u);
  EXPECT_EQ(r2.removals[0].why, "max_bytes");
  const auto st = Status(live_, s_, q_, TestActivationOptions());
  ASSERT_TRUE(st.ok) << st.error;
  EXPECT_EQ(st.quarantine.size(), 4u);
  EXPECT_EQ(st.quarantine_bytes, bad.size());
}

TEST_F(ActivationTest, SecondCallerWaitsThenFailsClearly) {
  Put(live_, "daily.cvd", MakeDb("daily", Kind::kCvd, 10));
  const std::string cand = Put(in_, "daily.cvd", MakeDb("daily", Kind::kCvd, 11));
  const int fd = ::open((live_ + "/.cvdguard.lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  const auto t0 = std::chrono::steady_clock::now();
  const auto run = RunCli(Cli({"activate", "--db-dir", live_, "--quarantine-dir", q_, "--state-dir",
                               s_, "--lock-timeout", "0.5", cand}),
                          tmp_.path());
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_NE(run.err.find("locked by another cvdguard process"), std::string::npos) << run.err;
  EXPECT_GE(waited, 0.5);
  EXPECT_TRUE(fs::exists(cand));
  EXPECT_EQ(HeaderVersionOf(live_ + "/daily.cvd"), 10u);
  ::flock(fd, LOCK_UN);
  ::close(fd);
  const auto ok = RunCli(Cli({"activate", "--db-dir", live_, "--quarantine-dir", q_, "--state-dir",
                              s_, cand}),
                         tmp_.path());
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
}

TEST_F(ActivationTest, CandidateModifiedDuringValidationIsCaught) {
  Put(live_, "daily.cvd", MakeDb("daily", Kind::kCvd, 10));
  const auto good = MakeDb("daily", Kind::kCvd, 11, std::size_t{12} << 20);
  const std::string cand = Put(in_, "daily.cvd", good);
  CliProcess p(Cli({"activate", "--db-dir", live_, "--quarantine-dir", q_, "--state-dir", s_,
                    "--no-lint", cand}),
               tmp_.path(), /*hook=*/true);
  bool modified = false;
  while (auto point = p.NextPoint()) {
    if (!modified && *point == "read_progress") {
      // Another writer changes bytes in place while the validator reads.
      const int fd = ::open(cand.c_str(), O_WRONLY);
      ASSERT_GE(fd, 0);
      const char junk[4] = {'J', 'U', 'N', 'K'};
      ASSERT_EQ(::pwrite(fd, junk, sizeof junk, 100000), 4);
      ::close(fd);
      modified = true;
    }
    p.Continue();
  }
  const auto run = p.Wait();
  ASSERT_TRUE(modified);
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_EQ(HeaderVersionOf(live_ + "/daily.cvd"), 10u);
  const auto recs = Records(q_);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_NE(recs.begin()->second.find("ACTIVATION_CANDIDATE_CHANGED"), std::string::npos);
}

TEST_F(ActivationTest, StatusReportsLiveLastKnownGoodAndQuarantine) {
  Put(live_, "daily.cvd", MakeDb("daily", Kind::kCvd, 10));
  auto bad = MakeDb("main", Kind::kCvd, 2);
  bad.resize(700);
  ASSERT_EQ(Act({Put(in_, "daily.cvd", MakeDb("daily", Kind::kCvd, 11)), Put(in_, "main.cvd", bad)})
                .status,
            OperationStatus::kIncomplete);
  const auto run = RunCli(Cli({"status", "--db-dir", live_, "--state-dir", s_, "--json"}), tmp_.path());
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  const json j = json::parse(run.out);
  ASSERT_EQ(j["live"].size(), 1u);
  EXPECT_EQ(j["live"][0]["name"], "daily.cvd");
  EXPECT_EQ(j["live"][0]["version"], 11);
  EXPECT_EQ(j["live"][0]["verdict"], "valid");
  EXPECT_EQ(j["live"][0]["kind"], "cvd");
  EXPECT_FALSE(j["live"][0]["build_time"].get<std::string>().empty());
  EXPECT_GT(j["live"][0]["sigs"].get<int>(), 0);
  EXPECT_EQ(j["last_known_good"]["files"][0]["name"], "daily.cvd");
  EXPECT_EQ(j["last_known_good"]["files"][0]["version"], 10);
  ASSERT_EQ(j["quarantine"]["entries"].size(), 1u);
  EXPECT_EQ(j["quarantine"]["entries"][0]["reason"], "invalid");
  const auto text = RunCli(Cli({"status", "--db-dir", live_, "--state-dir", s_}), tmp_.path());
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("daily.cvd"), std::string::npos);
  // The text shows the build time as `info` and sigtool do (HH:MM); the JSON
  // keeps the header's own "HH-MM".
  std::string shown = j["live"][0]["build_time"].get<std::string>();
  ASSERT_NE(shown.find('-'), std::string::npos) << shown;
  shown[shown.find('-')] = ':';
  EXPECT_NE(text.out.find("built " + shown), std::string::npos) << text.out;
}

TEST_F(ActivationTest, UsageErrorsExitTwo) {
  EXPECT_EQ(RunCli({"activate", "--db-dir", live_}, tmp_.path()).exit_code, 2);
  EXPECT_EQ(RunCli({"rollback", "--db-dir", live_}, tmp_.path()).exit_code, 2);
  // --state-dir defaults to LIVE/.cvdguard, as for activate: nothing there yet.
  EXPECT_EQ(RunCli({"rollback", "--db-dir", live_, "--quarantine-dir", q_}, tmp_.path()).exit_code,
            1);
  EXPECT_EQ(RunCli({"activate", "--db-dir", live_, "--quarantine-dir", q_, "--key", "bogus",
                    in_ + "/daily.cvd"},
                   tmp_.path())
                .exit_code,
            2);
}

// A fault journal in `state_dir` whose engine refused `a` and `b`: fault 12
// followed both activations (docs/faults.md, integrity_gap).
std::vector<std::string> WriteJournalRefusing(const std::string& state_dir, const std::string& a,
                                              const std::string& b) {
  FaultEngine engine;
  std::vector<FaultDecision> out;
  auto feed = [&](double t, FaultEventKind kind, std::vector<DefinitionFile> files = {}) {
    FaultEvent e;
    e.t = t;
    e.kind = kind;
    e.files = std::move(files);
    EXPECT_TRUE(engine.Apply(e, &out).ok());
  };
  feed(0, FaultEventKind::kConnectorStart);
  feed(1, FaultEventKind::kServiceStarted);
  feed(10, FaultEventKind::kDefinitionsActivated, {{"daily.cvd", 11, a}});
  feed(11, FaultEventKind::kServiceStartFailed);
  feed(13, FaultEventKind::kServiceStarted);
  feed(20, FaultEventKind::kDefinitionsActivated, {{"daily.cvd", 12, b}});
  feed(21, FaultEventKind::kServiceStartFailed);
  EXPECT_TRUE(SaveFaultJournal(state_dir, engine).ok());
  return engine.RefusedDigests();
}

TEST_F(ActivationTest, RefusedDigestIsInvalidOnActivateAndOnPrune) {
  const auto refused = MakeDb("daily", Kind::kCvd, 12);
  const auto fine = MakeDb("main", Kind::kCvd, 3);
  ActivationOptions o = TestActivationOptions();
  std::string upper = Sha256Hex(refused);
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);  // any case
  o.refused_sha256 = {upper};
  const auto r = Act({Put(in_, "daily.cvd", refused), Put(in_, "main.cvd", fine)}, o);
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.status, OperationStatus::kIncomplete);
  for (const auto& f : r.files) {
    if (f.live_name == "daily.cvd") {
      EXPECT_EQ(f.outcome, FileOutcome::kQuarantined);
      ASSERT_TRUE(f.code.has_value());
      EXPECT_EQ(*f.code, Code::kActivationRefusedDigest) << f.message;
    } else {
      EXPECT_EQ(f.outcome, FileOutcome::kActivated) << f.message;
    }
  }
  EXPECT_FALSE(fs::exists(live_ + "/daily.cvd"));
  // The same bytes already live are pruned once the digest is refused.
  Put(live_, "daily.cvd", refused);
  const OperationResult p = Prune(live_, q_, o);
  EXPECT_EQ(p.status, OperationStatus::kIncomplete);
  EXPECT_FALSE(fs::exists(live_ + "/daily.cvd"));
  EXPECT_EQ(ReadFile(live_ + "/main.cvd"), fine);
  // Without the list the same file is valid: the digest alone decided.
  Put(live_, "daily.cvd", refused);
  EXPECT_EQ(Prune(live_, q_, TestActivationOptions()).status, OperationStatus::kOk);
}

TEST_F(ActivationTest, SupervisorStateRefusesLearnedDigestsAndQueuesTheActivation) {
  const std::string sup = tmp_.Join("supervisor");
  const auto bad = MakeDb("daily", Kind::kCvd, 12);
  const auto good = MakeDb("daily", Kind::kCvd, 13);
  const auto digests =
      WriteJournalRefusing(sup, std::string(64, 'a'), Sha256Hex(bad));
  ASSERT_EQ(digests.size(), 2u);
  auto args = [&](const std::string& cand) {
    return Cli({"activate", "--db-dir", live_, "--quarantine-dir", q_, "--state-dir", s_,
                "--supervisor-state", sup, "--json", cand});
  };
  const auto refused = RunCli(args(Put(in_, "daily.cvd", bad)), tmp_.path());
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_NE(refused.out.find("ACTIVATION_REFUSED_DIGEST"), std::string::npos) << refused.out;
  EXPECT_FALSE(fs::exists(live_ + "/daily.cvd"));
  EXPECT_TRUE(!fs::exists(sup + "/inbox") || fs::is_empty(sup + "/inbox"));

  const auto ok = RunCli(args(Put(in_, "daily.cvd", good)), tmp_.path());
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  std::vector<std::string> queued;
  for (const auto& e : fs::directory_iterator(sup + "/inbox")) queued.push_back(e.path().string());
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(fs::path(queued[0]).extension(), ".json");
  FaultEvent event;
  ASSERT_TRUE(ParseFaultEventLine(SlurpText(queued[0]), &event).ok()) << SlurpText(queued[0]);
  EXPECT_EQ(event.kind, FaultEventKind::kDefinitionsActivated);
  ASSERT_EQ(event.files.size(), 1u);
  EXPECT_EQ(event.files[0].name, "daily.cvd");
  EXPECT_EQ(event.files[0].version, 13u);
  EXPECT_EQ(event.files[0].sha256, Sha256Hex(good));

  // A torn journal stops the operation: no file gets past a refusal it
  // cannot read.
  { std::ofstream(sup + "/faults.journal", std::ios::trunc) << "{\"format\": 1, \"sta"; }
  const auto torn = RunCli(args(Put(in_, "daily.cvd", MakeDb("daily", Kind::kCvd, 14))), tmp_.path());
  EXPECT_EQ(torn.exit_code, 3) << torn.out << torn.err;
  EXPECT_NE(torn.err.find("FAULT_JOURNAL_CORRUPT"), std::string::npos) << torn.err;
  EXPECT_EQ(ReadFile(live_ + "/daily.cvd"), good);
}

TEST_F(ActivationTest, SupervisorActionsPruneWithRefusedDigestsAndRollBack) {
  const auto v1 = MakeDb("daily", Kind::kCvd, 1);
  const auto v2 = MakeDb("daily", Kind::kCvd, 2);
  ASSERT_EQ(Act({Put(in_, "daily.cvd", v1)}).status, OperationStatus::kOk);
  ASSERT_EQ(Act({Put(in_, "daily.cvd", v2)}).status, OperationStatus::kOk);
  ActivationDefinitionActions actions(live_, q_, s_, TestActivationOptions());
  // Nothing invalid: prune keeps v2.
  FaultStatus st = actions.Prune({});
  EXPECT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(ReadFile(live_ + "/daily.cvd"), v2);
  // v2 refused by the engine: pruned, with the reason in the message.
  st = actions.Prune({Sha256Hex(v2)});
  EXPECT_TRUE(st.ok()) << st.message;
  EXPECT_NE(st.message.find("ACTIVATION_REFUSED_DIGEST"), std::string::npos) << st.message;
  EXPECT_FALSE(fs::exists(live_ + "/daily.cvd"));
  // Rollback brings back v1, the set before the last activation.
  st = actions.Rollback();
  EXPECT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(ReadFile(live_ + "/daily.cvd"), v1);
  // Last-known-good is consumed: a second rollback fails, and says why.
  st = actions.Rollback();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message.find("ACTIVATION_NOTHING_TO_ROLL_BACK"), std::string::npos) << st.message;
}

TEST_F(ActivationTest, RollbackWhenLiveAlreadyHoldsLastKnownGoodIsWhatTheSupervisorAskedFor) {
  const auto daily = MakeDb("daily", Kind::kCvd, 1);
  const auto main_db = MakeDb("main", Kind::kCvd, 1);
  ASSERT_EQ(Act({Put(in_, "daily.cvd", daily)}).status, OperationStatus::kOk);
  ASSERT_EQ(Act({Put(in_, "main.cvd", main_db)}).status, OperationStatus::kOk);  // LKG: {daily}
  ActivationDefinitionActions actions(live_, q_, s_, TestActivationOptions());
  // The engine refused main.cvd: the prune takes it out, LIVE is {daily} again.
  ASSERT_TRUE(actions.Prune({Sha256Hex(main_db)}).ok());
  ASSERT_FALSE(fs::exists(live_ + "/main.cvd"));
  const OperationResult r = cvdguard::Rollback(live_, q_, s_, TestActivationOptions());
  EXPECT_EQ(r.status, OperationStatus::kIncomplete);
  EXPECT_TRUE(r.already_last_known_good);
  EXPECT_FALSE(r.live_changed);
  EXPECT_TRUE(actions.Rollback().ok());
  EXPECT_EQ(ReadFile(live_ + "/daily.cvd"), daily);
}

// A journal is read back from LIVE, which a less trusted account may write:
// it must not reach files outside LIVE and the directories of the run.
TEST_F(ActivationTest, ForgedJournalCannotTouchFilesOutsideTheRunsDirectories) {
  const std::string victim = tmp_.Join("victim");
  fs::create_directories(victim + "/lkg/sub");
  Put(victim, "secret", {'s', '\n'});
  Put(victim, "app.conf", {'c', '\n'});
  Put(victim + "/lkg/sub", "important.db", {'x'});
  struct stat st {};
  ASSERT_EQ(::stat((victim + "/secret").c_str(), &st), 0);
  const auto journal = [&](const json& j) {
    WriteFile(live_ + "/.cvdguard.journal", [&] {
      const std::string t = j.dump();
      return std::vector<std::uint8_t>(t.begin(), t.end());
    }());
  };
  json j = {
      {"schema", "cvdguard-journal-1"},
      {"op", "activate"},
      {"live_renames", json::array()},
      {"live_unlinks", json::array()},
      {"q_dir", victim},
      {"q_renames", json::array({json::array({"app.conf", "app.conf.gone"})})},
      {"s_dir", ""},
      {"lkg_pending", ""},
      {"lkg_id", ""},
      {"lkg_consume", false},
      {"sources",
       json::array({{{"path", victim + "/secret"}, {"dev", st.st_dev}, {"ino", st.st_ino}}})}};
  journal(j);
  auto r = Prune(live_, q_, TestActivationOptions());
  EXPECT_EQ(r.status, OperationStatus::kIoError);
  EXPECT_NE(r.error.find("not this run's"), std::string::npos) << r.error;
  EXPECT_TRUE(fs::exists(victim + "/app.conf"));

  // The same journal with the run's own Q: the rename stays inside Q, and the
  // source outside LIVE is kept because it is not a copy of a live file.
  j["q_dir"] = q_;
  j["q_renames"] = json::array();
  journal(j);
  r = Prune(live_, q_, TestActivationOptions());
  EXPECT_EQ(r.status, OperationStatus::kOk) << r.error;
  EXPECT_TRUE(fs::exists(victim + "/secret"));
  EXPECT_TRUE(std::any_of(r.notes.begin(), r.notes.end(), [](const std::string& n) {
    return n.find("left the activated candidate") != std::string::npos;
  }));

  // A rollback journal naming a state directory the run was not given.
  journal({{"schema", "cvdguard-journal-1"},
           {"op", "rollback"},
           {"s_dir", victim},
           {"lkg_consume", true}});
  r = Prune(live_, q_, TestActivationOptions());
  EXPECT_EQ(r.status, OperationStatus::kIoError);
  EXPECT_TRUE(fs::exists(victim + "/lkg/sub/important.db"));
}

// A symlink in LIVE may point at a file the caller cannot read: copies of
// it (last-known-good, quarantine) keep its permissions.
TEST_F(ActivationTest, CopiesKeepTheSourcePermissions) {
  const std::string outside = tmp_.Join("outside");
  fs::create_directories(outside);
  const std::string secret = Put(outside, "shadow", {'r', 'o', 'o', 't', '\n'});
  ASSERT_EQ(::chmod(secret.c_str(), 0600), 0);
  fs::create_symlink(secret, live_ + "/evil.sign");
  fs::create_symlink(secret, live_ + "/x.cvd");
  const auto r = Act({Put(in_, "daily.cvd", MakeDb("daily", Kind::kCvd, 5))});
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].outcome, FileOutcome::kActivated) << r.error;
  struct stat st {};
  ASSERT_EQ(::stat((s_ + "/lkg/evil.sign").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const auto p = Prune(live_, q_, TestActivationOptions());
  bool quarantined = false;
  for (const auto& e : fs::directory_iterator(q_)) {
    const std::string n = e.path().filename().string();
    if (n.find("x.cvd") == std::string::npos || !n.ends_with(".quarantine")) continue;
    quarantined = true;
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << n;
  }
  EXPECT_TRUE(quarantined) << p.error;
}

TEST_F(ActivationTest, QuarantineBoundsLeaveFilesThatAreNotOurRecords) {
  fs::create_directories(q_);
  Put(q_, "case-1234.pcap", {'e'});
  const std::string other = R"({"case":1234,"file":"case-1234.pcap"})";
  Put(q_, "case-1234.json", std::vector<std::uint8_t>(other.begin(), other.end()));
  ActivationOptions o = TestActivationOptions();
  o.quarantine_bounds.max_age_seconds = 1;
  o.quarantine_bounds.max_bytes = 0;
  const auto r = Act({Put(in_, "daily.cvd", MakeDb("daily", Kind::kCvd, 5))}, o);
  EXPECT_EQ(r.status, OperationStatus::kOk) << r.error;
  EXPECT_TRUE(r.removals.empty());
  EXPECT_TRUE(fs::exists(q_ + "/case-1234.pcap"));
  EXPECT_EQ(SlurpText(q_ + "/case-1234.json"), other);
}

TEST_F(ActivationTest, OnlyTheDatabasesOwnFilesCountAsIt) {
  const auto backup = MakeDb("daily", Kind::kCvd, 100);
  Put(live_, "daily.cvd", MakeDb("daily", Kind::kCvd, 101));
  Put(live_, "daily.backup.cvd", backup);
  Put(live_, "daily-old.cvd", MakeDb("daily", Kind::kCvd, 200));
  const auto r = Act({Put(in_, "daily.cvd", MakeDb("daily", Kind::kCvd, 102))});
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].outcome, FileOutcome::kActivated) << r.files[0].message;
  EXPECT_EQ(r.files[0].live_version, 101u) << "daily-old.cvd (200) is not database daily";
  EXPECT_EQ(ReadFile(live_ + "/daily.backup.cvd"), backup);
  EXPECT_TRUE(fs::exists(live_ + "/daily-old.cvd"));
}

TEST_F(ActivationTest, MissingCandidateDirectoryIsRefusedAndTheRestActivate) {
  const auto r =
      Act({Put(in_, "daily.cvd", MakeDb("daily", Kind::kCvd, 5)), tmp_.Join("nodir/main.cvd")});
  ASSERT_EQ(r.files.size(), 2u) << r.error;
  EXPECT_EQ(r.files[0].outcome, FileOutcome::kActivated);
  EXPECT_EQ(r.files[1].outcome, FileOutcome::kRefused);
  EXPECT_EQ(r.files[1].code, Code::kActivationMissing);
  EXPECT_EQ(r.status, OperationStatus::kIncomplete);
  EXPECT_TRUE(fs::exists(live_ + "/daily.cvd"));
}

TEST_F(ActivationTest, FailedCommitDoesNotReportFilesAsActivated) {
  Put(live_, "daily.cvd", MakeDb("daily", Kind::kCvd, 4));
  // A set member whose bytes cannot be read (reading offset 0 of a process's
  // memory fails with EIO): saving last-known-good fails before the commit.
  fs::create_symlink("/proc/self/mem", live_ + "/unreadable.sign");
  const auto r = Act({Put(in_, "daily.cvd", MakeDb("daily", Kind::kCvd, 5))});
  EXPECT_EQ(r.status, OperationStatus::kIoError);
  EXPECT_FALSE(r.live_changed);
  ASSERT_EQ(r.files.size(), 1u) << r.error;
  EXPECT_EQ(r.files[0].outcome, FileOutcome::kFailed);
  EXPECT_NE(r.files[0].message.find("not activated"), std::string::npos) << r.files[0].message;
  EXPECT_EQ(HeaderVersionOf(live_ + "/daily.cvd"), 4u);
}

TEST_F(ActivationTest, NotifyFifoWithoutReaderDoesNotBlock) {
  const std::string fifo = tmp_.Join("notify.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ActivationOptions o = TestActivationOptions();
  o.notify_path = fifo;
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = Act({Put(in_, "daily.cvd", MakeDb("daily", Kind::kCvd, 5))}, o);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  EXPECT_EQ(r.status, OperationStatus::kOk) << r.error;
  EXPECT_TRUE(std::any_of(r.notes.begin(), r.notes.end(), [](const std::string& n) {
    return n.find("FIFO with no reader") != std::string::npos;
  }));
}

TEST_F(ActivationTest, PruneRemovesLeftoversOfInterruptedRunsFromTheDefaultStateDir) {
  const std::string s = live_ + "/.cvdguard";
  // pid 1 is alive, so take a pid that cannot be: above pid_max.
  fs::create_directories(s + "/.lkg-pending.999999999.1");
  const auto r = Prune(live_, q_, TestActivationOptions());
  EXPECT_EQ(r.status, OperationStatus::kOk) << r.error;
  EXPECT_FALSE(fs::exists(s + "/.lkg-pending.999999999.1"));
}

TEST_F(ActivationTest, StatusFindsTheQuarantineWhenPruneRanFirst) {
  // A quote in the path: the state file is real JSON, not skipped.
  const std::string q = tmp_.Join("q\"uarantine");
  auto bad = MakeDb("daily", Kind::kCvd, 3);
  bad.resize(700);
  Put(live_, "daily.cvd", bad);
  ASSERT_EQ(Prune(live_, q, TestActivationOptions()).status, OperationStatus::kIncomplete);
  const DirectoryStatus st = Status(live_, "", "", TestActivationOptions());
  EXPECT_EQ(st.quarantine_dir, q);
  ASSERT_EQ(st.quarantine.size(), 1u);
  EXPECT_EQ(st.quarantine[0].reason, "pruned");
}

TEST_F(ActivationTest, StatusExitsOneWhileAnInterruptedOperationIsPending) {
  ASSERT_EQ(Act({Put(in_, "daily.cvd", MakeDb("daily", Kind::kCvd, 5))}).status,
            OperationStatus::kOk);
  auto run = RunCli(Cli({"status", "--db-dir", live_, "--state-dir", s_}), tmp_.path());
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  Put(live_, ".cvdguard.journal", {'{', '}'});
  run = RunCli(Cli({"status", "--db-dir", live_, "--state-dir", s_}), tmp_.path());
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("interrupted operation is pending"), std::string::npos) << run.out;
}

TEST_F(ActivationTest, StatusIsHealthyOnlyWithAValidSetLive) {
  // Nothing live: a scanner would not start, so not healthy (exit 1).
  DirectoryStatus st = Status(live_, s_, "", TestActivationOptions());
  ASSERT_TRUE(st.ok) << st.error;
  EXPECT_FALSE(st.healthy);
  ASSERT_EQ(st.problems.size(), 1u);
  EXPECT_NE(st.problems[0].find("no definition file is live"), std::string::npos);
  auto run = RunCli(Cli({"status", "--db-dir", live_, "--state-dir", s_}), tmp_.path());
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("NOT HEALTHY"), std::string::npos) << run.out;
  run = RunCli(Cli({"status", "--json", "--db-dir", live_, "--state-dir", s_}), tmp_.path());
  EXPECT_EQ(run.exit_code, 1);
  const nlohmann::json j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["healthy"], false);
  EXPECT_EQ(j["problems"].size(), 1u);

  // A valid set: healthy.
  ASSERT_EQ(Act({Put(in_, "daily.cvd", MakeDb("daily", Kind::kCvd, 5))}).status,
            OperationStatus::kOk);
  st = Status(live_, s_, "", TestActivationOptions());
  EXPECT_TRUE(st.healthy);
  EXPECT_TRUE(st.problems.empty());
  run = RunCli(Cli({"status", "--db-dir", live_, "--state-dir", s_}), tmp_.path());
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("health: ok"), std::string::npos) << run.out;

  // A broken file beside it: not healthy, and the problem says how many.
  std::vector<std::uint8_t> bad = MakeDb("main", Kind::kCvd, 3);
  bad.resize(bad.size() / 2);
  Put(live_, "main.cvd", bad);
  st = Status(live_, s_, "", TestActivationOptions());
  EXPECT_FALSE(st.healthy);
  ASSERT_EQ(st.problems.size(), 1u);
  EXPECT_NE(st.problems[0].find("1 live file is not valid"), std::string::npos) << st.problems[0];
}

}  // namespace
}  // namespace cvdguard::testing
