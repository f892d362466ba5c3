// activate under hostile file systems: a full disk (small tmpfs, and
// RLIMIT_FSIZE), a read-only LIVE (read-only bind mount), a missing
// directory, permission errors. Each gives a clear error, exit 3, and
// changes nothing.
//
// Mounts are made in a private mount namespace of the test process
// (unshare(CLONE_NEWNS)), so they vanish with the process; the CLI children
// inherit it. Where mounting is not permitted the mount tests skip and say so;
// the RLIMIT_FSIZE and permission tests need no privilege.
#include <gtest/gtest.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <cstring>

#include "unit/activation_test_util.h"

namespace cvdguard::testing {
namespace {

bool PrivateMounts(std::string* why) {
  static int state = -1;  // -1 unknown, 0 refused, 1 ok
  static std::string reason;
  if (state < 0) {
    if (::unshare(CLONE_NEWNS) != 0) {
      reason = std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
      state = 0;
    } else if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      reason = std::string("mount --make-rprivate /: ") + std::strerror(errno);
      state = 0;
    } else {
      state = 1;
    }
  }
  *why = reason;
  return state == 1;
}

class ActivationFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    in_ = tmp_.Join("incoming");
    q_ = tmp_.Join("q");
    fs::create_directories(in_);
  }
  void TearDown() override {
    for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
  }
  bool MountTmpfs(const std::string& dir, const std::string& opts) {
    fs::create_directories(dir);
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) != 0) return false;
    mounts_.push_back(dir);
    return true;
  }
  std::vector<std::string> Args(const std::string& live, const std::vector<std::string>& cands) {
    std::vector<std::string> a = {"activate", "--db-dir", live, "--quarantine-dir", q_, "--no-lint",
                                  "--lock-timeout", "2"};
    const auto k = KeyFlags(tmp_.path());
    a.insert(a.end(), k.begin(), k.end());
    a.insert(a.end(), cands.begin(), cands.end());
    return a;
  }
  // LIVE as a scanner sees it plus cvdguard's own dot-files, by content.
  static std::map<std::string, std::string> All(const std::string& live) {
    return Snapshot(live, /*skip_dot=*/false);
  }

  TempDir tmp_;
  std::string in_, q_;
  std::vector<std::string> mounts_;
};

