// Crash safety with real processes: `cvdguard activate` on a large generated
// database is SIGKILLed at many moments, and after every kill LIVE, the
// candidates, quarantine and last-known-good are checked.
//
// Kill moments:
//  * every named point of the activation test hook (docs/activation.md), in
//    order, for a run whose candidates share LIVE's file system (hard-link
//    path) and one whose candidates are on /dev/shm (copy path). The points
//    include progress every 4 MiB of reading/copying and each step of the
//    commit: journal written, each rename, the unlink of the replaced .cld,
//    the fsync of LIVE, last-known-good promotion, removal of the sources and
//    of the journal;
//  * evenly spread delays over the measured duration of an unhooked run.
//
// The scenario: LIVE holds daily.cvd v1 and main.cld v1; the candidates are
// a large daily.cvd v2, main.cvd v2 (replaces the .cld) and an invalid
// bytecode.cvd (goes to quarantine).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cvdguard/validator.h"
#include "unit/activation_test_util.h"

namespace cvdguard::testing {
namespace {

struct Corpus {
  std::vector<std::uint8_t> old_daily, old_main, big_daily, new_main, bad_bytecode;
  std::string old_daily_sha, old_main_sha, big_sha, new_main_sha, bad_sha;
};

const Corpus& GetCorpus() {
  static const Corpus c = [] {
    Corpus k;
    k.old_daily = MakeDb("daily", Kind::kCvd, 1);
    k.old_main = MakeDb("main", Kind::kCld, 1);
    // About 16 MB on disk (random signatures compress about 2:1).
    k.big_daily = MakeDb("daily", Kind::kCvd, 2, std::size_t{30} << 20);
    k.new_main = MakeDb("main", Kind::kCvd, 2);
    k.bad_bytecode = MakeDb("bytecode", Kind::kCvd, 3);
    k.bad_bytecode[700] ^= 0x55;  // corrupt deflate data
    k.old_daily_sha = Sha256Hex(k.old_daily);
    k.old_main_sha = Sha256Hex(k.old_main);
    k.big_sha = Sha256Hex(k.big_daily);
    k.new_main_sha = Sha256Hex(k.new_main);
    k.bad_sha = Sha256Hex(k.bad_bytecode);
    return k;
  }();
  return c;
}

class ActivationCrashTest : public ::testing::Test {
 protected:
  struct Env {
    std::unique_ptr<TempDir> dir;
    std::unique_ptr<TempDirOn> shm;
    std::string live, q, s, src;
  };

  Env Fresh(bool cross_fs) {
    const Corpus& c = GetCorpus();
    Env e;
    e.dir = std::make_unique<TempDir>();
    e.live = e.dir->Join("live");
    e.q = e.dir->Join("q");
    e.s = e.live + "/.cvdguard";
    fs::create_directories(e.live);
    WriteFile(e.live + "/daily.cvd", c.old_daily);
    WriteFile(e.live + "/main.cld", c.old_main);
    if (cross_fs) {
      e.shm = std::make_unique<TempDirOn>("/dev/shm");
      e.src = e.shm->path();
    } else {
      e.src = e.dir->Join("in");
      fs::create_directories(e.src);
    }
    WriteFile(e.src + "/daily.cvd", c.big_daily);
    WriteFile(e.src + "/main.cvd", c.new_main);
    WriteFile(e.src + "/bytecode.cvd", c.bad_bytecode);
    return e;
  }

  std::vector<std::string> Args(const Env& e) {
    std::vector<std::string> a = {"activate", "--db-dir", e.live, "--quarantine-dir", e.q,
                                  "--no-lint"};
    const auto k = KeyFlags(keys_.path());
    a.insert(a.end(), k.begin(), k.end());
    for (const char* n : {"daily.cvd", "main.cvd", "bytecode.cvd"}) a.push_back(e.src + "/" + n);
    return a;
  }

  static bool HasSha(const std::string& path, const std::string& sha) {
    return fs::exists(path) && FileSha(path) == sha;
  }

