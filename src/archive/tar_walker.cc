#include "archive/tar_walker.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

namespace cvdguard::internal {
namespace {

bool AllZero(std::span<const std::uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

// Parses a numeric tar field: optional leading spaces, octal digits, then
// NUL/space terminators only. Base-256 (GNU) and empty fields are refused.
bool ParseOctalField(std::span<const std::uint8_t> field, std::uint64_t* out) {
  std::size_t i = 0;
  while (i < field.size() && field[i] == ' ') ++i;
  std::uint64_t v = 0;
  std::size_t digits = 0;
  for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i, ++digits) {
    if (v >> 60) return false;  // cannot happen in 12 bytes, but stay safe
    v = v * 8 + static_cast<std::uint64_t>(field[i] - '0');
  }
  if (digits == 0) return false;
  for (; i < field.size(); ++i) {
    if (field[i] != 0 && field[i] != ' ') return false;
  }
  *out = v;
  return true;
}

std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 120)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) {
      out += c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

bool NameCharOk(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

std::string Fold(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

TarWalker::TarWalker(const TarLimits& limits, std::uint64_t file_base, TarListener* listener,
                     FindingSink findings)
    : limits_(limits), file_base_(file_base), listener_(listener), findings_(std::move(findings)) {}

void TarWalker::Report(Code code, std::uint64_t tar_offset, std::string message,
                       std::string member) {
  Finding f = MakeFinding(code, std::move(message));
  f.tar_offset = tar_offset;
  if (file_base_ != Finding::kNone && tar_offset != Finding::kNone) f.offset = file_base_ + tar_offset;
  f.member = std::move(member);
  findings_(std::move(f));
}

void TarWalker::Fail(Code code, std::uint64_t tar_offset, std::string message,
                     std::string member) {
  if (deliver_) {
    listener_->OnMemberEnd();
    deliver_ = false;
  }
  state_ = State::kFailed;
  Report(code, tar_offset, std::move(message), std::move(member));
}

void TarWalker::Update(std::span<const std::uint8_t> bytes) {
  while (!bytes.empty() && state_ != State::kFailed) {
    switch (state_) {
      case State::kHeader: {
        const std::size_t take = std::min(bytes.size(), block_.size() - block_fill_);
        std::memcpy(block_.data() + block_fill_, bytes.data(), take);
        block_fill_ += take;
        bytes = bytes.subspan(take);
        offset_ += take;
        if (block_fill_ == block_.size()) {
          block_fill_ = 0;
          OnHeader();
        }
        break;
      }
      case State::kData: {
        const std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), remaining_));
        if (deliver_) listener_->OnMemberData(bytes.first(take));
        bytes = bytes.subspan(take);
        offset_ += take;
        remaining_ -= take;
        if (remaining_ == 0) {
          if (deliver_) listener_->OnMemberEnd();
          deliver_ = false;
          const std::uint64_t pad = (512 - offset_ % 512) % 512;
          remaining_ = pad;
          state_ = pad == 0 ? State::kHeader : State::kPadding;
        }
        break;
      }
      case State::kPadding: {
        const std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), remaining_));
        const auto piece = bytes.first(take);
        const auto nonzero =
            std::find_if(piece.begin(), piece.end(), [](std::uint8_t b) { return b != 0; });
        if (!padding_reported_ && nonzero != piece.end()) {
          padding_reported_ = true;
          // The exact byte, so the offset does not depend on chunking.
          Report(Code::kTarPaddingNotZero, offset_ + static_cast<std::uint64_t>(nonzero - piece.begin()),
                 "padding after member '" + Printable(current_name_) + "' is not all zero bytes",
                 current_name_);
        }
        bytes = bytes.subspan(take);
        offset_ += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::kHeader;
        break;
      }
      case State::kEnd: {
        if (!after_end_reported_ && !AllZero(bytes)) {
          after_end_reported_ = true;
          const auto it = std::find_if(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b != 0; });
          Report(Code::kTarDataAfterEnd, offset_ + static_cast<std::uint64_t>(it - bytes.begin()),
                 "non-zero bytes after the end-of-archive block: ClamAV ignores them, other "
                 "readers may not");
        }
        offset_ += bytes.size();
        bytes = {};
        break;
      }
      case State::kFailed:
        return;
    }
  }
}