TEST_F(ActivationFaultTest, DiskFullOnSmallTmpfsLeavesLiveUntouched) {
  std::string why;
  if (!PrivateMounts(&why)) GTEST_SKIP() << "mounting not permitted here (" << why << ")";
  const std::string mnt = tmp_.Join("small");
  if (!MountTmpfs(mnt, "size=3m")) GTEST_SKIP() << "tmpfs mount refused: " << std::strerror(errno);
  const std::string live = mnt + "/live";
  fs::create_directories(live);
  WriteFile(live + "/daily.cvd", MakeDb("daily", Kind::kCvd, 10));
  WriteFile(live + "/main.cld", MakeDb("main", Kind::kCld, 5));
  // About 5 MB: does not fit into what is left of 3 MB, and it is on
  // another file system, so activate must copy it.
  const auto big = MakeDb("daily", Kind::kCvd, 11, std::size_t{9} << 20);
  ASSERT_GT(big.size(), std::size_t{4} << 20);
  const std::string cand = in_ + "/daily.cvd";
  WriteFile(cand, big);
  const auto before = Snapshot(live);
  const auto run = RunCli(Args(live, {cand}), tmp_.path());
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_NE(run.err.find("No space left on device"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("LIVE is untouched"), std::string::npos) << run.err;
  EXPECT_EQ(Snapshot(live), before);
  for (const auto& [name, sha] : All(live)) {
    EXPECT_TRUE(name == ".cvdguard.lock" || before.count(name)) << "left behind: " << name;
  }
  EXPECT_EQ(ReadFile(cand), big) << "the candidate is still where it was";
  EXPECT_TRUE(Records(q_).empty());
  // With room again, the same call succeeds.
  ASSERT_EQ(::mount(nullptr, mnt.c_str(), nullptr, MS_REMOUNT, "size=64m"), 0);
  const auto ok = RunCli(Args(live, {cand}), tmp_.path());
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_EQ(ReadFile(live + "/daily.cvd"), big);
}

TEST_F(ActivationFaultTest, FileSizeLimitMidCopyLeavesLiveUntouched) {
  // Works without privileges: the child's RLIMIT_FSIZE makes write(2) fail
  // with EFBIG part-way through the copy (SIGXFSZ ignored, as inherited
  // across exec).
  const std::string live = tmp_.Join("live");
  fs::create_directories(live);
  WriteFile(live + "/daily.cvd", MakeDb("daily", Kind::kCvd, 10));
  const auto big = MakeDb("daily", Kind::kCvd, 11, std::size_t{4} << 20);
  // /dev/shm is another file system than the test's temp dir here, which
  // forces the copy path; if it is not, the rename path needs no writes and
  // the test cannot provoke the failure.
  struct stat a {}, b {};
  if (::stat("/dev/shm", &a) != 0 || ::stat(live.c_str(), &b) != 0 || a.st_dev == b.st_dev) {
    GTEST_SKIP() << "/dev/shm is not a separate file system here";
  }
  TempDirOn shm("/dev/shm");
  const std::string cand = shm.path() + "/daily.cvd";
  WriteFile(cand, big);
  const auto before = Snapshot(live);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{1 << 20, 1 << 20};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    CliProcess p(Args(live, {cand}), tmp_.path(), /*hook=*/false);
    ::_exit(p.Wait().exit_code);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3) << SlurpText(tmp_.path() + "/cli.err");
  EXPECT_NE(SlurpText(tmp_.path() + "/cli.err").find("File too large"), std::string::npos)
      << SlurpText(tmp_.path() + "/cli.err");
  EXPECT_EQ(Snapshot(live), before);
  for (const auto& [name, sha] : All(live)) {
    EXPECT_TRUE(name == ".cvdguard.lock" || before.count(name)) << "left behind: " << name;
  }
  EXPECT_EQ(ReadFile(cand), big);
}

