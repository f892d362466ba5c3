// status, the notification line, and the small public helpers.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "activation/live_dir.h"
#include "activation/quarantine.h"
#include "core/fs_util.h"
#include "cvdguard/activation.h"
#include "cvdguard/json.h"
#include "cvdguard/validator.h"

namespace cvdguard {

using nlohmann::json;

bool IsPlainDefinitionName(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 64) return false;
  const std::string_view ext = name.substr(dot + 1);
  if (ext != "cvd" && ext != "cld" && ext != "cud") return false;
  const std::string_view stem = name.substr(0, dot);
  const auto ok = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; };
  if (stem.front() == '_') return false;
  for (char c : stem) {
    if (!ok(c)) return false;
  }
  return true;
}

std::string DefaultStateDir(const std::string& live_dir) {
  return live_dir + "/" + std::string(internal::kDefaultStateName);
}

std::string_view FileOutcomeName(FileOutcome outcome) {
  switch (outcome) {
    case FileOutcome::kActivated: return "activated";
    case FileOutcome::kAlreadyLive: return "already_live";
    case FileOutcome::kQuarantined: return "quarantined";
    case FileOutcome::kRefused: return "refused";
    case FileOutcome::kKept: return "kept";
    case FileOutcome::kRestored: return "restored";
    case FileOutcome::kFailed: return "failed";
  }
  return "unknown";
}

bool AppendActivationNotice(const std::string& path, std::int64_t t,
                            const std::vector<ActivatedFile>& files, std::string* error) {
  json j;
  j["t"] = t;
  j["event"] = "definitions_activated";
  j["files"] = json::array();
  for (const auto& f : files) {
    j["files"].push_back({{"name", f.name}, {"version", f.version}, {"sha256", f.sha256}});
  }
  const std::string line = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  // Non-blocking: a FIFO nobody reads must not hold the run (and LIVE's
  // lock) forever. It fails at once with ENXIO instead.
  internal::UniqueFd fd(::open(
      path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644));
  if (!fd.valid()) {
    *error = errno == ENXIO ? "'" + path + "' is a FIFO with no reader"
                            : internal::ErrnoMessage("open '" + path + "'");
    return false;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))) {
    *error = "'" + path + "' is not a regular file or a FIFO";
    return false;
  }
  // One write(2) on O_APPEND: the line lands whole or not at all for
  // regular files (short writes only happen on a full disk).
  const ssize_t n = ::write(fd.get(), line.data(), line.size());
  if (n < 0 || static_cast<std::size_t>(n) != line.size()) {
    *error = n < 0 ? internal::ErrnoMessage("write '" + path + "'")
                   : "short write to '" + path + "' (disk full?)";
    return false;
  }
  return true;
}

namespace {

void JudgeHealth(DirectoryStatus* st) {
  if (st->live.empty()) {
    st->problems.push_back(
        "no definition file is live: a scanner would not start (fault 12); activate a set or roll "
        "back");
  }
  std::size_t bad = 0;
  for (const auto& f : st->live) bad += f.verdict == Verdict::kValid ? 0 : 1;
  if (bad > 0) {
    st->problems.push_back(std::to_string(bad) + " live file" + (bad == 1 ? " is" : "s are") +
                           " not valid: prune quarantines them, or roll back");
  }
  if (st->interrupted_operation_pending) {
    st->problems.push_back(
        "an interrupted operation is pending: LIVE may mix two sets until the next "
        "activate/prune/rollback completes it");
  }
  st->healthy = st->problems.empty();
}

}  // namespace

