#include "core/fs_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <random>
#include <thread>

#include "crypto/digest.h"
#include "cvdguard/bytes.h"
#include "header/header.h"

namespace cvdguard::internal {

UniqueFd::~UniqueFd() { reset(); }

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::string ErrnoMessage(const std::string& what, int err) {
  return what + ": " + std::strerror(err);
}
std::string ErrnoMessage(const std::string& what) { return ErrnoMessage(what, errno); }

std::string AbsolutePath(const std::string& path) {
  std::error_code ec;
  const auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

UniqueFd OpenDir(const std::string& path, std::string* error) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) *error = ErrnoMessage("cannot open directory '" + path + "'");
  return fd;
}

bool EnsureDir(const std::string& path, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    *error = "cannot create directory '" + path + "': " + ec.message();
    return false;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *error = "'" + path + "' is not a directory";
    return false;
  }
  return true;
}

bool FsyncFd(int fd, const std::string& what, std::string* error) {
  if (::fsync(fd) != 0) {
    *error = ErrnoMessage("fsync " + what);
    return false;
  }
  return true;
}

std::string TempName() {
  static std::atomic<std::uint64_t> seq{0};
  static const std::uint64_t salt = [] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }();
  const std::uint64_t n = seq.fetch_add(1);
  char buf[96];
  std::snprintf(
      buf, sizeof buf, "%.*s%ld.%llu.%08llx", static_cast<int>(kTempPrefix.size()),
      kTempPrefix.data(), static_cast<long>(::getpid()), static_cast<unsigned long long>(n),
      static_cast<unsigned long long>((salt ^ (n * 0x9e3779b97f4a7c15ULL)) & 0xffffffffULL));
  return buf;
}

bool IsTempName(std::string_view name) { return name.starts_with(kTempPrefix); }

bool OwnerGone(std::string_view name, std::string_view prefix) {
  name.remove_prefix(std::min(prefix.size(), name.size()));
  long pid = 0;
  const auto r = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (r.ec != std::errc() || pid <= 0) return true;
  if (pid == static_cast<long>(::getpid())) return false;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

bool WriteAll(int fd, std::span<const std::uint8_t> bytes, const std::string& what,
              std::string* error) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = ErrnoMessage("write " + what);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool WriteFileWith(int dir_fd, const std::string& final_name, const FillFd& fill,
                   const std::string& what, std::string* error, mode_t mode, bool replace) {
  const std::string tmp = TempName();
  UniqueFd fd(
      ::openat(dir_fd, tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    *error = ErrnoMessage("create " + what);
    return false;
  }
  bool ok = fill(fd.get(), error);
  if (ok && ::fchmod(fd.get(), mode) != 0) {
    *error = ErrnoMessage("chmod " + what);
    ok = false;
  }
  if (!ok || !FsyncFd(fd.get(), what, error)) {
    ::unlinkat(dir_fd, tmp.c_str(), 0);
    return false;
  }
  fd.reset();
  const unsigned flags = replace ? 0 : RENAME_NOREPLACE;
  if (::renameat2(dir_fd, tmp.c_str(), dir_fd, final_name.c_str(), flags) != 0) {
    *error = ErrnoMessage("rename " + what + " into place");
    ::unlinkat(dir_fd, tmp.c_str(), 0);
    return false;
  }
  return true;
}

bool WriteFileAt(int dir_fd, const std::string& final_name, std::span<const std::uint8_t> bytes,
                 const std::string& what, std::string* error, mode_t mode, bool replace) {
  return WriteFileWith(
      dir_fd, final_name, [&](int fd, std::string* e) { return WriteAll(fd, bytes, what, e); },
      what, error, mode, replace);
}

bool WritePathWith(const std::string& path, const FillFd& fill, std::string* error, mode_t mode,
                   bool replace) {
  const auto slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") {
    *error = "'" + path + "' does not name a file";
    return false;
  }
  UniqueFd dir_fd = OpenDir(dir, error);
  if (!dir_fd.valid()) return false;
  if (!WriteFileWith(dir_fd.get(), name, fill, "'" + path + "'", error, mode, replace)) {
    return false;
  }
  ::fsync(dir_fd.get());  // the rename is durable; a failure here loses nothing
  return true;
}

std::optional<std::string> ReadSmallFileAt(int dir_fd, const std::string& name,
                                           std::size_t max_bytes, std::string* error) {
  error->clear();
  UniqueFd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    if (errno != ENOENT) *error = ErrnoMessage("open '" + name + "'");
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "'" + name + "' is not a regular file";
    return std::nullopt;
  }
  std::string out;
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = ErrnoMessage("read '" + name + "'");
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) {
      *error = "'" + name + "' is larger than " + std::to_string(max_bytes) + " bytes";
      return std::nullopt;
    }
  }
  return out;
}

