#include "archive/inflater.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "archive/deflate_decoder.h"

namespace cvdguard::internal {
namespace {

// 256 KiB of output per inflate() call: large enough to amortise call
// overhead, small enough to stay cache-friendly and bounded.
constexpr std::size_t kOutChunk = 256 * 1024;

}  // namespace

GzipInflater::GzipInflater(std::uint64_t file_offset, std::uint64_t max_output, Code cap_code,
                           std::string cap_message, DataSink data, FindingSink findings,
                           InflateBackend backend)
    : decoder_(MakeDeflateDecoder(backend)),
      file_offset_(file_offset),
      max_output_(max_output),
      cap_code_(cap_code),
      cap_message_(std::move(cap_message)),
      data_(std::move(data)),
      findings_(std::move(findings)),
      out_(kOutChunk) {
  if (!decoder_) Fail(Code::kInternalError, file_offset_, "the deflate decoder could not be set up");
}

GzipInflater::~GzipInflater() = default;

void GzipInflater::UseBlocks(std::shared_ptr<BlockPool> blocks) {
  blocks_ = std::move(blocks);
  block_ = nullptr;
  out_ = {};
}

std::shared_ptr<const void> GzipInflater::KeepFor(std::span<const std::uint8_t> bytes) const {
  if (block_ == nullptr || bytes.empty()) return nullptr;
  // Addresses, not pointers: `bytes` may point anywhere.
  const auto begin = reinterpret_cast<std::uintptr_t>(block_.get());
  const auto at = reinterpret_cast<std::uintptr_t>(bytes.data());
  if (at < begin || at - begin > blocks_->block_bytes() || bytes.size() > blocks_->block_bytes() - (at - begin)) {
    return nullptr;
  }
  return block_;
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

// Header bytes count towards total_in_ and the header CRC (FHCRC).
void GzipInflater::HeaderBytes(std::span<const std::uint8_t> bytes) {
  total_in_ += bytes.size();
  header_crc_ = static_cast<std::uint32_t>(crc32_z(header_crc_, bytes.data(), bytes.size()));
}

// After a header field: the next one the flags call for, else the data.
void GzipInflater::NextHeaderPhase() {
  const std::uint8_t flg = fixed_[3];
  have_ = 0;
  switch (phase_) {
    case Phase::kFixed:
      if (flg & 0x04) {
        phase_ = Phase::kExtraLen;
        return;
      }
      [[fallthrough]];
    case Phase::kExtraLen:
    case Phase::kExtra:
      if (flg & 0x08) {
        phase_ = Phase::kName;
        return;
      }
      [[fallthrough]];
    case Phase::kName:
      if (flg & 0x10) {
        phase_ = Phase::kComment;
        return;
      }
      [[fallthrough]];
    case Phase::kComment:
      if (flg & 0x02) {
        phase_ = Phase::kHeaderCrc;
        return;
      }
      [[fallthrough]];
    default:
      phase_ = Phase::kDeflate;
  }
}

bool GzipInflater::Header(std::span<const std::uint8_t>* in) {
  // Header errors are reported at the start of the stream, like the other
  // gzip findings, so the offset never depends on the chunking.
  auto bad = [this](const std::string& why) {
    Fail(Code::kGzipBadHeader, file_offset_, "gzip header is invalid: " + why);
    return false;
  };
  while (!in->empty() && phase_ != Phase::kDeflate) {
    switch (phase_) {
      case Phase::kFixed: {
        const std::size_t n = std::min(in->size(), sizeof fixed_ - have_);
        std::memcpy(fixed_ + have_, in->data(), n);
        HeaderBytes(in->first(n));
        *in = in->subspan(n);
        have_ += n;
        if (have_ < sizeof fixed_) break;
        if (fixed_[0] != 0x1F || fixed_[1] != 0x8B) return bad("no gzip magic 1f 8b");
        if (fixed_[2] != 8) {
          return bad("compression method " + std::to_string(fixed_[2]) + " is not deflate (8)");
        }
        if (fixed_[3] & 0xE0) return bad("reserved flag bits are set");
        NextHeaderPhase();
        break;
      }
      case Phase::kExtraLen: {
        const std::size_t n = std::min(in->size(), 2 - have_);
        std::memcpy(small_ + have_, in->data(), n);
        HeaderBytes(in->first(n));
        *in = in->subspan(n);
        have_ += n;
        if (have_ < 2) break;
        extra_left_ = static_cast<std::uint32_t>(small_[0] | (small_[1] << 8));
        phase_ = Phase::kExtra;
        have_ = 0;
        if (extra_left_ == 0) NextHeaderPhase();
        break;
      }
      case Phase::kExtra: {
        const std::size_t n = std::min<std::size_t>(in->size(), extra_left_);
        HeaderBytes(in->first(n));
        *in = in->subspan(n);
        extra_left_ -= static_cast<std::uint32_t>(n);
        if (extra_left_ == 0) NextHeaderPhase();
        break;
      }
      case Phase::kName:
      case Phase::kComment: {
        // Zero-terminated; any length.
        const auto* zero = static_cast<const std::uint8_t*>(std::memchr(in->data(), 0, in->size()));
        const std::size_t n = zero != nullptr ? static_cast<std::size_t>(zero - in->data()) + 1 : in->size();
        HeaderBytes(in->first(n));
        *in = in->subspan(n);
        if (zero != nullptr) NextHeaderPhase();
        break;
      }
      case Phase::kHeaderCrc: {
        const std::uint32_t expect = header_crc_ & 0xFFFF;  // over the bytes before FHCRC
        const std::size_t n = std::min(in->size(), 2 - have_);
        std::memcpy(small_ + have_, in->data(), n);
        total_in_ += n;
        *in = in->subspan(n);
        have_ += n;
        if (have_ < 2) break;
        if ((small_[0] | (small_[1] << 8)) != static_cast<int>(expect)) {
          return bad("header CRC-16 does not match");
        }
        NextHeaderPhase();
        break;
      }
      default:
        break;
    }
  }
  return true;
}

void GzipInflater::Trailer(std::span<const std::uint8_t>* in) {
  if (in->empty()) return;
  const std::size_t n = std::min(in->size(), 8 - have_);
  std::memcpy(small_ + have_, in->data(), n);
  total_in_ += n;
  *in = in->subspan(n);
  have_ += n;
  if (have_ < 8) return;
  auto le32 = [](const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
  };
  if (le32(small_) != decoder_->Crc()) {
    Fail(Code::kGzipCrcMismatch, file_offset_, "gzip CRC-32 does not match the inflated data");
    return;
  }
  if (le32(small_ + 4) != static_cast<std::uint32_t>(total_out_)) {
    Fail(Code::kGzipLengthMismatch, file_offset_, "gzip ISIZE does not match the inflated length");
    return;
  }
  state_ = State::kEnded;
}

// The deflate data ended: the bytes the decoder read past it start the
// trailer.
void GzipInflater::EnterTrailer() {
  phase_ = Phase::kTrailer;
  have_ = 0;
  const std::vector<std::uint8_t> over = decoder_->TakeOverRead();
  total_in_ -= over.size();
  std::span<const std::uint8_t> head(over);
  Trailer(&head);
  if (state_ == State::kEnded) OnTrailing(head);
}

// One decoder call: count the input, emit the output, and act on the end of
// the deflate data or an error.
DeflateDecoder::Status GzipInflater::DecodeStep(std::span<const std::uint8_t>* in,
                                                std::size_t* produced) {
  std::span<std::uint8_t> out(out_);
  if (blocks_ != nullptr) {
    // A fresh block per call: the last one goes back to the pool (and so
    // comes back here) unless a reader still holds it.
    block_ = nullptr;
    block_ = blocks_->Take();
    out = {block_.get(), blocks_->block_bytes()};
  }
  const std::size_t before = in->size();
  const DeflateDecoder::Status st = decoder_->Decode(in, out, produced);
  total_in_ += before - in->size();
  Emit({out.data(), *produced});
  if (state_ != State::kRunning) return st;
  if (st == DeflateDecoder::Status::kError) {
    // Decoders notice an error at a point that depends on their read-ahead
    // and on the chunking: report the start of the gzip stream instead.
    Fail(Code::kGzipCorrupt, file_offset_, "gzip deflate data is corrupt");
  } else if (st == DeflateDecoder::Status::kEnd) {
    EnterTrailer();
  }
  return st;
}

void GzipInflater::Update(std::span<const std::uint8_t> in) {
  if (state_ == State::kFailed) return;
  if (state_ == State::kEnded) {
    OnTrailing(in);
    return;
  }
  if (phase_ != Phase::kDeflate && phase_ != Phase::kTrailer && !Header(&in)) return;
  while (state_ == State::kRunning && phase_ == Phase::kDeflate && !in.empty()) {
    std::size_t produced = 0;
    if (DecodeStep(&in, &produced) == DeflateDecoder::Status::kNeedInput) break;
  }
  if (state_ == State::kRunning && phase_ == Phase::kTrailer) Trailer(&in);
  if (state_ == State::kEnded) OnTrailing(in);
}

void GzipInflater::Finish() {
  // End of input: let the decoder give out what it still holds (output that
  // did not fit, bits it kept for read-ahead), so how far a cut stream
  // decodes does not depend on the backend or on the last chunk's size.
  while (state_ == State::kRunning && phase_ == Phase::kDeflate) {
    std::span<const std::uint8_t> none;
    std::size_t produced = 0;
    DecodeStep(&none, &produced);
    if (produced == 0) break;
  }
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
