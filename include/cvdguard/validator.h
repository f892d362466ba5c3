// Validation of one definition container (.cvd, .cld, .cud) in a single
// streaming pass. Never throws, never writes to disk.
#ifndef CVDGUARD_VALIDATOR_H_
#define CVDGUARD_VALIDATOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "cvdguard/export.h"
#include "cvdguard/options.h"
#include "cvdguard/report.h"

namespace cvdguard {

// Streaming validator: feed the bytes of one file in order, in chunks of any
// size, then call Finish(). The findings do not depend on the chunking.
//
//   Validator v(options);
//   while (...) v.Update(chunk);
//   Report r = v.Finish();
//
// Not thread-safe; one instance per file. Update() after Finish() is ignored.
class CVDGUARD_EXPORT Validator {
 public:
  explicit Validator(const VerifyOptions& options);
  ~Validator();
  Validator(const Validator&) = delete;
  Validator& operator=(const Validator&) = delete;

  // If the total size is known in advance (a file), say so: the bomb ratio
  // limit is then enforced as a hard output cap while inflating.
  void SetExpectedSize(std::uint64_t size);

  // Bytes of a detached .sign for this file (FORMAT.md 6). Optional: the
  // constructor reads options.sign_path when it is set (a read error makes
  // the verdict kError), and the path-based entry points find the .sign
  // beside the file otherwise. A call replaces either.
  void SetSignFile(std::string sign_text, std::string sign_path);

  void Update(std::span<const std::uint8_t> bytes);
  // False once no further bytes can change the report: the input is not a
  // definition container at all (an HTML page, a bare gzip, zeros). A caller
  // may then stop reading and call Finish(), so that a huge or endless
  // non-container (a 3 GB download error, /dev/zero) costs nothing more.
  [[nodiscard]] bool WantsMoreInput() const;
  // Records a read error: the report's verdict becomes kError.
  void FailRead(const std::string& what);
  Report Finish();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Validates the file at `path`. Reads it once, in large reads; never maps it.
// A read error gives verdict kError with an IO_ERROR finding. Also finds the
// detached .sign beside a .cvd when options allow it.
CVDGUARD_EXPORT Report VerifyPath(const std::string& path,
                                  const VerifyOptions& options);
// Validates from an open file descriptor (read from its current position to
// EOF). `name` is used for the kind and name cross-checks; may be empty.
CVDGUARD_EXPORT Report VerifyFd(int fd, const std::string& name,
                                const VerifyOptions& options);
// Validates bytes in memory.
CVDGUARD_EXPORT Report VerifyMemory(std::span<const std::uint8_t> bytes,
                                    const VerifyOptions& options);

// The kind implied by a file name's extension (case-insensitive), or kUnknown.
CVDGUARD_EXPORT Kind KindFromFileName(std::string_view file_name);
// Database name from a file name: the stem up to the first '-' or '.'.
CVDGUARD_EXPORT std::string DatabaseNameFromFileName(std::string_view file_name);

}  // namespace cvdguard

#endif  // CVDGUARD_VALIDATOR_H_
