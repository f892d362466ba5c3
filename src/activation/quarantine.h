// The quarantine directory: entries are moved in, never deleted, each with a
// JSON record beside it; size/age bounds remove the oldest files and keep
// their records.
#ifndef CVDGUARD_ACTIVATION_QUARANTINE_H_
#define CVDGUARD_ACTIVATION_QUARANTINE_H_

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/fs_util.h"
#include "cvdguard/activation.h"
#include "cvdguard/finding.h"

namespace cvdguard::internal {

// A file to quarantine: its directory entry and an open descriptor of the
// inode that was judged (may be invalid for a dangling symlink).
struct QuarantineSource {
  int dir_fd = -1;
  std::string name;          // entry name in dir_fd
  std::string display_path;  // for the record ("original_path")
  int fd = -1;
  struct stat st {};         // fstat of fd (when fd is valid)
  bool is_symlink = false;   // the entry itself is a symlink
};

struct QuarantineMeta {
  std::string reason;     // "invalid", "pruned", "rolled_back"
  std::string operation;  // "activate", "prune", "rollback"
  std::string base_name;  // used in the entry name
  std::uint64_t size = 0;
  std::string sha256;
  std::int64_t t = 0;
  std::string kind;
  std::optional<std::uint32_t> version;
  std::optional<Code> failed_code;
  std::string failed_detail;
  std::string findings_json = "[]";  // FindingsToJson
  // Companion .sign, if any.
  std::string sign_sha256;
  std::uint64_t sign_size = 0;
};

// Names of one entry while staged (temps) and once committed.
struct StagedEntry {
  std::string tmp_record, record;
  std::string tmp_data, data;
  std::string tmp_sign, sign;  // empty when no .sign
};

struct QuarantineRecordInfo {
  std::string record;  // file name
  std::string data, sign;
  std::string original_path, reason, failed_check, sha256;
  std::int64_t t = 0;
  std::uint64_t size = 0;
  bool removed = false;
};

class Quarantine {
 public:
  // Creates the directory if missing and opens it.
  bool Open(const std::string& path, std::string* error);
  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] const std::string& path() const { return path_; }

  // Copies or hard-links data (and sign) under temp names and writes the
  // record under a temp name; everything fsynced. Nothing is visible yet.
  bool Stage(const QuarantineMeta& meta, const QuarantineSource& data,
             const QuarantineSource* sign, StagedEntry* out, std::string* error);
  // Renames the record into place first, then the files; fsyncs Q.
  bool Commit(const StagedEntry& entry, std::string* error);
  // Stage + Commit + remove the source entries (only if they still name the
  // same inode); fsyncs the source directories. Returns the record path.
  bool MoveIn(const QuarantineMeta& meta, const QuarantineSource& data,
              const QuarantineSource* sign, std::string* record_path, std::string* error);

  // Removes leftover temps of an interrupted run (never a committed entry).
  void RemoveStaleTemps();

  // Applies the bounds; entries whose record is in `keep` are never removed.
  bool Enforce(const QuarantineBounds& bounds, std::int64_t now,
               const std::set<std::string>& keep, std::vector<QuarantineRemoval>* removals,
               std::string* error);

  // Every record, oldest first.
  bool List(std::vector<QuarantineRecordInfo>* out, std::string* error) const;

 private:
  bool StageFile(const QuarantineSource& src, const std::string& tmp, std::string* error);

  UniqueFd fd_;
  std::string path_;
  dev_t dev_ = 0;
};

// Reads the records of a quarantine directory without creating it.
bool ListQuarantine(const std::string& path, std::vector<QuarantineRecordInfo>* out,
                    std::string* error);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_ACTIVATION_QUARANTINE_H_
