// Push-based gzip inflation (FORMAT.md 2, checks A2, A8): one member, CRC
// and ISIZE checked, trailing bytes reported, output capped. The gzip wrapper
// is parsed here, strictly and incrementally; the deflate data goes to a
// DeflateDecoder backend (zlib or ISA-L), which never decides a finding's
// words, so both backends report the same findings.
#ifndef CVDGUARD_ARCHIVE_INFLATER_H_
#define CVDGUARD_ARCHIVE_INFLATER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "archive/deflate_decoder.h"
#include "archive/sink.h"
#include "core/block_pool.h"
#include "cvdguard/options.h"

namespace cvdguard::internal {

class GzipInflater {
 public:
  // Receives inflated bytes in order.
  using DataSink = std::function<void(std::span<const std::uint8_t>)>;

  // `file_offset` is where the gzip stream starts in the file (for finding
  // offsets). `max_output` is a hard cap: the bytes beyond it are never
  // produced; exceeding it reports `cap_code`.
  GzipInflater(std::uint64_t file_offset, std::uint64_t max_output, Code cap_code,
               std::string cap_message, DataSink data, FindingSink findings,
               InflateBackend backend = InflateBackend::kDefault);
  ~GzipInflater();
  GzipInflater(const GzipInflater&) = delete;
  GzipInflater& operator=(const GzipInflater&) = delete;

  void Update(std::span<const std::uint8_t> in);
  void Finish();
  // From now on, inflate into blocks of `blocks` (one per decoder call)
  // rather than into one buffer of its own, so that what it emits can be
  // kept by other threads without a copy (KeepFor).
  void UseBlocks(std::shared_ptr<BlockPool> blocks);
  // During a DataSink call: a reference that keeps `bytes` valid, if they
  // lie in the current block; else null.
  std::shared_ptr<const void> KeepFor(std::span<const std::uint8_t> bytes) const;
  bool failed() const { return state_ == State::kFailed; }
  bool ended() const { return state_ == State::kEnded; }
  std::uint64_t total_in() const { return total_in_; }
  std::uint64_t total_out() const { return total_out_; }

 private:
  enum class State { kRunning, kEnded, kFailed };
  // Where the running member is: header fields, deflate data, trailer.
  enum class Phase { kFixed, kExtraLen, kExtra, kName, kComment, kHeaderCrc, kDeflate, kTrailer };
  void Fail(Code code, std::uint64_t offset, std::string message);
  void Emit(std::span<const std::uint8_t> out);
  void OnTrailing(std::span<const std::uint8_t> in);
  // Consumes header bytes from *in; false once a finding stopped the stream.
  bool Header(std::span<const std::uint8_t>* in);
  void HeaderBytes(std::span<const std::uint8_t> bytes);
  void NextHeaderPhase();
  void Trailer(std::span<const std::uint8_t>* in);
  void EnterTrailer();
  DeflateDecoder::Status DecodeStep(std::span<const std::uint8_t>* in, std::size_t* produced);

  std::unique_ptr<DeflateDecoder> decoder_;
  State state_ = State::kRunning;
  Phase phase_ = Phase::kFixed;
  std::uint8_t fixed_[10] = {};     // ID1 ID2 CM FLG MTIME(4) XFL OS
  std::uint8_t small_[8] = {};      // XLEN, header CRC-16 or the trailer
  std::size_t have_ = 0;            // bytes collected in the current phase
  std::uint32_t extra_left_ = 0;    // FEXTRA bytes still to skip
  std::uint32_t header_crc_ = 0;    // CRC-32 of the header bytes so far
  std::uint64_t file_offset_;
  std::uint64_t max_output_;
  Code cap_code_;
  std::string cap_message_;
  std::uint64_t total_in_ = 0;   // compressed bytes consumed by the member
  std::uint64_t total_out_ = 0;  // inflated bytes emitted
  std::uint64_t trailing_ = 0;   // bytes after the member
  std::uint8_t trailing_first_[2] = {0, 0};
  DataSink data_;
  FindingSink findings_;
  std::vector<std::uint8_t> out_;
  std::shared_ptr<BlockPool> blocks_;
  std::shared_ptr<std::uint8_t[]> block_;  // the block decoded into last
};

// Compresses bytes into one gzip member (MTIME 0, no name), as sigtool does.
bool GzipCompress(std::span<const std::uint8_t> in, int level, std::vector<std::uint8_t>* out);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_ARCHIVE_INFLATER_H_
