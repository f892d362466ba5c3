#include "archive/inflater.h"

#include <cstring>
#include <string>

namespace cvdguard::internal {
namespace {

// 256 KiB of output per inflate() call: large enough to amortise call
// overhead, small enough to stay cache-friendly and bounded.
constexpr std::size_t kOutChunk = 256 * 1024;

}  // namespace

GzipInflater::GzipInflater(std::uint64_t file_offset, std::uint64_t max_output, Code cap_code,
                           std::string cap_message, DataSink data, FindingSink findings)
    : file_offset_(file_offset),
      max_output_(max_output),
      cap_code_(cap_code),
      cap_message_(std::move(cap_message)),
      data_(std::move(data)),
      findings_(std::move(findings)),
      out_(kOutChunk) {
  // 15 + 16: a gzip wrapper only (no zlib, no raw deflate).
  if (inflateInit2(&zs_, 15 + 16) != Z_OK) {
    Fail(Code::kInternalError, file_offset_, "zlib inflateInit2 failed");
    return;
  }
  zs_ready_ = true;
}

GzipInflater::~GzipInflater() {
  if (zs_ready_) inflateEnd(&zs_);
}

void GzipInflater::Fail(Code code, std::uint64_t offset, std::string message) {
  state_ = State::kFailed;
  Finding f = MakeFinding(code, std::move(message));
  f.offset = offset;
  findings_(std::move(f));
}

void GzipInflater::Emit(std::span<const std::uint8_t> out) {
  if (out.empty()) return;
  const std::uint64_t room = max_output_ - total_out_;
  if (out.size() > room) {
    data_(out.first(static_cast<std::size_t>(room)));
    total_out_ = max_output_;
    if (state_ == State::kRunning) Fail(cap_code_, Finding::kNone, cap_message_);
    return;
  }
  total_out_ += out.size();
  data_(out);
}

void GzipInflater::OnTrailing(std::span<const std::uint8_t> in) {
  for (std::uint8_t b : in) {
    if (trailing_ < 2) trailing_first_[trailing_] = b;
    ++trailing_;
  }
}

void GzipInflater::Update(std::span<const std::uint8_t> in) {
  if (state_ == State::kFailed || state_ == State::kStopped) return;
  if (state_ == State::kEnded) {
    OnTrailing(in);
    return;
  }
  zs_.next_in = const_cast<Bytef*>(in.data());
  // Feed at most 1 GiB per call so avail_in (uInt) never truncates.
  std::size_t remaining = in.size();
  while (state_ == State::kRunning) {
    if (zs_.avail_in == 0) {
      if (remaining == 0) break;
      const std::size_t take = remaining < (std::size_t{1} << 30) ? remaining : (std::size_t{1} << 30);
      zs_.avail_in = static_cast<uInt>(take);
      remaining -= take;
    }
    zs_.next_out = out_.data();
    zs_.avail_out = static_cast<uInt>(out_.size());
    const uInt before_in = zs_.avail_in;
    const int rc = inflate(&zs_, Z_NO_FLUSH);
    total_in_ += before_in - zs_.avail_in;
    const std::size_t produced = out_.size() - zs_.avail_out;
    Emit({out_.data(), produced});
    if (state_ != State::kRunning) break;
    if (rc == Z_STREAM_END) {
      state_ = State::kEnded;
      OnTrailing({zs_.next_in, zs_.avail_in + remaining});
      return;
    }
    if (rc == Z_BUF_ERROR) {
      // No progress was possible; zlib needs more input.
      if (before_in == zs_.avail_in && produced == 0) break;
      continue;
    }
    if (rc != Z_OK) {
      const std::string msg = zs_.msg != nullptr ? zs_.msg : "zlib error";
      // zlib reads ahead into its bit buffer by an amount that depends on how
      // the input was chunked, so the byte where it noticed the error is not
      // a stable position: report the start of the gzip stream instead.
      const std::uint64_t at = file_offset_;
      if (msg == "incorrect data check") {
        Fail(Code::kGzipCrcMismatch, at, "gzip CRC-32 does not match the inflated data");
      } else if (msg == "incorrect length check") {
        Fail(Code::kGzipLengthMismatch, at, "gzip ISIZE does not match the inflated length");
      } else if (msg == "incorrect header check" || msg == "unknown compression method" ||
                 msg == "unknown header flags set" || msg == "header crc mismatch") {
        Fail(Code::kGzipBadHeader, at, "gzip header is invalid: " + msg);
      } else {
        Fail(Code::kGzipCorrupt, at, "gzip deflate data is corrupt: " + msg);
      }
      return;
    }
  }
}

void GzipInflater::Finish() {
  if (state_ == State::kStopped) return;
  if (state_ == State::kRunning) {
    Fail(Code::kGzipTruncated, file_offset_ + total_in_,
         "gzip stream ends after " + std::to_string(total_in_) +
             " compressed bytes, before its end marker and trailer: the file is truncated");
    return;
  }
  if (state_ == State::kEnded && trailing_ > 0) {
    const bool second_member =
        trailing_ >= 2 && trailing_first_[0] == 0x1F && trailing_first_[1] == 0x8B;
    Finding f = second_member
                    ? MakeFinding(Code::kGzipMultipleMembers,
                                  "a second gzip member (" + std::to_string(trailing_) +
                                      " bytes) follows the first; ClamAV's C loader would load "
                                      "what it contains")
                    : MakeFinding(Code::kGzipTrailingData,
                                  std::to_string(trailing_) +
                                      " bytes follow the end of the gzip member");
    f.offset = file_offset_ + total_in_;
    findings_(std::move(f));
  }
}

bool GzipCompress(std::span<const std::uint8_t> in, int level, std::vector<std::uint8_t>* out) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  out->clear();
  std::vector<std::uint8_t> buf(256 * 1024);
  zs.next_in = const_cast<Bytef*>(in.data());
  std::size_t remaining = in.size();
  int rc = Z_OK;
  do {
    if (zs.avail_in == 0 && remaining > 0) {
      const std::size_t take = remaining < (std::size_t{1} << 30) ? remaining : (std::size_t{1} << 30);
      zs.avail_in = static_cast<uInt>(take);
      remaining -= take;
    }
    zs.next_out = buf.data();
    zs.avail_out = static_cast<uInt>(buf.size());
    rc = deflate(&zs, remaining == 0 ? Z_FINISH : Z_NO_FLUSH);
    out->insert(out->end(), buf.data(), buf.data() + (buf.size() - zs.avail_out));
  } while (rc == Z_OK || rc == Z_BUF_ERROR);
  deflateEnd(&zs);
  return rc == Z_STREAM_END;
}

}  // namespace cvdguard::internal
