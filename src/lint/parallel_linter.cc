#include "lint/parallel_linter.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <future>
#include <span>
#include <string>
#include <utility>

namespace cvdguard::internal {

LintWorkers::LintWorkers(unsigned threads) {
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

LintWorkers::~LintWorkers() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : threads_) t.join();
  while (RunOne()) {
  }
}

void LintWorkers::Submit(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  ready_.notify_one();
}

bool LintWorkers::RunOne() {
  std::function<void()> job;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (jobs_.empty()) return false;
    job = std::move(jobs_.front());
    jobs_.pop_front();
  }
  job();
  return true;
}

void LintWorkers::Run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and nothing left to run
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

namespace {

// Segments in flight per member: enough to keep the workers busy while the
// caller cuts the next one, few enough to bound memory.
constexpr std::size_t kMaxInFlight = 4;

class ParallelLinter final : public MemberLinter {
 public:
  ParallelLinter(std::unique_ptr<MemberLinter> merger, std::string_view name, const LintOptions& options,
                 LintWorkers* workers, std::size_t segment_bytes)
      : merger_(std::move(merger)),
        name_(name),
        options_(options),
        workers_(workers),
        segment_bytes_(std::max<std::size_t>(segment_bytes, 1)) {}

  void Update(std::span<const std::uint8_t> bytes) override {
    if (finished_) return;
    while (!bytes.empty()) {
      if (long_) {
        // Inside a line already too long: only its length matters, until
        // the newline that ends it opens the next buffer.
        const void* nl = std::memchr(bytes.data(), '\n', bytes.size());
        if (nl == nullptr) {
          prefix_ += bytes.size();
          return;
        }
        const auto k = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nl) - bytes.data());
        prefix_ += k;
        bytes = bytes.subspan(k);
        long_ = false;
      }
      // Fill to one segment (or by one more when a line is still open), so
      // one large Update() never builds one large buffer.
      const std::size_t want = buf_.size() < segment_bytes_ ? segment_bytes_ - buf_.size() : segment_bytes_;
      const std::size_t n = std::min(want, bytes.size());
      if (buf_.capacity() == 0) buf_.reserve(segment_bytes_);
      buf_.insert(buf_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      bytes = bytes.subspan(n);
      if (buf_.size() >= segment_bytes_) Cut();
    }
  }

  // Bytes with a newline go to a worker as they are: the segment is the
  // open line held so far, then the bytes up to their last newline.
  void UpdateShared(std::span<const std::uint8_t> bytes, std::shared_ptr<const void> keep) override {
    if (finished_) return;
    const std::size_t end = long_ ? 0 : EndOfLastLine(bytes, 0);
    if (end == 0) return Update(bytes);
    std::vector<std::uint8_t> tail(bytes.begin() + static_cast<std::ptrdiff_t>(end), bytes.end());
    scanned_ = tail.size();
    Submit(std::exchange(buf_, std::move(tail)), bytes.first(end), std::move(keep), /*member_end=*/false);
  }

  void Absorb(LintSegmentResult result) override {
    if (finished_) return;
    DrainAll();
    merger_->Absorb(std::move(result));
  }

  void Finish() override {
    if (finished_) return;
    if (long_ || !buf_.empty()) Submit(std::exchange(buf_, {}), {}, nullptr, /*member_end=*/true);
    scanned_ = 0;
    DrainAll();
    finished_ = true;
    merger_->Finish();
  }

 private:
  // One past the last newline in bytes[from, size), or 0 if there is none.
  static std::size_t EndOfLastLine(std::span<const std::uint8_t> bytes, std::size_t from) {
    const void* nl = from < bytes.size() ? memrchr(bytes.data() + from, '\n', bytes.size() - from) : nullptr;
    return nl == nullptr ? 0 : static_cast<std::size_t>(static_cast<const std::uint8_t*>(nl) - bytes.data()) + 1;
  }

  // Sends the buffer up to its last newline as a segment; keeps the rest.
  void Cut() {
    // buf_[0, scanned_) is known to hold no newline.
    const std::size_t end = EndOfLastLine(buf_, scanned_);
    if (end == 0) {
      // One open line, not yet ended: past kLintLongLine it is too long for
      // any format that lints in segments, and only its length is kept.
      scanned_ = buf_.size();
      if (prefix_ + buf_.size() >= kLintLongLine) {
        prefix_ += buf_.size();
        buf_.clear();
        scanned_ = 0;
        long_ = true;
      }
      return;
    }
    std::vector<std::uint8_t> head = std::exchange(buf_, {});
    buf_.assign(head.begin() + static_cast<std::ptrdiff_t>(end), head.end());
    head.resize(end);
    scanned_ = buf_.size();
    Submit(std::move(head), {}, nullptr, /*member_end=*/false);
  }

  // Queues the segment `bytes` then `more` (valid while `keep` is held),
  // which starts at start_ + prefix_, and moves start_ past it.
  void Submit(std::vector<std::uint8_t> bytes, std::span<const std::uint8_t> more, std::shared_ptr<const void> keep,
              bool member_end) {
    const std::uint64_t start = start_;
    const std::uint64_t prefix = prefix_;
    start_ += prefix_ + bytes.size() + more.size();
    prefix_ = 0;
    long_ = false;
    auto task = std::make_shared<std::packaged_task<LintSegmentResult()>>(
        [name = name_, options = options_, bytes = std::move(bytes), more, keep = std::move(keep), start, prefix,
         member_end] { return LintSegment(name, options, start, prefix, bytes, more, member_end); });
    in_flight_.push_back(task->get_future());
    workers_->Submit([task] { (*task)(); });
    // Merge what is done, in order; past the bound, wait for the oldest.
    while (!in_flight_.empty() &&
           (in_flight_.size() > kMaxInFlight ||
            in_flight_.front().wait_for(std::chrono::seconds(0)) == std::future_status::ready)) {
      MergeFront();
    }
  }

  void MergeFront() {
    std::future<LintSegmentResult>& front = in_flight_.front();
    // Help rather than idle: run queued segments here until ours is done.
    while (front.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      if (!workers_->RunOne()) front.wait();
    }
    LintSegmentResult result = front.get();
    in_flight_.pop_front();
    merger_->Absorb(std::move(result));
  }

  void DrainAll() {
    while (!in_flight_.empty()) MergeFront();
  }

  std::unique_ptr<MemberLinter> merger_;  // applies caps and member-wide rules
  std::string name_;
  LintOptions options_;
  LintWorkers* workers_;
  std::size_t segment_bytes_;
  std::vector<std::uint8_t> buf_;  // bytes from member offset start_ + prefix_
  std::size_t scanned_ = 0;        // leading bytes of buf_ without a newline
  std::uint64_t start_ = 0;        // member offset where buf_'s first line begins
  std::uint64_t prefix_ = 0;       // bytes of that line before buf_, not kept
  bool long_ = false;              // that line is too long; buf_ is empty
  bool finished_ = false;
  std::deque<std::future<LintSegmentResult>> in_flight_;
};

}  // namespace

std::unique_ptr<MemberLinter> CreateParallelMemberLinter(std::string_view member_name,
                                                         const LintOptions& options, LintSink sink,
                                                         LintWorkers* workers, std::size_t segment_bytes) {
  std::unique_ptr<MemberLinter> merger = CreateMemberLinter(member_name, options, std::move(sink));
  if (merger == nullptr || workers == nullptr || !LintsInSegments(member_name)) return merger;
  return std::make_unique<ParallelLinter>(std::move(merger), member_name, options, workers, segment_bytes);
}

}  // namespace cvdguard::internal
