// Batch validation for the CLI: many files on several threads, results
// handed back in input order, and a progress line for terminals.
#ifndef CVDGUARD_CLI_BATCH_H_
#define CVDGUARD_CLI_BATCH_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "cvdguard/report.h"

namespace cvdguard::cli {

// Runs work(i) for every i in [0, n) on `jobs` threads and calls emit(i, r)
// on the calling thread in index order, as soon as each result and all
// before it are ready. At most 4 * jobs results wait to be emitted, so
// memory stays bounded however many files there are. jobs <= 1 runs
// everything on the calling thread.
void RunInOrder(std::size_t n, unsigned jobs, const std::function<Report(std::size_t)>& work,
                const std::function<void(std::size_t, Report&)>& emit);

// "files done/total, bytes, rate, ETA" on one self-rewriting stderr line.
// Does nothing unless enabled (a terminal, not --json, not --quiet).
class ProgressLine {
 public:
  ProgressLine(bool enabled, std::size_t files, std::uint64_t bytes, std::FILE* out = stderr);
  ~ProgressLine() { Clear(); }
  // One more file done; redraws at most ten times a second.
  void Done(std::uint64_t bytes);
  // Erases the line (before printing a report); the next Done redraws it.
  void Clear();
  // The text it would show (for tests).
  std::string Text() const;

 private:
  bool enabled_;
  std::FILE* out_;
  std::size_t files_total_, files_done_ = 0;
  std::uint64_t bytes_total_, bytes_done_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool shown_ = false;
};

// The number of jobs `--jobs 0` means: the CPUs this process may use.
unsigned DefaultJobs();

}  // namespace cvdguard::cli

#endif  // CVDGUARD_CLI_BATCH_H_
