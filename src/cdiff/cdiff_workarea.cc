// The in-memory work area: applying validated scripts to a file set, reading
// a container's members into it, and writing the .cld freshclam would build
// from it (FORMAT.md 5.2, 5.3). Nothing here touches the filesystem.
#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <optional>

#include "archive/inflater.h"
#include "archive/sink.h"
#include "archive/tar_walker.h"
#include "cdiff/cdiff_internal.h"
#include "cvdguard/bytes.h"
#include "header/header.h"

namespace cvdguard::internal {
namespace {

std::string Printable(std::string_view s, std::size_t max = 40) { return CdiffPrintable(s, max); }

struct OpenFile {
  std::string name;
  std::uint64_t script_line = 0;
  std::map<std::uint64_t, const CdiffCommand*> edits;  // by file line
  std::vector<const CdiffCommand*> adds;
};

class Applier {
 public:
  Applier(FileSet* files, std::uint64_t max_total, std::vector<Finding>* findings)
      : files_(files), max_total_(max_total), findings_(findings) {
    for (const auto& [name, data] : *files_) total_ += data.size();
  }

  bool Run(const CdiffScript& script) {
    for (const CdiffCommand& c : script.commands) {
      switch (c.op) {
        case CdiffOp::kOpen:
          open_.emplace();
          open_->name = c.name;
          open_->script_line = c.script_line;
          break;
        case CdiffOp::kAdd:
          if (!RequireOpen(c)) return false;
          open_->adds.push_back(&c);
          break;
        case CdiffOp::kDel:
        case CdiffOp::kXchg:
          if (!RequireOpen(c)) return false;
          if (!open_->edits.emplace(c.line, &c).second) {
            return Fail(Code::kCdiffDuplicateEdit, c, open_->name, "line edited twice");
          }
          break;
        case CdiffOp::kClose:
          if (!RequireOpen(c)) return false;
          if (!Close(c)) return false;
          open_.reset();
          break;
        case CdiffOp::kUnlink: {
          if (open_) return Fail(Code::kCdiffUnlinkWhileOpen, c, c.name, "UNLINK while open");
          const auto it = files_->find(c.name);
          if (it == files_->end()) {
            return Fail(Code::kCdiffUnlinkMissing, c, c.name,
                        "UNLINK " + c.name + ": no such file in the database being patched");
          }
          total_ -= it->second.size();
          files_->erase(it);
          break;
        }
      }
    }
    if (open_) {
      Finding f = MakeFinding(Code::kCdiffUnclosedOpen, "OPEN " + open_->name + " never closed");
      f.line = open_->script_line;
      f.member = open_->name;
      findings_->push_back(std::move(f));
      return false;
    }
    return true;
  }

 private:
  bool Fail(Code code, const CdiffCommand& c, const std::string& member, std::string message) {
    Finding f = MakeFinding(code, std::move(message));
    f.line = c.script_line;
    f.member = member;
    findings_->push_back(std::move(f));
    return false;
  }

  bool RequireOpen(const CdiffCommand& c) {
    if (open_) return true;
    return Fail(Code::kCdiffNotOpen, c, "", "command with no open file");
  }

  bool Grow(const CdiffCommand& c, std::uint64_t old_size, std::uint64_t new_size) {
    total_ = total_ - old_size + new_size;
    if (total_ > max_total_) {
      return Fail(Code::kCdiffResultTooLarge, c, open_->name,
                  "the patched database would exceed " + std::to_string(max_total_) + " bytes");
    }
    return true;
  }