void TarWalker::OnHeader() {
  const std::uint64_t at = offset_ - 512;
  const std::span<const std::uint8_t> h(block_);
  if (h[0] == 0) {
    // End of archive (ClamAV stops at the first NUL-led block).
    state_ = State::kEnd;
    if (!AllZero(h)) {
      after_end_reported_ = true;
      Report(Code::kTarDataAfterEnd, at,
             "a header block starting with NUL but not all zero: ClamAV ends the archive here "
             "and ignores the rest");
    }
    return;
  }
  ++entry_count_;
  const std::string_view raw_name(reinterpret_cast<const char*>(h.data()), 100);
  const std::size_t nul = raw_name.find('\0');
  const std::string name(raw_name.substr(0, nul == std::string_view::npos ? 100 : nul));
  current_name_ = name;
  padding_reported_ = false;

  // A4: checksum over the block with the checksum field read as spaces.
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? 0x20u : h[i];
  std::uint64_t stored = 0;
  const bool checksum_parsed = ParseOctalField(h.subspan(148, 8), &stored);
  if (!checksum_parsed || stored != sum) {
    Report(Code::kTarBadChecksum, at,
           "header checksum of member '" + Printable(name) + "' is " +
               (checksum_parsed ? std::to_string(stored) : std::string("unreadable")) +
               ", computed " + std::to_string(sum),
           name);
  }

  // A8: size.
  std::uint64_t size = 0;
  if (!ParseOctalField(h.subspan(124, 12), &size)) {
    Fail(Code::kTarBadSize, at + 124,
         "size field of member '" + Printable(name) + "' is not an octal number", name);
    return;
  }
  if (size > limits_.max_member_bytes) {
    Fail(Code::kTarMemberTooLarge, at + 124,
         "member '" + Printable(name) + "' declares " + std::to_string(size) +
             " bytes, above the member limit of " + std::to_string(limits_.max_member_bytes),
         name);
    return;
  }
  if (entry_count_ > limits_.max_members) {
    Fail(Code::kTarTooManyMembers, at,
         "more than " + std::to_string(limits_.max_members) + " tar entries");
    return;
  }

  // A7: dialect and extensions.
  const std::string_view magic(reinterpret_cast<const char*>(h.data()) + 257, 6);
  const bool posix_ustar = magic == std::string_view("ustar\0", 6);
  const bool gnu_ustar = magic == std::string_view("ustar ", 6);
  if ((posix_ustar || gnu_ustar) && !dialect_reported_) {
    dialect_reported_ = true;
    Report(Code::kTarNonClamavDialect, at,
           "tar headers carry the ustar magic; ClamAV's own writer leaves it empty");
  }
  if (posix_ustar && !AllZero(h.subspan(345, 155))) {
    Report(Code::kTarUstarPrefix, at + 345,
           "member '" + Printable(name) +
               "' uses the ustar prefix field; ClamAV's loader ignores it, other readers join it "
               "to the name",
           name);
  }

  // A5: type.
  const char type = static_cast<char>(h[156]);
  bool regular = false;
  switch (type) {
    case '0':
    case '\0':
      regular = true;
      break;
    case '5':
      Report(Code::kTarDirectory, at + 156, "member '" + Printable(name) + "' is a directory",
             name);
      break;
    case 'x':
    case 'g':
    case 'L':
    case 'K':
      Report(Code::kTarExtendedHeader, at + 156,
             std::string("entry '") + Printable(name) + "' is a " +
                 (type == 'x' || type == 'g' ? "pax extended header" : "GNU long-name header") +
                 " (type '" + type + "'): ClamAV refuses it and readers would disagree on names",
             name);
      break;
    default: {
      std::string what = "special file";
      if (type == '1') what = "hard link";
      if (type == '2') what = "symbolic link";
      if (type == '3' || type == '4') what = "device node";
      if (type == '6') what = "FIFO";
      Report(Code::kTarBadType, at + 156,
             "member '" + Printable(name) + "' is a " + what + " (type '" +
                 Printable(std::string(1, type)) + "'), not a regular file",
             name);
    }
  }

  // A6: name.
  bool name_ok = true;
  std::string why;
  if (name.empty()) {
    why = "is empty";
  } else if (nul == std::string_view::npos) {
    why = "fills all 100 bytes (ClamAV's limit is 99)";
  } else if (!AllZero(h.subspan(nul, 100 - nul))) {
    why = "has bytes after its NUL terminator";
  } else if (name == "." || name == "..") {
    why = "is a directory reference";
  } else if (name.front() == '.') {
    why = "starts with a dot";
  } else if (name.find('/') != std::string::npos || name.find('\\') != std::string::npos) {
    why = "contains a path separator";
  } else if (!std::all_of(name.begin(), name.end(), NameCharOk)) {
    why = "has characters outside [A-Za-z0-9._-]";
  }
  if (!why.empty()) {
    name_ok = false;
    Report(Code::kTarBadName, at, "member name '" + Printable(name) + "' " + why, name);
  }

  if (regular) {
    // A10: duplicates, case-insensitively.
    if (!seen_folded_.insert(Fold(name)).second) {
      Report(Code::kTarDuplicateMember, at,
             "member '" + Printable(name) + "' appears more than once (names compared "
             "case-insensitively)",
             name);
    }
    TarEntry entry;
    entry.name = name;
    entry.tar_offset = at;
    entry.size = size;
    entry.index = regular_count_++;
    entry.name_ok = name_ok;
    listener_->OnMemberStart(entry);
    deliver_ = true;
  }
  remaining_ = size;
  if (size == 0) {
    if (deliver_) listener_->OnMemberEnd();
    deliver_ = false;
    state_ = State::kHeader;
  } else {
    state_ = State::kData;
  }
}