DirectoryStatus Status(const std::string& live_dir, const std::string& state_dir,
                       const std::string& quarantine_dir, const ActivationOptions& options) {
  DirectoryStatus st;
  st.live_dir = live_dir;
  st.state_dir = state_dir.empty() ? DefaultStateDir(live_dir) : state_dir;
  std::string error;
  internal::UniqueFd live = internal::OpenDir(live_dir, &error);
  if (!live.valid()) {
    st.error = error;
    return st;
  }
  internal::UniqueFd lock =
      internal::LockLive(live.get(), /*exclusive=*/false, /*create=*/false,
                         options.lock_timeout_seconds, &error);
  if (!lock.valid() && !error.empty()) {
    st.error = error;
    return st;
  }
  struct stat jst {};
  st.interrupted_operation_pending =
      ::fstatat(live.get(), std::string(internal::kJournalName).c_str(), &jst,
                AT_SYMLINK_NOFOLLOW) == 0;
  std::vector<std::string> names;
  if (!internal::ListDir(live.get(), &names, &error)) {
    st.error = "cannot list '" + live_dir + "': " + error;
    return st;
  }
  for (const auto& name : names) {
    if (!internal::HasContainerExtension(name) || internal::IsTempName(name)) continue;
    struct stat lst {};
    if (::fstatat(live.get(), name.c_str(), &lst, AT_SYMLINK_NOFOLLOW) != 0 || S_ISDIR(lst.st_mode)) {
      continue;
    }
    LiveFileStatus f;
    f.name = name;
    f.kind = KindFromFileName(name);
    internal::UniqueFd fd(::openat(live.get(), name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    struct stat fst {};
    if (!fd.valid() || ::fstat(fd.get(), &fst) != 0 || !S_ISREG(fst.st_mode)) {
      f.verdict = Verdict::kError;
      st.live.push_back(std::move(f));
      continue;
    }
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
    internal::SignFile sign;
    if (f.kind == Kind::kCvd) {
      sign = internal::FindSign(live.get(), DatabaseNameFromFileName(name),
                                internal::HeaderVersionOfFd(fd.get()));
    }
    internal::Judged j = internal::JudgeFd(fd.get(), name, live_dir + "/" + name, options.verify,
                                           sign.text, sign.present ? live_dir + "/" + sign.name : "");
    f.report = std::move(j.report);
    if (f.report.kind != Kind::kUnknown) f.kind = f.report.kind;
    f.version = f.report.header.version;
    f.sigs = f.report.header.sigs;
    f.build_time = f.report.header.build_time;
    f.verdict = f.report.verdict;
    f.size = static_cast<std::uint64_t>(fst.st_size);
    if (sign.present) f.sign_name = sign.name;
    st.live.push_back(std::move(f));
  }
  internal::UniqueFd s_fd = internal::OpenDir(st.state_dir, &error);
  if (s_fd.valid()) {
    internal::LkgManifest m;
    if (internal::ReadLkgManifest(s_fd.get(), &m, &error)) {
      st.has_last_known_good = !m.files.empty();
      st.last_known_good_t = m.t;
      for (const auto& f : m.files) {
        st.last_known_good.push_back({f.name, f.version.value_or(0), f.size, f.sha256});
      }
    }
  }
  st.quarantine_dir = quarantine_dir;
  if (st.quarantine_dir.empty() && s_fd.valid()) {
    std::string err;
    const auto text = internal::ReadSmallFileAt(s_fd.get(), "state.json", 1 << 16, &err);
    if (text) {
      const json v = json::parse(*text, nullptr, false);
      if (v.is_object() && v.contains("quarantine_dir") && v["quarantine_dir"].is_string()) {
        st.quarantine_dir = v["quarantine_dir"].get<std::string>();
      }
    }
  }
  if (!st.quarantine_dir.empty()) {
    std::vector<internal::QuarantineRecordInfo> records;
    std::string err;
    internal::UniqueFd q = internal::OpenDir(st.quarantine_dir, &err);
    if (q.valid() && internal::ListQuarantine(st.quarantine_dir, &records, &err)) {
      for (const auto& r : records) {
        QuarantineEntryStatus e;
        e.record = r.record;
        e.original_path = r.original_path;
        e.reason = r.reason;
        e.failed_check = r.failed_check;
        e.t = r.t;
        e.size = r.size;
        e.sha256 = r.sha256;
        e.removed = r.removed;
        struct stat dst {};
        e.file_present = !r.data.empty() &&
                         ::fstatat(q.get(), r.data.c_str(), &dst, AT_SYMLINK_NOFOLLOW) == 0;
        if (e.file_present) st.quarantine_bytes += static_cast<std::uint64_t>(dst.st_size);
        st.quarantine.push_back(std::move(e));
      }
    }
  }
  st.ok = true;
  JudgeHealth(&st);
  return st;
}

std::string StatusToJson(const DirectoryStatus& st) {
  json j;
  j["ok"] = st.ok;
  if (!st.ok) j["error"] = st.error;
  j["live_dir"] = st.live_dir;
  j["state_dir"] = st.state_dir;
  j["quarantine_dir"] = st.quarantine_dir;
  j["interrupted_operation_pending"] = st.interrupted_operation_pending;
  j["healthy"] = st.healthy;
  j["problems"] = st.problems;
  j["live"] = json::array();
  for (const auto& f : st.live) {
    json e = {{"name", f.name},
              {"kind", std::string(KindName(f.kind))},
              {"version", f.version},
              {"sigs", f.sigs},
              {"build_time", f.build_time},
              {"verdict", std::string(VerdictName(f.verdict))},
              {"size", f.size},
              {"verified_by", f.report.verified_by}};
    e["sign"] = f.sign_name.empty() ? json(nullptr) : json(f.sign_name);
    json findings = json::parse(FindingsToJson(f.report.findings), nullptr, false);
    e["findings"] = findings.is_discarded() ? json::array() : std::move(findings);
    j["live"].push_back(std::move(e));
  }
  json lkg;
  lkg["present"] = st.has_last_known_good;
  lkg["t"] = st.last_known_good_t;
  lkg["files"] = json::array();
  for (const auto& f : st.last_known_good) {
    lkg["files"].push_back(
        {{"name", f.name}, {"version", f.version}, {"size", f.size}, {"sha256", f.sha256}});
  }
  j["last_known_good"] = std::move(lkg);
  json q;
  q["bytes"] = st.quarantine_bytes;
  q["entries"] = json::array();
  for (const auto& e : st.quarantine) {
    q["entries"].push_back({{"record", e.record},
                            {"original_path", e.original_path},
                            {"reason", e.reason},
                            {"failed_check", e.failed_check},
                            {"t", e.t},
                            {"size", e.size},
                            {"sha256", e.sha256},
                            {"removed", e.removed},
                            {"file_present", e.file_present}});
  }
  j["quarantine"] = std::move(q);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace cvdguard