  bool Close(const CdiffCommand& close) {
    const std::string& name = open_->name;
    auto it = files_->find(name);
    const bool exists = it != files_->end();
    if (!open_->edits.empty()) {
      if (!exists) {
        const CdiffCommand& first = *open_->edits.begin()->second;
        return Fail(Code::kCdiffLineOutOfRange, first, name,
                    "edits line " + std::to_string(first.line) + " of " + name +
                        ", which does not exist in the database being patched (wrong base?)");
      }
      const std::string& old = it->second;
      if (!old.empty() && old.back() != '\n') {
        return Fail(Code::kCdiffEditUnterminated, close, name,
                    name + " does not end with LF; ClamAV refuses to edit it");
      }
      std::string out;
      out.reserve(old.size() + 64);
      auto edit = open_->edits.begin();
      std::uint64_t line_no = 0;
      std::size_t pos = 0;
      while (pos < old.size()) {
        const std::size_t lf = old.find('\n', pos);  // exists: old ends with LF
        const std::string_view line(old.data() + pos, lf - pos);
        ++line_no;
        if (edit != open_->edits.end() && edit->first == line_no) {
          const CdiffCommand& e = *edit->second;
          if (!line.starts_with(e.prefix)) {
            return Fail(Code::kCdiffPrefixMismatch, e, name,
                        std::string(e.op == CdiffOp::kDel ? "DEL " : "XCHG ") +
                            std::to_string(e.line) + " expects a line starting with '" +
                            Printable(e.prefix) + "', " + name + " has '" + Printable(line) +
                            "': the patch does not fit this base");
          }
          if (e.op == CdiffOp::kXchg) {
            out.append(e.text);
            out.push_back('\n');
          }
          ++edit;
        } else {
          out.append(line);
          out.push_back('\n');
        }
        pos = lf + 1;
      }
      if (edit != open_->edits.end()) {
        const CdiffCommand& e = *edit->second;
        return Fail(Code::kCdiffLineOutOfRange, e, name,
                    "edits line " + std::to_string(e.line) + " but " + name + " has " +
                        std::to_string(line_no) + " lines: the patch does not fit this base");
      }
      if (!Grow(close, old.size(), out.size())) return false;
      it->second = std::move(out);
    }
    if (!open_->adds.empty()) {
      if (!exists) it = files_->emplace(name, std::string()).first;
      std::string& data = it->second;
      if (!data.empty() && data.back() != '\n') {
        return Fail(Code::kCdiffEditUnterminated, *open_->adds.front(), name,
                    name + " does not end with LF: an ADD would be glued to its last line");
      }
      std::uint64_t added = 0;
      for (const CdiffCommand* a : open_->adds) added += a->text.size() + 1;
      if (!Grow(close, 0, added)) return false;
      data.reserve(data.size() + static_cast<std::size_t>(added));
      for (const CdiffCommand* a : open_->adds) {
        data.append(a->text);
        data.push_back('\n');
      }
    }
    return true;
  }