namespace {

// 1 MiB: few syscalls; the same read size the validator uses.
constexpr std::size_t kChunk = 1 << 20;
// A progress hook point every 4 MiB gives the crash harness kill points
// inside long copies and validations without slowing them measurably.
constexpr std::uint64_t kProgressEvery = std::uint64_t{4} << 20;

}  // namespace

std::optional<std::uint64_t> ReadFd(
    int fd, const std::string& what,
    const std::function<void(std::span<const std::uint8_t>)>& observe, std::string* error) {
  std::vector<std::uint8_t> buf(kChunk);
  std::uint64_t total = 0, next_hook = kProgressEvery;
  while (true) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = ErrnoMessage("read " + what);
      return std::nullopt;
    }
    if (n == 0) break;
    observe({buf.data(), static_cast<std::size_t>(n)});
    total += static_cast<std::uint64_t>(n);
    if (total >= next_hook) {
      HookPoint("read_progress");
      next_hook += kProgressEvery;
    }
  }
  return total;
}

std::optional<std::uint64_t> CopyFdToNewFile(
    int in_fd, int dir_fd, const std::string& name, const std::string& what,
    const std::function<void(std::span<const std::uint8_t>)>& observe, std::string* error) {
  struct stat in_st {};
  if (::fstat(in_fd, &in_st) != 0) {
    *error = ErrnoMessage("stat the source of " + what);
    return std::nullopt;
  }
  // Private while it is written; then the source's owner (when we may set
  // it) and permission bits, like `cp -p`. A copy never gives wider access
  // than its source had: the source may be a symlink's target elsewhere.
  UniqueFd out(
      ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out.valid()) {
    *error = ErrnoMessage("create " + what);
    return std::nullopt;
  }
  std::vector<std::uint8_t> buf(kChunk);
  std::uint64_t total = 0, next_hook = kProgressEvery;
  bool ok = true;
  while (ok) {
    const ssize_t n = ::read(in_fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = ErrnoMessage("read " + what);
      ok = false;
      break;
    }
    if (n == 0) break;
    const std::span<const std::uint8_t> chunk{buf.data(), static_cast<std::size_t>(n)};
    if (!WriteAll(out.get(), chunk, what, error)) {
      ok = false;
      break;
    }
    if (observe) observe(chunk);
    total += static_cast<std::uint64_t>(n);
    if (total >= next_hook) {
      HookPoint("copy_progress");
      next_hook += kProgressEvery;
    }
  }
  if (ok && ::geteuid() == 0 && ::fchown(out.get(), in_st.st_uid, in_st.st_gid) != 0) {
    *error = ErrnoMessage("set the owner of " + what);
    ok = false;
  }
  if (ok && ::fchmod(out.get(), in_st.st_mode & 0777) != 0) {
    *error = ErrnoMessage("set the permissions of " + what);
    ok = false;
  }
  if (ok) ok = FsyncFd(out.get(), what, error);
  if (ok && ::close(out.release()) != 0) {
    *error = ErrnoMessage("close " + what);
    ok = false;
  }
  if (!ok) {
    ::unlinkat(dir_fd, name.c_str(), 0);
    return std::nullopt;
  }
  return total;
}

std::optional<std::string> Sha256OfFd(int fd, std::string* error) {
  if (::lseek(fd, 0, SEEK_SET) != 0) {
    *error = ErrnoMessage("seek");
    return std::nullopt;
  }
  Sha256 sha;
  if (!ReadFd(
          fd, "file", [&](std::span<const std::uint8_t> b) { sha.Update(b); }, error)) {
    return std::nullopt;
  }
  const auto d = sha.Final();
  return HexLower(d);
}

