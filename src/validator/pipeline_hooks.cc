#include "validator/pipeline_hooks.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "core/buffer_pool.h"
#include "cvdguard/validator.h"
#include "header/header.h"
#include "lint/linter.h"
#include "lint/parallel_linter.h"
#include "manifest/names.h"

namespace cvdguard::internal {

namespace {
constexpr std::uint32_t kDefaultLintFlevel = 216;
// The member thread's chunks, which are also the lint segments.
constexpr std::size_t kChunkBytes = 256 * 1024;
// Queued chunks, segments in flight and one filling; the rest are freed.
constexpr std::size_t kMaxQueuedChunks = 8;
constexpr std::size_t kMaxSpareChunks = kMaxQueuedChunks + 6;
}  // namespace

struct PipelineHooks::State {
  std::vector<Finding> findings;
  std::vector<Sha256Digest> digests;  // one per ended member, in order
  std::optional<Sha256> sha;          // of the open member
  std::unique_ptr<MemberLinter> linter;
  LintWorkers* workers = nullptr;  // set on the threaded path: lint in segments
  BufferPool* chunks = nullptr;    // where the segments' spent chunks go

  void Begin(const std::string& name, std::uint64_t data_tar_offset, const VerifyOptions& options);
  void Data(std::span<const std::uint8_t> bytes) {
    if (sha) sha->Update(bytes);
    if (linter) linter->Update(bytes);
  }
  // The same for a chunk copy the linter may keep (and then empties).
  void DataOwned(std::vector<std::uint8_t>* bytes) {
    if (sha) sha->Update(*bytes);
    if (linter) linter->UpdateOwned(std::move(*bytes));
  }
  void End() {
    if (sha) digests.push_back(sha->Final());
    sha.reset();
    if (linter) linter->Finish();
    linter.reset();
  }
  // A member left open is dropped unfinished: no digest, no last line.
  void Drop() {
    sha.reset();
    linter.reset();
  }
};

namespace {
// Whether a member's lines are linted at all (every member is hashed).
bool Lints(const std::string& name, const VerifyOptions& options) {
  return options.lint && HasDbExtension(name);
}
}  // namespace

void PipelineHooks::State::Begin(const std::string& name, std::uint64_t data_tar_offset,
                                 const VerifyOptions& options) {
  linter.reset();
  sha.emplace();
  if (!Lints(name, options)) return;
  LintOptions lint_options;
  // Whether a line loads depends on the engine's functionality level; the
  // lint targets libclamav 1.4.6 (FLEVEL 216, SIGNATURES.md) unless told
  // otherwise, so lines reserved for other engines are judged as that engine
  // would (a line limited to FLEVEL <= 38 is skipped, not refused).
  lint_options.engine_flevel = options.engine_flevel.value_or(kDefaultLintFlevel);
  LintSink sink =
      [this, name, data_tar_offset](Code code, Severity severity, std::uint64_t line,
                                    std::uint64_t member_offset, std::string message) {
        Finding f;
        f.code = code;
        f.severity = severity;
        f.member = name;
        f.line = line;
        f.tar_offset = data_tar_offset + member_offset;
        f.message = std::move(message);
        findings.push_back(std::move(f));
      };
  linter = workers ? CreateParallelMemberLinter(name, lint_options, std::move(sink), workers,
                                                      kChunkBytes, chunks)
                   : CreateMemberLinter(name, lint_options, std::move(sink));
  if (!linter) {
    Finding f;
    f.code = Code::kLintNotLinted;
    f.severity = DefaultSeverity(f.code);
    f.member = name;
    f.message = "'" + name + "' is in a format cvdguard does not lint: its lines are not checked";
    findings.push_back(std::move(f));
  }
}

// Member events, batched into chunks, consumed in order by one thread that
// owns the State while it runs: it hashes every member and lints those in a
// linted format.
class PipelineHooks::MemberThread {
 public:
  MemberThread(State* state, const VerifyOptions& options, BufferPool* chunks)
      : state_(state), options_(options), chunks_(chunks), thread_([this] { Run(); }) {}
  ~MemberThread() { Stop(); }

  void Begin(const std::string& name, std::uint64_t data_tar_offset) {
    Flush();
    Event e;
    e.type = Event::kBegin;
    e.name = name;
    e.offset = data_tar_offset;
    Push(std::move(e));
  }
  void Data(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
      if (pending_.bytes.empty()) {
        pending_.bytes = chunks_->Take();
        pending_.bytes.reserve(kChunkBytes);
      }
      const std::size_t n = std::min(bytes.size(), kChunkBytes - pending_.bytes.size());
      pending_.bytes.insert(pending_.bytes.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      bytes = bytes.subspan(n);
      if (pending_.bytes.size() == kChunkBytes) Flush();
    }
  }
  void End() {
    Flush();
    Event e;
    e.type = Event::kEnd;
    Push(std::move(e));
  }
  // Lints what was fed, drops an open member unfinished (as the synchronous
  // path does) and joins.
  void Stop() {
    if (!thread_.joinable()) return;
    Flush();
    Event e;
    e.type = Event::kStop;
    Push(std::move(e));
    thread_.join();
  }