  FileSet* files_;
  std::uint64_t max_total_;
  std::uint64_t total_ = 0;
  std::vector<Finding>* findings_;
  std::optional<OpenFile> open_;
};

// sigtool --build packs <name>.<ext> in this order (FORMAT.md 4.5).
constexpr const char* kSigtoolOrder[] = {"info", "cfg", "ign", "ign2", "ftm", "db",  "hdb", "hdu",
                                         "hsb",  "hsu", "mdb", "mdu",  "msb", "msu", "ndb", "ndu",
                                         "ldb",  "ldu", "sdb", "zmd",  "rmd", "idb", "fp",  "sfp",
                                         "gdb",  "pdb", "wdb", "crb",  "cdb", "imp"};

class Collector final : public TarListener {
 public:
  void OnMemberStart(const TarEntry& entry) override {
    members.emplace_back(entry.name, std::string());
    members.back().second.reserve(static_cast<std::size_t>(entry.size));
  }
  void OnMemberData(std::span<const std::uint8_t> bytes) override {
    members.back().second.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  void OnMemberEnd() override {}
  MemberList members;
};

}  // namespace

bool ApplyCdiffScript(const CdiffScript& script, FileSet* files, std::uint64_t max_total,
                      std::vector<Finding>* findings) {
  Applier applier(files, max_total, findings);
  return applier.Run(script);
}

struct MemberCollector::State {
  Limits limits;
  std::vector<std::uint8_t> head;
  bool started = false;
  Collector collector;
  std::unique_ptr<TarWalker> tar;
  std::unique_ptr<GzipInflater> inflater;
  std::optional<Finding> first_error;
};

MemberCollector::MemberCollector(const Limits& limits) : state_(std::make_unique<State>()) {
  state_->limits = limits;
}
MemberCollector::~MemberCollector() = default;
MemberList& MemberCollector::members() { return state_->collector.members; }

void MemberCollector::Update(std::span<const std::uint8_t> bytes) {
  State& s = *state_;
  if (s.first_error) return;
  if (!s.started) {
    constexpr std::size_t kNeed = kHeaderSize + 2;
    const std::size_t take = std::min(kNeed - s.head.size(), bytes.size());
    s.head.insert(s.head.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    if (s.head.size() < kNeed) return;
    s.started = true;
    auto sink = [&s](Finding f) {
      if (f.severity == Severity::kFatal && !s.first_error) s.first_error = std::move(f);
    };
    const TarLimits tl{s.limits.max_member_bytes, s.limits.max_members};
    const bool gzip = s.head[kHeaderSize] == 0x1F && s.head[kHeaderSize + 1] == 0x8B;
    s.tar = std::make_unique<TarWalker>(tl, gzip ? Finding::kNone : kHeaderSize, &s.collector, sink);
    if (gzip) {
      s.inflater = std::make_unique<GzipInflater>(
          kHeaderSize, s.limits.max_total_bytes, Code::kPayloadTooLarge, "payload too large",
          [&s](std::span<const std::uint8_t> out) {
            if (!s.first_error) s.tar->Update(out);
          },
          sink);
    }
    const std::span<const std::uint8_t> rest = std::span<const std::uint8_t>(s.head).subspan(kHeaderSize);
    if (s.inflater) {
      s.inflater->Update(rest);
    } else {
      s.tar->Update(rest);
    }
  }
  if (bytes.empty()) return;
  if (s.inflater) {
    s.inflater->Update(bytes);
  } else {
    s.tar->Update(bytes);
  }
}

bool MemberCollector::Finish(std::string* error) {
  State& s = *state_;
  if (!s.started && !s.first_error) {
    *error = "the container is shorter than its header";
    return false;
  }
  if (!s.first_error && s.inflater) {
    s.inflater->Finish();
    if (s.inflater->failed() && !s.first_error) *error = "gzip payload failed";
  }
  if (!s.first_error && s.tar) s.tar->Finish();
  if (s.first_error) {
    *error = s.first_error->message;
    return false;
  }
  if ((s.inflater && s.inflater->failed()) || s.tar->failed()) {
    if (error->empty()) *error = "the archive is corrupt";
    return false;
  }
  return true;
}

std::vector<std::string> CldMemberOrder(const FileSet& files, const std::string& db) {
  std::vector<std::string> order;
  auto take = [&](const std::string& name) {
    if (files.count(name) != 0 && std::find(order.begin(), order.end(), name) == order.end()) {
      order.push_back(name);
    }
  };
  take("COPYING");
  for (const char* ext : kSigtoolOrder) take(db + "." + ext);
  for (const auto& [name, data] : files) take(name);
  return order;
}

bool BuildCld(FileSet files, const std::string& db, const CldSink& write, Code* code,
              std::string* error) {
  if (files.count("COPYING") == 0) {
    *code = Code::kCdiffResultNoCopying;
    *error = "the patched database has no COPYING; freshclam refuses to build a .cld without it";
    return false;
  }
  const auto info = files.find(db + ".info");
  if (info == files.end()) {
    *code = Code::kCdiffResultNoInfo;
    *error = "the patched database has no " + db + ".info";
    return false;
  }
  // freshclam: the first 512 bytes of .info, everything from the first LF to
  // byte 511 replaced by spaces; the LF must be within those 512 bytes.
  const std::size_t lf = info->second.find('\n');
  if (lf == std::string::npos || lf >= kHeaderSize || !info->second.starts_with(kHeaderMagic)) {
    *code = Code::kCdiffResultNoInfo;
    *error = "the first line of " + db + ".info is not a ClamAV-VDB: header line shorter than "
             "512 bytes";
    return false;
  }
  const std::vector<std::string> order = CldMemberOrder(files, db);
  std::array<std::uint8_t, 512> block;
  for (const std::string& name : order) {
    if (!MakeTarHeader(name, files.find(name)->second.size(), &block)) {
      *code = Code::kCdiffResultInvalid;
      *error = "member name '" + Printable(name) + "' does not fit ClamAV's tar dialect";
      return false;
    }
  }
  auto put = [&](std::span<const std::uint8_t> bytes) {
    if (write(bytes, error)) return true;
    *code = Code::kCdiffOutputFailed;
    return false;
  };
  block.fill(' ');
  std::memcpy(block.data(), info->second.data(), lf);
  if (!put(block)) return false;
  static constexpr std::array<std::uint8_t, 512> kZeros{};
  for (const std::string& name : order) {
    const auto member = files.find(name);
    const std::span<const std::uint8_t> data = cvdguard::AsBytes(member->second);
    MakeTarHeader(name, data.size(), &block);
    if (!put(block) || !put(data) || !put(std::span(kZeros).first(TarPadding(data.size())))) {
      return false;
    }
    files.erase(member);  // written: one copy at a time
  }
  return true;
}

bool BuildCldBytes(FileSet files, const std::string& db, std::vector<std::uint8_t>* out, Code* code,
                   std::string* error) {
  out->clear();
  std::uint64_t total = kHeaderSize;
  for (const auto& [name, data] : files) total += 512 + (data.size() + 511) / 512 * 512;
  out->reserve(static_cast<std::size_t>(total));
  const bool ok = BuildCld(
      std::move(files), db,
      [out](std::span<const std::uint8_t> bytes, std::string*) {
        out->insert(out->end(), bytes.begin(), bytes.end());
        return true;
      },
      code, error);
  if (!ok) out->clear();
  return ok;
}

}  // namespace cvdguard::internal