  // The invariants after a kill (see the file comment). Returns whether a
  // journal was present (a commit was in progress).
  void Check(const Env& e, const std::string& label, bool deep) {
    SCOPED_TRACE(label);
    const Corpus& c = GetCorpus();
    // A scanner's view: only complete, valid files with a definition
    // extension; temp names never carry one.
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(e.live, ec)) {
      const std::string n = entry.path().filename().string();
      const bool container = n.size() > 4 && (KindFromFileName(n) == Kind::kCvd ||
                                              KindFromFileName(n) == Kind::kCld ||
                                              KindFromFileName(n) == Kind::kCud);
      if (!container) continue;
      const std::string sha = FileSha(entry.path().string());
      if (n == "daily.cvd") {
        EXPECT_TRUE(sha == c.old_daily_sha || sha == c.big_sha) << "daily.cvd is neither set's";
      } else if (n == "main.cld") {
        EXPECT_EQ(sha, c.old_main_sha);
      } else if (n == "main.cvd") {
        EXPECT_EQ(sha, c.new_main_sha);
      } else {
        ADD_FAILURE() << "unexpected file visible in LIVE: " << n;
      }
      if (deep) {
        VerifyOptions o = TestOptions();
        o.lint = false;
        const Report r = VerifyPath(entry.path().string(), o);
        EXPECT_EQ(r.verdict, Verdict::kValid) << n;
      }
    }
    const std::map<std::string, std::string> old_set = {{"daily.cvd", c.old_daily_sha},
                                                        {"main.cld", c.old_main_sha}};
    const std::map<std::string, std::string> new_set = {{"daily.cvd", c.big_sha},
                                                        {"main.cvd", c.new_main_sha}};
    const bool journal = fs::exists(e.live + "/.cvdguard.journal");
    auto live = Snapshot(e.live);
    if (!journal) {
      // No commit in progress: exactly one of the two sets, and
      // last-known-good matches (it changes only when LIVE does).
      EXPECT_TRUE(live == old_set || live == new_set) << ::testing::PrintToString(live);
      if (live == new_set) {
        EXPECT_EQ(Snapshot(e.s + "/lkg"), (std::map<std::string, std::string>{
                                              {"daily.cvd", c.old_daily_sha},
                                              {"main.cld", c.old_main_sha},
                                              {"manifest.json", Snapshot(e.s + "/lkg")["manifest.json"]}}));
      } else {
        EXPECT_FALSE(fs::exists(e.s + "/lkg"));
      }
    } else {
      ++in_commit_window_;
    }
    // Nothing lost: each candidate is live, where it was, or quarantined
    // with its record.
    EXPECT_TRUE(HasSha(e.src + "/daily.cvd", c.big_sha) || live["daily.cvd"] == c.big_sha);
    EXPECT_TRUE(HasSha(e.src + "/main.cvd", c.new_main_sha) || live["main.cvd"] == c.new_main_sha);
    bool bad_in_q = false;
    for (const auto& [name, text] : Records(e.q)) {
      const auto j = nlohmann::json::parse(text, nullptr, false);
      ASSERT_FALSE(j.is_discarded()) << name;
      if (j["original_path"].get<std::string>().ends_with("/bytecode.cvd") &&
          HasSha(e.q + "/" + j["file"].get<std::string>(), c.bad_sha)) {
        bad_in_q = true;
      }
    }
    EXPECT_TRUE(HasSha(e.src + "/bytecode.cvd", c.bad_sha) || bad_in_q);
    // Every quarantined file has its record.
    for (const auto& entry : fs::directory_iterator(e.q, ec)) {
      const std::string n = entry.path().filename().string();
      if (n.ends_with(".quarantine")) {
        const std::string id = n.substr(0, n.size() - std::string(".quarantine").size());
        EXPECT_TRUE(fs::exists(e.q + "/" + id + ".json")) << "no record for " << n;
      }
    }

    if (journal || deep) {
      // Restart: prune completes an interrupted commit, then finds nothing.
      std::vector<std::string> a = {"prune", "--db-dir", e.live, "--quarantine-dir", e.q,
                                    "--no-lint"};
      const auto k = KeyFlags(keys_.path());
      a.insert(a.end(), k.begin(), k.end());
      const auto run = RunCli(a, e.dir->path());
      EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
      live = Snapshot(e.live);
      if (journal) EXPECT_EQ(live, new_set) << "a committed activation rolls forward";
      EXPECT_TRUE(live == old_set || live == new_set) << ::testing::PrintToString(live);
      EXPECT_FALSE(fs::exists(e.live + "/.cvdguard.journal"));
      for (const auto& entry : fs::directory_iterator(e.live, ec)) {
        const std::string n = entry.path().filename().string();
        EXPECT_FALSE(n.starts_with(".cvdguard-tmp.")) << "stale temp after recovery: " << n;
      }
      if (live == new_set) {
        EXPECT_FALSE(fs::exists(e.src + "/daily.cvd")) << "activated source not removed";
        EXPECT_EQ(FileSha(e.s + "/lkg/daily.cvd"), c.old_daily_sha);
      }
    }
  }

