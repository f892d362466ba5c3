// The pool of shared blocks that carries inflated output between threads.
#include "core/block_pool.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

namespace cvdguard::internal {
namespace {

TEST(BlockPoolTest, ReusesABlockOnceItsLastReferenceIsGone) {
  auto pool = BlockPool::Create(4096, 2);
  std::shared_ptr<std::uint8_t[]> a = pool->Take();
  std::uint8_t* const first = a.get();
  std::shared_ptr<const void> reader = a;  // another thread's reference
  a.reset();
  std::shared_ptr<std::uint8_t[]> b = pool->Take();
  EXPECT_NE(b.get(), first) << "a block still referenced was handed out again";
  reader.reset();
  std::shared_ptr<std::uint8_t[]> c = pool->Take();
  EXPECT_EQ(c.get(), first) << "a released block was not reused";
}

TEST(BlockPoolTest, KeepsNoMoreSpareBlocksThanItsLimit) {
  auto pool = BlockPool::Create(64, 2);
  std::vector<std::shared_ptr<std::uint8_t[]>> out;
  for (int i = 0; i < 5; ++i) out.push_back(pool->Take());
  EXPECT_EQ(pool->spare(), 0u);
  out.pop_back();
  EXPECT_EQ(pool->spare(), 1u);
  out.clear();  // four more come back; the rest are freed
  EXPECT_EQ(pool->spare(), 2u);
  std::shared_ptr<std::uint8_t[]> b = pool->Take();
  EXPECT_EQ(pool->spare(), 1u);
}

TEST(BlockPoolTest, OutlivesItsOwnerWhileBlocksAreHeld) {
  std::shared_ptr<std::uint8_t[]> held;
  {
    auto pool = BlockPool::Create(128, 1);
    held = pool->Take();
  }
  std::memset(held.get(), 0xAB, 128);  // still valid: the block keeps its pool
  held.reset();                         // and goes back to it, which then goes
}

TEST(BlockPoolTest, IsSafeToShareBetweenThreads) {
  auto pool = BlockPool::Create(256, 4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([pool, t] {
      for (int i = 0; i < 2000; ++i) {
        std::shared_ptr<std::uint8_t[]> b = pool->Take();
        std::memset(b.get(), t, 256);
        for (int k = 0; k < 256; ++k) ASSERT_EQ(b[k], t);
      }
    });
  }
  for (std::thread& t : threads) t.join();
}

}  // namespace
}  // namespace cvdguard::internal
