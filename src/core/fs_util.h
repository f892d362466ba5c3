// File-system helpers: descriptors, durable writes (every file the library
// and the tool write goes through WriteFileAt), temp names no scanner loads,
// and for activation the LIVE lock and the test hook.
#ifndef CVDGUARD_CORE_FS_UTIL_H_
#define CVDGUARD_CORE_FS_UTIL_H_

#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cvdguard::internal {

// Names inside LIVE (and Q, S) that belong to cvdguard. None ends in a
// definition extension, and all start with a dot.
inline constexpr std::string_view kTempPrefix = ".cvdguard-tmp.";
inline constexpr std::string_view kLockName = ".cvdguard.lock";
inline constexpr std::string_view kJournalName = ".cvdguard.journal";
inline constexpr std::string_view kDefaultStateName = ".cvdguard";

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// "what: strerror(errno)" for the current errno.
std::string ErrnoMessage(const std::string& what);
std::string ErrnoMessage(const std::string& what, int err);

// `path` made absolute against the working directory and normalised (as
// given if that fails): for records that outlive the command line.
std::string AbsolutePath(const std::string& path);

// Opens a directory for *at() calls. Returns an invalid fd and sets *error.
UniqueFd OpenDir(const std::string& path, std::string* error);
// Creates `path` (and parents) as directories if missing.
bool EnsureDir(const std::string& path, std::string* error);
bool FsyncFd(int fd, const std::string& what, std::string* error);

// A fresh temp name: ".cvdguard-tmp.<pid>.<seq>.<random>".
std::string TempName();
bool IsTempName(std::string_view name);
// A temp (or pending) name carries its creator's pid after `prefix`; true
// when that process is gone, so the name is a leftover of a crash.
bool OwnerGone(std::string_view name, std::string_view prefix);

// Writes all of `bytes` to fd. False + *error (with errno text).
bool WriteAll(int fd, std::span<const std::uint8_t> bytes, const std::string& what,
              std::string* error);
// Writes `bytes` to a fresh temp name in dir_fd (O_EXCL, O_NOFOLLOW,
// created 0600), gives it `mode` (exactly: the umask does not narrow it),
// fsyncs it and renames it into place as `final_name`. An existing
// final_name is replaced only when `replace` (otherwise: false, EEXIST's
// text). The temp file is removed on every failure. The directory is not
// fsynced.
bool WriteFileAt(int dir_fd, const std::string& final_name, std::span<const std::uint8_t> bytes,
                 const std::string& what, std::string* error, mode_t mode = 0644,
                 bool replace = true);
// WriteFileAt with the content written by `fill` to the temp file's
// descriptor (opened read-write, so that fill may read back what it wrote).
// When fill returns false the temp file is removed and nothing is renamed;
// *error is fill's (which may leave it empty for a refusal that is not an
// I/O error).
using FillFd = std::function<bool(int fd, std::string* error)>;
bool WriteFileWith(int dir_fd, const std::string& final_name, const FillFd& fill,
                   const std::string& what, std::string* error, mode_t mode = 0644,
                   bool replace = true);
// WriteFileWith at a path: the directory is opened, and fsynced after the
// rename. What WriteFileAtomically does.
bool WritePathWith(const std::string& path, const FillFd& fill, std::string* error,
                   mode_t mode = 0644, bool replace = true);
// Reads a whole small file (at most max_bytes) without following a final
// symlink. nullopt + *error (empty *error when it does not exist).
std::optional<std::string> ReadSmallFileAt(int dir_fd, const std::string& name,
                                           std::size_t max_bytes, std::string* error);

// Copies from in_fd (from its current position to EOF) into a new file
// `name` in dir_fd, fsyncs it. The copy gets in_fd's permission bits and,
// when running as root, its owner and group. Each chunk also goes to
// `observe`. Returns bytes copied, or nullopt + *error (the partial file is
// removed).
std::optional<std::uint64_t> CopyFdToNewFile(
    int in_fd, int dir_fd, const std::string& name, const std::string& what,
    const std::function<void(std::span<const std::uint8_t>)>& observe, std::string* error);

// Reads from fd (from its current position to EOF) into `observe`.
std::optional<std::uint64_t> ReadFd(
    int fd, const std::string& what,
    const std::function<void(std::span<const std::uint8_t>)>& observe, std::string* error);

// SHA-256 of a whole file read through fd from offset 0, lower-case hex.
std::optional<std::string> Sha256OfFd(int fd, std::string* error);

// The header version of a container, read with pread (fd offset unchanged).
std::optional<std::uint32_t> HeaderVersionOfFd(int fd);

// Same inode and same content stamp (size, mtime, ctime).
bool SameFile(const struct stat& a, const struct stat& b);
bool SameInode(const struct stat& a, const struct stat& b);

// Entries of a directory (names only, without "." and ".."), sorted.
bool ListDir(int dir_fd, std::vector<std::string>* names, std::string* error);

// Removes a directory tree below dir_fd/name (no symlinks followed).
bool RemoveTreeAt(int dir_fd, const std::string& name, std::string* error);

// Exclusive (or shared) flock on dir/.cvdguard.lock, waiting up to
// timeout_seconds. `create` false: a missing lock file is not an error (an
// invalid fd is returned with *error empty).
UniqueFd LockLive(int live_fd, bool exclusive, bool create, double timeout_seconds,
                  std::string* error);

// Unix seconds now.
std::int64_t NowSeconds();
// "2026-01-02T03:04:05Z".
std::string IsoTime(std::int64_t t);

// Test hook (docs/activation.md, "Test hook"). Inert unless the environment
// variable CVDGUARD_ACTIVATION_TEST_HOOK="<out_fd>:<in_fd>" is set: then each
// named point writes "<point>\n" to out_fd and waits for one byte on in_fd,
// so a harness can SIGKILL the process at an exact point.
void HookPoint(std::string_view point);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_CORE_FS_UTIL_H_