std::optional<std::uint32_t> HeaderVersionOfFd(int fd) {
  std::array<std::uint8_t, kHeaderSize> head{};
  std::size_t got = 0;
  while (got < head.size()) {
    const ssize_t n = ::pread(fd, head.data() + got, head.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got < head.size()) return std::nullopt;
  const HeaderParse p = ParseHeader(head, Kind::kUnknown);
  if (p.fatal || !p.fields.has_version) return std::nullopt;
  return p.fields.version;
}

bool SameInode(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

bool SameFile(const struct stat& a, const struct stat& b) {
  return SameInode(a, b) && a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec && a.st_ctim.tv_sec == b.st_ctim.tv_sec &&
         a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

bool ListDir(int dir_fd, std::vector<std::string>* names, std::string* error) {
  const int dup = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup < 0) {
    *error = ErrnoMessage("open directory");
    return false;
  }
  DIR* d = ::fdopendir(dup);
  if (d == nullptr) {
    *error = ErrnoMessage("read directory");
    ::close(dup);
    return false;
  }
  names->clear();
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view n = e->d_name;
    if (n != "." && n != "..") names->emplace_back(n);
    errno = 0;
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) {
    *error = ErrnoMessage("read directory", err);
    return false;
  }
  std::sort(names->begin(), names->end());
  return true;
}

bool RemoveTreeAt(int dir_fd, const std::string& name, std::string* error) {
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return true;
    *error = ErrnoMessage("stat '" + name + "'");
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    UniqueFd sub(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub.valid()) {
      *error = ErrnoMessage("open '" + name + "'");
      return false;
    }
    std::vector<std::string> names;
    if (!ListDir(sub.get(), &names, error)) return false;
    for (const auto& n : names) {
      if (!RemoveTreeAt(sub.get(), n, error)) return false;
    }
    if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
      *error = ErrnoMessage("remove '" + name + "'");
      return false;
    }
    return true;
  }
  if (::unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
    *error = ErrnoMessage("remove '" + name + "'");
    return false;
  }
  return true;
}

UniqueFd LockLive(int live_fd, bool exclusive, bool create, double timeout_seconds,
                  std::string* error) {
  error->clear();
  const int flags = (create ? (O_RDWR | O_CREAT) : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC;
  UniqueFd fd(::openat(live_fd, std::string(kLockName).c_str(), flags, 0644));
  if (!fd.valid()) {
    if (!create && errno == ENOENT) return fd;
    *error = ErrnoMessage("cannot open the lock file " + std::string(kLockName) + " in LIVE");
    return fd;
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration<double>(std::max(0.0, timeout_seconds));
  const int op = (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
  while (::flock(fd.get(), op) != 0) {
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) {
      *error = ErrnoMessage("cannot lock " + std::string(kLockName));
      return UniqueFd();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      // The holder writes its pid into the lock file; name it if we can.
      char buf[32] = {};
      const ssize_t n = ::pread(fd.get(), buf, sizeof buf - 1, 0);
      std::string holder;
      if (n > 0) holder = std::string(buf, static_cast<std::size_t>(n));
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
      *error = "LIVE is locked by another cvdguard process" +
               (holder.empty() ? std::string() : " (pid " + holder + ")") +
               "; gave up after waiting " +
               std::to_string(static_cast<long long>(timeout_seconds)) + " s";
      return UniqueFd();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (exclusive && create) {
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd.get(), 0) == 0) {
      [[maybe_unused]] const ssize_t w = ::pwrite(fd.get(), pid.data(), pid.size(), 0);
    }
  }
  return fd;
}

std::int64_t NowSeconds() { return static_cast<std::int64_t>(::time(nullptr)); }

std::string IsoTime(std::int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

struct HookFds {
  int out = -1;
  int in = -1;
};

HookFds ParseHookEnv() {
  HookFds h;
  const char* env = std::getenv("CVDGUARD_ACTIVATION_TEST_HOOK");
  if (env == nullptr) return h;
  const std::string_view v = env;
  const auto colon = v.find(':');
  if (colon == std::string_view::npos) return h;
  int out = -1, in = -1;
  const auto r1 = std::from_chars(v.data(), v.data() + colon, out);
  const auto r2 = std::from_chars(v.data() + colon + 1, v.data() + v.size(), in);
  if (r1.ec != std::errc() || r2.ec != std::errc() || out < 0 || in < 0) return h;
  h.out = out;
  h.in = in;
  return h;
}

}  // namespace

void HookPoint(std::string_view point) {
  static const HookFds fds = ParseHookEnv();
  if (fds.out < 0) return;
  std::string line(point);
  line.push_back('\n');
  std::string ignored;
  if (!WriteAll(fds.out, AsBytes(line), "hook", &ignored)) {
    return;
  }
  char go = 0;
  while (::read(fds.in, &go, 1) < 0 && errno == EINTR) {
  }
}

}  // namespace cvdguard::internal
