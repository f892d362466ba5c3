// Spare byte buffers shared between threads. A chunk handed to another
// thread is given back here once consumed and taken again for a later
// chunk, rather than freed and allocated anew: glibc hands a freed block of
// a few hundred KiB back to the kernel, and the next one is then faulted in
// page by page (measured: about 5 % of the CPU time of a large verify).
#ifndef CVDGUARD_CORE_BUFFER_POOL_H_
#define CVDGUARD_CORE_BUFFER_POOL_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

namespace cvdguard::internal {

class BufferPool {
 public:
  // Keeps at most `max_kept` buffers, each of at least `min_capacity` bytes,
  // so what it holds is bounded by their product (plus slack of a buffer
  // that grew past it).
  BufferPool(std::size_t max_kept, std::size_t min_capacity)
      : max_kept_(max_kept), min_capacity_(min_capacity) {}
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // An empty buffer: with room for min_capacity bytes when one was kept,
  // else without any.
  std::vector<std::uint8_t> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (kept_.empty()) return {};
    std::vector<std::uint8_t> b = std::move(kept_.back());
    kept_.pop_back();
    return b;
  }

  // Keeps `buffer`, emptied, if it is large enough and there is room;
  // otherwise frees it.
  void Give(std::vector<std::uint8_t> buffer) {
    if (buffer.capacity() < min_capacity_) return;
    buffer.clear();
    std::lock_guard<std::mutex> lock(mu_);
    if (kept_.size() < max_kept_) kept_.push_back(std::move(buffer));
  }

 private:
  const std::size_t max_kept_;
  const std::size_t min_capacity_;
  std::mutex mu_;
  std::vector<std::vector<std::uint8_t>> kept_;
};

}  // namespace cvdguard::internal

#endif  // CVDGUARD_CORE_BUFFER_POOL_H_
