// The spare-buffer pool shared by the pipeline's threads.
#include "core/buffer_pool.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace cvdguard::internal {
namespace {

std::vector<std::uint8_t> Sized(std::size_t capacity) {
  std::vector<std::uint8_t> b;
  b.reserve(capacity);
  b.push_back(7);
  return b;
}

TEST(BufferPoolTest, GivesBackKeptBuffersEmptyAndWithTheirRoom) {
  BufferPool pool(2, 1024);
  EXPECT_EQ(pool.Take().capacity(), 0u);  // nothing kept yet
  pool.Give(Sized(4096));
  const std::vector<std::uint8_t> b = pool.Take();
  EXPECT_TRUE(b.empty());
  EXPECT_GE(b.capacity(), 4096u);
  EXPECT_EQ(pool.Take().capacity(), 0u);
}

TEST(BufferPoolTest, KeepsNoSmallBuffersAndNoMoreThanItsLimit) {
  BufferPool pool(2, 1024);
  pool.Give(Sized(100));  // below the minimum: freed
  EXPECT_EQ(pool.Take().capacity(), 0u);
  for (int i = 0; i < 5; ++i) pool.Give(Sized(2048));
  int kept = 0;
  while (pool.Take().capacity() > 0) ++kept;
  EXPECT_EQ(kept, 2);
}

TEST(BufferPoolTest, IsSafeToShareBetweenThreads) {
  BufferPool pool(8, 64);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&pool] {
      for (int i = 0; i < 2000; ++i) {
        std::vector<std::uint8_t> b = pool.Take();
        b.resize(64, 1);
        pool.Give(std::move(b));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  int kept = 0;
  while (pool.Take().capacity() > 0) ++kept;
  EXPECT_GE(kept, 1);
  EXPECT_LE(kept, 8);
}

}  // namespace
}  // namespace cvdguard::internal