void TarWalker::Finish() {
  if (state_ == State::kFailed || state_ == State::kEnd) return;
  if (state_ == State::kHeader && block_fill_ == 0) return;  // EOF at a header boundary
  if (state_ == State::kHeader) {
    Fail(Code::kTarTruncated, offset_ - block_fill_,
         "tar ends inside a 512-byte header block (" + std::to_string(block_fill_) +
             " bytes of it present)");
  } else {
    Fail(Code::kTarTruncated, offset_,
         "tar ends inside member '" + Printable(current_name_) + "' (" +
             std::to_string(remaining_) + " bytes missing)",
         current_name_);
  }
}

bool MakeTarHeader(std::string_view name, std::uint64_t size,
                   std::array<std::uint8_t, 512>* header) {
  if (name.empty() || name.size() > 99) return false;
  std::array<std::uint8_t, 512>& h = *header;
  h.fill(0);
  std::memcpy(h.data(), name.data(), name.size());
  // Size: octal digits without leading zeros, then NUL.
  std::string size_octal;
  std::uint64_t v = size;
  do {
    size_octal.insert(size_octal.begin(), static_cast<char>('0' + (v & 7)));
    v >>= 3;
  } while (v != 0);
  if (size_octal.size() > 11) return false;
  std::memcpy(h.data() + 124, size_octal.data(), size_octal.size());
  // Checksum: 6 octal digits with leading zeros, NUL, NUL; computed with
  // the field counted as 8 spaces.
  unsigned sum = 0;
  for (std::size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? 0x20u : h[i];
  char chk[8];
  std::snprintf(chk, sizeof(chk), "%06o", sum);
  std::memcpy(h.data() + 148, chk, 6);
  return true;
}

bool AppendTarMember(std::string_view name, std::span<const std::uint8_t> data,
                     std::vector<std::uint8_t>* tar) {
  std::array<std::uint8_t, 512> h;
  if (!MakeTarHeader(name, data.size(), &h)) return false;
  tar->insert(tar->end(), h.begin(), h.end());
  tar->insert(tar->end(), data.begin(), data.end());
  tar->insert(tar->end(), TarPadding(data.size()), 0);
  return true;
}

}  // namespace cvdguard::internal
