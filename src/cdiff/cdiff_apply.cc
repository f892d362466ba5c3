// Patch-chain application (FORMAT.md 5.3, 7.3; checklist D2, D9): verify the
// base and every .cdiff, check the version chain, apply in memory, build the
// .cld as freshclam does into a temporary file, validate that file, and only
// then rename it into place.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "archive/sink.h"
#include "cdiff/cdiff_internal.h"
#include "core/fs_util.h"
#include "cvdguard/cdiff.h"
#include "cvdguard/validator.h"
#include "header/header.h"
#include "validator/pipeline_hooks.h"

namespace cvdguard {
namespace {

constexpr std::size_t kReadSize = 1 << 20;

std::string BaseName(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void Add(PatchOutcome* out, Code code, std::string message, std::string member = {},
         std::uint64_t line = 0) {
  Finding f = internal::MakeFinding(code, std::move(message));
  f.member = std::move(member);
  f.line = line;
  out->findings.push_back(std::move(f));
}

// Everything after the base and the patches were read: the checks and the
// application. Sets out->status to kInvalid (kIoError when an input could
// not be read); true, with the patched members in *files_out, when the .cld
// may be built.
bool ApplyChain(PatchOutcome* out, internal::MemberList base_members,
                std::vector<internal::CdiffCheck>* checks, std::uint64_t max_total_bytes,
                internal::FileSet* files_out) {
  out->status = PatchStatus::kInvalid;
  const Report& base = out->base;
  bool io_error = base.verdict == Verdict::kError;
  bool failed = false;
  if (base.verdict != Verdict::kValid) {
    Add(out, Code::kCdiffBaseInvalid,
        "the base '" + base.path + "' is not valid; patches are applied only to a verified base",
        base.path);
    failed = true;
  } else if (base.kind != Kind::kCvd && base.kind != Kind::kCld) {
    Add(out, Code::kCdiffBaseInvalid,
        "the base is a ." + std::string(KindName(base.kind)) + "; freshclam patches a .cvd or .cld",
        base.path);
    failed = true;
  }
  if (checks->empty()) {
    Add(out, Code::kCdiffNoPatches, "no .cdiff to apply");
    failed = true;
  }
  std::uint64_t expected = static_cast<std::uint64_t>(base.header.version) + 1;
  for (auto& c : *checks) {
    out->patches.push_back(c.report);
    const Report& r = c.report;
    if (r.verdict == Verdict::kError) io_error = true;
    if (r.verdict != Verdict::kValid) {
      Add(out, Code::kCdiffInputInvalid, "'" + r.path + "' is not a valid .cdiff", r.path);
      failed = true;
    }
    if (r.header.has_version && base.verdict == Verdict::kValid) {
      if (r.header.version != expected) {
        Add(out, Code::kCdiffVersionChain,
            "'" + r.path + "' produces version " + std::to_string(r.header.version) +
                " but the next version after " + std::to_string(expected - 1) + " is " +
                std::to_string(expected) +
                (&c == &checks->front() ? ": this patch is not for this base" : ": a gap or a "
                                                                               "wrong order"),
            r.path);
        failed = true;
      }
    }
    if (r.header.has_version) expected = static_cast<std::uint64_t>(r.header.version) + 1;
    if (!c.db.empty() && base.verdict == Verdict::kValid && c.db != base.database) {
      Add(out, Code::kCdiffDatabaseMismatch,
          "'" + r.path + "' patches database '" + c.db + "', the base is '" + base.database + "'",
          r.path);
      failed = true;
    }
  }
  if (failed) {
    if (io_error) out->status = PatchStatus::kIoError;
    return false;
  }

  // The private work area: in memory, discarded on every error path.
  internal::FileSet& files = *files_out;
  for (auto& [name, data] : base_members) files[name] = std::move(data);
  base_members.clear();
  const std::string info_name = base.database + ".info";
  for (auto& c : *checks) {
    std::vector<Finding> findings;
    if (!internal::ApplyCdiffScript(c.script, &files, max_total_bytes, &findings)) {
      for (auto& f : findings) {
        f.message = c.report.path + ": " + f.message;
        out->findings.push_back(std::move(f));
      }
      return false;
    }
    // D2: the patched .info must carry the patch version.
    const auto info = files.find(info_name);
    HeaderFields h;
    std::string why;
    const std::string first_line =
        info == files.end() ? std::string() : info->second.substr(0, info->second.find('\n'));
    if (info == files.end() || !internal::ParseHeaderLine(first_line, &h, &why)) {
      Add(out, Code::kCdiffResultNoInfo,
          "after '" + c.report.path + "' the database has no parsable " + info_name +
              " header line" + (why.empty() ? "" : ": " + why),
          info_name);
      return false;
    }
    if (h.version != c.report.header.version) {
      Add(out, Code::kCdiffResultVersionMismatch,
          "after '" + c.report.path + "' " + info_name + " says version " +
              std::to_string(h.version) + ", the patch version is " +
              std::to_string(c.report.header.version) + " (D2)",
          info_name);
      return false;
    }
  }

  return true;
}

// How the built .cld is validated: as a .cld of its final name, which
// ClamAV never pairs with a .sign.
VerifyOptions ResultOptions(const VerifyOptions& options, const std::string& out_name) {
  VerifyOptions ro = options;
  ro.file_name = out_name;
  ro.sign_path.reset();
  ro.discover_sign = false;
  return ro;
}

// Records the validation of the built .cld; true when it is valid.
bool JudgeResult(PatchOutcome* out, Report result, const std::string& out_name) {
  out->result = std::move(result);
  out->result.path = out_name;
  out->result_built = true;
  if (out->result.verdict == Verdict::kValid) return true;
  if (out->result.verdict == Verdict::kError) out->status = PatchStatus::kIoError;
  Add(out, Code::kCdiffResultInvalid,
      "the patched database fails container validation; the chain is rejected as a whole (D9)");
  return false;
}

std::string ResultName(const std::string& out_path, const std::string& db) {
  const std::string base = BaseName(out_path);
  if (KindFromFileName(base) == Kind::kCld) return base;
  return (db.empty() ? std::string("patched") : db) + ".cld";
}

// Reads the base once, feeding the validator and the member collector.
Report ReadBase(const std::string& path, const VerifyOptions& options,
                internal::MemberList* members) {
  VerifyOptions opt = options;
  opt.file_name = path;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  Validator v(opt);
  auto fail = [&](const std::string& what) {
    v.FailRead(what);
    Report r = v.Finish();
    r.path = path;
    return r;
  };
  if (fd < 0) return fail("cannot open '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return fail("'" + path + "' is not a regular file");
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  v.SetExpectedSize(size);
  internal::AttachSignFile(path, opt, fd, &v);
  internal::MemberCollector collector(options.limits);
  std::vector<std::uint8_t> buf(kReadSize);
  std::uint64_t total = 0;
  while (true) {
    const ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string what = "read error on '" + path + "': " + std::strerror(errno);
      close(fd);
      return fail(what);
    }
    if (n == 0) break;
    total += static_cast<std::uint64_t>(n);
    const std::span<const std::uint8_t> chunk(buf.data(), static_cast<std::size_t>(n));
    v.Update(chunk);
    collector.Update(chunk);
  }
  Report r = v.Finish();
  r.path = path;
  if (total != size || (fstat(fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) != total)) {
    r.findings.push_back(internal::MakeFinding(
        Code::kFileChanged, "'" + path + "' changed size while it was read"));
    r.verdict = Verdict::kInvalid;
  }
  close(fd);
  std::string error;
  if (r.verdict == Verdict::kValid && !collector.Finish(&error)) {
    r.findings.push_back(internal::MakeFinding(
        Code::kInternalError, "validated base could not be unpacked: " + error));
    r.verdict = Verdict::kInvalid;
  }
  if (r.verdict == Verdict::kValid) *members = std::move(collector.members());
  return r;
}

}  // namespace

PatchOutcome ApplyPatches(const std::string& base_path, const std::vector<std::string>& cdiff_paths,
                          const std::string& out_path, const VerifyOptions& options,
                          const CdiffLimits& limits) {
  PatchOutcome out;
  // The result is a .cld (md5 and dsig "X"): under a .cvd or .cud name a
  // scanner would check a signature it does not have and refuse the file.
  const Kind out_kind = KindFromFileName(BaseName(out_path));
  if (out_path.empty() || out_kind == Kind::kCvd || out_kind == Kind::kCud) {
    Add(&out, Code::kCdiffOutputNotCld,
        "output '" + out_path + "': the result is a .cld; name it <name>.cld", out_path);
    return out;  // kInvalid
  }
  // Each .sign is found beside its own file; one explicit --sign cannot
  // name the .sign of several inputs.
  VerifyOptions opt = options;
  opt.sign_path.reset();
  internal::MemberList members;
  out.base = ReadBase(base_path, opt, &members);
  std::vector<internal::CdiffCheck> checks;
  for (const auto& path : cdiff_paths) {
    std::vector<std::uint8_t> bytes;
    std::string error;
    const int rc = internal::ReadWholeFile(path, limits.max_file_bytes, &bytes, &error);
    if (rc != 0) {
      internal::CdiffCheck c;
      c.report.path = path;
      c.report.kind = Kind::kCdiff;
      c.report.findings.push_back(internal::MakeFinding(
          rc == 1 ? Code::kCdiffTooLarge : Code::kIoError,
          rc == 1 ? "'" + path + "' exceeds the .cdiff size limit" : error));
      c.report.verdict = rc == 1 ? Verdict::kInvalid : Verdict::kError;
      checks.push_back(std::move(c));
      continue;
    }
    std::optional<std::string> sign_text;
    std::string sign_source;
    internal::FindCdiffSign(path, opt, &sign_text, &sign_source);
    internal::CdiffCheck c = internal::CheckCdiff(bytes, path, opt, sign_text, sign_source, limits);
    c.report.path = path;
    checks.push_back(std::move(c));
  }
  internal::FileSet files;
  if (!ApplyChain(&out, std::move(members), &checks, opt.limits.max_total_bytes, &files)) {
    return out;
  }
  // The .cld is built straight into the temporary file beside OUT, each
  // member freed once written, then validated by reading that file back:
  // the bytes checked are the bytes renamed into place, and memory holds at
  // most the patched members (not them and the built .cld).
  const std::string out_name = ResultName(out_path, out.base.database);
  const std::string what = "'" + out_path + "'";
  bool refused = false;
  std::string error;
  const bool written = internal::WritePathWith(
      out_path,
      [&](int fd, std::string* e) {
        Code code = Code::kCdiffResultInvalid;
        std::string why;
        const auto write = [&](std::span<const std::uint8_t> bytes, std::string* we) {
          return internal::WriteAll(fd, bytes, what, we);
        };
        if (!internal::BuildCld(std::move(files), out.base.database, write, &code, &why)) {
          if (code == Code::kCdiffOutputFailed) {
            *e = why;
          } else {
            Add(&out, code, why);
            refused = true;
          }
          return false;
        }
        if (::lseek(fd, 0, SEEK_SET) != 0) {
          *e = internal::ErrnoMessage("rewind " + what);
          return false;
        }
        refused =
            !JudgeResult(&out, VerifyFd(fd, out_name, ResultOptions(opt, out_name)), out_name);
        return !refused;
      },
      &error);
  if (written) {
    out.status = PatchStatus::kOk;
    out.output_path = out_path;
  } else if (!refused) {
    Add(&out, Code::kCdiffOutputFailed, error, out_path);
    out.status = PatchStatus::kIoError;
  }
  return out;
}

PatchOutcome ApplyPatchesMemory(std::span<const std::uint8_t> base, const std::string& base_name,
                                const std::vector<CdiffInput>& cdiffs, const VerifyOptions& options,
                                std::vector<std::uint8_t>* cld, const CdiffLimits& limits) {
  PatchOutcome out;
  VerifyOptions opt = options;
  opt.sign_path.reset();
  opt.file_name = base_name;
  out.base = VerifyMemory(base, opt);
  out.base.path = base_name;
  internal::MemberList members;
  if (out.base.verdict == Verdict::kValid) {
    internal::MemberCollector collector(opt.limits);
    collector.Update(base);
    std::string error;
    if (collector.Finish(&error)) {
      members = std::move(collector.members());
    } else {
      out.base.findings.push_back(internal::MakeFinding(
          Code::kInternalError, "validated base could not be unpacked: " + error));
      out.base.verdict = Verdict::kInvalid;
    }
  }
  std::vector<internal::CdiffCheck> checks;
  for (const auto& in : cdiffs) {
    VerifyOptions co = options;
    co.sign_path.reset();
    co.file_name = in.name;
    internal::CdiffCheck c = internal::CheckCdiff(
        in.bytes, in.name, co, in.sign_text,
        in.sign_text ? in.name + ".sign" : std::string(), limits);
    c.report.path = in.name;
    checks.push_back(std::move(c));
  }
  cld->clear();
  internal::FileSet files;
  if (!ApplyChain(&out, std::move(members), &checks, opt.limits.max_total_bytes, &files)) {
    return out;
  }
  const std::string out_name = ResultName(base_name, out.base.database);
  Code code = Code::kCdiffResultInvalid;
  std::string error;
  std::vector<std::uint8_t> bytes;
  if (!internal::BuildCldBytes(std::move(files), out.base.database, &bytes, &code, &error)) {
    Add(&out, code, error);
  } else if (JudgeResult(&out, VerifyMemory(bytes, ResultOptions(opt, out_name)), out_name)) {
    *cld = std::move(bytes);
    out.status = PatchStatus::kOk;
  }
  return out;
}

}  // namespace cvdguard
