#include "validator/pipeline_hooks.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "core/block_pool.h"
#include "cvdguard/validator.h"
#include "header/header.h"
#include "lint/linter.h"
#include "lint/parallel_linter.h"
#include "manifest/names.h"

namespace cvdguard::internal {

namespace {
constexpr std::uint32_t kDefaultLintFlevel = 216;
}  // namespace

struct PipelineHooks::State {
  std::vector<Finding> findings;
  FindingCap cap;                     // bounds `findings`
  std::vector<Sha256Digest> digests;  // one per ended member, in order
  std::optional<Sha256> sha;          // of the open member
  std::unique_ptr<MemberLinter> linter;
  LintWorkers* workers = nullptr;  // set on the threaded path: lint in segments

  void Begin(const std::string& name, std::uint64_t data_tar_offset, const VerifyOptions& options);
  void Data(std::span<const std::uint8_t> bytes) {
    if (sha) sha->Update(bytes);
    if (linter) linter->Update(bytes);
  }
  // The same for bytes the linter may keep while it holds `keep`.
  void DataShared(std::span<const std::uint8_t> bytes, std::shared_ptr<const void> keep) {
    if (sha) sha->Update(bytes);
    if (linter) linter->UpdateShared(bytes, std::move(keep));
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
  LintSink sink = [this, name, data_tar_offset](Code code, Severity severity, std::uint64_t line,
                                                std::uint64_t member_offset, std::string message) {
    if (!cap.Admit(code)) return;
    Finding f;
    f.code = code;
    f.severity = severity;
    f.member = name;
    f.line = line;
    f.tar_offset = data_tar_offset + member_offset;
    f.message = std::move(message);
    findings.push_back(std::move(f));
  };
  linter = workers ? CreateParallelMemberLinter(name, lint_options, std::move(sink), workers)
                   : CreateMemberLinter(name, lint_options, std::move(sink));
  if (!linter && cap.Admit(Code::kLintNotLinted)) {
    Finding f;
    f.code = Code::kLintNotLinted;
    f.severity = DefaultSeverity(f.code);
    f.member = name;
    f.message = "'" + name + "' is in a format cvdguard does not lint: its lines are not checked";
    findings.push_back(std::move(f));
  }
}

// Member events, consumed in order by one thread that owns the State while
// it runs: it hashes every member and lints those in a linted format. Member
// bytes in a shared block (inflated output) are queued as they are; others
// are copied into blocks first.
class PipelineHooks::MemberThread {
 public:
  MemberThread(State* state, const VerifyOptions& options, std::shared_ptr<BlockPool> blocks)
      : state_(state), options_(options), blocks_(std::move(blocks)), thread_([this] { Run(); }) {}
  ~MemberThread() { Stop(); }

  void Begin(const std::string& name, std::uint64_t data_tar_offset) {
    Flush();
    Event e;
    e.type = Event::kBegin;
    e.name = name;
    e.offset = data_tar_offset;
    Push(std::move(e));
  }
  void Data(std::span<const std::uint8_t> bytes, std::shared_ptr<const void> keep) {
    if (keep != nullptr) {
      Flush();
      Event e;
      e.type = Event::kData;
      e.bytes = bytes;
      e.keep = std::move(keep);
      Push(std::move(e));
      return;
    }
    const std::size_t block_bytes = blocks_->block_bytes();
    while (!bytes.empty()) {
      if (filling_ == nullptr) {
        filling_ = blocks_->Take();
        filled_ = 0;
      }
      const std::size_t n = std::min(bytes.size(), block_bytes - filled_);
      std::memcpy(filling_.get() + filled_, bytes.data(), n);
      filled_ += n;
      bytes = bytes.subspan(n);
      if (filled_ == block_bytes) Flush();
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
  static constexpr std::size_t kMaxQueued = 8;

  struct Event {
    enum Type { kBegin, kData, kEnd, kStop } type = kData;
    std::string name;
    std::uint64_t offset = 0;
    std::span<const std::uint8_t> bytes;  // valid while `keep` is held
    std::shared_ptr<const void> keep;
  };

  // Queues the block being filled, if any.
  void Flush() {
    if (filling_ == nullptr) return;
    Event e;
    e.type = Event::kData;
    e.bytes = {filling_.get(), filled_};
    e.keep = std::move(filling_);
    filling_ = nullptr;
    Push(std::move(e));
  }
  void Push(Event e) {
    std::unique_lock<std::mutex> lock(mu_);
    room_.wait(lock, [this] { return queue_.size() < kMaxQueued; });
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
          state_->DataShared(e.bytes, std::move(e.keep));
          break;
        case Event::kEnd:
          state_->End();
          break;
        case Event::kStop:
          state_->Drop();
          return;
      }
    }
  }

  State* state_;
  const VerifyOptions& options_;
  std::shared_ptr<BlockPool> blocks_;
  std::shared_ptr<std::uint8_t[]> filling_;  // the block Data() copies into
  std::size_t filled_ = 0;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<Event> queue_;
  std::thread thread_;
};

PipelineHooks::PipelineHooks() : state_(std::make_unique<State>()) {}
PipelineHooks::~PipelineHooks() = default;

void PipelineHooks::StartThread(const VerifyOptions& options, std::shared_ptr<BlockPool> blocks) {
  if (thread_) return;
  if (options.lint) {
    // One lint worker: with the member thread, which lints a queued segment
    // whenever it would otherwise wait, the lint has two threads; more only
    // added switching on two cores (measured, docs/performance.md).
    workers_ = std::make_unique<LintWorkers>(1);
    state_->workers = workers_.get();
  }
  thread_ = std::make_unique<MemberThread>(state_.get(), options, std::move(blocks));
}

void PipelineHooks::BeginMember(const std::string& name, std::uint64_t data_tar_offset,
                                const VerifyOptions& options) {
  if (!thread_) return state_->Begin(name, data_tar_offset, options);
  thread_->Begin(name, data_tar_offset);
}

void PipelineHooks::MemberData(std::span<const std::uint8_t> bytes, std::shared_ptr<const void> keep) {
  if (!thread_) return state_->Data(bytes);
  thread_->Data(bytes, std::move(keep));
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

const FindingCap& PipelineHooks::cap() const { return state_->cap; }

std::vector<Sha256Digest> PipelineHooks::TakeMemberDigests() {
  return std::exchange(state_->digests, {});
}

namespace {

// A .sign is a few KB; anything far larger is refused by the verifier, so
// reading a bounded prefix is enough for it to say so.
constexpr std::size_t kMaxSignRead = 4u << 20;

}  // namespace

bool ReadSignFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->resize(kMaxSignRead + 1);
  in.read(out->data(), static_cast<std::streamsize>(out->size()));
  out->resize(static_cast<std::size_t>(in.gcount()));
  return true;
}

void AttachSignFile(const std::string& path, const VerifyOptions& options, int fd, Validator* v) {
  // An explicit .sign was read by the Validator's constructor.
  if (options.sign_path) return;
  std::string text;
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
  if (!ReadSignFile(sign, &text)) {
    v->FailRead("cannot read the .sign file '" + sign + "'");
    return;
  }
  v->SetSignFile(std::move(text), sign);
}

}  // namespace cvdguard::internal
