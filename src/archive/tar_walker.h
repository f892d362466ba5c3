// Push-based strict reader of ClamAV's tar dialect (FORMAT.md 4.1-4.4,
// checks A3-A10). Knows nothing of .info or database names: it reports
// structure and hands regular members' bytes to a listener.
#ifndef CVDGUARD_ARCHIVE_TAR_WALKER_H_
#define CVDGUARD_ARCHIVE_TAR_WALKER_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_set>

#include "archive/sink.h"

namespace cvdguard::internal {

struct TarEntry {
  std::string name;              // as stored (up to the first NUL)
  std::uint64_t tar_offset = 0;  // of the header block
  std::uint64_t size = 0;
  std::size_t index = 0;  // 0-based position among regular members
  bool name_ok = false;   // passed A6
};

class TarListener {
 public:
  virtual ~TarListener() = default;
  // A regular-file member begins. Its data follows in OnMemberData calls.
  virtual void OnMemberStart(const TarEntry& entry) = 0;
  virtual void OnMemberData(std::span<const std::uint8_t> bytes) = 0;
  virtual void OnMemberEnd() = 0;
};

struct TarLimits {
  std::uint64_t max_member_bytes;
  std::uint32_t max_members;
};

class TarWalker {
 public:
  // `file_base`: when the tar is stored raw in the file, the file offset of
  // tar byte 0 (for finding offsets); Finding::kNone for a gzip payload.
  TarWalker(const TarLimits& limits, std::uint64_t file_base, TarListener* listener,
            FindingSink findings);

  void Update(std::span<const std::uint8_t> bytes);
  void Finish();

  bool failed() const { return state_ == State::kFailed; }
  std::uint64_t offset() const { return offset_; }
  std::size_t member_count() const { return regular_count_; }

 private:
  enum class State { kHeader, kData, kPadding, kEnd, kFailed };
  void OnHeader();
  void Report(Code code, std::uint64_t tar_offset, std::string message, std::string member = {});
  void Fail(Code code, std::uint64_t tar_offset, std::string message, std::string member = {});

  TarLimits limits_;
  std::uint64_t file_base_;
  TarListener* listener_;
  FindingSink findings_;

  State state_ = State::kHeader;
  std::uint64_t offset_ = 0;  // tar bytes consumed
  std::array<std::uint8_t, 512> block_{};
  std::size_t block_fill_ = 0;
  std::uint64_t remaining_ = 0;  // data or padding bytes left
  bool deliver_ = false;         // current entry is a regular member
  std::string current_name_;
  bool padding_reported_ = false;
  bool after_end_reported_ = false;
  bool dialect_reported_ = false;
  std::size_t regular_count_ = 0;
  std::size_t entry_count_ = 0;
  std::unordered_set<std::string> seen_folded_;
};

// Writes ClamAV's own tar dialect (FORMAT.md 4.1): one header per member
// with name, octal size and checksum only; NUL padding; no end marker.
// Returns false if the name does not fit (>= 100 bytes) or is empty.
bool AppendTarMember(std::string_view name, std::span<const std::uint8_t> data,
                     std::vector<std::uint8_t>* tar);
// The same member's 512-byte header alone, for writers that stream the data
// (then TarPadding(size) NUL bytes). False as for AppendTarMember.
bool MakeTarHeader(std::string_view name, std::uint64_t size,
                   std::array<std::uint8_t, 512>* header);
inline std::size_t TarPadding(std::uint64_t size) {
  return static_cast<std::size_t>((512 - size % 512) % 512);
}

}  // namespace cvdguard::internal

#endif  // CVDGUARD_ARCHIVE_TAR_WALKER_H_
