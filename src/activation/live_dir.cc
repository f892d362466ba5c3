#include "activation/live_dir.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "archive/sink.h"
#include "crypto/digest.h"
#include "cvdguard/bytes.h"
#include "cvdguard/validator.h"
#include "manifest/names.h"

namespace cvdguard::internal {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxJournalBytes = std::size_t{4} << 20;
// A .sign is a few KB; the sign module's own limit is lower than this.
constexpr std::size_t kMaxSignBytes = std::size_t{1} << 20;

std::string Str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
std::uint64_t U64(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

bool PlainName(const std::string& n) {
  return !n.empty() && n != "." && n != ".." && n.find('/') == std::string::npos;
}

std::vector<std::pair<std::string, std::string>> Pairs(const json& j, const char* key, bool* ok) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& p : *it) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_string() || !p[1].is_string()) {
      *ok = false;
      continue;
    }
    std::string a = p[0].get<std::string>(), b = p[1].get<std::string>();
    if (!PlainName(a) || !PlainName(b)) {
      *ok = false;
      continue;
    }
    out.emplace_back(std::move(a), std::move(b));
  }
  return out;
}

bool ParseJournal(const std::string& text, Journal* j) {
  const json v = json::parse(text, nullptr, false);
  if (v.is_discarded() || !v.is_object() || Str(v, "schema") != "cvdguard-journal-1") return false;
  bool ok = true;
  j->op = Str(v, "op");
  j->live_renames = Pairs(v, "live_renames", &ok);
  j->q_renames = Pairs(v, "q_renames", &ok);
  j->q_dir = Str(v, "q_dir");
  j->s_dir = Str(v, "s_dir");
  j->lkg_pending = Str(v, "lkg_pending");
  j->lkg_id = Str(v, "lkg_id");
  const auto consume = v.find("lkg_consume");
  j->lkg_consume = consume != v.end() && consume->is_boolean() && consume->get<bool>();
  if (const auto u = v.find("live_unlinks"); u != v.end() && u->is_array()) {
    for (const auto& n : *u) {
      if (n.is_string() && PlainName(n.get<std::string>())) {
        j->live_unlinks.push_back(n.get<std::string>());
      } else {
        ok = false;
      }
    }
  }
  if (const auto s = v.find("sources"); s != v.end() && s->is_array()) {
    for (const auto& e : *s) {
      if (!e.is_object()) continue;
      j->sources.push_back({Str(e, "path"), U64(e, "dev"), U64(e, "ino")});
    }
  }
  if (!j->lkg_pending.empty() && !PlainName(j->lkg_pending)) ok = false;
  return ok;
}

json ToJson(const Journal& j) {
  json v;
  v["schema"] = "cvdguard-journal-1";
  v["op"] = j.op;
  v["live_renames"] = json::array();
  for (const auto& [a, b] : j.live_renames) v["live_renames"].push_back({a, b});
  v["live_unlinks"] = j.live_unlinks;
  v["q_dir"] = j.q_dir;
  v["q_renames"] = json::array();
  for (const auto& [a, b] : j.q_renames) v["q_renames"].push_back({a, b});
  v["s_dir"] = j.s_dir;
  v["lkg_pending"] = j.lkg_pending;
  v["lkg_id"] = j.lkg_id;
  v["lkg_consume"] = j.lkg_consume;
  v["sources"] = json::array();
  for (const auto& s : j.sources) {
    v["sources"].push_back({{"path", s.path}, {"dev", s.dev}, {"ino", s.ino}});
  }
  return v;
}

