#include "manifest/info.h"

#include <algorithm>
#include <charconv>
#include <unordered_map>
#include <unordered_set>

#include "manifest/names.h"

namespace cvdguard::internal {
namespace {

// ClamAV reads .info lines into an 8192-byte buffer (FILEBUFF); longer lines
// abort its read.
constexpr std::size_t kMaxLine = 8192;

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Clip(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7F) ? c : '?';
  }
  if (s.size() > 80) out += "...";
  return out;
}

}  // namespace

InfoParse ParseInfo(std::string_view data, bool signed_kind, const std::string& member) {
  InfoParse out;
  auto add = [&](Code code, std::uint64_t line, std::string message) {
    if (!out.cap.Admit(code)) return;
    Finding f;
    f.code = code;
    f.severity = DefaultSeverity(code);
    f.member = member;
    f.line = line;
    f.message = std::move(message);
    out.findings.push_back(std::move(f));
  };
  std::unordered_set<std::string> names;
  std::size_t pos = 0;
  std::uint64_t line_no = 0;
  bool bad_bytes_reported = false;
  while (pos < data.size()) {
    ++line_no;
    const std::size_t lf = data.find('\n', pos);
    const bool terminated = lf != std::string_view::npos;
    const std::string_view line = data.substr(pos, (terminated ? lf : data.size()) - pos);
    const std::size_t line_start = pos;
    pos = terminated ? lf + 1 : data.size();

    if (line.size() + 1 >= kMaxLine) {
      add(Code::kInfoLineTooLong, line_no,
          "line is " + std::to_string(line.size()) + " bytes; ClamAV's reader stops at 8191");
    }
    if (!bad_bytes_reported &&
        (line.find('\0') != std::string_view::npos || line.find('\r') != std::string_view::npos)) {
      bad_bytes_reported = true;
      add(Code::kInfoBadBytes, line_no, "line contains a NUL or CR byte");
    }
    if (!terminated) {
      add(Code::kInfoNoFinalNewline, line_no,
          "last line is not LF-terminated; ClamAV's line reader drops it" +
              std::string(line.starts_with("DSIG:") ? " and then finds no signature" : ""));
      if (!line.starts_with("DSIG:")) break;
    }
    if (line_no == 1) {
      out.header_line = std::string(line);
      continue;
    }
    if (line.starts_with("DSIG:")) {
      if (!signed_kind) {
        add(Code::kInfoDsigUnexpected, line_no,
            "an unsigned .cud manifest has a DSIG line; ClamAV reads it as a bad entry");
      }
      out.has_dsig = terminated;  // an unterminated DSIG is not found by ClamAV
      out.dsig = std::string(line.substr(5));
      out.dsig_line = line_no;
      out.signed_length = line_start;
      if (pos < data.size()) {
        add(Code::kInfoDataAfterDsig, line_no + 1,
            std::to_string(data.size() - pos) + " bytes follow the DSIG line; ClamAV ignores "
            "them, so they are not covered by any signature");
      }
      break;
    }
    if (line.empty()) {
      add(Code::kInfoBlankLine, line_no, "blank line in the manifest");
      continue;
    }
    // name:size:sha256
    const std::size_t c1 = line.find(':');
    const std::size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    const bool three = c2 != std::string_view::npos && line.find(':', c2 + 1) == std::string_view::npos;
    if (!three) {
      add(Code::kInfoBadEntry, line_no,
          "'" + Clip(line) + "' is not name:size:sha256");
      continue;
    }
    const std::string_view name = line.substr(0, c1);
    const std::string_view size = line.substr(c1 + 1, c2 - c1 - 1);
    const std::string_view hash = line.substr(c2 + 1);
    InfoEntry e;
    e.line = line_no;
    e.name = std::string(name);
    std::string why;
    if (name.empty()) why = "empty name";
    if (why.empty()) {
      const auto res = std::from_chars(size.data(), size.data() + size.size(), e.size);
      if (size.empty() || res.ec != std::errc() || res.ptr != size.data() + size.size() ||
          !std::all_of(size.begin(), size.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        why = "size '" + Clip(size) + "' is not a decimal number";
      }
    }
    if (why.empty() && (hash.size() != 64 || !IsHex(hash))) why = "hash is not 64 hex digits";
    if (!why.empty()) {
      add(Code::kInfoBadEntry, line_no, "entry '" + Clip(line) + "': " + why);
      continue;
    }
    e.sha256 = Lower(hash);
    if (!names.insert(e.name).second) {
      add(Code::kInfoDuplicateEntry, line_no, "'" + Clip(name) + "' is listed more than once");
      continue;
    }
    out.entries.push_back(std::move(e));
  }
  if (signed_kind && !out.has_dsig) {
    add(Code::kInfoDsigMissing, 0, "the manifest has no LF-terminated DSIG line");
  }
  if (out.entries.empty()) add(Code::kInfoNoEntries, 0, "the manifest lists no members");
  return out;
}

void CompareInfoHeader(const InfoParse& info, const HeaderFields& c, const std::string& member,
                       std::vector<Finding>* findings) {
  if (!info.header_ok || !c.present) return;
  const HeaderFields& i = info.header;
  auto add = [&](Code code, std::string message) {
    Finding f;
    f.code = code;
    f.severity = DefaultSeverity(code);
    f.member = member;
    f.line = 1;
    f.message = std::move(message);
    findings->push_back(std::move(f));
  };
  std::string diffs;
  auto num = [&](const char* name, bool has, std::uint64_t cv, std::uint64_t iv) {
    if (has && cv != iv) {
      diffs += std::string(diffs.empty() ? "" : ", ") + name + " " + std::to_string(cv) +
               " in the header vs " + std::to_string(iv) + " in .info";
    }
  };
  num("version", c.has_version, c.version, i.version);
  num("sigs", c.has_sigs, c.sigs, i.sigs);
  num("flevel", c.has_flevel, c.flevel, i.flevel);
  num("stime", c.has_stime, c.stime, i.stime);
  if (!diffs.empty()) add(Code::kInfoHeaderMismatch, diffs + " (ClamAV: Corrupted CVD header)");
  std::string text;
  if (c.build_time != i.build_time) {
    text = "build time '" + Clip(c.build_time) + "' vs '" + Clip(i.build_time) + "'";
  }
  if (c.builder != i.builder) {
    text += std::string(text.empty() ? "" : ", ") + "builder '" + Clip(c.builder) + "' vs '" +
            Clip(i.builder) + "'";
  }
  if (!text.empty()) {
    add(Code::kInfoHeaderTextMismatch,
        text + ": header bytes that no signature covers unless they equal the signed .info");
  }
  if (i.md5 != "X" || i.dsig != "X") {
    add(Code::kInfoHeaderNotX, "the .info header line has md5/dsig fields other than X");
  }
}

void CompareInfoMembers(const InfoParse& info, const std::vector<Member>& members,
                        const std::string& info_member, std::vector<Finding>* findings) {
  std::unordered_map<std::string, const InfoEntry*> by_name;
  std::unordered_map<std::string, const InfoEntry*> by_folded;
  for (const auto& e : info.entries) {
    by_name.emplace(e.name, &e);
    by_folded.emplace(Lower(e.name), &e);
  }
  std::unordered_set<std::string> present;
  auto add = [&](Code code, const std::string& member, std::uint64_t line, std::string message) {
    Finding f;
    f.code = code;
    f.severity = DefaultSeverity(code);
    f.member = member;
    f.line = line;
    f.message = std::move(message);
    findings->push_back(std::move(f));
  };
  for (const auto& m : members) {
    present.insert(m.name);
    const auto it = by_name.find(m.name);
    if (it == by_name.end()) {
      if (!HasDbExtension(m.name)) continue;  // COPYING, .info, extras: not loaded
      const auto folded = by_folded.find(Lower(m.name));
      if (folded != by_folded.end()) {
        add(Code::kInfoNameCaseMismatch, m.name, 0,
            "'" + Clip(m.name) + "' is listed only as '" + Clip(folded->second->name) +
                "'; ClamAV's lookup is case-sensitive");
      } else {
        add(Code::kInfoMemberNotListed, m.name, 0,
            "database member '" + Clip(m.name) + "' is not listed in " + info_member +
                " (ClamAV: not found in .info)");
      }
      continue;
    }
    const InfoEntry& e = *it->second;
    if (m.name == "COPYING" || EndsWithCI(m.name, ".info")) {
      add(Code::kInfoListsNonDbMember, m.name, e.line,
          "the manifest lists '" + Clip(m.name) + "', which sigtool never lists");
    }
    if (e.size != m.size) {
      add(Code::kInfoSizeMismatch, m.name, e.line,
          "'" + Clip(m.name) + "' has " + std::to_string(m.size) + " bytes, .info says " +
              std::to_string(e.size));
    } else if (e.sha256 != m.sha256) {
      add(Code::kInfoHashMismatch, m.name, e.line,
          "SHA-256 of '" + Clip(m.name) + "' is " + m.sha256 + ", .info says " + e.sha256);
    }
  }
  for (const auto& e : info.entries) {
    if (present.count(e.name) == 0 && by_folded.count(Lower(e.name)) != 0) {
      bool case_variant_present = false;
      for (const auto& m : members) case_variant_present |= Lower(m.name) == Lower(e.name);
      if (case_variant_present) continue;  // reported as a case mismatch above
    }
    if (present.count(e.name) == 0) {
      Finding f;
      f.code = Code::kInfoMemberMissing;
      f.severity = DefaultSeverity(f.code);
      f.member = info_member;
      f.line = e.line;
      f.message = "'" + Clip(e.name) + "' is listed in " + info_member +
                  " but absent from the archive (a truncated or cut file; ClamAV itself does "
                  "not notice)";
      findings->push_back(std::move(f));
    }
  }
}

}  // namespace cvdguard::internal
