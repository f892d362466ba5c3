// Raw deflate decoding behind one interface, with two interchangeable
// backends: zlib (always built) and ISA-L (built when libisal is found,
// CVDGUARD_WITH_ISAL). The gzip wrapper (header, CRC-32, ISIZE, trailing
// bytes) is parsed by GzipInflater, not by a backend, so both backends give
// the same findings with the same words.
#ifndef CVDGUARD_ARCHIVE_DEFLATE_DECODER_H_
#define CVDGUARD_ARCHIVE_DEFLATE_DECODER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "cvdguard/options.h"

namespace cvdguard::internal {

class DeflateDecoder {
 public:
  enum class Status {
    kNeedInput,   // all input consumed; the stream goes on
    kOutputFull,  // `out` is full; call again with the rest of the input
    kEnd,         // the final block ended; *in starts after the deflate data
    kError,       // invalid deflate data
  };
  virtual ~DeflateDecoder() = default;
  // Decodes from *in (advanced past what was consumed) into `out`.
  virtual Status Decode(std::span<const std::uint8_t>* in, std::span<std::uint8_t> out,
                        std::size_t* produced) = 0;
  // CRC-32 (gzip) of all output so far.
  virtual std::uint32_t Crc() const = 0;
  // After kEnd: bytes the decoder had read past the end of the deflate data
  // (counted as consumed, possibly in an earlier call); they come before
  // what is left in *in. At most 8.
  virtual std::vector<std::uint8_t> TakeOverRead() { return {}; }
};

// (DefaultInflateBackend and InflateBackendAvailable are public, options.h.)
// kDefault or an unavailable backend resolves to the default.
InflateBackend ResolveInflateBackend(InflateBackend requested);
// Null only if the backend could not allocate its state.
std::unique_ptr<DeflateDecoder> MakeDeflateDecoder(InflateBackend backend);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_ARCHIVE_DEFLATE_DECODER_H_
