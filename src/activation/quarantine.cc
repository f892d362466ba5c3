#include "activation/quarantine.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cvdguard/bytes.h"

namespace cvdguard::internal {
namespace {

using nlohmann::json;

// Records are small; anything bigger is not ours.
constexpr std::size_t kMaxRecordBytes = std::size_t{16} << 20;

std::string Str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
std::int64_t Int(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

// "<UTC stamp>-<pid>-<seq>-<base name>": sortable by time, unique per process.
std::string EntryId(std::int64_t t) {
  static unsigned seq = 0;
  std::string stamp = IsoTime(t);
  stamp.erase(std::remove_if(stamp.begin(), stamp.end(), [](char c) { return c == '-' || c == ':'; }),
              stamp.end());
  return stamp + "-" + std::to_string(::getpid()) + "-" + std::to_string(++seq);
}

bool ParseRecord(const std::string& name, const std::string& text, QuarantineRecordInfo* out) {
  const json j = json::parse(text, nullptr, false);
  // Only records this tool wrote: Q may hold other files, and the bounds
  // remove what a record names.
  if (j.is_discarded() || !j.is_object() || Str(j, "schema") != "cvdguard-quarantine-1")
    return false;
  out->record = name;
  out->data = Str(j, "file");
  out->original_path = Str(j, "original_path");
  out->reason = Str(j, "reason");
  out->sha256 = Str(j, "sha256");
  out->t = Int(j, "t");
  const auto size = j.find("size");
  out->size = size != j.end() && size->is_number_unsigned() ? size->get<std::uint64_t>() : 0;
  const auto fc = j.find("failed_check");
  if (fc != j.end() && fc->is_object()) out->failed_check = Str(*fc, "name");
  const auto sign = j.find("sign");
  if (sign != j.end() && sign->is_object()) out->sign = Str(*sign, "file");
  const auto removed = j.find("removed");
  out->removed = removed != j.end() && !removed->is_null();
  // A record names only its own files: <id>.quarantine and
  // <id>.sign.quarantine beside <id>.json.
  const std::string id = name.substr(0, name.size() - 5);
  if (out->data != id + ".quarantine") return false;
  if (!out->sign.empty() && out->sign != id + ".sign.quarantine") return false;
  return true;
}

bool ListRecordsAt(int fd, std::vector<QuarantineRecordInfo>* out, std::string* error) {
  std::vector<std::string> names;
  if (!ListDir(fd, &names, error)) return false;
  out->clear();
  for (const auto& n : names) {
    if (n.empty() || n.front() == '.' || !n.ends_with(".json")) continue;
    std::string err;
    const auto text = ReadSmallFileAt(fd, n, kMaxRecordBytes, &err);
    QuarantineRecordInfo info;
    if (text && ParseRecord(n, *text, &info)) out->push_back(std::move(info));
  }
  std::stable_sort(out->begin(), out->end(),
                   [](const QuarantineRecordInfo& a, const QuarantineRecordInfo& b) {
                     return a.t < b.t;
                   });
  return true;
}

}  // namespace

bool Quarantine::Open(const std::string& path, std::string* error) {
  if (!EnsureDir(path, error)) return false;
  fd_ = OpenDir(path, error);
  if (!fd_.valid()) return false;
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) {
    *error = ErrnoMessage("stat '" + path + "'");
    return false;
  }
  dev_ = st.st_dev;
  path_ = path;
  return true;
}

bool Quarantine::StageFile(const QuarantineSource& src, const std::string& tmp,
                           std::string* error) {
  // A hard link keeps the very inode that was judged and costs nothing; only
  // for a regular file on the same file system.
  if (!src.is_symlink && src.fd >= 0 && src.st.st_dev == dev_ &&
      ::linkat(src.dir_fd, src.name.c_str(), fd_.get(), tmp.c_str(), 0) == 0) {
    struct stat linked {};
    if (::fstatat(fd_.get(), tmp.c_str(), &linked, AT_SYMLINK_NOFOLLOW) == 0 &&
        SameInode(linked, src.st)) {
      return FsyncFd(src.fd, "'" + src.display_path + "'", error);
    }
    ::unlinkat(fd_.get(), tmp.c_str(), 0);  // raced with a rename: copy instead
  }
  if (src.fd >= 0) {
    if (::lseek(src.fd, 0, SEEK_SET) != 0) {
      *error = ErrnoMessage("seek '" + src.display_path + "'");
      return false;
    }
    return CopyFdToNewFile(src.fd, fd_.get(), tmp,
                           "quarantine copy of '" + src.display_path + "'", {}, error)
        .has_value();
  }
  // A dangling symlink: keep the link itself.
  if (src.is_symlink) {
    char target[4096];
    const ssize_t n = ::readlinkat(src.dir_fd, src.name.c_str(), target, sizeof target - 1);
    if (n >= 0) {
      target[n] = '\0';
      if (::symlinkat(target, fd_.get(), tmp.c_str()) == 0) return true;
    }
  }
  *error = ErrnoMessage("cannot quarantine '" + src.display_path + "'");
  return false;
}

bool Quarantine::Stage(const QuarantineMeta& meta, const QuarantineSource& data,
                       const QuarantineSource* sign, StagedEntry* out, std::string* error) {
  const std::string id = EntryId(meta.t) + "-" + meta.base_name;
  StagedEntry e;
  // The ".quarantine" suffix keeps a scanner pointed at Q from loading it.
  e.data = id + ".quarantine";
  e.record = id + ".json";
  e.tmp_data = TempName();
  e.tmp_record = TempName();
  if (sign != nullptr) {
    e.sign = id + ".sign.quarantine";
    e.tmp_sign = TempName();
  }
  json j;
  j["schema"] = "cvdguard-quarantine-1";
  j["id"] = id;
  j["t"] = meta.t;
  j["time"] = IsoTime(meta.t);
  j["operation"] = meta.operation;
  j["reason"] = meta.reason;
  j["original_path"] = AbsolutePath(data.display_path);
  j["file"] = e.data;
  j["size"] = meta.size;
  j["sha256"] = meta.sha256;
  j["kind"] = meta.kind;
  j["version"] = meta.version ? json(*meta.version) : json(nullptr);
  if (meta.failed_code) {
    j["failed_check"] = {{"code", CodeNumber(*meta.failed_code)},
                         {"name", std::string(CodeName(*meta.failed_code))},
                         {"summary", std::string(CodeSummary(*meta.failed_code))},
                         {"detail", meta.failed_detail}};
  } else {
    j["failed_check"] = nullptr;
  }
  json findings = json::parse(meta.findings_json, nullptr, false);
  j["findings"] = findings.is_discarded() ? json::array() : std::move(findings);
  if (sign != nullptr) {
    j["sign"] = {{"original_path", AbsolutePath(sign->display_path)},
                 {"file", e.sign},
                 {"size", meta.sign_size},
                 {"sha256", meta.sign_sha256}};
  } else {
    j["sign"] = nullptr;
  }
  j["removed"] = nullptr;
  const std::string text = j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";

  if (!StageFile(data, e.tmp_data, error)) return false;
  if (sign != nullptr && !StageFile(*sign, e.tmp_sign, error)) {
    ::unlinkat(fd_.get(), e.tmp_data.c_str(), 0);
    return false;
  }
  // The record is written under its own temp name (WriteFileAt renames to
  // the name given), so write it to tmp_record.
  UniqueFd rec(::openat(fd_.get(), e.tmp_record.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!rec.valid() || !WriteAll(rec.get(), AsBytes(text), "quarantine record", error) ||
      !FsyncFd(rec.get(), "quarantine record", error)) {
    if (!rec.valid()) *error = ErrnoMessage("create quarantine record in '" + path_ + "'");
    for (const auto* n : {&e.tmp_data, &e.tmp_sign, &e.tmp_record}) {
      if (!n->empty()) ::unlinkat(fd_.get(), n->c_str(), 0);
    }
    return false;
  }
  if (!FsyncFd(fd_.get(), "quarantine directory", error)) return false;
  *out = std::move(e);
  return true;
}

bool Quarantine::Commit(const StagedEntry& e, std::string* error) {
  // Record first: a file in Q never lacks its record.
  const std::pair<const std::string*, const std::string*> moves[] = {
      {&e.tmp_record, &e.record}, {&e.tmp_sign, &e.sign}, {&e.tmp_data, &e.data}};
  for (const auto& [from, to] : moves) {
    if (from->empty()) continue;
    if (::renameat(fd_.get(), from->c_str(), fd_.get(), to->c_str()) != 0) {
      *error = ErrnoMessage("rename in quarantine '" + path_ + "'");
      return false;
    }
    if (from == &e.tmp_record) HookPoint("quarantine_record_committed");
  }
  return FsyncFd(fd_.get(), "quarantine directory", error);
}

bool Quarantine::MoveIn(const QuarantineMeta& meta, const QuarantineSource& data,
                        const QuarantineSource* sign, std::string* record_path,
                        std::string* error) {
  StagedEntry e;
  if (!Stage(meta, data, sign, &e, error)) return false;
  HookPoint("quarantine_staged");
  if (!Commit(e, error)) return false;
  HookPoint("quarantine_committed");
  for (const QuarantineSource* src : {&data, sign}) {
    if (src == nullptr) continue;
    struct stat now {};
    const bool still_same =
        ::fstatat(src->dir_fd, src->name.c_str(), &now, AT_SYMLINK_NOFOLLOW) == 0 &&
        (src->is_symlink ? S_ISLNK(now.st_mode) : (src->fd >= 0 && SameInode(now, src->st)));
    if (still_same && ::unlinkat(src->dir_fd, src->name.c_str(), 0) != 0) {
      *error = ErrnoMessage("remove '" + src->display_path + "' after quarantining it");
      return false;
    }
    if (!FsyncFd(src->dir_fd, "directory of '" + src->display_path + "'", error)) return false;
  }
  *record_path = path_ + "/" + e.record;
  return true;
}

void Quarantine::RemoveStaleTemps() {
  std::vector<std::string> names;
  std::string error;
  if (!ListDir(fd_.get(), &names, &error)) return;
  for (const auto& n : names) {
    // Q may be shared by several LIVE directories: only a dead owner's.
    if (IsTempName(n) && OwnerGone(n, kTempPrefix)) ::unlinkat(fd_.get(), n.c_str(), 0);
  }
}

bool Quarantine::Enforce(const QuarantineBounds& bounds, std::int64_t now,
                         const std::set<std::string>& keep,
                         std::vector<QuarantineRemoval>* removals, std::string* error) {
  std::vector<QuarantineRecordInfo> records;
  if (!ListRecordsAt(fd_.get(), &records, error)) return false;
  struct Live {
    QuarantineRecordInfo info;
    std::uint64_t bytes = 0;
  };
  std::vector<Live> present;
  std::uint64_t total = 0;
  for (auto& r : records) {
    if (r.removed) {
      // A removal interrupted after its record was rewritten: finish it.
      for (const auto* n : {&r.data, &r.sign}) {
        if (!n->empty()) ::unlinkat(fd_.get(), n->c_str(), 0);
      }
      continue;
    }
    std::uint64_t bytes = 0;
    bool any = false;
    for (const auto* n : {&r.data, &r.sign}) {
      struct stat st {};
      if (!n->empty() && ::fstatat(fd_.get(), n->c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        bytes += static_cast<std::uint64_t>(st.st_size);
        any = true;
      }
    }
    if (!any) continue;
    total += bytes;
    present.push_back({std::move(r), bytes});
  }
  for (const auto& e : present) {  // oldest first
    std::string why;
    if (bounds.max_age_seconds > 0 && now - e.info.t > bounds.max_age_seconds) {
      why = "max_age";
    } else if (bounds.max_bytes > 0 && total > bounds.max_bytes) {
      why = "max_bytes";
    } else {
      break;
    }
    if (keep.count(e.info.record) != 0) continue;
    std::string err;
    const auto text = ReadSmallFileAt(fd_.get(), e.info.record, kMaxRecordBytes, &err);
    if (!text) continue;
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    j["removed"] = {{"t", now}, {"time", IsoTime(now)}, {"why", why}, {"bytes", e.bytes}};
    if (!WriteFileAt(fd_.get(), e.info.record,
                     AsBytes(j.dump(2, ' ', false, json::error_handler_t::replace) + "\n"),
                     "quarantine record", error)) {
      return false;
    }
    for (const auto* n : {&e.info.data, &e.info.sign}) {
      if (!n->empty()) ::unlinkat(fd_.get(), n->c_str(), 0);
    }
    total -= e.bytes;
    removals->push_back({path_ + "/" + e.info.record, why, e.bytes});
  }
  return FsyncFd(fd_.get(), "quarantine directory", error);
}

bool Quarantine::List(std::vector<QuarantineRecordInfo>* out, std::string* error) const {
  return ListRecordsAt(fd_.get(), out, error);
}

bool ListQuarantine(const std::string& path, std::vector<QuarantineRecordInfo>* out,
                    std::string* error) {
  UniqueFd fd = OpenDir(path, error);
  if (!fd.valid()) return false;
  return ListRecordsAt(fd.get(), out, error);
}

}  // namespace cvdguard::internal
