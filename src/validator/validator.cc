// The pipeline: header -> (MD5, SHA-256 of the file) -> zlib inflate or raw
// tar -> strict tar walk -> per-member SHA-256 and lint (pipeline_hooks) ->
// .info manifest -> signatures -> policy -> verdict. One pass over the bytes,
// push-based; only the .info member is buffered (bounded), and on the
// threaded path members reach the hooks' thread in the inflater's shared blocks.
#include "cvdguard/validator.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "archive/inflater.h"
#include "archive/tar_walker.h"
#include "core/block_pool.h"
#include "core/finding_cap.h"
#include "crypto/digest.h"
#include "crypto/dsig.h"
#include "crypto/keys.h"
#include "header/header.h"
#include "manifest/info.h"
#include "manifest/names.h"
#include "sign/sign_verifier.h"
#include "validator/pipeline_hooks.h"

namespace cvdguard {



Kind KindFromFileName(std::string_view file_name) {
  const auto slash = file_name.rfind('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  if (internal::EndsWithCI(file_name, ".cvd")) return Kind::kCvd;
  if (internal::EndsWithCI(file_name, ".cld")) return Kind::kCld;
  if (internal::EndsWithCI(file_name, ".cud")) return Kind::kCud;
  if (internal::EndsWithCI(file_name, ".cdiff")) return Kind::kCdiff;
  return Kind::kUnknown;
}

std::string DatabaseNameFromFileName(std::string_view file_name) {
  const auto slash = file_name.rfind('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  const auto end = file_name.find_first_of("-.");
  return std::string(file_name.substr(0, end));
}

// Hidden: a nested class takes the default visibility of the exported
// Validator, which would put every Impl member in the shared library's ABI.
class __attribute__((visibility("hidden"))) Validator::Impl final : public internal::TarListener {
 public:
  explicit Impl(const VerifyOptions& options) : opt_(options) {
    std::string error;
    if (!keys_.Init(opt_, &error)) {
      Add(Code::kKeyUnusable, error);
      pipeline_failed_ = true;
    }
    report_.extension_kind = KindFromFileName(opt_.file_name);
    if (!opt_.file_name.empty()) report_.path = opt_.file_name;
    // Read here, not by the entry points, so that an explicit .sign counts
    // however the bytes arrive: path, descriptor, memory or Update().
    if (opt_.sign_path) {
      std::string text;
      if (internal::ReadSignFile(*opt_.sign_path, &text)) {
        SetSignFile(std::move(text), *opt_.sign_path);
      } else {
        FailRead("cannot read the .sign file '" + *opt_.sign_path + "'");
      }
    }
  }

  void SetExpectedSize(std::uint64_t size) { expected_size_ = size; }

  void SetSignFile(std::string text, std::string path) {
    sign_text_ = std::move(text);
    sign_path_ = std::move(path);
    have_sign_ = true;
    // The .sign covers the whole file: hash it in the same pass.
    if (total_ == 0) file_sha_.emplace();
  }

  void FailRead(const std::string& what);


  void Update(std::span<const std::uint8_t> bytes) {
    if (finished_ || bytes.empty()) return;
    total_ += bytes.size();
    if (file_sha_) file_sha_->Update(bytes);
    if (!header_done_) {
      const std::size_t want = kHeadBytes - head_.size();
      const std::size_t take = std::min(want, bytes.size());
      head_.insert(head_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
      bytes = bytes.subspan(take);
      if (head_.size() < kHeadBytes) return;
      StartPayload(/*complete=*/false);
      if (header_done_ && head_.size() > internal::kHeaderSize) {
        Payload(std::span<const std::uint8_t>(head_).subspan(internal::kHeaderSize));
      }
    }
    if (!bytes.empty()) Payload(bytes);
  }

  Report Finish();

  // TarListener
  void OnMemberStart(const internal::TarEntry& entry) override {
    current_ = MemberState{};
    current_.member.name = entry.name;
    current_.member.tar_offset = entry.tar_offset;
    current_.member.size = entry.size;
    current_.is_info = internal::ClassifyMember(entry.name) == internal::MemberClass::kInfo;
    current_.data_start = entry.tar_offset + 512;
    if (current_.is_info) {
      ++info_count_;
      if (info_count_ == 1) {
        info_name_ = entry.name;
        if (entry.size > opt_.limits.max_info_bytes) {
          AddAt(Code::kInfoTooLarge, entry.name, entry.tar_offset,
                "manifest '" + entry.name + "' is " + std::to_string(entry.size) +
                    " bytes, above the limit of " + std::to_string(opt_.limits.max_info_bytes));
          pipeline_failed_ = true;
          current_.is_info = false;
        } else {
          info_data_.reserve(static_cast<std::size_t>(entry.size));
        }
      } else {
        current_.is_info = false;  // reported as TAR_MULTIPLE_INFO at Finish
      }
    }
    hooks_.BeginMember(entry.name, current_.data_start, opt_);
  }

  void OnMemberData(std::span<const std::uint8_t> bytes) override {
    if (current_.is_info) info_data_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    // Inflated bytes go to the member thread in the inflater's own block.
    hooks_.MemberData(bytes, inflater_ ? inflater_->KeepFor(bytes) : nullptr);
  }

  void OnMemberEnd() override {
    // sha256 is filled in at Finish from the hooks, which hash members on
    // the member thread when there is one.
    report_.members.push_back(current_.member);
    hooks_.EndMember();
  }

 private:
  // 512 header bytes plus 7 to tell a raw tar ("COPYING") from gzip (H1).
  static constexpr std::size_t kHeadBytes = internal::kHeaderSize + 7;
  static constexpr std::uint64_t kParallelThreshold = std::uint64_t{4} << 20;
  // Blocks of inflated output shared by the threads: the same size as the
  // one-thread path's inflate buffer; spares for those queued and in flight.
  static constexpr std::size_t kBlockBytes = 256 * 1024;
  static constexpr std::size_t kSpareBlocks = 16;

  struct MemberState {
    Member member;
    bool is_info = false;
    std::uint64_t data_start = 0;
  };

  void Add(Code code, std::string message) {
    Finding f = internal::MakeFinding(code, std::move(message));
    AddFinding(std::move(f));
  }
  void AddAt(Code code, const std::string& member, std::uint64_t tar_offset, std::string message) {
    Finding f = internal::MakeFinding(code, std::move(message));
    f.member = member;
    f.tar_offset = tar_offset;
    if (raw_tar_ && tar_offset != Finding::kNone) f.offset = internal::kHeaderSize + tar_offset;
    AddFinding(std::move(f));
  }
  void AddFinding(Finding f) {
    if (f.severity == Severity::kFatal) pipeline_failed_ = true;
    if (cap_.Admit(f.code)) report_.findings.push_back(std::move(f));
  }
  // FINDINGS_SUPPRESSED, when the caps dropped any (ours, and those of the
  // stages whose findings were taken into the report).
  void AddSuppressedSummary() {
    if (std::optional<Finding> f = cap_.Summary()) report_.findings.push_back(std::move(*f));
  }

  class Worker;
  void StartPayload(bool complete);
  void Payload(std::span<const std::uint8_t> bytes);
  void Structure(std::span<const std::uint8_t> bytes);
  // Whether payload bytes still matter: the gzip stream is decoded to its
  // end unless it failed itself; a raw tar stops at the first fatal finding.
  bool ConsumesPayload() const { return inflater_ ? !inflater_->failed() : !pipeline_failed_; }
  void CheckMembersLayout();
  // Copies the hooks' member digests into report_.members (after hooks_.Finish()).
  void FillMemberDigests();
  void CheckManifest();
  void CheckLegacySignature();
  void CheckPolicy();
  void CheckKind();
  void CheckSign();
  std::int64_t Now() const {
    return opt_.at_time ? *opt_.at_time : static_cast<std::int64_t>(std::time(nullptr));
  }

  VerifyOptions opt_;
  internal::Keyring keys_;
  Report report_;
  std::uint64_t total_ = 0;
  std::optional<std::uint64_t> expected_size_;
  bool finished_ = false;
  bool read_failed_ = false;
  bool header_done_ = false;
  bool not_container_ = false;
  bool pipeline_failed_ = false;  // a Fatal finding: stop inflating/walking
  bool raw_tar_ = false;
  bool hash_payload_md5_ = false;
  std::vector<std::uint8_t> head_;
  internal::HeaderParse header_;
  std::optional<internal::Md5> md5_;
  std::optional<internal::Sha256> file_sha_;
  std::unique_ptr<internal::GzipInflater> inflater_;
  std::unique_ptr<internal::TarWalker> tar_;
  MemberState current_;
  std::size_t info_count_ = 0;
  std::string info_name_;
  std::string info_data_;
  bool have_sign_ = false;
  std::string sign_text_, sign_path_;
  internal::PipelineHooks hooks_;
  internal::FindingCap cap_;  // bounds report_.findings
  std::unique_ptr<Worker> worker_;
  friend class Validator;
};

// A bounded single-producer/single-consumer queue of byte chunks and the
// thread that drains it into Structure(). Findings it produces are the same
// as in the one-thread path because every stage is chunking-invariant and
// sees the bytes in the same order; the caller's thread adds no finding
// while the worker runs.
class Validator::Impl::Worker {
 public:
  explicit Worker(Impl* impl) : impl_(impl), thread_([this] { Run(); }) {}
  ~Worker() { Join(); }

  void Push(std::span<const std::uint8_t> bytes) {
    // In pieces of at most kMaxChunk, so that one large Update (VerifyMemory
    // of a whole database) is not copied whole: the queue holds at most
    // kMaxQueued pieces.
    for (std::size_t at = 0; at < bytes.size(); at += kMaxChunk) {
      const auto piece = bytes.subspan(at, std::min(kMaxChunk, bytes.size() - at));
      std::unique_lock<std::mutex> lock(mu_);
      // The worker stops consuming once the structure has failed; keep
      // hashing on this thread but stop queueing.
      if (stop_consuming_) return;
      room_.wait(lock, [this] { return queue_.size() < kMaxQueued; });
      std::vector<std::uint8_t> buf;
      if (!free_.empty()) {
        buf = std::move(free_.back());
        free_.pop_back();
      }
      buf.assign(piece.begin(), piece.end());
      queue_.push_back(std::move(buf));
      ready_.notify_one();
    }
  }

  void Join() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    ready_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  // 8 chunks of up to 1 MiB: enough to absorb jitter between the threads,
  // small enough to keep peak memory flat.
  static constexpr std::size_t kMaxQueued = 8;
  static constexpr std::size_t kMaxChunk = std::size_t{1} << 20;

  void Run() {
    while (true) {
      std::vector<std::uint8_t> buf;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_.wait(lock, [this] { return !queue_.empty() || done_; });
        if (queue_.empty()) return;
        buf = std::move(queue_.front());
        queue_.pop_front();
        room_.notify_one();
      }
      impl_->Structure(buf);
      std::lock_guard<std::mutex> lock(mu_);
      if (!impl_->ConsumesPayload()) {
        stop_consuming_ = true;
        queue_.clear();
        room_.notify_one();
      }
      if (free_.size() < kMaxQueued) free_.push_back(std::move(buf));
    }
  }

  Impl* impl_;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<std::vector<std::uint8_t>> queue_;
  std::vector<std::vector<std::uint8_t>> free_;
  bool done_ = false;
  bool stop_consuming_ = false;
  std::thread thread_;
};

void Validator::Impl::StartPayload(bool complete) {
  header_done_ = true;
  const std::span<const std::uint8_t> head(head_);
  if (auto sniff = internal::SniffNotContainer(head.first(std::min<std::size_t>(head.size(), 512)), complete)) {
    not_container_ = true;
    Finding f = internal::MakeFinding(sniff->code, sniff->message);
    f.offset = 0;
    AddFinding(std::move(f));
    return;
  }
  if (head_.size() < kHeadBytes) {
    Finding f = internal::MakeFinding(
        Code::kHeaderTruncated,
        "file has " + std::to_string(head_.size()) +
            " bytes; a container needs the 512-byte header and at least 7 payload bytes");
    f.offset = head_.size();
    AddFinding(std::move(f));
    // Still parse what we have of the header for the report, if complete.
    if (head_.size() >= internal::kHeaderSize) {
      header_ = internal::ParseHeader(head.first(internal::kHeaderSize), report_.extension_kind);
      report_.header = header_.fields;
    }
    return;
  }
  header_ = internal::ParseHeader(head.first(internal::kHeaderSize), report_.extension_kind);
  report_.header = header_.fields;
  for (auto& f : header_.findings) AddFinding(f);
  report_.kind = header_.content_kind != Kind::kUnknown ? header_.content_kind : report_.extension_kind;
  if (header_.fatal) return;

  // A1: gzip, or (.cld) a raw tar whose first member is COPYING.
  const std::span<const std::uint8_t> lead = head.subspan(internal::kHeaderSize, 7);
  const bool gzip = lead[0] == 0x1F && lead[1] == 0x8B && lead[2] == 0x08;
  const bool copying = std::memcmp(lead.data(), "COPYING", 7) == 0;
  hash_payload_md5_ = report_.kind == Kind::kCvd || report_.kind == Kind::kCud;
  if (opt_.sign_policy == SignPolicy::kFips) hash_payload_md5_ = false;
  if (hash_payload_md5_) md5_.emplace();
  const internal::TarLimits tar_limits{opt_.limits.max_member_bytes, opt_.limits.max_members};
  if (gzip) {
    std::uint64_t cap = opt_.limits.max_total_bytes;
    Code cap_code = Code::kPayloadTooLarge;
    std::string cap_message = "inflated payload exceeds the limit of " + std::to_string(cap) + " bytes";
    if (expected_size_ && *expected_size_ > internal::kHeaderSize) {
      // The ratio applies beyond a 1 MiB allowance, so tiny databases (whose
      // tar is mostly zero padding) are not mistaken for bombs.
      const std::uint64_t compressed = *expected_size_ - internal::kHeaderSize;
      const std::uint64_t ratio_cap =
          std::max<std::uint64_t>(compressed * opt_.limits.max_ratio, std::uint64_t{1} << 20);
      if (ratio_cap < cap) {
        cap = ratio_cap;
        cap_code = Code::kPayloadRatioExceeded;
        cap_message = "payload inflates beyond " + std::to_string(opt_.limits.max_ratio) +
                      " times its compressed size: a decompression bomb";
      }
    }
    tar_ = std::make_unique<internal::TarWalker>(tar_limits, Finding::kNone, this,
                                                 [this](Finding f) { AddFinding(std::move(f)); });
    inflater_ = std::make_unique<internal::GzipInflater>(
        internal::kHeaderSize, cap, cap_code, cap_message,
        [this](std::span<const std::uint8_t> out) {
          // After a fatal finding downstream the output is dropped, but the
          // gzip stream is still decoded to its end: whether it is corrupt
          // must not depend on how much garbage the decoder emitted before
          // it noticed (that depends on the backend and the chunking), and a
          // corrupt stream is the root cause that hides the tar findings.
          if (!pipeline_failed_) tar_->Update(out);
        },
        [this](Finding f) { AddFinding(std::move(f)); }, opt_.inflate_backend);
  } else if (copying) {
    raw_tar_ = true;
    if (report_.kind != Kind::kCld && report_.kind != Kind::kUnknown) {
      Finding f = internal::MakeFinding(
          Code::kPayloadRawTarNotCld,
          "payload is an uncompressed tar; only a .cld may store it so (this is a ." +
              std::string(KindName(report_.kind)) + ")");
      f.offset = internal::kHeaderSize;
      AddFinding(std::move(f));
    }
    tar_ = std::make_unique<internal::TarWalker>(tar_limits, internal::kHeaderSize, this,
                                                 [this](Finding f) { AddFinding(std::move(f)); });
  } else {
    Finding f = internal::MakeFinding(
        Code::kPayloadUnknownFormat,
        "payload at offset 512 starts neither with the gzip magic 1f 8b 08 nor with a tar "
        "member named COPYING");
    f.offset = internal::kHeaderSize;
    AddFinding(std::move(f));
  }
  // Below a few MiB a second thread costs more than it saves.
  if (tar_ && opt_.parallel && (!expected_size_ || *expected_size_ >= kParallelThreshold)) {
    worker_ = std::make_unique<Worker>(this);
    // A third stage for the members: the reader hashes the file, the worker
    // inflates and walks the tar, the hooks' thread hashes and lints members.
    // Inflated output goes to the member thread in shared blocks, no copy.
    auto blocks = internal::BlockPool::Create(kBlockBytes, kSpareBlocks);
    if (inflater_) inflater_->UseBlocks(blocks);
    hooks_.StartThread(opt_, std::move(blocks));
  }
}

void Validator::Impl::Payload(std::span<const std::uint8_t> bytes) {
  report_.payload_bytes += bytes.size();
  if (worker_) {
    // Two cores on one file: this thread reads and hashes the compressed
    // bytes; the worker inflates and walks the tar; the hooks' thread hashes
    // and lints members.
    worker_->Push(bytes);
    if (md5_) md5_->Update(bytes);
    return;
  }
  if (md5_) md5_->Update(bytes);
  Structure(bytes);
}

void Validator::Impl::Structure(std::span<const std::uint8_t> bytes) {
  if (!ConsumesPayload()) return;
  if (inflater_) {
    inflater_->Update(bytes);
  } else if (tar_) {
    tar_->Update(bytes);
  }
}


void Validator::Impl::FailRead(const std::string& what) {
  if (worker_) {  // stop the worker before touching the findings
    worker_->Join();
    worker_.reset();
  }
  read_failed_ = true;
  Add(Code::kIoError, what);
}

void Validator::Impl::FillMemberDigests() {
  const auto digests = hooks_.TakeMemberDigests();
  if (digests.size() != report_.members.size()) {
    Add(Code::kInternalError, "member digests do not match the members walked");
    return;
  }
  for (std::size_t i = 0; i < digests.size(); ++i) {
    report_.members[i].sha256 = internal::HexLower(digests[i]);
  }
}

void Validator::Impl::CheckMembersLayout() {
  const auto& members = report_.members;
  if (members.empty()) {
    Add(Code::kTarEmpty, "the archive holds no regular-file members");
    return;
  }
  const std::string db = report_.database;
  bool info_seen = false;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const Member& m = members[i];
    const auto cls = internal::ClassifyMember(m.name);
    if (i == 0 && cls != internal::MemberClass::kCopying) {
      AddAt(Code::kTarCopyingNotFirst, m.name, m.tar_offset,
            "first member is '" + m.name + "', not COPYING");
    }
    if (i == 1 && cls != internal::MemberClass::kInfo && members[0].name == "COPYING") {
      AddAt(Code::kTarInfoNotSecond, m.name, m.tar_offset,
            "second member is '" + m.name + "', not the .info manifest");
    }
    switch (cls) {
      case internal::MemberClass::kCopying:
        if (i != 0) {
          AddAt(Code::kTarCopyingNotFirst, m.name, m.tar_offset,
                "COPYING is member " + std::to_string(i + 1) + ", not the first");
        }
        break;
      case internal::MemberClass::kInfo:
        if (info_seen) {
          AddAt(Code::kTarMultipleInfo, m.name, m.tar_offset,
                "a second manifest '" + m.name + "': ClamAV's loader uses the first, its "
                "unpacker the last");
        }
        info_seen = true;
        break;
      case internal::MemberClass::kDatabase:
        if (internal::LowerExtension(m.name) == "cbc" && db != "bytecode") {
          AddAt(Code::kTarUnexpectedMember, m.name, m.tar_offset,
                "bytecode member '" + m.name + "' in the '" + db + "' database");
        }
        break;
      case internal::MemberClass::kUnusual: {
        Finding f = internal::MakeFinding(
            Code::kTarUnexpectedMember,
            "'" + m.name + "' has a database extension that sigtool never packs");
        f.severity = Severity::kWarning;
        f.member = m.name;
        f.tar_offset = m.tar_offset;
        AddFinding(std::move(f));
        break;
      }
      case internal::MemberClass::kForbidden:
        AddAt(Code::kTarForbiddenExtension, m.name, m.tar_offset,
              "member '" + m.name + "' has a nested-container or .ioc extension: ClamAV's "
              "loader would open that name as a path from its working directory");
        break;
      case internal::MemberClass::kStrayCdiff:
        if (report_.kind == Kind::kCld) {
          AddAt(Code::kTarStrayCdiffMember, m.name, m.tar_offset,
                "'" + m.name + "' is a patch file freshclam >= 1.5 leaves inside a .cld; ClamAV "
                "ignores it");
        } else {
          AddAt(Code::kTarUnexpectedMember, m.name, m.tar_offset,
                "member '" + m.name + "' is not a database file");
        }
        break;
      case internal::MemberClass::kOther:
        AddAt(Code::kTarUnexpectedMember, m.name, m.tar_offset,
              "member '" + m.name + "' is neither COPYING, the .info nor a database file: "
              "nothing checks its content");
        break;
    }
  }
}

void Validator::Impl::CheckManifest() {
  if (info_count_ == 0) {
    Add(Code::kTarInfoMissing,
        "the archive has no .info manifest (ClamAV: Corrupted CVD header)");
    return;
  }
  const std::string stem = info_name_.substr(0, info_name_.size() - 5);
  report_.database = stem;
  const bool signed_kind = report_.kind != Kind::kCud;
  internal::InfoParse info = internal::ParseInfo(info_data_, signed_kind, info_name_);
  std::string why;
  if (!info.header_line.empty() || !info_data_.empty()) {
    if (internal::ParseHeaderLine(info.header_line, &info.header, &why)) {
      info.header_ok = true;
    } else {
      Finding f = internal::MakeFinding(Code::kInfoBadHeaderLine, "first line " + why);
      f.member = info_name_;
      f.line = 1;
      AddFinding(std::move(f));
    }
  }
  for (auto& f : info.findings) AddFinding(std::move(f));
  cap_.Merge(info.cap);
  std::vector<Finding> more;
  internal::CompareInfoHeader(info, report_.header, info_name_, &more);
  internal::CompareInfoMembers(info, report_.members, info_name_, &more);
  for (auto& f : more) AddFinding(std::move(f));

  // S8: the DSIG over the bytes before the DSIG line.
  if (!signed_kind || !info.has_dsig) {
    if (signed_kind) {
      SignatureCheck sc;
      sc.method = SigMethod::kInfoDsig;
      sc.outcome = SigOutcome::kInvalid;
      sc.detail = "no DSIG line";
      report_.signatures.push_back(sc);
    }
    return;
  }
  SignatureCheck sc;
  sc.method = SigMethod::kInfoDsig;
  if (!opt_.verify_signatures) {
    sc.outcome = SigOutcome::kCannotVerify;
    sc.detail = "signature checks switched off";
    report_.signatures.push_back(sc);
    return;
  }
  const auto& keys = keys_.ForRole(KeyRole::kInfo);
  if (keys.empty()) {
    sc.outcome = SigOutcome::kCannotVerify;
    sc.detail = "no trusted info key";
    report_.signatures.push_back(sc);
    Add(Code::kNoTrustedKey, "no trusted key of role 'info' to verify the .info DSIG");
    return;
  }
  const auto hash = internal::Sha256::Of(
      cvdguard::AsBytes(std::string_view(info_data_).substr(0, info.signed_length)));
  const auto r = internal::VerifyPssDsig(info.dsig, hash, keys);
  Finding f;
  f.member = info_name_;
  f.line = info.dsig_line;
  switch (r.status) {
    case internal::DsigStatus::kValid:
      sc.outcome = SigOutcome::kValid;
      sc.key = r.key_label;
      if (r.noncanonical) {
        f.code = Code::kInfoDsigNonCanonical;
        f.severity = opt_.strict_signature_encoding ? Severity::kError : Severity::kWarning;
        f.message = ".info DSIG verifies but is not canonical: " + r.detail;
        AddFinding(f);
        if (opt_.strict_signature_encoding) sc.outcome = SigOutcome::kInvalid;
      }
      break;
    case internal::DsigStatus::kBadEncoding:
      sc.outcome = SigOutcome::kInvalid;
      sc.detail = r.detail;
      f.code = Code::kInfoDsigBadEncoding;
      f.severity = DefaultSeverity(f.code);
      f.message = ".info DSIG: " + r.detail;
      AddFinding(f);
      break;
    case internal::DsigStatus::kInvalid:
      sc.outcome = SigOutcome::kInvalid;
      sc.detail = r.detail;
      f.code = Code::kInfoDsigInvalid;
      f.severity = DefaultSeverity(f.code);
      f.message = ".info DSIG " + r.detail + " (the manifest was altered or signed by another key)";
      AddFinding(f);
      break;
  }
  report_.signatures.push_back(sc);
}

void Validator::Impl::CheckLegacySignature() {
  if (report_.kind != Kind::kCvd && report_.kind != Kind::kCud) return;
  if (!header_.fields.present) return;
  const std::string& field = header_.fields.md5;
  if (!md5_) {
    // FIPS policy: the MD5 path is never used.
    if (report_.kind == Kind::kCvd) {
      SignatureCheck sc;
      sc.method = SigMethod::kLegacy;
      sc.outcome = SigOutcome::kCannotVerify;
      sc.detail = "legacy MD5 signature not used under the FIPS policy";
      report_.signatures.push_back(sc);
    }
    return;
  }
  const internal::Md5Digest md5 = md5_->Final();
  md5_.reset();
  const std::string hex = internal::HexLower(md5);
  const bool md5_matches = field == hex;
  if (!md5_matches && field.size() == 32) {
    Finding f = internal::MakeFinding(
        Code::kMd5Mismatch, "payload MD5 is " + hex + ", the header says " + field +
                                " (the payload was altered, truncated or extended)");
    f.offset = internal::kHeaderSize;
    AddFinding(std::move(f));
  }
  if (report_.kind != Kind::kCvd) return;
  if (md5[0] == 0) {
    Add(Code::kMd5LeadingZero,
        "payload MD5 starts with 0x00: valid for ClamAV 1.5+, but ClamAV 1.1-1.4 fail to verify it");
  }
  SignatureCheck sc;
  sc.method = SigMethod::kLegacy;
  if (!opt_.verify_signatures) {
    sc.outcome = SigOutcome::kCannotVerify;
    sc.detail = "signature checks switched off";
    report_.signatures.push_back(sc);
    return;
  }
  const auto& keys = keys_.ForRole(KeyRole::kCvd);
  if (keys.empty()) {
    sc.outcome = SigOutcome::kCannotVerify;
    sc.detail = "no trusted cvd key";
    report_.signatures.push_back(sc);
    Add(Code::kNoTrustedKey, "no trusted key of role 'cvd' to verify the header dsig");
    return;
  }
  const auto r = internal::VerifyMd5Dsig(header_.fields.dsig, md5, keys);
  // The dsig field starts after the 6th colon.
  std::uint64_t dsig_offset = 0;
  {
    int colons = 0;
    for (std::size_t i = 0; i < internal::kHeaderSize && colons < 6; ++i) {
      if (head_[i] == ':') ++colons;
      dsig_offset = i + 1;
    }
  }
  Finding f;
  f.offset = dsig_offset;
  switch (r.status) {
    case internal::DsigStatus::kValid:
      sc.outcome = md5_matches ? SigOutcome::kValid : SigOutcome::kInvalid;
      sc.key = r.key_label;
      if (!md5_matches) {
        sc.detail = "dsig binds the payload MD5, but the header md5 field differs";
      }
      if (r.noncanonical) {
        f.code = Code::kDsigNonCanonical;
        f.severity = opt_.strict_signature_encoding ? Severity::kError : Severity::kWarning;
        f.message = "header dsig verifies but is not canonical: " + r.detail;
        AddFinding(f);
        if (opt_.strict_signature_encoding) sc.outcome = SigOutcome::kInvalid;
      }
      break;
    case internal::DsigStatus::kBadEncoding:
      sc.outcome = SigOutcome::kInvalid;
      sc.detail = r.detail;
      if (!report_.Has(Code::kHeaderBadDsigField)) {
        f.code = Code::kDsigBadEncoding;
        f.severity = DefaultSeverity(f.code);
        f.message = "header dsig: " + r.detail;
        AddFinding(f);
      }
      break;
    case internal::DsigStatus::kInvalid:
      sc.outcome = SigOutcome::kInvalid;
      sc.detail = r.detail;
      f.code = Code::kDsigInvalid;
      f.severity = DefaultSeverity(f.code);
      f.message = "header dsig " + r.detail +
                  (md5_matches ? " (the file was not signed by a trusted key)"
                               : " over the payload MD5 (the payload or the dsig was altered)");
      AddFinding(f);
      break;
  }
  report_.signatures.push_back(sc);
}

void Validator::Impl::CheckSign() {
  if (report_.kind != Kind::kCvd) return;  // ClamAV consults no .sign for .cld/.cud
  const bool required = opt_.sign_policy != SignPolicy::kDefault;
  const char* policy = opt_.sign_policy == SignPolicy::kFips ? "fips" : "both";
  SignatureCheck sc;
  sc.method = SigMethod::kSign;
  if (!have_sign_ || !file_sha_) {
    if (required || !opt_.certs_path.empty()) {
      sc.detail = "no .sign file";
      report_.signatures.push_back(sc);
    }
    if (required) {
      Add(Code::kSignRequiredByPolicy,
          std::string("the '") + policy + "' signature policy requires a valid .sign and there "
          "is none beside the file (expected <name>-<version>.cvd.sign)");
    }
    return;
  }
  if (!opt_.verify_signatures) {
    sc.detail = "signature checks switched off";
    report_.signatures.push_back(sc);
    return;
  }
  std::shared_ptr<const internal::TrustStore> store;
  if (!opt_.certs_path.empty()) {
    std::string error;
    store = internal::LoadTrustStore(opt_.certs_path, &error);
    if (!store) Add(Code::kSignTrustStoreUnusable, "trust store '" + opt_.certs_path + "': " + error);
  }
  const internal::Sha256Digest digest = file_sha_->Final();
  file_sha_.reset();
  std::uint8_t raw[32];
  std::memcpy(raw, digest.data(), 32);
  internal::SignVerifyParams params;
  params.store = store.get();
  params.at_time = opt_.at_time;
  params.engine_flevel = opt_.engine_flevel;
  const internal::SignResult r = internal::VerifySignFile(sign_text_, raw, params);
  for (Finding f : r.findings) {
    if (f.member.empty()) f.member = sign_path_;  // as for a .cdiff's .sign
    AddFinding(std::move(f));
  }
  sc.outcome = r.outcome;
  sc.signer = r.signer;
  sc.chain = r.chain;
  sc.detail = r.detail;
  report_.signatures.push_back(sc);
  if (r.outcome == SigOutcome::kInvalid) {
    if (std::none_of(r.findings.begin(), r.findings.end(),
                     [](const Finding& f) { return f.severity >= Severity::kError; })) {
      Add(Code::kSignChainInvalid, sign_path_ + ": the .sign does not verify: " + r.detail);
    }
    return;  // invalid is fatal: no fallback to the legacy dsig
  }
  if (r.outcome == SigOutcome::kValid) {
    if (opt_.sign_policy == SignPolicy::kDefault) {
      // ClamAV: a valid .sign authenticates the file; the legacy dsig is not
      // consulted. Its failure stays visible, as information.
      for (auto& f : report_.findings) {
        if (f.code == Code::kDsigInvalid || f.code == Code::kDsigBadEncoding ||
            f.code == Code::kDsigNonCanonical ||
            (f.code == Code::kNoTrustedKey && f.message.find("'cvd'") != std::string::npos)) {
          f.severity = Severity::kInfo;
          f.message += " (not needed: a valid .sign authenticates the file)";
        }
      }
    }
    return;
  }
  // Cannot verify: the legacy dsig decides under the default policy.
  if (required) {
    Add(Code::kSignRequiredByPolicy, std::string("the '") + policy +
                                         "' signature policy requires a valid .sign; " +
                                         sign_path_ + " cannot be verified: " + r.detail);
  }
}

void Validator::Impl::CheckKind() {
  const Kind content = header_.content_kind;
  const Kind ext = report_.extension_kind;
  if (!opt_.file_name.empty() && ext == Kind::kUnknown) {
    Add(Code::kKindUnknownExtension,
        "file name '" + opt_.file_name + "' has no .cvd/.cld/.cud extension; kind taken from "
        "the content");
  }
  Kind effective = content;
  if (content == Kind::kCld && !raw_tar_ && ext == Kind::kCud) {
    effective = Kind::kCld;
  }
  if (raw_tar_ && content == Kind::kUnknown) effective = Kind::kCld;
  if (effective == Kind::kCvd && ext == Kind::kCld) {
    // The one rename that still loads (FORMAT.md 1.5): the .cld loader
    // skips the header signature, and a .cld may be compressed; the .info
    // DSIG and every member are checked as for a .cvd.
    Finding f = internal::MakeFinding(
        Code::kKindCvdNamedCld,
        "content is a .cvd but the file is named .cld: ClamAV loads it as a .cld, without "
        "checking the header signature (cvdguard checked it), and freshclam patches it as its "
        "local copy");
    f.offset = 0;
    AddFinding(std::move(f));
  } else if (effective != Kind::kUnknown && ext != Kind::kUnknown && effective != ext) {
    Finding f = internal::MakeFinding(
        Code::kKindExtensionMismatch,
        "content is a ." + std::string(KindName(effective)) + " but the file is named ." +
            std::string(KindName(ext)) + "; ClamAV picks its loader by extension, so it would "
            "fail to load (rename it, or fetch the right file)");
    f.offset = 0;
    AddFinding(std::move(f));
  }
  const std::string file_db = DatabaseNameFromFileName(opt_.file_name);
  if (!file_db.empty() && !report_.database.empty() && file_db != report_.database) {
    Add(Code::kNameMismatch, "file name says database '" + file_db + "' but the archive holds '" +
                                 report_.database + ".info'");
  }
  if (report_.kind == Kind::kCud && !not_container_) {
    if (opt_.require_signed) {
      Add(Code::kUnsignedNotAllowed,
          "this is an unsigned .cud and the options require a signed container");
    } else {
      Add(Code::kUnsignedKind, "this is an unsigned .cud: its content is not authenticated");
    }
  }
}

void Validator::Impl::CheckPolicy() {
  const HeaderFields& h = report_.header;
  if (!h.present) return;
  if (opt_.engine_flevel && h.has_flevel && h.flevel > *opt_.engine_flevel) {
    Add(Code::kHeaderFlevelTooHigh,
        "database needs functionality level " + std::to_string(h.flevel) +
            ", the target engine has " + std::to_string(*opt_.engine_flevel) +
            " (ClamAV warns and loads it; some signatures will be skipped)");
  }
  if (h.has_stime) {
    const std::int64_t now = Now();
    const auto stime = static_cast<std::int64_t>(h.stime);
    if (stime > now + 3600) {
      Add(Code::kHeaderStimeInFuture,
          "built " + std::to_string(stime - now) + " s in the future of the verification time");
    } else if (report_.database == "daily" && now - stime > 604800) {
      Add(Code::kHeaderStimeTooOld, "daily database built " +
                                        std::to_string((now - stime) / 86400) +
                                        " days before the verification time");
    }
  }
  if (opt_.installed_version && h.has_version) {
    if (h.version < *opt_.installed_version) {
      Add(Code::kHeaderVersionDowngrade,
          "version " + std::to_string(h.version) + " is older than the installed version " +
              std::to_string(*opt_.installed_version) + " (a stale mirror?)");
    } else if (h.version == *opt_.installed_version) {
      Add(Code::kHeaderVersionNotNewer,
          "version " + std::to_string(h.version) + " equals the installed version");
    }
  }
}

Report Validator::Impl::Finish() {
  if (finished_) return report_;
  finished_ = true;
  report_.file_size = total_;
  if (!header_done_ && !read_failed_) StartPayload(/*complete=*/true);
  if (worker_) {
    worker_->Join();
    worker_.reset();
  }
  if (read_failed_) {
    hooks_.Finish();
    FillMemberDigests();
    AddSuppressedSummary();
    report_.verdict = Verdict::kError;
    return report_;
  }
  if (inflater_) inflater_->Finish();  // no-op once the stream failed
  if (inflater_) report_.inflated_bytes = inflater_->total_out();
  if (tar_ && !pipeline_failed_ && !(inflater_ && inflater_->failed())) tar_->Finish();
  if (tar_ && !inflater_) report_.inflated_bytes = tar_->offset();
  hooks_.Finish();
  for (auto& f : hooks_.TakeFindings()) AddFinding(std::move(f));
  cap_.Merge(hooks_.cap());
  FillMemberDigests();
  if (inflater_ && inflater_->failed()) {
    // Root cause only: what the tar walker and the linter saw of a corrupt
    // gzip stream are consequences, not independent problems.
    auto downstream = [](Code code) {
      const int n = CodeNumber(code);
      return (n >= 330 && n < 500) || (n >= 800 && n < 1000);
    };
    std::erase_if(report_.findings, [&](const Finding& f) { return downstream(f.code); });
    cap_.Forget(downstream);
    // Likewise the members and the inflated size: how much comes out of a
    // corrupt or cut stream before the error shows depends on the decoder
    // (zlib or ISA-L) and its read-ahead, and none of it is trustworthy.
    report_.members.clear();
    report_.inflated_bytes = 0;
  }

  const bool structure_complete = tar_ && !pipeline_failed_;
  if (structure_complete) {
    CheckManifest();
    if (!report_.members.empty() || true) CheckMembersLayout();
  }
  if (header_done_ && !not_container_ && header_.fields.present) {
    CheckLegacySignature();
    CheckSign();
    if (!opt_.verify_signatures) {
      Finding f = internal::MakeFinding(Code::kSignatureChecksDisabled,
                                        "signature checks were switched off by the options");
      f.severity = opt_.allow_unverified ? Severity::kWarning : Severity::kError;
      AddFinding(std::move(f));
    }
    CheckKind();
    CheckPolicy();
  }
  // Which method authenticated the content.
  auto outcome = [this](SigMethod m) {
    for (const auto& s : report_.signatures) {
      if (s.method == m) return s.outcome;
    }
    return SigOutcome::kCannotVerify;
  };
  if (report_.kind == Kind::kCvd && outcome(SigMethod::kSign) == SigOutcome::kValid) {
    report_.verified_by = "sign";
  } else if (report_.kind == Kind::kCvd && outcome(SigMethod::kLegacy) == SigOutcome::kValid) {
    report_.verified_by = "legacy";
  } else if (report_.kind == Kind::kCld && outcome(SigMethod::kInfoDsig) == SigOutcome::kValid) {
    report_.verified_by = "info_dsig";
  }
  // Fail closed: a signed kind that no method authenticated is invalid even
  // if, by some path, no finding said so.
  const bool signed_kind = report_.kind == Kind::kCvd || report_.kind == Kind::kCld;
  if (signed_kind && report_.verified_by == "none" && report_.worst() < Severity::kError &&
      opt_.verify_signatures) {
    Add(Code::kInternalError, "no signature method authenticated this container");
  }
  AddSuppressedSummary();
  report_.verdict = report_.worst() >= Severity::kError ? Verdict::kInvalid : Verdict::kValid;
  return report_;
}

// --- public wrappers ---------------------------------------------------------

Validator::Validator(const VerifyOptions& options) : impl_(std::make_unique<Impl>(options)) {}
Validator::~Validator() = default;
void Validator::SetExpectedSize(std::uint64_t size) { impl_->SetExpectedSize(size); }
void Validator::SetSignFile(std::string sign_text, std::string sign_path) {
  impl_->SetSignFile(std::move(sign_text), std::move(sign_path));
}
void Validator::Update(std::span<const std::uint8_t> bytes) { impl_->Update(bytes); }
bool Validator::WantsMoreInput() const { return !impl_->not_container_; }
void Validator::FailRead(const std::string& what) { impl_->FailRead(what); }
Report Validator::Finish() { return impl_->Finish(); }

Report VerifyMemory(std::span<const std::uint8_t> bytes, const VerifyOptions& options) {
  Validator v(options);
  v.SetExpectedSize(bytes.size());
  v.Update(bytes);
  return v.Finish();
}

namespace {

// 1 MiB reads: few syscalls, bounded memory, and no mmap (peak RSS would
// count mapped file pages).
constexpr std::size_t kReadSize = 1 << 20;

Report ReadInto(int fd, Validator& v, const std::string& name) {
  struct stat st {};
  std::optional<std::uint64_t> size;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    size = static_cast<std::uint64_t>(st.st_size);
    v.SetExpectedSize(*size);
  }
  std::vector<std::uint8_t> buf(kReadSize);
  std::uint64_t total = 0;
  while (true) {
    const ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        // A non-blocking descriptor (a pipe or socket from a download
        // library): wait for data rather than call it a read error.
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, -1) >= 0 || errno == EINTR) continue;
      }
      v.FailRead("read error on '" + name + "': " + std::strerror(errno));
      return v.Finish();
    }
    if (n == 0) break;
    total += static_cast<std::uint64_t>(n);
    v.Update({buf.data(), static_cast<std::size_t>(n)});
    if (!v.WantsMoreInput()) {  // not a container: the rest cannot matter
      Report r = v.Finish();
      if (size) r.file_size = *size;
      return r;
    }
  }
  Report r = v.Finish();
  if (size && (total != *size || (fstat(fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) != total))) {
    Finding f = internal::MakeFinding(
        Code::kFileChanged, "'" + name + "' changed size while it was read (" +
                                std::to_string(*size) + " bytes at the start, " +
                                std::to_string(total) + " read): verify a complete file");
    r.findings.push_back(std::move(f));
    r.verdict = Verdict::kInvalid;
  }
  return r;
}

}  // namespace

Report VerifyFd(int fd, const std::string& name, const VerifyOptions& options) {
  VerifyOptions opt = options;
  if (opt.file_name.empty()) opt.file_name = name;
  Validator v(opt);
  Report r = ReadInto(fd, v, name);
  r.path = name;
  return r;
}

Report VerifyPath(const std::string& path, const VerifyOptions& options) {
  VerifyOptions opt = options;
  if (opt.file_name.empty()) opt.file_name = path;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    Validator v(opt);
    v.FailRead("cannot open '" + path + "': " + std::strerror(errno));
    Report r = v.Finish();
    r.path = path;
    return r;
  }
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    Validator v(opt);
    v.FailRead("'" + path + "' is a directory");
    Report r = v.Finish();
    r.path = path;
    return r;
  }
  Validator v(opt);
  internal::AttachSignFile(path, opt, fd, &v);
  Report r = ReadInto(fd, v, path);
  close(fd);
  r.path = path;
  return r;
}

}  // namespace cvdguard
