// Shared pieces of activate/prune/rollback/status: the locked LIVE
// directory, the commit journal and its roll-forward, the last-known-good
// store, and validation of one open file.
#ifndef CVDGUARD_ACTIVATION_LIVE_DIR_H_
#define CVDGUARD_ACTIVATION_LIVE_DIR_H_

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/fs_util.h"
#include "cvdguard/activation.h"
#include "cvdguard/report.h"

namespace cvdguard::internal {

// True for names a scanner loads as a container: *.cvd, *.cld, *.cud in any
// case (ClamAV matches extensions case-insensitively).
bool HasContainerExtension(std::string_view name);
// Members of "the set" in LIVE: container files and *.sign, not dot-files.
bool IsSetMember(std::string_view name);

// The roll-forward journal (LIVE/.cvdguard.journal). Written and fsynced
// before the first change to LIVE; every step is idempotent.
struct SourceUnlink {
  std::string path;
  std::uint64_t dev = 0, ino = 0;
};
struct Journal {
  std::string op;
  std::vector<std::pair<std::string, std::string>> live_renames;
  std::vector<std::string> live_unlinks;
  std::string q_dir;
  std::vector<std::pair<std::string, std::string>> q_renames;
  std::string s_dir;
  std::string lkg_pending, lkg_id;  // promote pending -> lkg
  bool lkg_consume = false;         // remove lkg (rollback)
  std::vector<SourceUnlink> sources;
};

bool WriteJournal(int live_fd, const Journal& j, std::string* error);

// The directories a run was given besides LIVE. A journal read back from
// LIVE is not trusted: whoever can write LIVE can write it. It may touch
// only LIVE and these, and it never removes files elsewhere.
struct RecoveryScope {
  std::string quarantine_dir;
  std::string state_dir;
};

// Applies the journal and removes it. Emits hook points. `scope` null: the
// journal this run just wrote. Otherwise one read back from LIVE: its
// quarantine and state directories must be the scope's, renames in the
// quarantine never replace a file, and an activated candidate outside LIVE
// is removed only if it is a copy of the file now live under its name (one
// left in place gets a line in *notes).
bool RollForward(int live_fd, const Journal& j, const RecoveryScope* scope,
                 std::vector<std::string>* notes, std::string* error);

// LIVE opened and locked, with any interrupted operation completed and
// stale temps removed.
class LockedLive {
 public:
  // exclusive: activate/prune/rollback. Fills *result on failure.
  bool Open(const std::string& live_dir, const ActivationOptions& options,
            const RecoveryScope& scope, OperationResult* result);
  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] dev_t dev() const { return dev_; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  UniqueFd fd_, lock_;
  dev_t dev_ = 0;
  std::string path_;
};

// Last-known-good manifest entry.
struct LkgFile {
  std::string name;
  std::uint64_t size = 0;
  std::string sha256;
  std::optional<std::uint32_t> version;
  std::uint64_t dev = 0, ino = 0;
  std::int64_t mtime_ns = 0;
};
struct LkgManifest {
  std::string id;
  std::int64_t t = 0;
  std::vector<LkgFile> files;
};
inline constexpr const char* kLkgDir = "lkg";
inline constexpr const char* kManifestName = "manifest.json";

bool ReadLkgManifest(int s_fd, LkgManifest* out, std::string* error);
// Copies or hard-links the current LIVE set into S/.lkg-pending.<id>.
bool StageLkg(int live_fd, dev_t live_dev, int s_fd, std::int64_t t, std::string* pending,
              std::string* id, std::string* error);
// Removes leftovers of interrupted runs in S (pending/old lkg dirs whose
// owner is gone).
void CleanStateDir(int s_fd);

// Validates one open file from offset 0, feeding SHA-256 too; `sign` is the
// .sign text to hand to the validator (empty: none). Adds a
// FILE_CHANGED-style finding if fd's stat changed during the read.
struct Judged {
  Report report;
  std::string sha256;
  std::uint64_t size = 0;
  bool read_failed = false;
  std::string read_error;
};
Judged JudgeFd(int fd, const std::string& file_name, const std::string& display,
               const VerifyOptions& verify, const std::string& sign_text,
               const std::string& sign_path);

// Reads a .sign beside a .cvd: <dir>/<db>-<version>.cvd.sign. Returns the
// name; *text empty when there is none. *is_bad when it exists but is not a
// regular file.
struct SignFile {
  std::string name;
  std::string text;
  bool present = false;
  bool bad = false;
  UniqueFd fd;
  struct stat st {};
};
SignFile FindSign(int dir_fd, const std::string& db, std::optional<std::uint32_t> version);

std::string FirstProblem(const Report& r, std::optional<Code>* code);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_ACTIVATION_LIVE_DIR_H_
