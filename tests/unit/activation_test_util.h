// Helpers for the activation tests: databases built with the test keys, the
// CLI run as a real process (optionally under the activation test hook),
// and directory snapshots.
#ifndef CVDGUARD_TESTS_UNIT_ACTIVATION_TEST_UTIL_H_
#define CVDGUARD_TESTS_UNIT_ACTIVATION_TEST_UTIL_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/fs_util.h"
#include "crypto/digest.h"
#include "cvdguard/activation.h"
#include "cvdguard/builder.h"
#include "testing/cli_runner.h"
#include "testing/fixtures.h"

namespace cvdguard::testing {

namespace fs = std::filesystem;

inline std::string Sha256Hex(const std::vector<std::uint8_t>& bytes) {
  return internal::HexLower(internal::Sha256::Of(bytes));
}

inline std::uint32_t HeaderVersionOf(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  const auto v = internal::HeaderVersionOfFd(fd);
  ::close(fd);
  return v.value_or(0);
}

inline std::string FileSha(const std::string& path) { return Sha256Hex(ReadFile(path)); }

// A signed container for database `db` with the test keys. `filler_bytes`
// of random .hdb lines make it large (random hex: about 2:1 compressible).
inline std::vector<std::uint8_t> MakeDb(const std::string& db, Kind kind, std::uint32_t version,
                                        std::size_t filler_bytes = 0) {
  BuildSpec s = SmallSpec(kind);
  s.name = db;
  s.version = version;
  s.members = {
      {db + ".hdb", "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n"},
      {db + ".ndb", "Test.Sig-1:0:*:414243444546\nTest.Sig-" + std::to_string(version) +
                        ":0:0:6162636465\n"},
  };
  if (filler_bytes > 0) {
    std::string big;
    big.reserve(filler_bytes + 64);
    std::uint64_t x = 0x9e3779b97f4a7c15ULL ^ version;
    static const char kHex[] = "0123456789abcdef";
    for (std::size_t i = 0; big.size() < filler_bytes; ++i) {
      for (int k = 0; k < 32; ++k) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        big.push_back(kHex[x & 15]);
      }
      big += ":" + std::to_string(100 + (i % 900)) + ":Filler.Sig-" + std::to_string(i) + "\n";
    }
    s.members.emplace_back(db + ".hsb", std::move(big));
    s.gzip_level = 1;
  }
  return Build(s);
}

// Writes the test public keys once per directory and returns CLI flags.
inline std::vector<std::string> KeyFlags(const std::string& dir) {
  const std::string cvd = dir + "/test-cvd.pem", info = dir + "/test-info.pem";
  WriteFile(cvd, std::vector<std::uint8_t>(CvdKey().public_pem.begin(), CvdKey().public_pem.end()));
  WriteFile(info,
            std::vector<std::uint8_t>(InfoKey().public_pem.begin(), InfoKey().public_pem.end()));
  return {"--key", "cvd:" + cvd, "--key", "info:" + info, "--no-official-keys", "--at",
          std::to_string(*TestOptions().at_time)};
}

// A temporary directory under `base` (e.g. /dev/shm, another file system).
class TempDirOn {
 public:
  explicit TempDirOn(const std::string& base) {
    std::string tmpl = base + "/cvdguard-act-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDirOn() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDirOn(const TempDirOn&) = delete;
  TempDirOn& operator=(const TempDirOn&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline ActivationOptions TestActivationOptions() {
  ActivationOptions o;
  o.verify = TestOptions();
  o.lock_timeout_seconds = 5;
  return o;
}

struct CliRun {
  int exit_code = -1;  // -1: killed or abnormal
  int signal = 0;
  std::string out, err;
};

inline std::string SlurpText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A CLI process. With a hook, the child stops at each named point until
// Continue() is called; Kill() sends SIGKILL.
class CliProcess {
 public:
  CliProcess(const std::vector<std::string>& args, const std::string& io_dir, bool hook,
             const std::vector<std::string>& extra_env = {}) {
    out_path_ = io_dir + "/cli.out";
    err_path_ = io_dir + "/cli.err";
    int to_parent[2] = {-1, -1}, to_child[2] = {-1, -1};
    if (hook && (::pipe(to_parent) != 0 || ::pipe(to_child) != 0)) {
      ADD_FAILURE() << "pipe";
      return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      const int o = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int e = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (o >= 0) ::dup2(o, 1);
      if (e >= 0) ::dup2(e, 2);
      std::vector<std::string> env_store;
      if (hook) {
        ::close(to_parent[0]);
        ::close(to_child[1]);
        env_store.push_back("CVDGUARD_ACTIVATION_TEST_HOOK=" + std::to_string(to_parent[1]) + ":" +
                            std::to_string(to_child[0]));
      }
      for (const auto& e2 : extra_env) env_store.push_back(e2);
      for (auto& kv : env_store) ::putenv(kv.data());
      std::vector<char*> argv;
      std::string cli = CliPath();
      argv.push_back(cli.data());
      std::vector<std::string> copy = args;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(cli.c_str(), argv.data());
      ::_exit(127);
    }
    if (hook) {
      ::close(to_parent[1]);
      ::close(to_child[0]);
      from_child_ = to_parent[0];
      to_child_ = to_child[1];
    }
  }
  ~CliProcess() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      Wait();
    }
    if (from_child_ >= 0) ::close(from_child_);
    if (to_child_ >= 0) ::close(to_child_);
  }
  CliProcess(const CliProcess&) = delete;
  CliProcess& operator=(const CliProcess&) = delete;

  // The next hook point name, or nullopt at EOF (the process ended).
  std::optional<std::string> NextPoint(int timeout_ms = 30000) {
    std::string line;
    while (true) {
      pollfd p{from_child_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
      char c = 0;
      const ssize_t n = ::read(from_child_, &c, 1);
      if (n <= 0) return std::nullopt;
      if (c == '\n') return line;
      line.push_back(c);
    }
  }
  void Continue() {
    const char go = 'g';
    [[maybe_unused]] const ssize_t n = ::write(to_child_, &go, 1);
  }
  void Kill() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
  }
  pid_t pid() const { return pid_; }

  CliRun Wait() {
    CliRun r;
    if (pid_ <= 0) return r;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    r.out = SlurpText(out_path_);
    r.err = SlurpText(err_path_);
    return r;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int from_child_ = -1, to_child_ = -1;
  std::string out_path_, err_path_;
};

inline CliRun RunCli(const std::vector<std::string>& args, const std::string& io_dir) {
  CliProcess p(args, io_dir, /*hook=*/false);
  return p.Wait();
}

// name -> SHA-256 of the regular files of a directory (no recursion),
// skipping dot-files when `skip_dot`.
inline std::map<std::string, std::string> Snapshot(const std::string& dir, bool skip_dot = true) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (skip_dot && !name.empty() && name.front() == '.') continue;
    if (!it->is_regular_file(ec)) continue;
    out[name] = FileSha(it->path().string());
  }
  return out;
}

// Every quarantine record (parsed minimally: the raw text) by file name.
inline std::map<std::string, std::string> Records(const std::string& qdir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(qdir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.ends_with(".json") && name.front() != '.') out[name] = SlurpText(it->path().string());
  }
  return out;
}

}  // namespace cvdguard::testing

#endif  // CVDGUARD_TESTS_UNIT_ACTIVATION_TEST_UTIL_H_