 private:
  struct Event {
    enum Type { kBegin, kData, kEnd, kStop } type = kData;
    std::string name;
    std::uint64_t offset = 0;
    std::vector<std::uint8_t> bytes;
  };

  void Flush() {
    if (pending_.bytes.empty()) return;
    Event e;
    e.type = Event::kData;
    e.bytes = std::move(pending_.bytes);
    pending_.bytes = {};
    Push(std::move(e));
  }
  void Push(Event e) {
    std::unique_lock<std::mutex> lock(mu_);
    room_.wait(lock, [this] { return queue_.size() < kMaxQueuedChunks; });
    queue_.push_back(std::move(e));
    ready_.notify_one();
  }
  void Run() {
    for (;;) {
      Event e;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_.wait(lock, [this] { return !queue_.empty(); });
        e = std::move(queue_.front());
        queue_.pop_front();
        room_.notify_one();
      }
      switch (e.type) {
        case Event::kBegin:
          state_->Begin(e.name, e.offset, options_);
          break;
        case Event::kData:
          state_->DataOwned(&e.bytes);
          break;
        case Event::kEnd:
          state_->End();
          break;
        case Event::kStop:
          state_->Drop();
          return;
      }
      // Unless the linter kept it (it then comes back from the lint job),
      // reuse the chunk.
      if (e.type == Event::kData) chunks_->Give(std::move(e.bytes));
    }
  }

  State* state_;
  const VerifyOptions& options_;
  BufferPool* chunks_;
  Event pending_;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<Event> queue_;
  std::thread thread_;
};

PipelineHooks::PipelineHooks() : state_(std::make_unique<State>()) {}
PipelineHooks::~PipelineHooks() = default;

void PipelineHooks::StartThread(const VerifyOptions& options) {
  if (thread_) return;
  chunks_ = std::make_unique<BufferPool>(kMaxSpareChunks, kChunkBytes);
  state_->chunks = chunks_.get();
  if (options.lint) {
    // One lint worker: with the member thread, which lints a queued segment
    // whenever it would otherwise wait, the lint has two threads; more only
    // added switching on two cores (measured, docs/performance.md).
    workers_ = std::make_unique<LintWorkers>(1);
    state_->workers = workers_.get();
  }
  thread_ = std::make_unique<MemberThread>(state_.get(), options, chunks_.get());
}

void PipelineHooks::BeginMember(const std::string& name, std::uint64_t data_tar_offset,
                                const VerifyOptions& options) {
  if (!thread_) return state_->Begin(name, data_tar_offset, options);
  thread_->Begin(name, data_tar_offset);
}

void PipelineHooks::MemberData(std::span<const std::uint8_t> bytes) {
  if (!thread_) return state_->Data(bytes);
  thread_->Data(bytes);
}

void PipelineHooks::EndMember() {
  if (!thread_) return state_->End();
  thread_->End();
}

void PipelineHooks::Finish() {
  if (thread_) {
    thread_->Stop();
    thread_.reset();
  }
  state_->Drop();
}

std::vector<Finding> PipelineHooks::TakeFindings() { return std::exchange(state_->findings, {}); }

std::vector<Sha256Digest> PipelineHooks::TakeMemberDigests() {
  return std::exchange(state_->digests, {});
}

namespace {

// A .sign is a few KB; anything far larger is refused by the verifier, so
// reading a bounded prefix is enough for it to say so.
constexpr std::size_t kMaxSignRead = 4u << 20;

bool ReadBounded(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->resize(kMaxSignRead + 1);
  in.read(out->data(), static_cast<std::streamsize>(out->size()));
  out->resize(static_cast<std::size_t>(in.gcount()));
  return true;
}

}  // namespace

void AttachSignFile(const std::string& path, const VerifyOptions& options, int fd, Validator* v) {
  std::string text;
  if (options.sign_path) {
    if (!ReadBounded(*options.sign_path, &text)) {
      v->FailRead("cannot read the .sign file '" + *options.sign_path + "'");
      return;
    }
    v->SetSignFile(std::move(text), *options.sign_path);
    return;
  }
  if (!options.discover_sign || KindFromFileName(path) != Kind::kCvd) return;
  // <dir>/<name>-<header version>.cvd.sign (FORMAT.md 1.6).
  std::uint8_t head[kHeaderSize];
  const ssize_t n = pread(fd, head, sizeof(head), 0);
  if (n != static_cast<ssize_t>(sizeof(head))) return;
  const HeaderParse p = ParseHeader({head, sizeof(head)}, Kind::kCvd);
  if (!p.fields.has_version) return;
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string sign = dir + DatabaseNameFromFileName(path) + "-" +
                           std::to_string(p.fields.version) + ".cvd.sign";
  if (access(sign.c_str(), F_OK) != 0) return;
  if (!ReadBounded(sign, &text)) {
    v->FailRead("cannot read the .sign file '" + sign + "'");
    return;
  }
  v->SetSignFile(std::move(text), sign);
}

}  // namespace cvdguard::internal
