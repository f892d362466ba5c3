// activate, prune and rollback (docs/activation.md).
#include "cvdguard/activation.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "activation/live_dir.h"
#include "activation/quarantine.h"
#include "core/fs_util.h"
#include "crypto/digest.h"
#include "cvdguard/bytes.h"
#include "cvdguard/json.h"
#include "cvdguard/supervise.h"
#include "cvdguard/validator.h"

namespace cvdguard {
namespace {

using internal::HookPoint;
using internal::Journal;
using internal::Quarantine;
using internal::QuarantineMeta;
using internal::QuarantineSource;
using internal::UniqueFd;

std::int64_t Now(const ActivationOptions& o) { return o.now ? *o.now : internal::NowSeconds(); }

std::string BaseName(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
std::string DirName(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool SameDirectory(const std::string& a, int b_fd) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::fstat(b_fd, &sb) == 0 && internal::SameInode(sa, sb);
}

void Fail(OperationResult* r, const std::string& error) {
  r->status = OperationStatus::kIoError;
  r->error = error;
}

// Writes S/state.json so that `status` can find the quarantine directory
// (activate, prune and rollback all do: any of them may be the first run).
void RememberDirs(int s_fd, const std::string& live, const std::string& q) {
  std::string error;
  const nlohmann::json j = {{"live_dir", live}, {"quarantine_dir", q}};
  const std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  internal::WriteFileAt(s_fd, "state.json", AsBytes(text), "state file", &error);
}

void Notify(const ActivationOptions& o, OperationResult* r) {
  if (!r->live_changed || r->activated.empty()) return;
  std::string error;
  if (!o.notify_path.empty() && !AppendActivationNotice(o.notify_path, Now(o), r->activated, &error)) {
    r->notes.push_back("notice not written: " + error);
  }
  if (!o.supervisor_state_dir.empty()) {
    std::vector<DefinitionFile> files;
    for (const auto& a : r->activated) files.push_back({a.name, a.version, a.sha256});
    const FaultStatus st = NotifyDefinitionsActivated(o.supervisor_state_dir, files);
    if (!st.ok()) r->notes.push_back("supervisor not notified: " + st.message);
  }
}

// A file that passed every check but whose digest the fault engine refused
// (integrity_gap) is invalid: the finding says why, and the usual quarantine
// path takes it from there.
void ApplyRefusedDigests(const ActivationOptions& o, FileResult* f) {
  if (o.refused_sha256.empty() || f->sha256.empty()) return;
  const bool refused = std::any_of(o.refused_sha256.begin(), o.refused_sha256.end(),
                                   [&](const std::string& d) {
                                     return d.size() == f->sha256.size() &&
                                            std::equal(d.begin(), d.end(), f->sha256.begin(),
                                                       [](char a, char b) {
                                                         return std::tolower(static_cast<unsigned char>(a)) == b;
                                                       });
                                   });
  if (!refused) return;
  Finding gap;
  gap.code = Code::kActivationRefusedDigest;
  gap.severity = DefaultSeverity(gap.code);
  gap.message = "SHA-256 " + f->sha256 +
                " is on the fault engine's refused list: this file passed validation before, yet "
                "the scan service failed to start with it (integrity_gap)";
  f->report.findings.insert(f->report.findings.begin(), gap);
  f->report.verdict = Verdict::kInvalid;
}

void EnforceBounds(Quarantine& q, const ActivationOptions& o, const std::set<std::string>& keep,
                   OperationResult* r) {
  std::string error;
  if (!q.Enforce(o.quarantine_bounds, Now(o), keep, &r->removals, &error)) {
    r->notes.push_back("quarantine bounds not applied: " + error);
  }
}

QuarantineMeta MetaFor(const FileResult& f, const std::string& reason, const std::string& op,
                       std::int64_t t) {
  QuarantineMeta m;
  m.reason = reason;
  m.operation = op;
  m.base_name = f.live_name.empty() ? BaseName(f.path) : f.live_name;
  m.size = f.validated ? f.report.file_size : 0;
  m.sha256 = f.sha256;
  m.t = t;
  m.kind = std::string(KindName(f.report.kind));
  if (f.report.header.has_version) m.version = f.report.header.version;
  if (f.validated) {
    m.findings_json = FindingsToJson(f.report.findings);
    std::optional<Code> code;
    m.failed_detail = internal::FirstProblem(f.report, &code);
    m.failed_code = code;
  }
  return m;
}

// "<db>-<version>.cvd.sign": the name a .sign of database `db` has in LIVE.
bool IsSignOf(std::string_view name, std::string_view db) {
  constexpr std::string_view kTail = ".cvd.sign";
  if (!name.starts_with(db) || name.size() <= db.size() + 1 + kTail.size() ||
      name[db.size()] != '-' || !name.ends_with(kTail)) {
    return false;
  }
  const std::string_view v = name.substr(db.size() + 1, name.size() - db.size() - 1 - kTail.size());
  return std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One candidate that passed validation and is staged in LIVE.
struct Staged {
  std::size_t index = 0;
  std::string tmp, final_name;
  std::string sign_tmp, sign_final;
  std::vector<std::string> obsolete;
  internal::SourceUnlink source, sign_source;
  bool has_sign_source = false;
};

}  // namespace

OperationResult Activate(const std::string& live_dir, const std::string& quarantine_dir,
                         const std::string& state_dir, const std::vector<std::string>& candidates,
                         const ActivationOptions& options) {
  OperationResult res;
  if (quarantine_dir.empty()) {
    Fail(&res, "no quarantine directory given");
    return res;
  }
  if (options.verify.sign_path) {
    Fail(&res, "an explicit .sign path cannot be used with activate: each .cvd's "
               "<name>-<version>.cvd.sign is taken from beside it");
    return res;
  }
  const std::string s_path = state_dir.empty() ? DefaultStateDir(live_dir) : state_dir;
  internal::LockedLive live;
  if (!live.Open(live_dir, options, {quarantine_dir, s_path}, &res)) return res;
  if (SameDirectory(quarantine_dir, live.fd()) || SameDirectory(s_path, live.fd())) {
    Fail(&res, "the quarantine and state directories must not be LIVE itself");
    return res;
  }
  std::string error;
  Quarantine q;
  if (!q.Open(quarantine_dir, &error)) {
    Fail(&res, error);
    return res;
  }
  q.RemoveStaleTemps();
  if (!internal::EnsureDir(s_path, &error)) {
    Fail(&res, error);
    return res;
  }
  UniqueFd s_fd = internal::OpenDir(s_path, &error);
  if (!s_fd.valid()) {
    Fail(&res, error);
    return res;
  }
  internal::CleanStateDir(s_fd.get());
  RememberDirs(s_fd.get(), internal::AbsolutePath(live_dir),
               internal::AbsolutePath(quarantine_dir));
  const std::int64_t t = Now(options);

  std::vector<std::string> live_names;
  if (!internal::ListDir(live.fd(), &live_names, &error)) {
    Fail(&res, error);
    return res;
  }

  std::vector<Staged> staged;
  std::set<std::string> keep;  // quarantine records made by this run
  std::set<std::string> seen_db;
  std::map<std::string, int> db_count;
  for (const auto& c : candidates) {
    const std::string base = BaseName(c);
    if (IsPlainDefinitionName(base)) ++db_count[DatabaseNameFromFileName(base)];
  }
  // Abandons the run before anything in LIVE changed.
  const auto abandon = [&](const std::string& why) {
    for (const auto& s : staged) {
      ::unlinkat(live.fd(), s.tmp.c_str(), 0);
      if (!s.sign_tmp.empty()) ::unlinkat(live.fd(), s.sign_tmp.c_str(), 0);
      // Valid, but nothing went live: say so rather than "activated".
      FileResult& f = res.files[s.index];
      f.outcome = FileOutcome::kFailed;
      f.message = "valid, but not activated: " + why;
    }
    Fail(&res, why + "; LIVE is untouched");
  };

  for (const auto& cand : candidates) {
    FileResult f;
    f.path = cand;
    const std::string base = BaseName(cand);
    const auto refuse = [&](Code code, std::string msg) {
      f.outcome = FileOutcome::kRefused;
      f.code = code;
      f.message = std::move(msg);
      res.files.push_back(std::move(f));
    };
    if (!IsPlainDefinitionName(base)) {
      refuse(Code::kActivationBadName,
             "'" + base + "' is not a plain definition file name (<name>.cvd|.cld|.cud, "
             "lower case a-z 0-9 _); left in place");
      continue;
    }
    f.live_name = base;
    const std::string db = DatabaseNameFromFileName(base);
    if (db_count[db] > 1) {
      refuse(Code::kActivationDuplicateDatabase,
             "more than one candidate for database '" + db + "'; none of them is activated");
      continue;
    }
    const std::string cand_dir = DirName(cand);
    UniqueFd dir_fd = internal::OpenDir(cand_dir, &error);
    if (!dir_fd.valid()) {
      struct stat dir_st {};
      if (::stat(cand_dir.c_str(), &dir_st) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
        refuse(Code::kActivationMissing,
               "'" + cand + "' does not exist (no directory '" + cand_dir + "')");
        continue;
      }
      abandon(error);
      return res;
    }
    struct stat dst {}, lst {};
    if (::fstat(dir_fd.get(), &dst) == 0 && ::fstat(live.fd(), &lst) == 0 &&
        internal::SameInode(dst, lst)) {
      refuse(Code::kActivationInsideLive, "'" + cand + "' already sits in LIVE; left in place");
      continue;
    }
    if (::fstat(q.fd(), &lst) == 0 && internal::SameInode(dst, lst)) {
      refuse(Code::kActivationInsideLive, "'" + cand + "' sits in the quarantine directory");
      continue;
    }
    UniqueFd fd(::openat(dir_fd.get(), base.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!fd.valid()) {
      const int err = errno;
      if (err == ELOOP) {
        refuse(Code::kActivationNotRegularFile,
               "'" + cand + "' is a symbolic link: refused (activate the file itself)");
        continue;
      }
      if (err == ENOENT) {
        refuse(Code::kActivationMissing, "'" + cand + "' does not exist");
        continue;
      }
      abandon(internal::ErrnoMessage("cannot open candidate '" + cand + "'", err));
      return res;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
      refuse(Code::kActivationNotRegularFile, "'" + cand + "' is not a regular file");
      continue;
    }
    // The blocking flag only mattered for open(2) on a FIFO.
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);

    // What is live for this database now (any of the three extensions).
    std::optional<std::uint32_t> live_version;
    std::vector<std::string> db_files;
    for (const auto& n : live_names) {
      if (!internal::HasContainerExtension(n) || n.front() == '.') continue;
      // Exactly <db>.cvd/.cld/.cud: "daily.backup.cvd" is not database daily's.
      if (std::string_view(n).substr(0, n.rfind('.')) != db) continue;
      db_files.push_back(n);
      UniqueFd lf(::openat(live.fd(), n.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
      if (!lf.valid()) continue;
      const auto v = internal::HeaderVersionOfFd(lf.get());
      if (v && (!live_version || *v > *live_version)) live_version = v;
    }
    f.live_version = live_version;

    const Kind kind = KindFromFileName(base);
    const auto cand_version = internal::HeaderVersionOfFd(fd.get());
    internal::SignFile sign;
    if (kind == Kind::kCvd) sign = internal::FindSign(dir_fd.get(), db, cand_version);
    if (sign.bad) {
      refuse(Code::kActivationSignNotRegular,
             "'" + cand_dir + "/" + sign.name + "' is a symbolic link or not a regular file");
      continue;
    }

    // Stage into LIVE: hard link (same file system) or copy, then judge the
    // very inode that will go live.
    Staged sg;
    sg.final_name = base;
    sg.tmp = internal::TempName();
    bool linked = false;
    if (st.st_dev == live.dev() &&
        ::linkat(dir_fd.get(), base.c_str(), live.fd(), sg.tmp.c_str(), 0) == 0) {
      struct stat tst {};
      if (::fstatat(live.fd(), sg.tmp.c_str(), &tst, AT_SYMLINK_NOFOLLOW) == 0 &&
          internal::SameInode(tst, st)) {
        linked = true;
      } else {
        ::unlinkat(live.fd(), sg.tmp.c_str(), 0);  // renamed under us: copy from fd
      }
    }
    HookPoint(linked ? "candidate_linked" : "candidate_copy_start");
    internal::Judged judged;
    if (linked) {
      judged = internal::JudgeFd(fd.get(), base, cand, options.verify, sign.text,
                                 sign.present ? cand_dir + "/" + sign.name : std::string());
      if (judged.read_failed) {
        ::unlinkat(live.fd(), sg.tmp.c_str(), 0);
        abandon(judged.read_error);
        return res;
      }
      if (!internal::FsyncFd(fd.get(), "'" + cand + "'", &error)) {
        ::unlinkat(live.fd(), sg.tmp.c_str(), 0);
        abandon(error);
        return res;
      }
    } else {
      // Copy and validate in one pass: the copy holds exactly the bytes
      // judged. Then check the source did not change meanwhile.
      VerifyOptions opt = options.verify;
      opt.file_name = base;
      Validator v(opt);
      v.SetExpectedSize(static_cast<std::uint64_t>(st.st_size));
      if (!sign.text.empty()) v.SetSignFile(sign.text, cand_dir + "/" + sign.name);
      internal::Sha256 sha;
      const auto n = internal::CopyFdToNewFile(
          fd.get(), live.fd(), sg.tmp, "copy of '" + cand + "' into LIVE",
          [&](std::span<const std::uint8_t> b) {
            v.Update(b);
            sha.Update(b);
          },
          &error);
      if (!n) {
        abandon(error);
        return res;
      }
      judged.report = v.Finish();
      judged.report.path = cand;
      judged.sha256 = internal::HexLower(sha.Final());
      judged.size = *n;
      struct stat after {};
      if (::fstat(fd.get(), &after) != 0 || !internal::SameFile(st, after) ||
          static_cast<std::uint64_t>(after.st_size) != *n) {
        Finding changed;
        changed.code = Code::kActivationCandidateChanged;
        changed.severity = DefaultSeverity(changed.code);
        changed.message = "'" + cand + "' was modified while it was copied and validated";
        judged.report.findings.push_back(changed);
        judged.report.verdict = Verdict::kInvalid;
      }
    }
    HookPoint("candidate_judged");
    f.validated = true;
    f.report = std::move(judged.report);
    f.sha256 = judged.sha256;
    f.version = f.report.header.version;
    if (sign.present) f.sign_name = sign.name;
    ApplyRefusedDigests(options, &f);

    if (f.report.verdict != Verdict::kValid) {
      ::unlinkat(live.fd(), sg.tmp.c_str(), 0);
      std::optional<Code> code;
      f.message = internal::FirstProblem(f.report, &code);
      f.code = code;
      QuarantineMeta meta = MetaFor(f, "invalid", "activate", t);
      QuarantineSource src{dir_fd.get(), base, cand, fd.get(), st, false};
      QuarantineSource sign_src{dir_fd.get(), sign.name, cand_dir + "/" + sign.name,
                                sign.fd.get(), sign.st, false};
      if (sign.present) {
        meta.sign_size = static_cast<std::uint64_t>(sign.st.st_size);
        meta.sign_sha256 = internal::HexLower(internal::Sha256::Of(cvdguard::AsBytes(sign.text)));
      }
      if (!q.MoveIn(meta, src, sign.present ? &sign_src : nullptr, &f.quarantine_record, &error)) {
        abandon("quarantining '" + cand + "' failed: " + error);
        return res;
      }
      keep.insert(BaseName(f.quarantine_record));
      f.outcome = FileOutcome::kQuarantined;
      res.files.push_back(std::move(f));
      continue;
    }
    if (live_version && f.version < *live_version && !options.allow_downgrade) {
      ::unlinkat(live.fd(), sg.tmp.c_str(), 0);
      refuse(Code::kActivationDowngrade,
             "version " + std::to_string(f.version) + " is lower than the live version " +
                 std::to_string(*live_version) + "; left in place (--allow-downgrade to force)");
      continue;
    }
    if (live_version && f.version == *live_version) {
      ::unlinkat(live.fd(), sg.tmp.c_str(), 0);
      f.outcome = FileOutcome::kAlreadyLive;
      f.code = Code::kActivationSameVersion;
      f.message = "version " + std::to_string(f.version) + " is already live; nothing to do";
      res.notes.push_back(base + ": " + f.message);
      res.files.push_back(std::move(f));
      continue;
    }
    // The .sign goes with it: written from the bytes that were judged.
    if (sign.present) {
      sg.sign_tmp = internal::TempName();
      sg.sign_final = sign.name;
      UniqueFd out(::openat(live.fd(), sg.sign_tmp.c_str(),
                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
      if (!out.valid() ||
          !internal::WriteAll(out.get(), cvdguard::AsBytes(sign.text),
                              "'" + sign.name + "' in LIVE", &error) ||
          !internal::FsyncFd(out.get(), "'" + sign.name + "' in LIVE", &error)) {
        if (!out.valid()) error = internal::ErrnoMessage("create '" + sign.name + "' in LIVE");
        ::unlinkat(live.fd(), sg.tmp.c_str(), 0);
        ::unlinkat(live.fd(), sg.sign_tmp.c_str(), 0);
        abandon(error);
        return res;
      }
      sg.sign_source = {internal::AbsolutePath(cand_dir + "/" + sign.name),
                        static_cast<std::uint64_t>(sign.st.st_dev),
                        static_cast<std::uint64_t>(sign.st.st_ino)};
      sg.has_sign_source = true;
    }
    // Other extensions of this database and every stale <db>-*.sign go.
    for (const auto& n : db_files) {
      if (n != base) sg.obsolete.push_back(n);
    }
    for (const auto& n : live_names) {
      if (IsSignOf(n, db) && n != sg.sign_final) {
        sg.obsolete.push_back(n);
      }
    }
    sg.source = {internal::AbsolutePath(cand), static_cast<std::uint64_t>(st.st_dev),
                 static_cast<std::uint64_t>(st.st_ino)};
    sg.index = res.files.size();
    f.outcome = FileOutcome::kActivated;  // once committed
    res.files.push_back(std::move(f));
    staged.push_back(std::move(sg));
  }

  if (!staged.empty()) {
    if (!internal::FsyncFd(live.fd(), "LIVE directory", &error)) {
      abandon(error);
      return res;
    }
    HookPoint("staged");
    Journal j;
    j.op = "activate";
    j.s_dir = internal::AbsolutePath(s_path);
    if (!internal::StageLkg(live.fd(), live.dev(), s_fd.get(), t, &j.lkg_pending, &j.lkg_id,
                            &error)) {
      if (!j.lkg_pending.empty()) internal::RemoveTreeAt(s_fd.get(), j.lkg_pending, &error);
      abandon("saving last-known-good failed: " + error);
      return res;
    }
    HookPoint("lkg_staged");
    for (const auto& s : staged) {
      // The .sign first: a live .cvd never lacks the .sign it was judged with.
      if (!s.sign_tmp.empty()) j.live_renames.emplace_back(s.sign_tmp, s.sign_final);
      j.live_renames.emplace_back(s.tmp, s.final_name);
      for (const auto& o : s.obsolete) j.live_unlinks.push_back(o);
      j.sources.push_back(s.source);
      if (s.has_sign_source) j.sources.push_back(s.sign_source);
    }
    if (!internal::WriteJournal(live.fd(), j, &error)) {
      ::unlinkat(live.fd(), std::string(internal::kJournalName).c_str(), 0);
      internal::RemoveTreeAt(s_fd.get(), j.lkg_pending, &error);
      abandon("writing the journal failed: " + error);
      return res;
    }
    // Committed: from here on the change completes, now or at the next run.
    if (!internal::RollForward(live.fd(), j, nullptr, nullptr, &error)) {
      res.status = OperationStatus::kIoError;
      res.error = "activation committed but not finished (" + error +
                  "); the next cvdguard run on LIVE completes it";
      res.live_changed = true;
      return res;
    }
    res.live_changed = true;
    for (const auto& s : staged) {
      const FileResult& f = res.files[s.index];
      res.activated.push_back({s.final_name, f.version, f.sha256});
    }
  }

  EnforceBounds(q, options, keep, &res);
  res.status = OperationStatus::kOk;
  for (const auto& f : res.files) {
    if (f.outcome != FileOutcome::kActivated && f.outcome != FileOutcome::kAlreadyLive) {
      res.status = OperationStatus::kIncomplete;
    }
  }
  Notify(options, &res);
  return res;
}

OperationResult Prune(const std::string& live_dir, const std::string& quarantine_dir,
                      const ActivationOptions& options) {
  OperationResult res;
  if (quarantine_dir.empty()) {
    Fail(&res, "no quarantine directory given");
    return res;
  }
  // Prune is given no state directory: an interrupted run's journal may
  // use only the default one.
  const std::string s_path = DefaultStateDir(live_dir);
  internal::LockedLive live;
  if (!live.Open(live_dir, options, {quarantine_dir, s_path}, &res)) return res;
  if (SameDirectory(quarantine_dir, live.fd())) {
    Fail(&res, "the quarantine directory must not be LIVE itself");
    return res;
  }
  std::string error;
  Quarantine q;
  if (!q.Open(quarantine_dir, &error)) {
    Fail(&res, error);
    return res;
  }
  q.RemoveStaleTemps();
  {
    // Leftovers of interrupted activations in the default state directory,
    // and where `status` finds the quarantine when prune runs first.
    std::string ignored;
    UniqueFd s_fd =
        internal::EnsureDir(s_path, &ignored) ? internal::OpenDir(s_path, &ignored) : UniqueFd();
    if (s_fd.valid()) {
      internal::CleanStateDir(s_fd.get());
      RememberDirs(s_fd.get(), internal::AbsolutePath(live_dir),
                   internal::AbsolutePath(quarantine_dir));
    }
  }
  const std::int64_t t = Now(options);
  std::vector<std::string> names;
  if (!internal::ListDir(live.fd(), &names, &error)) {
    Fail(&res, error);
    return res;
  }
  std::set<std::string> keep;
  bool io_failed = false;
  for (const auto& name : names) {
    if (!internal::HasContainerExtension(name) || internal::IsTempName(name)) continue;
    struct stat lst {};
    if (::fstatat(live.fd(), name.c_str(), &lst, AT_SYMLINK_NOFOLLOW) != 0 || S_ISDIR(lst.st_mode)) {
      continue;
    }
    FileResult f;
    f.path = live_dir + "/" + name;
    f.live_name = name;
    const bool is_link = S_ISLNK(lst.st_mode);
    UniqueFd fd(::openat(live.fd(), name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    struct stat st {};
    if (fd.valid() && (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))) {
      f.outcome = FileOutcome::kKept;
      f.message = "not a regular file; left alone";
      res.files.push_back(std::move(f));
      continue;
    }
    if (!fd.valid() && !(is_link && errno == ENOENT)) {
      f.outcome = FileOutcome::kFailed;
      f.message = internal::ErrnoMessage("cannot open '" + f.path + "'");
      io_failed = true;
      res.files.push_back(std::move(f));
      continue;
    }
    internal::SignFile sign;
    if (fd.valid()) {
      const std::string db = DatabaseNameFromFileName(name);
      if (KindFromFileName(name) == Kind::kCvd) {
        sign = internal::FindSign(live.fd(), db, internal::HeaderVersionOfFd(fd.get()));
      }
      ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
      internal::Judged j = internal::JudgeFd(fd.get(), name, f.path, options.verify, sign.text,
                                             sign.present ? live_dir + "/" + sign.name : "");
      if (j.read_failed) {
        f.outcome = FileOutcome::kFailed;
        f.message = j.read_error;
        io_failed = true;
        res.files.push_back(std::move(f));
        continue;
      }
      f.validated = true;
      f.report = std::move(j.report);
      f.sha256 = j.sha256;
      f.version = f.report.header.version;
      ApplyRefusedDigests(options, &f);
    } else {
      f.validated = true;
      f.report.path = f.path;
      Finding dangling;
      dangling.code = Code::kIoError;
      dangling.severity = Severity::kFatal;
      dangling.message = "'" + f.path + "' is a symbolic link to a file that does not exist";
      f.report.findings.push_back(dangling);
      f.report.verdict = Verdict::kInvalid;
    }
    if (f.report.verdict == Verdict::kValid) {
      f.outcome = FileOutcome::kKept;
      res.files.push_back(std::move(f));
      continue;
    }
    std::optional<Code> code;
    f.message = internal::FirstProblem(f.report, &code);
    f.code = code;
    QuarantineMeta meta = MetaFor(f, "pruned", "prune", t);
    QuarantineSource src{live.fd(), name, f.path, fd.get(), st, is_link};
    const bool with_sign = sign.present && !sign.bad;
    QuarantineSource sign_src{live.fd(), sign.name, live_dir + "/" + sign.name, sign.fd.get(),
                              sign.st, false};
    if (with_sign) {
      f.sign_name = sign.name;
      meta.sign_size = static_cast<std::uint64_t>(sign.st.st_size);
      meta.sign_sha256 = internal::HexLower(internal::Sha256::Of(cvdguard::AsBytes(sign.text)));
    }
    if (!q.MoveIn(meta, src, with_sign ? &sign_src : nullptr, &f.quarantine_record, &error)) {
      f.outcome = FileOutcome::kFailed;
      f.message = "quarantine failed: " + error;
      io_failed = true;
      res.files.push_back(std::move(f));
      continue;
    }
    keep.insert(BaseName(f.quarantine_record));
    f.outcome = FileOutcome::kQuarantined;
    res.live_changed = true;
    res.files.push_back(std::move(f));
  }
  EnforceBounds(q, options, keep, &res);
  if (io_failed) {
    res.status = OperationStatus::kIoError;
    res.error = "some files in LIVE could not be read or moved";
  } else {
    res.status = keep.empty() ? OperationStatus::kOk : OperationStatus::kIncomplete;
  }
  return res;
}

OperationResult Rollback(const std::string& live_dir, const std::string& quarantine_dir,
                         const std::string& state_dir, const ActivationOptions& options) {
  OperationResult res;
  if (quarantine_dir.empty()) {
    Fail(&res, "no quarantine directory given");
    return res;
  }
  const std::string s_path = state_dir.empty() ? DefaultStateDir(live_dir) : state_dir;
  internal::LockedLive live;
  if (!live.Open(live_dir, options, {quarantine_dir, s_path}, &res)) return res;
  if (SameDirectory(quarantine_dir, live.fd())) {
    Fail(&res, "the quarantine directory must not be LIVE itself");
    return res;
  }
  std::string error;
  UniqueFd s_fd = internal::OpenDir(s_path, &error);
  internal::LkgManifest lkg;
  if (!s_fd.valid() || !internal::ReadLkgManifest(s_fd.get(), &lkg, &error) || lkg.files.empty()) {
    if (!error.empty() && s_fd.valid()) {
      Fail(&res, "last-known-good is unreadable: " + error);
      return res;
    }
    res.status = OperationStatus::kIncomplete;
    res.notes.push_back("nothing to roll back to: no last-known-good set in '" + s_path + "' (" +
                        std::string(CodeName(Code::kActivationNothingToRollBack)) + ")");
    return res;
  }
  internal::CleanStateDir(s_fd.get());
  Quarantine q;
  if (!q.Open(quarantine_dir, &error)) {
    Fail(&res, error);
    return res;
  }
  q.RemoveStaleTemps();
  RememberDirs(s_fd.get(), internal::AbsolutePath(live_dir),
               internal::AbsolutePath(quarantine_dir));
  const std::int64_t t = Now(options);
  UniqueFd lkg_fd(::openat(s_fd.get(), internal::kLkgDir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!lkg_fd.valid()) {
    Fail(&res, internal::ErrnoMessage("open last-known-good"));
    return res;
  }
  struct stat lkg_st {};
  ::fstat(lkg_fd.get(), &lkg_st);

  // Check every stored file against its recorded digest before touching LIVE.
  struct Stored {
    internal::LkgFile meta;
    UniqueFd fd;
    struct stat st {};
  };
  std::vector<Stored> stored;
  for (const auto& m : lkg.files) {
    Stored s;
    s.meta = m;
    s.fd.reset(::openat(lkg_fd.get(), m.name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!s.fd.valid() || ::fstat(s.fd.get(), &s.st) != 0 || !S_ISREG(s.st.st_mode)) {
      Fail(&res, "last-known-good file '" + m.name + "' is missing or unreadable; LIVE is untouched");
      return res;
    }
    const auto sha = internal::Sha256OfFd(s.fd.get(), &error);
    if (!sha) {
      Fail(&res, error + "; LIVE is untouched");
      return res;
    }
    if (*sha != m.sha256) {
      Fail(&res, std::string(CodeName(Code::kActivationLastKnownGoodCorrupt)) + ": '" + m.name +
                     "' in last-known-good does not match its recorded SHA-256; LIVE is untouched");
      return res;
    }
    stored.push_back(std::move(s));
  }

  std::vector<std::string> names;
  if (!internal::ListDir(live.fd(), &names, &error)) {
    Fail(&res, error);
    return res;
  }
  Journal j;
  j.op = "rollback";
  j.q_dir = internal::AbsolutePath(quarantine_dir);
  j.s_dir = internal::AbsolutePath(s_path);
  j.lkg_consume = true;
  std::vector<std::string> live_temps, q_temps;
  std::set<std::string> keep;
  std::set<std::string> lkg_names;
  for (const auto& s : stored) lkg_names.insert(s.meta.name);
  const auto abandon = [&](const std::string& why) {
    for (const auto& n : live_temps) ::unlinkat(live.fd(), n.c_str(), 0);
    for (const auto& n : q_temps) ::unlinkat(q.fd(), n.c_str(), 0);
    Fail(&res, why + "; LIVE is untouched");
  };

  // Live files that the restored set replaces or drops go to quarantine.
  std::set<std::string> identical;
  for (const auto& name : names) {
    if (!internal::IsSetMember(name)) continue;
    struct stat lst {};
    if (::fstatat(live.fd(), name.c_str(), &lst, AT_SYMLINK_NOFOLLOW) != 0 ||
        !(S_ISREG(lst.st_mode) || S_ISLNK(lst.st_mode))) {
      continue;
    }
    UniqueFd fd(::openat(live.fd(), name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    struct stat st {};
    const bool open_ok = fd.valid() && ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode);
    std::string sha;
    if (open_ok) {
      const auto h = internal::Sha256OfFd(fd.get(), &error);
      if (!h) {
        abandon(error);
        return res;
      }
      sha = *h;
    }
    if (lkg_names.count(name) != 0) {
      const auto it = std::find_if(stored.begin(), stored.end(),
                                   [&](const Stored& s) { return s.meta.name == name; });
      if (open_ok && sha == it->meta.sha256) {
        identical.insert(name);
        FileResult f;
        f.path = live_dir + "/" + name;
        f.live_name = name;
        f.outcome = FileOutcome::kKept;
        f.sha256 = sha;
        res.files.push_back(std::move(f));
        continue;
      }
    } else {
      j.live_unlinks.push_back(name);
    }
    FileResult f;
    f.path = live_dir + "/" + name;
    f.live_name = name;
    f.sha256 = sha;
    if (open_ok && internal::HasContainerExtension(name)) {
      if (const auto v = internal::HeaderVersionOfFd(fd.get())) f.version = *v;
    }
    QuarantineMeta meta = MetaFor(f, "rolled_back", "rollback", t);
    meta.size = open_ok ? static_cast<std::uint64_t>(st.st_size) : 0;
    if (f.version != 0) meta.version = f.version;
    meta.kind = internal::HasContainerExtension(name) ? std::string(KindName(KindFromFileName(name)))
                                                      : "sign";
    QuarantineSource src{live.fd(), name, f.path, open_ok ? fd.get() : -1, st,
                         S_ISLNK(lst.st_mode)};
    internal::StagedEntry e;
    if (!q.Stage(meta, src, nullptr, &e, &error)) {
      abandon("quarantining '" + f.path + "' failed: " + error);
      return res;
    }
    q_temps.push_back(e.tmp_record);
    q_temps.push_back(e.tmp_data);
    j.q_renames.emplace_back(e.tmp_record, e.record);
    j.q_renames.emplace_back(e.tmp_data, e.data);
    keep.insert(e.record);
    f.quarantine_record = quarantine_dir + "/" + e.record;
    f.outcome = FileOutcome::kQuarantined;
    f.message = "replaced by the last-known-good set";
    res.files.push_back(std::move(f));
  }
  // Stage the stored files that differ from what is live.
  for (const auto& s : stored) {
    if (identical.count(s.meta.name) != 0) continue;
    const std::string tmp = internal::TempName();
    bool ok = false;
    if (s.st.st_dev == live.dev() &&
        ::linkat(lkg_fd.get(), s.meta.name.c_str(), live.fd(), tmp.c_str(), 0) == 0) {
      ok = internal::FsyncFd(s.fd.get(), "last-known-good file", &error);
    } else if (::lseek(s.fd.get(), 0, SEEK_SET) == 0) {
      ok = internal::CopyFdToNewFile(s.fd.get(), live.fd(), tmp,
                                     "copy of last-known-good '" + s.meta.name + "'", {}, &error)
               .has_value();
    } else {
      error = internal::ErrnoMessage("seek");
    }
    if (!ok) {
      abandon("restoring '" + s.meta.name + "' failed: " + error);
      return res;
    }
    live_temps.push_back(tmp);
    j.live_renames.emplace_back(tmp, s.meta.name);
    FileResult f;
    f.path = live_dir + "/" + s.meta.name;
    f.live_name = s.meta.name;
    f.outcome = FileOutcome::kRestored;
    f.sha256 = s.meta.sha256;
    f.version = s.meta.version.value_or(0);
    res.files.push_back(std::move(f));
    if (internal::HasContainerExtension(s.meta.name)) {
      res.activated.push_back({s.meta.name, f.version, s.meta.sha256});
    }
  }
  if (j.live_renames.empty() && j.live_unlinks.empty()) {
    res.status = OperationStatus::kIncomplete;
    res.already_last_known_good = true;
    res.notes.push_back("nothing to roll back to: LIVE already holds the last-known-good set");
    return res;
  }
  if (!internal::FsyncFd(live.fd(), "LIVE directory", &error)) {
    abandon(error);
    return res;
  }
  HookPoint("staged");
  if (!internal::WriteJournal(live.fd(), j, &error)) {
    ::unlinkat(live.fd(), std::string(internal::kJournalName).c_str(), 0);
    abandon("writing the journal failed: " + error);
    return res;
  }
  lkg_fd.reset();
  if (!internal::RollForward(live.fd(), j, nullptr, nullptr, &error)) {
    res.status = OperationStatus::kIoError;
    res.error = "rollback committed but not finished (" + error +
                "); the next cvdguard run on LIVE completes it";
    res.live_changed = true;
    return res;
  }
  res.live_changed = true;
  res.status = OperationStatus::kOk;
  EnforceBounds(q, options, keep, &res);
  Notify(options, &res);
  return res;
}

}  // namespace cvdguard
