// WriteFileAtomically: the public face of the one durable writer.
#include <unistd.h>

#include "core/fs_util.h"
#include "cvdguard/builder.h"

namespace cvdguard {

bool WriteFileAtomically(const std::string& path, std::span<const std::uint8_t> bytes,
                         const WriteFileOptions& options, std::string* error) {
  const auto slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") {
    *error = "'" + path + "' does not name a file";
    return false;
  }
  internal::UniqueFd dir_fd = internal::OpenDir(dir, error);
  if (!dir_fd.valid()) return false;
  if (!internal::WriteFileAt(dir_fd.get(), name, bytes, "'" + path + "'", error,
                             static_cast<mode_t>(options.mode & 07777), options.replace)) {
    return false;
  }
  ::fsync(dir_fd.get());  // the rename is durable; a failure here loses nothing
  return true;
}

}  // namespace cvdguard
