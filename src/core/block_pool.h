// Fixed-size byte blocks shared between the pipeline's threads. A block
// holds, say, one piece of inflated output; whoever reads it holds a
// reference, and when the last reference goes the block returns here to be
// filled again. So bytes pass from thread to thread without a copy, and
// blocks are reused instead of freed and allocated anew (glibc hands a freed
// block of a few hundred KiB back to the kernel, and the next one is then
// faulted in page by page: measured at about 5 % of a large verify's CPU).
#ifndef CVDGUARD_CORE_BLOCK_POOL_H_
#define CVDGUARD_CORE_BLOCK_POOL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace cvdguard::internal {

class BlockPool : public std::enable_shared_from_this<BlockPool> {
 public:
  // Blocks of `block_bytes`; at most `max_kept` spare ones are kept, the
  // rest are freed when they come back.
  static std::shared_ptr<BlockPool> Create(std::size_t block_bytes, std::size_t max_kept) {
    return std::shared_ptr<BlockPool>(new BlockPool(block_bytes, max_kept));
  }
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;

  std::size_t block_bytes() const { return block_bytes_; }
  // Spare blocks kept right now.
  std::size_t spare() {
    std::lock_guard<std::mutex> lock(mu_);
    return kept_.size();
  }

  // A block of block_bytes() bytes, contents unspecified. The pool lives as
  // long as any block it gave out.
  std::shared_ptr<std::uint8_t[]> Take() {
    std::unique_ptr<std::uint8_t[]> b;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!kept_.empty()) {
        b = std::move(kept_.back());
        kept_.pop_back();
      }
    }
    if (!b) b.reset(new std::uint8_t[block_bytes_]);  // not zeroed: it is written before it is read
    return std::shared_ptr<std::uint8_t[]>(b.release(), [self = shared_from_this()](std::uint8_t* p) { self->Give(p); });
  }

 private:
  BlockPool(std::size_t block_bytes, std::size_t max_kept) : block_bytes_(block_bytes), max_kept_(max_kept) {}

  void Give(std::uint8_t* p) {
    std::unique_ptr<std::uint8_t[]> b(p);
    std::lock_guard<std::mutex> lock(mu_);
    if (kept_.size() < max_kept_) kept_.push_back(std::move(b));
  }

  const std::size_t block_bytes_;
  const std::size_t max_kept_;
  std::mutex mu_;
  std::vector<std::unique_ptr<std::uint8_t[]>> kept_;
};

}  // namespace cvdguard::internal

#endif  // CVDGUARD_CORE_BLOCK_POOL_H_