  // Hook points of one complete run, in order.
  std::vector<std::string> Trace(bool cross_fs) {
    Env e = Fresh(cross_fs);
    CliProcess p(Args(e), e.dir->path(), /*hook=*/true);
    std::vector<std::string> points;
    while (auto pt = p.NextPoint()) {
      points.push_back(*pt);
      p.Continue();
    }
    const auto run = p.Wait();
    EXPECT_EQ(run.exit_code, 1) << run.out << run.err;  // bytecode.cvd quarantined
    Check(e, "complete traced run", /*deep=*/true);
    EXPECT_EQ(Snapshot(e.live).count("main.cvd"), 1u);
    return points;
  }

  TempDir keys_;
  int kills_ = 0;
  int in_commit_window_ = 0;
};

TEST_F(ActivationCrashTest, SigkillAtEveryPointAndThroughoutLeavesOldOrNewSet) {
  const auto t_start = std::chrono::steady_clock::now();
  struct stat a {}, b {};
  const bool have_shm = ::stat("/dev/shm", &a) == 0 && ::stat(keys_.path().c_str(), &b) == 0 &&
                        a.st_dev != b.st_dev;
  std::set<std::string> distinct_points;
  for (const bool cross_fs : {false, true}) {
    if (cross_fs && !have_shm) continue;
    const auto points = Trace(cross_fs);
    ASSERT_GT(points.size(), 15u);
    for (std::size_t i = 0; i < points.size(); ++i) {
      Env e = Fresh(cross_fs);
      {
        CliProcess p(Args(e), e.dir->path(), /*hook=*/true);
        for (std::size_t k = 0; k <= i; ++k) {
          const auto pt = p.NextPoint();
          ASSERT_TRUE(pt.has_value()) << "run ended before point " << i;
          ASSERT_EQ(*pt, points[k]) << "the point sequence is deterministic";
          if (k < i) p.Continue();
        }
        p.Kill();  // blocked at points[i]: dies exactly there
        const auto run = p.Wait();
        ASSERT_EQ(run.signal, SIGKILL);
      }
      ++kills_;
      distinct_points.insert((cross_fs ? "copy:" : "link:") + std::to_string(i) + ":" + points[i]);
      Check(e, (cross_fs ? "copy path, killed at point " : "link path, killed at point ") +
                   std::to_string(i) + " (" + points[i] + ")",
            /*deep=*/i % 8 == 0);
      if (HasFailure()) return;
    }
  }
  // Time-spread kills without the hook: measure a full run, then kill at
  // evenly spaced delays across it (the rename/fsync window included).
  for (const bool cross_fs : {false, true}) {
    if (cross_fs && !have_shm) continue;
    double full = 0;
    {
      Env e = Fresh(cross_fs);
      const auto t0 = std::chrono::steady_clock::now();
      const auto run = RunCli(Args(e), e.dir->path());
      full = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      EXPECT_EQ(run.exit_code, 1) << run.err;
    }
    constexpr int kTimed = 10;
    for (int k = 0; k < kTimed; ++k) {
      Env e = Fresh(cross_fs);
      const double delay = full * (k + 0.5) / kTimed;
      {
        CliProcess p(Args(e), e.dir->path(), /*hook=*/false);
        std::this_thread::sleep_for(std::chrono::duration<double>(delay));
        p.Kill();
        p.Wait();
      }
      ++kills_;
      Check(e, "killed after " + std::to_string(delay) + " s of " + std::to_string(full) + " s",
            /*deep=*/k % 5 == 0);
      if (HasFailure()) return;
    }
  }
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  std::printf("[ crash    ] %d kills (%zu at distinct hook points, %d inside the commit window), "
              "%.1f s\n",
              kills_, distinct_points.size(), in_commit_window_, took);
  EXPECT_GE(kills_, 50);
  EXPECT_GT(in_commit_window_, 0);
}

}  // namespace
}  // namespace cvdguard::testing