bool PromoteLkg(int s_fd, const Journal& j, std::string* error) {
  LkgManifest current;
  std::string err;
  if (ReadLkgManifest(s_fd, &current, &err) && current.id == j.lkg_id) {
    // Already promoted; the pending name (if any) holds the previous set.
    return RemoveTreeAt(s_fd, j.lkg_pending, error);
  }
  struct stat st {};
  if (::fstatat(s_fd, j.lkg_pending.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    *error = "last-known-good staging directory '" + j.lkg_pending + "' is missing";
    return false;
  }
  if (::fstatat(s_fd, kLkgDir, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (::renameat2(s_fd, j.lkg_pending.c_str(), s_fd, kLkgDir, RENAME_EXCHANGE) != 0) {
      // No RENAME_EXCHANGE on this file system: move the old set aside.
      const std::string old = ".lkg-old." + j.lkg_pending.substr(j.lkg_pending.rfind('.') + 1);
      if (::renameat(s_fd, kLkgDir, s_fd, old.c_str()) != 0 ||
          ::renameat(s_fd, j.lkg_pending.c_str(), s_fd, kLkgDir) != 0) {
        *error = ErrnoMessage("promote last-known-good");
        return false;
      }
      if (!FsyncFd(s_fd, "state directory", error)) return false;
      return RemoveTreeAt(s_fd, old, error);
    }
  } else if (::renameat(s_fd, j.lkg_pending.c_str(), s_fd, kLkgDir) != 0) {
    *error = ErrnoMessage("promote last-known-good");
    return false;
  }
  HookPoint("lkg_promoted");
  if (!FsyncFd(s_fd, "state directory", error)) return false;
  return RemoveTreeAt(s_fd, j.lkg_pending, error);
}

// Whether the regular file at `path` has the same inode as, or the same
// bytes as, the regular file of the same name in LIVE.
bool IsCopyOfLive(int live_fd, const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (!PlainName(base)) return false;
  UniqueFd a(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  UniqueFd b(::openat(live_fd, base.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  struct stat sa {};
  struct stat sb {};
  if (!a.valid() || !b.valid() || ::fstat(a.get(), &sa) != 0 || ::fstat(b.get(), &sb) != 0 ||
      !S_ISREG(sa.st_mode) || !S_ISREG(sb.st_mode)) {
    return false;
  }
  if (SameInode(sa, sb)) return true;
  if (sa.st_size != sb.st_size) return false;
  std::vector<std::uint8_t> x(1 << 16), y(1 << 16);
  for (;;) {
    const ssize_t n = ::read(a.get(), x.data(), x.size());
    if (n < 0) return false;
    if (n == 0) return ::read(b.get(), y.data(), 1) == 0;
    std::size_t got = 0;
    while (got < static_cast<std::size_t>(n)) {
      const ssize_t m = ::read(b.get(), y.data() + got, static_cast<std::size_t>(n) - got);
      if (m <= 0) return false;
      got += static_cast<std::size_t>(m);
    }
    if (std::memcmp(x.data(), y.data(), got) != 0) return false;
  }
}

std::string ParentDir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

bool HasContainerExtension(std::string_view name) {
  return EndsWithCI(name, ".cvd") || EndsWithCI(name, ".cld") || EndsWithCI(name, ".cud");
}

bool IsSetMember(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  return HasContainerExtension(name) || name.ends_with(".sign");
}

bool WriteJournal(int live_fd, const Journal& j, std::string* error) {
  if (!WriteFileAt(live_fd, std::string(kJournalName),
                   AsBytes(ToJson(j).dump(-1, ' ', false, json::error_handler_t::replace) + "\n"),
                   "journal", error)) {
    return false;
  }
  return FsyncFd(live_fd, "LIVE directory", error);
}

bool RollForward(int live_fd, const Journal& j, const RecoveryScope* scope,
                 std::vector<std::string>* notes, std::string* error) {
  // A journal from disk names its directories; each must be one this run
  // was given (compared by inode, so any spelling of the path will do).
  const auto confined = [&](const std::string& named, const std::string& given, const char* what,
                            const char* flag) {
    struct stat a {};
    struct stat b {};
    if (!named.empty() && !given.empty() && ::stat(named.c_str(), &a) == 0 &&
        ::stat(given.c_str(), &b) == 0 && SameInode(a, b)) {
      return true;
    }
    *error = std::string("the journal names the ") + what + " '" + named + "', not this run's '" +
             given + "'; rerun with " + flag + " '" + named +
             "' to complete it, or inspect LIVE by hand if you did not use that directory";
    return false;
  };
  if (scope != nullptr) {
    if (!j.q_renames.empty() &&
        !confined(j.q_dir, scope->quarantine_dir, "quarantine directory", "--quarantine-dir")) {
      return false;
    }
    if ((!j.lkg_pending.empty() || j.lkg_consume) &&
        !confined(j.s_dir, scope->state_dir, "state directory", "--state-dir")) {
      return false;
    }
  }
  HookPoint("journal_committed");
  for (const auto& [from, to] : j.live_renames) {
    if (::renameat(live_fd, from.c_str(), live_fd, to.c_str()) != 0 && errno != ENOENT) {
      *error = ErrnoMessage("rename '" + to + "' into place in LIVE");
      return false;
    }
    HookPoint("renamed");
  }
  for (const auto& name : j.live_unlinks) {
    if (::unlinkat(live_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
      *error = ErrnoMessage("remove '" + name + "' from LIVE");
      return false;
    }
    HookPoint("unlinked");
  }
  if (!FsyncFd(live_fd, "LIVE directory", error)) return false;
  HookPoint("live_fsynced");
  if (!j.q_renames.empty()) {
    UniqueFd q = OpenDir(j.q_dir, error);
    if (!q.valid()) return false;
    for (const auto& [from, to] : j.q_renames) {
      // This run's own names are fresh; one read back must not replace a file.
      const unsigned flags = scope != nullptr ? RENAME_NOREPLACE : 0;
      if (::renameat2(q.get(), from.c_str(), q.get(), to.c_str(), flags) != 0 && errno != ENOENT) {
        *error = ErrnoMessage("rename '" + to + "' in quarantine");
        return false;
      }
    }
    if (!FsyncFd(q.get(), "quarantine directory", error)) return false;
    HookPoint("quarantine_renamed");
  }
  if (!j.lkg_pending.empty() || j.lkg_consume) {
    UniqueFd s = OpenDir(j.s_dir, error);
    if (!s.valid()) return false;
    if (!j.lkg_pending.empty() && !PromoteLkg(s.get(), j, error)) return false;
    if (j.lkg_consume && !RemoveTreeAt(s.get(), kLkgDir, error)) return false;
    if (!FsyncFd(s.get(), "state directory", error)) return false;
  }
  for (const auto& src : j.sources) {
    // A path read back from LIVE could name anything: remove it only if it
    // is a copy of the file now live under its name, so nothing is lost.
    if (scope != nullptr && !IsCopyOfLive(live_fd, src.path)) {
      notes->push_back("left the activated candidate '" + src.path +
                       "' in place: it is not a copy of the file now live under its name");
      continue;
    }
    struct stat st {};
    if (::lstat(src.path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<std::uint64_t>(st.st_dev) == src.dev &&
        static_cast<std::uint64_t>(st.st_ino) == src.ino) {
      if (::unlink(src.path.c_str()) != 0 && errno != ENOENT) {
        *error = ErrnoMessage("remove the activated candidate '" + src.path + "'");
        return false;
      }
      std::string ignored;
      UniqueFd parent = OpenDir(ParentDir(src.path), &ignored);
      if (parent.valid()) ::fsync(parent.get());
    }
  }
  HookPoint("sources_removed");
  if (::unlinkat(live_fd, std::string(kJournalName).c_str(), 0) != 0 && errno != ENOENT) {
    *error = ErrnoMessage("remove the journal");
    return false;
  }
  if (!FsyncFd(live_fd, "LIVE directory", error)) return false;
  HookPoint("journal_removed");
  return true;
}

bool LockedLive::Open(const std::string& live_dir, const ActivationOptions& options,
                      const RecoveryScope& scope, OperationResult* result) {
  result->status = OperationStatus::kIoError;
  std::string error;
  if (live_dir.empty()) {
    result->error = "no LIVE directory given";
    return false;
  }
  fd_ = OpenDir(live_dir, &error);
  if (!fd_.valid()) {
    result->error = error;
    return false;
  }
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) {
    result->error = ErrnoMessage("stat '" + live_dir + "'");
    return false;
  }
  dev_ = st.st_dev;
  path_ = live_dir;
  lock_ = LockLive(fd_.get(), /*exclusive=*/true, /*create=*/true, options.lock_timeout_seconds,
                   &error);
  if (!lock_.valid()) {
    result->error = error;
    return false;
  }
  HookPoint("locked");
  std::string text_error;
  const auto text = ReadSmallFileAt(fd_.get(), std::string(kJournalName), kMaxJournalBytes,
                                    &text_error);
  if (text) {
    Journal j;
    if (!ParseJournal(*text, &j)) {
      result->error = "the journal " + std::string(kJournalName) +
                      " in LIVE is unreadable; inspect LIVE by hand and remove it";
      return false;
    }
    if (!RollForward(fd_.get(), j, &scope, &result->notes, &error)) {
      result->error = "completing an interrupted " + j.op + " failed: " + error;
      return false;
    }
    result->notes.push_back("completed an interrupted " + j.op + " (" +
                            std::string(CodeName(Code::kActivationRecovered)) + ")");
  } else if (!text_error.empty()) {
    result->error = text_error;
    return false;
  }
  std::vector<std::string> names;
  if (!ListDir(fd_.get(), &names, &error)) {
    result->error = "cannot list '" + live_dir + "': " + error;
    return false;
  }
  for (const auto& n : names) {
    if (IsTempName(n)) ::unlinkat(fd_.get(), n.c_str(), 0);  // the lock makes them ours
  }
  result->status = OperationStatus::kOk;
  return true;
}

bool ReadLkgManifest(int s_fd, LkgManifest* out, std::string* error) {
  UniqueFd dir(::openat(s_fd, kLkgDir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) {
    *error = errno == ENOENT ? std::string() : ErrnoMessage("open last-known-good");
    return false;
  }
  const auto text = ReadSmallFileAt(dir.get(), kManifestName, kMaxJournalBytes, error);
  if (!text) return false;
  const json v = json::parse(*text, nullptr, false);
  if (v.is_discarded() || !v.is_object()) {
    *error = "last-known-good manifest is not JSON";
    return false;
  }
  out->id = Str(v, "id");
  const auto t = v.find("t");
  out->t = t != v.end() && t->is_number_integer() ? t->get<std::int64_t>() : 0;
  out->files.clear();
  if (const auto f = v.find("files"); f != v.end() && f->is_array()) {
    for (const auto& e : *f) {
      if (!e.is_object()) continue;
      LkgFile file;
      file.name = Str(e, "name");
      if (!PlainName(file.name)) continue;
      file.size = U64(e, "size");
      file.sha256 = Str(e, "sha256");
      if (const auto ver = e.find("version"); ver != e.end() && ver->is_number_unsigned()) {
        file.version = ver->get<std::uint32_t>();
      }
      file.dev = U64(e, "dev");
      file.ino = U64(e, "ino");
      if (const auto m = e.find("mtime_ns"); m != e.end() && m->is_number_integer()) {
        file.mtime_ns = m->get<std::int64_t>();
      }
      out->files.push_back(std::move(file));
    }
  }
  return true;
}

bool StageLkg(int live_fd, dev_t live_dev, int s_fd, std::int64_t t, std::string* pending,
              std::string* id, std::string* error) {
  std::map<std::string, LkgFile> cache;
  {
    LkgManifest old;
    std::string ignored;
    if (ReadLkgManifest(s_fd, &old, &ignored)) {
      for (auto& f : old.files) cache[f.name] = f;
    }
  }
  struct stat s_st {};
  if (::fstat(s_fd, &s_st) != 0) {
    *error = ErrnoMessage("stat state directory");
    return false;
  }
  const std::string tmp = TempName();
  *id = tmp.substr(kTempPrefix.size());
  *pending = ".lkg-pending." + *id;
  if (::mkdirat(s_fd, pending->c_str(), 0755) != 0) {
    *error = ErrnoMessage("create last-known-good staging directory");
    return false;
  }
  UniqueFd pfd(::openat(s_fd, pending->c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!pfd.valid()) {
    *error = ErrnoMessage("open last-known-good staging directory");
    return false;
  }
  std::vector<std::string> names;
  if (!ListDir(live_fd, &names, error)) return false;
  json files = json::array();
  for (const auto& name : names) {
    if (!IsSetMember(name)) continue;
    struct stat lst {};
    if (::fstatat(live_fd, name.c_str(), &lst, AT_SYMLINK_NOFOLLOW) != 0 ||
        !(S_ISREG(lst.st_mode) || S_ISLNK(lst.st_mode))) {
      continue;
    }
    UniqueFd fd(::openat(live_fd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    struct stat st {};
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
      if (S_ISLNK(lst.st_mode)) continue;  // a dangling link is not part of a set
      *error = ErrnoMessage("open '" + name + "' in LIVE");
      return false;
    }
    LkgFile f;
    f.name = name;
    f.size = static_cast<std::uint64_t>(st.st_size);
    f.dev = static_cast<std::uint64_t>(st.st_dev);
    f.ino = static_cast<std::uint64_t>(st.st_ino);
    f.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    if (HasContainerExtension(name)) f.version = HeaderVersionOfFd(fd.get());
    bool have_sha = false;
    if (const auto it = cache.find(name); it != cache.end()) {
      const LkgFile& c = it->second;
      if (c.dev == f.dev && c.ino == f.ino && c.size == f.size && c.mtime_ns == f.mtime_ns &&
          c.sha256.size() == 64) {
        f.sha256 = c.sha256;
        have_sha = true;
      }
    }
    const bool linked = S_ISREG(lst.st_mode) && st.st_dev == s_st.st_dev && st.st_dev == live_dev &&
                        ::linkat(live_fd, name.c_str(), pfd.get(), name.c_str(), 0) == 0;
    if (linked) {
      if (!have_sha) {
        const auto sha = Sha256OfFd(fd.get(), error);
        if (!sha) return false;
        f.sha256 = *sha;
      }
    } else {
      Sha256 sha;
      const auto n = CopyFdToNewFile(fd.get(), pfd.get(), name, "last-known-good copy of '" + name + "'",
                                     [&](std::span<const std::uint8_t> b) { sha.Update(b); }, error);
      if (!n) return false;
      f.sha256 = HexLower(sha.Final());
      f.size = *n;
    }
    json e = {{"name", f.name}, {"size", f.size}, {"sha256", f.sha256},
              {"dev", f.dev},   {"ino", f.ino},   {"mtime_ns", f.mtime_ns}};
    e["version"] = f.version ? json(*f.version) : json(nullptr);
    files.push_back(std::move(e));
    HookPoint("lkg_file_staged");
  }
  json manifest = {{"schema", "cvdguard-lkg-1"}, {"id", *id}, {"t", t}, {"time", IsoTime(t)},
                   {"files", std::move(files)}};
  if (!WriteFileAt(pfd.get(), kManifestName, AsBytes(manifest.dump(2) + "\n"),
                   "last-known-good manifest", error) ||
      !FsyncFd(pfd.get(), "last-known-good directory", error) ||
      !FsyncFd(s_fd, "state directory", error)) {
    return false;
  }
  return true;
}

void CleanStateDir(int s_fd) {
  std::vector<std::string> names;
  std::string error;
  if (!ListDir(s_fd, &names, &error)) return;
  for (const auto& n : names) {
    for (std::string_view prefix : {std::string_view(".lkg-pending."), std::string_view(".lkg-old."),
                                    kTempPrefix}) {
      if (std::string_view(n).starts_with(prefix) && OwnerGone(n, prefix)) {
        RemoveTreeAt(s_fd, n, &error);
      }
    }
  }
}

Judged JudgeFd(int fd, const std::string& file_name, const std::string& display,
               const VerifyOptions& verify, const std::string& sign_text,
               const std::string& sign_path) {
  Judged j;
  VerifyOptions opt = verify;
  opt.file_name = file_name;
  opt.sign_path.reset();
  Validator v(opt);
  struct stat before {};
  const bool have_before = ::fstat(fd, &before) == 0;
  if (have_before) v.SetExpectedSize(static_cast<std::uint64_t>(before.st_size));
  if (!sign_text.empty()) v.SetSignFile(sign_text, sign_path);
  Sha256 sha;
  std::string error;
  std::optional<std::uint64_t> n;
  if (::lseek(fd, 0, SEEK_SET) != 0) {
    error = ErrnoMessage("seek '" + display + "'");
  } else {
    n = ReadFd(fd, "'" + display + "'",
               [&](std::span<const std::uint8_t> b) {
                 v.Update(b);
                 sha.Update(b);
               },
               &error);
  }
  if (!n) {
    v.FailRead(error);
    j.read_failed = true;
    j.read_error = error;
  }
  j.report = v.Finish();
  j.report.path = display;
  j.size = n.value_or(0);
  j.sha256 = HexLower(sha.Final());
  struct stat after {};
  if (n && have_before &&
      (::fstat(fd, &after) != 0 || !SameFile(before, after) ||
       static_cast<std::uint64_t>(after.st_size) != *n)) {
    j.report.findings.push_back(MakeFinding(
        Code::kActivationCandidateChanged,
        "'" + display + "' was modified while it was validated (size, mtime or ctime changed): "
        "activate a complete, closed file"));
    j.report.verdict = Verdict::kInvalid;
  }
  return j;
}

SignFile FindSign(int dir_fd, const std::string& db, std::optional<std::uint32_t> version) {
  SignFile s;
  if (!version) return s;
  s.name = db + "-" + std::to_string(*version) + ".cvd.sign";
  s.fd.reset(::openat(dir_fd, s.name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!s.fd.valid()) {
    if (errno != ENOENT) {
      s.present = true;
      s.bad = true;
    }
    return s;
  }
  s.present = true;
  if (::fstat(s.fd.get(), &s.st) != 0 || !S_ISREG(s.st.st_mode)) {
    s.bad = true;
    return s;
  }
  std::string text;
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(s.fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      s.bad = true;
      return s;
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxSignBytes) break;  // the validator reports the size
  }
  s.text = std::move(text);
  return s;
}

std::string FirstProblem(const Report& r, std::optional<Code>* code) {
  const Finding* worst = nullptr;
  for (const auto& f : r.findings) {
    if (f.severity < Severity::kError) continue;
    if (worst == nullptr || f.severity > worst->severity) worst = &f;
  }
  if (worst == nullptr) {
    code->reset();
    return "";
  }
  *code = worst->code;
  return std::string(CodeName(worst->code)) + ": " + worst->message;
}

}  // namespace cvdguard::internal
