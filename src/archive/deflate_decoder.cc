#include "archive/deflate_decoder.h"

#include <zlib.h>

#include <algorithm>

#ifdef CVDGUARD_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

namespace cvdguard::internal {
namespace {

// Both libraries take 32-bit lengths; feed at most 1 GiB per call.
constexpr std::size_t kMaxCall = std::size_t{1} << 30;

class ZlibDecoder final : public DeflateDecoder {
 public:
  ZlibDecoder() { ok_ = inflateInit2(&zs_, -15) == Z_OK; }  // raw deflate
  ~ZlibDecoder() override {
    if (ok_) inflateEnd(&zs_);
  }
  bool ok() const { return ok_; }

  Status Decode(std::span<const std::uint8_t>* in, std::span<std::uint8_t> out,
                std::size_t* produced) override {
    *produced = 0;
    for (;;) {
      const std::size_t in_take = std::min(in->size(), kMaxCall);
      const std::size_t out_take = std::min(out.size() - *produced, kMaxCall);
      zs_.next_in = const_cast<Bytef*>(in->data());
      zs_.avail_in = static_cast<uInt>(in_take);
      zs_.next_out = out.data() + *produced;
      zs_.avail_out = static_cast<uInt>(out_take);
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      const std::size_t used = in_take - zs_.avail_in;
      const std::size_t made = out_take - zs_.avail_out;
      crc_ = static_cast<std::uint32_t>(crc32_z(crc_, out.data() + *produced, made));
      *produced += made;
      *in = in->subspan(used);
      if (rc == Z_STREAM_END) return Status::kEnd;
      if (rc != Z_OK && rc != Z_BUF_ERROR) return Status::kError;
      if (*produced == out.size()) return Status::kOutputFull;
      if (in->empty()) return Status::kNeedInput;
      if (used == 0 && made == 0) return Status::kNeedInput;  // no progress possible
    }
  }
  std::uint32_t Crc() const override { return crc_; }

 private:
  z_stream zs_{};
  bool ok_ = false;
  std::uint32_t crc_ = 0;
};

#ifdef CVDGUARD_HAVE_ISAL
class IsalDecoder final : public DeflateDecoder {
 public:
  IsalDecoder() : st_(std::make_unique<inflate_state>()) {
    isal_inflate_init(st_.get());
    st_->crc_flag = ISAL_GZIP_NO_HDR;  // raw deflate; CRC-32 of the output in st_->crc
  }

  Status Decode(std::span<const std::uint8_t>* in, std::span<std::uint8_t> out,
                std::size_t* produced) override {
    *produced = 0;
    for (;;) {
      const std::size_t in_take = std::min(in->size(), kMaxCall);
      const std::size_t out_take = std::min(out.size() - *produced, kMaxCall);
      st_->next_in = const_cast<std::uint8_t*>(in->data());
      st_->avail_in = static_cast<std::uint32_t>(in_take);
      st_->next_out = out.data() + *produced;
      st_->avail_out = static_cast<std::uint32_t>(out_take);
      const int rc = isal_inflate(st_.get());
      const std::size_t made = out_take - st_->avail_out;
      *produced += made;
      // On an error ISA-L may move next_in back over read-ahead bytes, even
      // before this call's input: never derive a position from it then.
      if (rc < 0 || rc == ISAL_NEED_DICT || st_->avail_in > in_take) return Status::kError;
      const std::size_t used = in_take - st_->avail_in;
      *in = in->subspan(used);
      if (st_->block_state == ISAL_BLOCK_FINISH) return Status::kEnd;
      if (*produced == out.size()) return Status::kOutputFull;
      if (in->empty()) return Status::kNeedInput;
      if (used == 0 && made == 0) return Status::kNeedInput;
    }
  }
  std::uint32_t Crc() const override { return st_->crc; }

  // ISA-L keeps up to 64 read-ahead bits in read_in; at the end of the
  // stream the low read_in_length bits are unused: first the padding bits
  // of the final deflate byte, then whole bytes, least significant first.
  std::vector<std::uint8_t> TakeOverRead() override {
    std::vector<std::uint8_t> out;
    if (st_->block_state != ISAL_BLOCK_FINISH || st_->read_in_length <= 0) return out;
    const int bits = st_->read_in_length;
    const std::uint64_t rest = st_->read_in >> (bits % 8);
    for (int i = 0; i < bits / 8; ++i) out.push_back(static_cast<std::uint8_t>(rest >> (8 * i)));
    st_->read_in = 0;
    st_->read_in_length = 0;
    return out;
  }

 private:
  std::unique_ptr<inflate_state> st_;
};
#endif

}  // namespace

InflateBackend ResolveInflateBackend(InflateBackend requested) {
  if (requested == InflateBackend::kDefault || !InflateBackendAvailable(requested)) {
    return DefaultInflateBackend();
  }
  return requested;
}

std::unique_ptr<DeflateDecoder> MakeDeflateDecoder(InflateBackend backend) {
#ifdef CVDGUARD_HAVE_ISAL
  if (ResolveInflateBackend(backend) == InflateBackend::kIsal) return std::make_unique<IsalDecoder>();
#else
  (void)backend;
#endif
  auto z = std::make_unique<ZlibDecoder>();
  if (!z->ok()) return nullptr;
  return z;
}

}  // namespace cvdguard::internal

namespace cvdguard {

InflateBackend DefaultInflateBackend() {
#ifdef CVDGUARD_HAVE_ISAL
  return InflateBackend::kIsal;
#else
  return InflateBackend::kZlib;
#endif
}

bool InflateBackendAvailable(InflateBackend backend) {
  switch (backend) {
    case InflateBackend::kDefault:
    case InflateBackend::kZlib:
      return true;
    case InflateBackend::kIsal:
#ifdef CVDGUARD_HAVE_ISAL
      return true;
#else
      return false;
#endif
  }
  return false;
}

std::string_view InflateBackendName(InflateBackend backend) {
  switch (backend) {
    case InflateBackend::kDefault:
      return "default";
    case InflateBackend::kZlib:
      return "zlib";
    case InflateBackend::kIsal:
      return "isa-l";
  }
  return "unknown";
}

}  // namespace cvdguard