TEST_F(ActivationFaultTest, ReadOnlyLiveIsAClearErrorAndNothingChanges) {
  std::string why;
  if (!PrivateMounts(&why)) GTEST_SKIP() << "mounting not permitted here (" << why << ")";
  const std::string real = tmp_.Join("live-real"), ro = tmp_.Join("live");
  fs::create_directories(real);
  fs::create_directories(ro);
  WriteFile(real + "/daily.cvd", MakeDb("daily", Kind::kCvd, 10));
  if (::mount(real.c_str(), ro.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    GTEST_SKIP() << "bind mount refused: " << std::strerror(errno);
  }
  mounts_.push_back(ro);
  ASSERT_EQ(::mount(nullptr, ro.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr), 0)
      << std::strerror(errno);
  const std::string cand = in_ + "/daily.cvd";
  const auto bytes = MakeDb("daily", Kind::kCvd, 11);
  WriteFile(cand, bytes);
  const auto before = All(real);
  for (const char* cmd : {"activate", "prune"}) {
    std::vector<std::string> args = Args(ro, {cand});
    if (std::string(cmd) == "prune") args = {"prune", "--db-dir", ro, "--quarantine-dir", q_};
    const auto run = RunCli(args, tmp_.path());
    EXPECT_EQ(run.exit_code, 3) << cmd << run.out << run.err;
    EXPECT_NE(run.err.find("Read-only file system"), std::string::npos) << cmd << run.err;
  }
  EXPECT_EQ(All(real), before);
  EXPECT_EQ(ReadFile(cand), bytes);
  // status only reads: it still works on a read-only LIVE.
  std::vector<std::string> st = {"status", "--db-dir", ro};
  const auto k = KeyFlags(tmp_.path());
  st.insert(st.end(), k.begin(), k.end());
  const auto run = RunCli(st, tmp_.path());
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
}

TEST_F(ActivationFaultTest, MissingDirectoryIsAClearError) {
  const std::string cand = in_ + "/daily.cvd";
  WriteFile(cand, MakeDb("daily", Kind::kCvd, 11));
  const auto run = RunCli(Args(tmp_.Join("no-such-live"), {cand}), tmp_.path());
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_NE(run.err.find("no-such-live"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("No such file or directory"), std::string::npos) << run.err;
  EXPECT_TRUE(fs::exists(cand));
  EXPECT_FALSE(fs::exists(tmp_.Join("no-such-live")));
  // A quarantine path that cannot be created (its parent is a file).
  const std::string live = tmp_.Join("live");
  fs::create_directories(live);
  WriteFile(tmp_.Join("afile"), {'x'});
  std::vector<std::string> a = Args(live, {cand});
  a[4] = tmp_.Join("afile") + "/q";
  const auto run2 = RunCli(a, tmp_.path());
  EXPECT_EQ(run2.exit_code, 3) << run2.out << run2.err;
  EXPECT_TRUE(fs::exists(cand));
  EXPECT_EQ(Snapshot(live).size(), 0u);
}

TEST_F(ActivationFaultTest, PermissionErrorsAreClearAndChangeNothing) {
  // Root ignores mode bits, so as root the CLI runs as nobody (65534).
  const bool root = ::geteuid() == 0;
  fs::permissions(tmp_.path(), fs::perms::owner_all | fs::perms::group_read |
                                   fs::perms::group_exec | fs::perms::others_read |
                                   fs::perms::others_exec);
  const std::string live = tmp_.Join("live");
  fs::create_directories(live);
  WriteFile(live + "/daily.cvd", MakeDb("daily", Kind::kCvd, 10));
  const std::string cand = in_ + "/daily.cvd";
  const auto bytes = MakeDb("daily", Kind::kCvd, 11);
  WriteFile(cand, bytes);
  fs::create_directories(q_);
  // The CLI writes its stdout/stderr under io; nobody must be able to.
  const std::string io = tmp_.Join("io");
  fs::create_directories(io);
  fs::permissions(io, fs::perms::all);
  const auto run_as = [&](const std::vector<std::string>& args) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      if (root) {
        ::setgroups(0, nullptr);
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(126);
      }
      CliProcess p(args, io, /*hook=*/false);
      const CliRun r = p.Wait();
      ::_exit(r.exit_code < 0 ? 125 : r.exit_code);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  const auto before = All(live);
  const auto before_visible = Snapshot(live);
  if (!root) fs::permissions(live, fs::perms::owner_read | fs::perms::owner_exec);
  // 1. LIVE not writable (owned by root, 0755; or 0500 when not root).
  fs::permissions(q_, fs::perms::all);
  int rc = run_as(Args(live, {cand}));
  const std::string err1 = SlurpText(io + "/cli.err");
  if (rc == 126) GTEST_SKIP() << "cannot drop privileges here";
  EXPECT_EQ(rc, 3) << err1;
  EXPECT_NE(err1.find("Permission denied"), std::string::npos) << err1;
  EXPECT_EQ(All(live), before);
  // 2. LIVE writable, candidate unreadable.
  fs::permissions(live, fs::perms::all);
  fs::permissions(cand, fs::perms::owner_read | fs::perms::owner_write);
  if (!root) fs::permissions(cand, fs::perms::none);
  rc = run_as(Args(live, {cand}));
  const std::string err2 = SlurpText(io + "/cli.err");
  EXPECT_EQ(rc, 3) << err2;
  EXPECT_NE(err2.find("Permission denied"), std::string::npos) << err2;
  EXPECT_NE(err2.find("LIVE is untouched"), std::string::npos) << err2;
  const auto after = All(live);
  for (const auto& [name, sha] : after) {
    EXPECT_TRUE(before.count(name) || name == ".cvdguard.lock" || name == ".cvdguard") << name;
  }
  EXPECT_EQ(Snapshot(live), before_visible);
  fs::permissions(cand, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(ReadFile(cand), bytes);
  EXPECT_TRUE(Records(q_).empty());
}

}  // namespace
}  // namespace cvdguard::testing
