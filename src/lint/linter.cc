// The streaming line splitter shared by every format, and the factory that
// picks a checker by member extension.
#include "lint/linter.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "lint/lint_internal.h"

namespace cvdguard::internal {
namespace {

using lint::BlankRule;
using lint::FormatTraits;
using lint::Issue;
using lint::LineChecker;
using lint::LineResult;

class StreamingLinter final : public MemberLinter {
 public:
  StreamingLinter(std::unique_ptr<LineChecker> checker, const LintOptions& options, LintSink sink)
      : checker_(std::move(checker)),
        traits_(checker_->traits()),
        options_(options),
        sink_(std::move(sink)),
        keep_(std::max(traits_.max_line, traits_.kept_line) + 1) {
    // One line plus one byte is enough to tell "too long" apart.
    line_.reserve(std::min<std::size_t>(keep_, 4096));
  }

  // For a segment (LintSegment): lines are counted from the segment start
  // and the first line may have begun `long_prefix` bytes before it.
  void StartSegment(std::uint64_t start_offset, std::uint64_t long_prefix) {
    line_start_ = start_offset;
    pos_ = start_offset + long_prefix;
    line_len_ = long_prefix;
    pending_ = long_prefix > 0;
  }

  // The end of a segment: a pending line is the member's unterminated last
  // line only at the member end (other segments end with a newline).
  void FinishSegment(bool member_end, LintSegmentResult* out) {
    if (pending_ && member_end) EndLine(/*terminated=*/false);
    finished_ = true;
    out->lines = lines_;
    out->suppressed_errors = suppressed_errors_;
    out->suppressed_other = suppressed_other_;
  }

  void Absorb(LintSegmentResult result) override {
    if (finished_) return;
    for (LintSegmentResult::Item& item : result.items) {
      Emit(item.code, item.severity, lines_ + item.line, item.member_offset, std::move(item.message));
    }
    lines_ += result.lines;
    suppressed_errors_ += result.suppressed_errors;
    suppressed_other_ += result.suppressed_other;
  }

  void Update(std::span<const std::uint8_t> bytes) override {
    if (finished_ || bytes.empty()) return;
    const auto* p = reinterpret_cast<const char*>(bytes.data());
    std::size_t n = bytes.size();
    while (n > 0) {
      if (!pending_) {
        // Runs of lines the checker passes whole, without a finding.
        const std::size_t clean =
            checker_->SkipCleanLines(std::string_view(p, n), traits_.max_line, &lines_);
        if (clean > 0) {
          pos_ += clean;
          line_start_ = pos_;
          p += clean;
          n -= clean;
          if (n == 0) break;
        }
      }
      const void* nl = std::memchr(p, '\n', n);
      const std::size_t seg = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - p) : n;
      if (nl != nullptr && !pending_ && std::memchr(p, '\0', seg) == nullptr) {
        // Fast path: the whole line is in this chunk and has no NUL; check
        // it in place (the same view the slow path would build).
        pos_ += seg;
        FinishLine(std::string_view(p, std::min<std::size_t>(seg, keep_)), seg,
                   /*nul=*/false, /*terminated=*/true);
      } else {
        Append(p, seg);
        if (nl == nullptr) break;
        EndLine(/*terminated=*/true);
      }
      pos_ += 1;  // the newline
      line_start_ = pos_;
      p += seg + 1;
      n -= seg + 1;
    }
  }

  void Finish() override {
    if (finished_) return;
    if (pending_) EndLine(/*terminated=*/false);
    finished_ = true;
    if (lines_ == 0 && traits_.empty_fails) {
      Emit(Code::kLintEmptyMember, Severity::kError, 0, 0,
           "member has no lines; libclamav refuses it with 'Empty database file'");
    }
    if (std::optional<Issue> end = checker_->CheckEnd()) {
      Emit(end->code, end->severity, 0, 0, std::move(end->message));
    }
    if (suppressed_errors_ + suppressed_other_ > 0) {
      // Bypasses the cap on purpose: this is the one summary line.
      sink_(Code::kLintFindingsSuppressed, Severity::kInfo, 0, 0,
            std::to_string(suppressed_errors_) + " error and " +
                std::to_string(suppressed_other_) + " other lint findings not reported");
    }
  }

