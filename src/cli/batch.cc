#include "cli/batch.h"

#include <sched.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace cvdguard::cli {

void RunInOrder(std::size_t n, unsigned jobs, const std::function<Report(std::size_t)>& work,
                const std::function<void(std::size_t, Report&)>& emit) {
  if (jobs <= 1 || n <= 1) {
    for (std::size_t i = 0; i < n; ++i) {
      Report r = work(i);
      emit(i, r);
    }
    return;
  }
  const std::size_t window = std::size_t{4} * jobs;
  std::mutex mu;
  std::condition_variable ready, room;
  std::map<std::size_t, Report> done;  // finished, not yet emitted
  std::size_t next = 0;                 // next index to hand out
  std::size_t emitted = 0;              // results emitted so far
  auto worker = [&] {
    for (;;) {
      std::size_t i;
      {
        std::unique_lock<std::mutex> lock(mu);
        room.wait(lock, [&] { return next >= n || next < emitted + window; });
        if (next >= n) return;
        i = next++;
      }
      Report r = work(i);
      std::lock_guard<std::mutex> lock(mu);
      done.emplace(i, std::move(r));
      ready.notify_one();
    }
  };
  std::vector<std::thread> threads;
  const unsigned t = static_cast<unsigned>(std::min<std::size_t>(jobs, n));
  for (unsigned k = 0; k < t; ++k) threads.emplace_back(worker);
  while (emitted < n) {
    Report r;
    {
      std::unique_lock<std::mutex> lock(mu);
      ready.wait(lock, [&] { return done.count(emitted) != 0; });
      auto it = done.find(emitted);
      r = std::move(it->second);
      done.erase(it);
    }
    emit(emitted, r);
    {
      std::lock_guard<std::mutex> lock(mu);
      ++emitted;
    }
    room.notify_all();
  }
  for (auto& th : threads) th.join();
}

unsigned DefaultJobs() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  const unsigned h = std::thread::hardware_concurrency();
  return h == 0 ? 1 : h;
}

namespace {

std::string Bytes(double b) {
  char buf[32];
  if (b >= 1e9) {
    std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
  } else if (b >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.1f MB", b / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f kB", b / 1e3);
  }
  return buf;
}

}  // namespace

ProgressLine::ProgressLine(bool enabled, std::size_t files, std::uint64_t bytes, std::FILE* out)
    : enabled_(enabled),
      out_(out),
      files_total_(files),
      bytes_total_(bytes),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

std::string ProgressLine::Text() const {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = secs > 0 ? static_cast<double>(bytes_done_) / secs : 0;
  std::string s = "verify: " + std::to_string(files_done_) + "/" + std::to_string(files_total_) +
                  " files, " + Bytes(static_cast<double>(bytes_done_)) + " of " +
                  Bytes(static_cast<double>(bytes_total_)) + ", " + Bytes(rate) + "/s";
  if (rate > 0 && bytes_done_ < bytes_total_) {
    const double eta = static_cast<double>(bytes_total_ - bytes_done_) / rate;
    s += ", ETA " + std::to_string(static_cast<long long>(eta + 0.5)) + " s";
  }
  return s;
}

void ProgressLine::Done(std::uint64_t bytes) {
  ++files_done_;
  bytes_done_ += bytes;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (shown_ && now - last_draw_ < std::chrono::milliseconds(100) && files_done_ < files_total_) return;
  last_draw_ = now;
  std::fprintf(out_, "\r\033[K%s", Text().c_str());
  std::fflush(out_);
  shown_ = true;
}

void ProgressLine::Clear() {
  if (!enabled_ || !shown_) return;
  std::fprintf(out_, "\r\033[K");
  std::fflush(out_);
  shown_ = false;
}

}  // namespace cvdguard::cli
