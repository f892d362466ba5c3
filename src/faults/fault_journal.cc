// The fault journal on disk: one document under the state directory,
// replaced atomically (temp file, fsync, rename, fsync of the directory).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "cvdguard/faults.h"
#include "faults/fault_state.h"

namespace cvdguard {
namespace {

// A journal is a few KiB; anything this large is not one of ours.
constexpr std::size_t kMaxJournalBytes = std::size_t{64} << 20;

FaultStatus IoError(const std::string& what, const std::string& path, int err) {
  return FaultStatus::Error(Code::kFaultJournalIo,
                            what + " " + path + ": " + std::strerror(err));
}

std::string JournalPath(const std::string& state_dir) {
  return state_dir + "/" + std::string(kFaultJournalFileName);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// Reads the journal text. *missing is set when there is no journal.
FaultStatus ReadJournal(const std::string& state_dir, std::string* text, bool* missing) {
  *missing = false;
  const std::string path = JournalPath(state_dir);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      *missing = true;
      return FaultStatus::Ok();
    }
    return IoError("cannot open", path, errno);
  }
  text->clear();
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot read", path, errno);
    }
    if (n == 0) break;
    text->append(buf, static_cast<std::size_t>(n));
    if (text->size() > kMaxJournalBytes) {
      return FaultStatus::Error(Code::kFaultJournalCorrupt,
                                "fault journal is corrupt: " + path + " is larger than 64 MiB");
    }
  }
  return FaultStatus::Ok();
}

}  // namespace

FaultStatus LoadFaultJournal(const std::string& state_dir, FaultEngine* engine, bool* existed) {
  if (existed != nullptr) *existed = false;
  std::string text;
  bool missing = false;
  if (FaultStatus st = ReadJournal(state_dir, &text, &missing); !st.ok()) return st;
  if (missing) {
    *engine = FaultEngine(engine->config());
    return FaultStatus::Ok();
  }
  if (existed != nullptr) *existed = true;
  FaultStatus st = engine->RestoreJournal(text);
  if (!st.ok()) st.message += " (" + JournalPath(state_dir) + ")";
  return st;
}

FaultStatus SaveFaultJournal(const std::string& state_dir, const FaultEngine& engine) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) {
    return FaultStatus::Error(Code::kFaultJournalIo,
                              "cannot create state dir " + state_dir + ": " + ec.message());
  }
  const std::string path = JournalPath(state_dir);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const std::string text = engine.SerializeJournal() + "\n";
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) return IoError("cannot create", tmp, errno);
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::unlink(tmp.c_str());
        return IoError("cannot write", tmp, err);
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      return IoError("cannot fsync", tmp, err);
    }
    if (::close(fd.Release()) != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      return IoError("cannot close", tmp, err);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return IoError("cannot rename to", path, err);
  }
  // The rename is durable only once the directory entry is on disk.
  Fd dir(::open(state_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return IoError("cannot open", state_dir, errno);
  if (::fsync(dir.get()) != 0) return IoError("cannot fsync", state_dir, errno);
  return FaultStatus::Ok();
}

FaultStatus LoadRefusedDigests(const std::string& state_dir, std::vector<std::string>* out) {
  FaultEngine engine;
  if (FaultStatus st = LoadFaultJournal(state_dir, &engine); !st.ok()) return st;
  *out = engine.RefusedDigests();
  return FaultStatus::Ok();
}

}  // namespace cvdguard
