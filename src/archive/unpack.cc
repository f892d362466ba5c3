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
#include <memory>

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
  *report = VerifyPath(path, options);
  if (report->verdict == Verdict::kError) {
    *error = "cannot read '" + path + "'";
    return UnpackStatus::kIoError;
  }
  if (report->verdict != Verdict::kValid) {
    *error = "'" + path + "' is not valid; nothing extracted";
    return UnpackStatus::kInvalid;
  }
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    *error = "cannot create '" + dir + "': " + std::strerror(errno);
    return UnpackStatus::kIoError;
  }
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || lseek(fd, 512, SEEK_SET) != 512) {
    *error = "cannot reopen '" + path + "': " + std::strerror(errno);
    if (fd >= 0) close(fd);
    return UnpackStatus::kIoError;
  }
  std::unique_ptr<archive, ArchiveReadDeleter> in(archive_read_new());
  archive_read_support_format_tar(in.get());
  archive_read_support_filter_gzip(in.get());
  archive_read_support_filter_none(in.get());
  // Members are created relative to a directory descriptor with O_EXCL and
  // O_NOFOLLOW: no path resolution from names, no overwriting, no links.
  const int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    *error = "cannot open '" + dir + "': " + std::strerror(errno);
    close(fd);
    return UnpackStatus::kIoError;
  }
  if (archive_read_open_fd(in.get(), fd, 1 << 20) != ARCHIVE_OK) {
    *error = "libarchive: " + ArchiveError(in.get());
    close(fd);
    return UnpackStatus::kIoError;
  }
  UnpackStatus status = UnpackStatus::kOk;
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
      status = UnpackStatus::kInvalid;
      break;
    }
    const std::string target = dir + "/" + name;
    const int out_fd = openat(dir_fd, name.c_str(),
                              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out_fd < 0) {
      *error = "cannot create '" + target + "': " + std::strerror(errno);
      status = UnpackStatus::kIoError;
      break;
    }
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
      status = UnpackStatus::kIoError;
      break;
    }
    if (r != ARCHIVE_EOF) {
      *error = "cannot extract '" + name + "': " + ArchiveError(in.get());
      status = UnpackStatus::kIoError;
      break;
    }
    if (written != nullptr) written->push_back(target);
  }
  if (status == UnpackStatus::kOk && rc != ARCHIVE_EOF) {
    *error = "libarchive: " + ArchiveError(in.get());
    status = UnpackStatus::kIoError;
  }
  close(dir_fd);
  close(fd);
  return status;
}

}  // namespace cvdguard
