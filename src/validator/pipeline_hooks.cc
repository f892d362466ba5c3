#include "validator/pipeline_hooks.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <utility>
#include <vector>

#include "cvdguard/validator.h"
#include "header/header.h"
#include "lint/linter.h"
#include "manifest/names.h"

namespace cvdguard::internal {

namespace {
constexpr std::uint32_t kDefaultLintFlevel = 216;
}  // namespace

struct PipelineHooks::State {
  std::vector<Finding> findings;
  std::unique_ptr<MemberLinter> linter;
};

PipelineHooks::PipelineHooks() : state_(std::make_unique<State>()) {}
PipelineHooks::~PipelineHooks() = default;

void PipelineHooks::BeginMember(const std::string& name, std::uint64_t data_tar_offset,
                                const VerifyOptions& options) {
  state_->linter.reset();
  if (!options.lint || !HasDbExtension(name)) return;
  LintOptions lint_options;
  // Whether a line loads depends on the engine's functionality level; the
  // lint targets libclamav 1.4.6 (FLEVEL 216, SIGNATURES.md) unless told
  // otherwise, so lines reserved for other engines are judged as that engine
  // would (a line limited to FLEVEL <= 38 is skipped, not refused).
  lint_options.engine_flevel = options.engine_flevel.value_or(kDefaultLintFlevel);
  State* st = state_.get();
  st->linter = CreateMemberLinter(
      name, lint_options,
      [st, name, data_tar_offset](Code code, Severity severity, std::uint64_t line,
                                  std::uint64_t member_offset, std::string message) {
        Finding f;
        f.code = code;
        f.severity = severity;
        f.member = name;
        f.line = line;
        f.tar_offset = data_tar_offset + member_offset;
        f.message = std::move(message);
        st->findings.push_back(std::move(f));
      });
  if (!st->linter) {
    Finding f;
    f.code = Code::kLintNotLinted;
    f.severity = DefaultSeverity(f.code);
    f.member = name;
    f.message = "'" + name + "' is in a format cvdguard does not lint: its lines are not checked";
    st->findings.push_back(std::move(f));
  }
}

void PipelineHooks::MemberData(std::span<const std::uint8_t> bytes) {
  if (state_->linter) state_->linter->Update(bytes);
}

void PipelineHooks::EndMember() {
  if (state_->linter) state_->linter->Finish();
  state_->linter.reset();
}

void PipelineHooks::Finish() { state_->linter.reset(); }

std::vector<Finding> PipelineHooks::TakeFindings() { return std::exchange(state_->findings, {}); }

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
