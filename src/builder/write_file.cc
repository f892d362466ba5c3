// WriteFileAtomically: the public face of the one durable writer.
#include "core/fs_util.h"
#include "cvdguard/builder.h"

namespace cvdguard {

bool WriteFileAtomically(const std::string& path, std::span<const std::uint8_t> bytes,
                         const WriteFileOptions& options, std::string* error) {
  return internal::WritePathWith(
      path,
      [&](int fd, std::string* e) { return internal::WriteAll(fd, bytes, "'" + path + "'", e); },
      error, static_cast<mode_t>(options.mode & 07777), options.replace);
}

}  // namespace cvdguard
