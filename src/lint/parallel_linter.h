// Lints one member on several threads: its bytes are cut into line-aligned
// segments, each segment is linted apart (LintSegment) by a pool of workers,
// and the results are merged back in member order, so the findings are those
// of the one-thread linter, line for line.
#ifndef CVDGUARD_SRC_LINT_PARALLEL_LINTER_H_
#define CVDGUARD_SRC_LINT_PARALLEL_LINTER_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "lint/linter.h"

namespace cvdguard::internal {

// A fixed set of threads running queued jobs in FIFO order. With zero
// threads nothing runs in the background: jobs run when a caller helps
// (RunOne), which is how the linter waits, so the pool still works.
class LintWorkers {
 public:
  explicit LintWorkers(unsigned threads);
  ~LintWorkers();  // runs what is queued, then joins
  LintWorkers(const LintWorkers&) = delete;
  LintWorkers& operator=(const LintWorkers&) = delete;

  void Submit(std::function<void()> job);
  // Runs the oldest queued job on the calling thread; false if none queued.
  bool RunOne();

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// A member linter that gives the findings of CreateMemberLinter() for the
// same bytes, linting segments of about `segment_bytes` on `workers`.
// Formats with state across lines (!LintsInSegments) get the one-thread
// linter. Memory stays bounded: at most kMaxInFlight segments and their
// capped findings are held at once. `sink` runs on the caller's thread, in
// order. `workers` must outlive the linter.
std::unique_ptr<MemberLinter> CreateParallelMemberLinter(std::string_view member_name,
                                                         const LintOptions& options, LintSink sink,
                                                         LintWorkers* workers,
                                                         std::size_t segment_bytes = 256 * 1024);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_SRC_LINT_PARALLEL_LINTER_H_