 private:
  void Append(const char* p, std::size_t n) {
    if (n == 0) return;
    pending_ = true;
    if (!nul_seen_) {
      const void* z = std::memchr(p, '\0', n);
      const std::size_t keep = z ? static_cast<std::size_t>(static_cast<const char*>(z) - p) : n;
      if (z != nullptr) nul_seen_ = true;
      const std::size_t room = keep_ - std::min(line_.size(), keep_);
      line_.append(p, std::min(keep, room));
    }
    line_len_ += n;
    pos_ += n;
  }

  void EndLine(bool terminated) {
    FinishLine(line_, line_len_, nul_seen_, terminated);
    line_.clear();
    line_len_ = 0;
    nul_seen_ = false;
    pending_ = false;
  }

  // `raw`: the line's first keep_ bytes up to any NUL; `len`: its full
  // length.
  void FinishLine(std::string_view raw, std::uint64_t len, bool nul, bool terminated) {
    ++lines_;
    const std::uint64_t line_no = lines_;
    const std::uint64_t offset = line_start_;
    std::string_view text = raw;
    while (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (traits_.header_only && line_no > 1) {
      if (!terminated && options_.container_member) {
        Emit(Code::kLintNoFinalNewline, Severity::kError, line_no, offset,
             "last line has no newline: libclamav silently drops it inside a container");
      } else if (std::optional<Issue> issue = checker_->CheckLaterLine(line_no, text, len)) {
        Emit(issue->code, issue->severity, line_no, offset, std::move(issue->message));
      }
    } else {
      CheckOne(text, line_no, offset, len, nul, terminated);
    }
  }

  void CheckOne(std::string_view text, std::uint64_t line_no, std::uint64_t offset,
                std::uint64_t len, bool nul, bool terminated) {
    if (!terminated) {
      if (options_.container_member) {
        Emit(Code::kLintNoFinalNewline, Severity::kError, line_no, offset,
             "last line has no newline: libclamav silently drops it inside a container, "
             "and refuses a member made of that line alone");
        return;
      }
      Emit(Code::kLintNoFinalNewline, Severity::kWarning, line_no, offset,
           "last line has no newline (parsed in a loose file, dropped inside a container)");
    }
    if (len > traits_.max_line) {
      Emit(Code::kLintLineTooLong, Severity::kError, line_no, offset,
           "line is " + std::to_string(len) + " characters; the engine's limit for this format is " +
               std::to_string(traits_.max_line));
      return;
    }
    if (nul) {
      Emit(Code::kLintNulByte, Severity::kWarning, line_no, offset,
           "NUL byte in the line: the engine ignores everything after it");
    }
    if (text.empty()) {
      if (traits_.blank == BlankRule::kFail) {
        Emit(Code::kLintBlankLine, Severity::kError, line_no, offset,
             "blank line: libclamav refuses the file ('Problem parsing database')");
      }
      return;
    }
    if (traits_.comments && text.front() == '#') return;
    LineResult result;
    checker_->CheckLine(text, result);
    for (const Issue& issue : result.issues()) {
      Emit(issue.code, issue.severity, line_no, offset, issue.message);
    }
  }

  void Emit(Code code, Severity severity, std::uint64_t line, std::uint64_t offset,
            std::string message) {
    const bool error = severity >= Severity::kError;
    std::uint64_t& count = error ? errors_ : other_;
    if (count >= options_.max_findings_per_class) {
      ++(error ? suppressed_errors_ : suppressed_other_);
      return;
    }
    ++count;
    sink_(code, severity, line, offset, std::move(message));
  }

  std::unique_ptr<LineChecker> checker_;
  FormatTraits traits_;
  LintOptions options_;
  LintSink sink_;
  const std::size_t keep_;      // bytes of a line kept: max(max_line, kept_line) + 1
  std::string line_;            // current line, capped at keep_ bytes
  std::uint64_t line_len_ = 0;  // full length of the current line
  std::uint64_t line_start_ = 0;
  std::uint64_t pos_ = 0;
  std::uint64_t lines_ = 0;
  bool pending_ = false;
  bool nul_seen_ = false;
  bool finished_ = false;
  std::uint64_t errors_ = 0;
  std::uint64_t other_ = 0;
  std::uint64_t suppressed_errors_ = 0;
  std::uint64_t suppressed_other_ = 0;
};

std::string LowerExtension(std::string_view name) {
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return {};
  std::string ext(name.substr(dot + 1));
  for (char& c : ext) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return ext;
}

std::unique_ptr<LineChecker> MakeChecker(std::string_view member_name, const LintOptions& options) {
  const std::string ext = LowerExtension(member_name);
  const lint::Flevel fl{options.engine_flevel};
  if (ext == "hdb" || ext == "hsb" || ext == "hdu" || ext == "hsu" || ext == "fp" ||
      ext == "sfp" || ext == "mdb" || ext == "msb" || ext == "mdu" || ext == "msu" ||
      ext == "imp") {
    return lint::MakeHashChecker(ext, fl);
  }
  if (ext == "ndb" || ext == "ndu" || ext == "sdb") return lint::MakeNdbChecker(fl);
  if (ext == "ldb" || ext == "ldu") return lint::MakeLdbChecker(fl);
  if (ext == "cdb") return lint::MakeCdbChecker(fl);
  if (ext == "ftm") return lint::MakeFtmChecker(fl);
  if (ext == "cfg") return lint::MakeCfgChecker(fl);
  if (ext == "ign" || ext == "ign2") return lint::MakeIgnChecker();
  if (ext == "idb") return lint::MakeIdbChecker();
  if (ext == "crb") return lint::MakeCrbChecker(fl);
  if (ext == "pdb" || ext == "gdb" || ext == "wdb") return lint::MakePhishChecker(ext, fl);
  if (ext == "cbc") return lint::MakeCbcChecker(fl);
  return nullptr;
}

}  // namespace

std::unique_ptr<MemberLinter> CreateMemberLinter(std::string_view member_name,
                                                 const LintOptions& options, LintSink sink) {
  std::unique_ptr<LineChecker> checker = MakeChecker(member_name, options);
  if (!checker) return nullptr;
  return lint::CreateLinterFor(std::move(checker), options, std::move(sink));
}

std::unique_ptr<MemberLinter> lint::CreateLinterFor(std::unique_ptr<LineChecker> checker,
                                                    const LintOptions& options, LintSink sink) {
  if (!sink) sink = [](Code, Severity, std::uint64_t, std::uint64_t, std::string) {};
  return std::make_unique<StreamingLinter>(std::move(checker), options, std::move(sink));
}

bool LintsInSegments(std::string_view member_name) {
  const std::unique_ptr<LineChecker> checker = MakeChecker(member_name, LintOptions{});
  if (!checker) return false;
  const FormatTraits t = checker->traits();
  return t.independent_lines && !t.header_only && t.max_line < kLintLongLine;
}

LintSegmentResult LintSegment(std::string_view member_name, const LintOptions& options,
                              std::uint64_t start_offset, std::uint64_t long_prefix,
                              std::span<const std::uint8_t> bytes, std::span<const std::uint8_t> more,
                              bool member_end) {
  LintSegmentResult out;
  std::unique_ptr<LineChecker> checker = MakeChecker(member_name, options);
  if (!checker) return out;
  StreamingLinter linter(std::move(checker), options,
                         [&out](Code code, Severity severity, std::uint64_t line, std::uint64_t offset,
                                std::string message) {
                           out.items.push_back({code, severity, line, offset, std::move(message)});
                         });
  linter.StartSegment(start_offset, long_prefix);
  linter.Update(bytes);
  linter.Update(more);
  linter.FinishSegment(member_end, &out);
  return out;
}

}  // namespace cvdguard::internal
