// Extraction with libarchive (its strength: safe writing to disk), after our
// own strict validation of the same file.
#include "cvdguard/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "cvdguard/validator.h"

namespace cvdguard {
namespace {

struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

std::string ArchiveError(archive* a) {
  const char* s = archive_error_string(a);  // may be NULL
  return s != nullptr ? s : "unknown libarchive error";
}

}  // namespace

UnpackStatus UnpackContainer(const std::string& path, const std::string& dir,
                             const VerifyOptions& options, Report* report,
                             std::vector<std::string>* written, std::string* error) {
  // One descriptor for the check and the extraction: the bytes extracted
  // come from the inode that was verified, whatever happens to the path.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *report = VerifyPath(path, options);  // reports the open error as usual
    *error = "cannot read '" + path + "': " + std::strerror(errno);
    return UnpackStatus::kIoError;
  }
  struct stat before {};
  fstat(fd, &before);
  *report = VerifyFd(fd, path, options);
  if (report->verdict == Verdict::kError) {
    *error = "cannot read '" + path + "'";
    for (const auto& f : report->findings) {
      if (f.code == Code::kIoError) {
        *error = f.message;
        break;
      }
    }
    close(fd);
    return UnpackStatus::kIoError;
  }
  if (report->verdict != Verdict::kValid) {
    *error = "'" + path + "' is not valid; nothing extracted";
    close(fd);
    return UnpackStatus::kInvalid;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *error = "cannot create '" + dir + "': " + ec.message();
    close(fd);
    return UnpackStatus::kIoError;
  }
  // Members are created relative to a directory descriptor with O_EXCL and
  // O_NOFOLLOW: no path resolution from names, no overwriting, no links.
  const int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    *error = "cannot open '" + dir + "': " + std::strerror(errno);
    close(fd);
    return UnpackStatus::kIoError;
  }
  // All or nothing: a name already taken in DIR stops the run before any
  // file is written (a mix of old and new members is a set a scanner may
  // load), and a failure later removes what this run wrote.
  for (const auto& m : report->members) {
    struct stat st {};
    if (fstatat(dir_fd, m.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT) {
      *error = "'" + dir + "/" + m.name +
               "' already exists; nothing extracted (unpack never overwrites)";
      close(dir_fd);
      close(fd);
      return UnpackStatus::kIoError;
    }
  }
  std::vector<std::string> created;
  const auto fail = [&](UnpackStatus st) {
    for (const auto& n : created) unlinkat(dir_fd, n.c_str(), 0);
    close(dir_fd);
    close(fd);
    return st;
  };
  if (lseek(fd, 512, SEEK_SET) != 512) {
    *error = "cannot seek '" + path + "': " + std::strerror(errno);
    return fail(UnpackStatus::kIoError);
  }
  std::unique_ptr<archive, ArchiveReadDeleter> in(archive_read_new());
  archive_read_support_format_tar(in.get());
  archive_read_support_filter_gzip(in.get());
  archive_read_support_filter_none(in.get());
  if (archive_read_open_fd(in.get(), fd, 1 << 20) != ARCHIVE_OK) {
    *error = "libarchive: " + ArchiveError(in.get());
    return fail(UnpackStatus::kIoError);
  }
  archive_entry* entry = nullptr;
  int rc = ARCHIVE_OK;
  while ((rc = archive_read_next_header(in.get(), &entry)) == ARCHIVE_OK) {
    const char* raw = archive_entry_pathname(entry);
    const std::string name = raw != nullptr ? raw : "";
    // The validator already refused anything but plain names and regular
    // files; check again rather than trust a second parser.
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == ".." ||
        archive_entry_filetype(entry) != AE_IFREG) {
      *error = "refusing entry '" + name + "'";
      return fail(UnpackStatus::kInvalid);
    }
    const std::string target = dir + "/" + name;
    const int out_fd = openat(dir_fd, name.c_str(),
                              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out_fd < 0) {
      *error = "cannot create '" + target + "': " + std::strerror(errno);
      return fail(UnpackStatus::kIoError);
    }
    created.push_back(name);
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int r = ARCHIVE_OK;
    bool write_ok = true;
    while ((r = archive_read_data_block(in.get(), &buf, &size, &offset)) == ARCHIVE_OK) {
      const auto* p = static_cast<const char*>(buf);
      std::size_t left = size;
      while (left > 0) {
        const ssize_t n = pwrite(out_fd, p, left, offset);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          write_ok = false;
          break;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
        offset += n;
      }
      if (!write_ok) break;
    }
    if (close(out_fd) != 0) write_ok = false;
    if (!write_ok) {
      *error = "cannot write '" + target + "': " + std::strerror(errno);
      return fail(UnpackStatus::kIoError);
    }
    if (r != ARCHIVE_EOF) {
      *error = "cannot extract '" + name + "': " + ArchiveError(in.get());
      return fail(UnpackStatus::kIoError);
    }
  }
  if (rc != ARCHIVE_EOF) {
    *error = "libarchive: " + ArchiveError(in.get());
    return fail(UnpackStatus::kIoError);
  }
  // The file must not have changed under us between the check and the copy.
  struct stat after {};
  if (fstat(fd, &after) != 0 || after.st_size != before.st_size ||
      after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
      after.st_mtim.tv_nsec != before.st_mtim.tv_nsec) {
    *error = "'" + path + "' changed while it was extracted; nothing extracted";
    return fail(UnpackStatus::kIoError);
  }
  close(dir_fd);
  close(fd);
  if (written != nullptr) {
    written->clear();
    for (const auto& n : created) written->push_back(dir + "/" + n);
  }
  return UnpackStatus::kOk;
}

}  // namespace cvdguard
