// Builders for .cdiff files (tests, benchmarks, private mirrors): a script
// generator that speaks sigtool's subset of the language, and the signed
// wrapper (FORMAT.md 3.5, 5.1).
#include <map>
#include <string>

#include "archive/inflater.h"
#include "cdiff/cdiff_internal.h"
#include "crypto/digest.h"
#include "crypto/dsig.h"
#include "cvdguard/cdiff.h"
#include "header/header.h"

namespace cvdguard {
namespace {

// sigtool's prefix: the first <= 16 bytes of the old line, cut at the first SP.
std::string Prefix(std::string_view line) {
  std::string_view p = line.substr(0, 16);
  const auto sp = p.find(' ');
  if (sp != std::string_view::npos) p = p.substr(0, sp);
  return std::string(p);
}

std::vector<std::string_view> Lines(std::string_view data) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < data.size()) {
    const std::size_t lf = data.find('\n', pos);
    const std::size_t end = lf == std::string_view::npos ? data.size() : lf;
    lines.push_back(data.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

bool CheckNewContent(const std::string& name, const std::string& data, std::string* error) {
  if (!data.empty() && data.back() != '\n') {
    *error = "'" + name + "' does not end with LF: a script cannot produce it";
    return false;
  }
  if (data.find('\r') != std::string::npos || data.find('\0') != std::string::npos) {
    *error = "'" + name + "' contains CR or NUL, which scripts cannot carry";
    return false;
  }
  return true;
}

void AddAll(std::string* s, const std::string& name, std::string_view data) {
  *s += "OPEN " + name + "\n";
  for (std::string_view line : Lines(data)) {
    *s += "ADD ";
    s->append(line);
    *s += "\n";
  }
  *s += "CLOSE\n";
}

// old -> new as in-place edits: XCHG/DEL from the first differing line, ADD
// for lines past the old end. False when an old line in the edited range has
// an empty prefix (the script must then rewrite the file).
bool EditScript(const std::string& name, std::string_view old_data, std::string_view new_data,
                std::string* s) {
  if (!old_data.empty() && old_data.back() != '\n') return false;
  const auto a = Lines(old_data);
  const auto b = Lines(new_data);
  std::size_t p = 0;
  while (p < a.size() && p < b.size() && a[p] == b[p]) ++p;
  std::size_t sfx = 0;
  while (sfx < a.size() - p && sfx < b.size() - p && a[a.size() - 1 - sfx] == b[b.size() - 1 - sfx]) {
    ++sfx;
  }
  const std::size_t mo = a.size() - p - sfx;
  const std::size_t mn = b.size() - p - sfx;
  std::size_t old_end = a.size() - sfx;  // old lines [p, old_end) are rewritten
  std::size_t new_end = b.size() - sfx;
  if (mn > mo && sfx > 0) {
    // Lines cannot be inserted in the middle: rewrite through the end.
    old_end = a.size();
    new_end = b.size();
  }
  std::string out = "OPEN " + name + "\n";
  std::size_t i = p, j = p;
  for (; i < old_end; ++i, ++j) {
    const std::string prefix = Prefix(a[i]);
    if (prefix.empty()) return false;
    if (j < new_end) {
      out += "XCHG " + std::to_string(i + 1) + " " + prefix + " ";
      out.append(b[j]);
      out += "\n";
    } else {
      out += "DEL " + std::to_string(i + 1) + " " + prefix + "\n";
    }
  }
  for (; j < new_end; ++j) {
    out += "ADD ";
    out.append(b[j]);
    out += "\n";
  }
  out += "CLOSE\n";
  *s += out;
  return true;
}

}  // namespace

bool BuildCdiff(const std::string& script, std::uint32_t version, const std::string& private_pem,
                std::vector<std::uint8_t>* out, std::string* error) {
  out->clear();
  std::vector<std::uint8_t> gz;
  if (!internal::GzipCompress(cvdguard::AsBytes(script), 9, &gz)) {
    *error = "gzip compression failed";
    return false;
  }
  const std::string header =
      "ClamAV-Diff:" + std::to_string(version) + ":" + std::to_string(script.size()) + ":";
  std::vector<std::uint8_t> bytes(header.begin(), header.end());
  bytes.insert(bytes.end(), gz.begin(), gz.end());
  const internal::Sha256Digest hash = internal::Sha256::Of(bytes);
  std::string dsig;
  if (!internal::SignPssDsig(hash, private_pem, &dsig, error)) return false;
  bytes.push_back(':');
  bytes.insert(bytes.end(), dsig.begin(), dsig.end());
  *out = std::move(bytes);
  return true;
}

bool MakeCdiffScript(const MemberList& base, const MemberList& target, std::string* script,
                     std::string* error) {
  script->clear();
  std::map<std::string, const std::string*> old_files;
  for (const auto& [name, data] : base) {
    if (!internal::IsValidCdiffName(name)) {
      *error = "base member name '" + name + "' cannot appear in a script";
      return false;
    }
    old_files[name] = &data;
  }
  std::map<std::string, bool> seen;
  std::string s;
  for (const auto& [name, data] : target) {
    if (!internal::IsValidCdiffName(name)) {
      *error = "target member name '" + name + "' cannot appear in a script";
      return false;
    }
    if (!seen.emplace(name, true).second) {
      *error = "target member '" + name + "' is listed twice";
      return false;
    }
    if (!CheckNewContent(name, data, error)) return false;
    const auto it = old_files.find(name);
    if (it == old_files.end()) {
      if (data.empty()) {
        *error = "'" + name + "' is a new empty file, which a script cannot create";
        return false;
      }
      AddAll(&s, name, data);
      continue;
    }
    if (*it->second == data) continue;
    if (!EditScript(name, *it->second, data, &s)) {
      if (data.empty()) {
        *error = "'" + name + "' becomes empty but has lines without a usable prefix";
        return false;
      }
      s += "UNLINK " + name + "\n";
      AddAll(&s, name, data);
    }
  }
  for (const auto& [name, data] : base) {
    if (seen.count(name) == 0) s += "UNLINK " + name + "\n";
  }
  *script = std::move(s);
  return true;
}

bool ReadContainerMembers(std::span<const std::uint8_t> container, MemberList* members,
                          std::uint32_t* version, std::string* error) {
  members->clear();
  if (container.size() < internal::kHeaderSize) {
    *error = "shorter than a container header";
    return false;
  }
  const internal::HeaderParse h =
      internal::ParseHeader(container.first(internal::kHeaderSize), Kind::kUnknown);
  if (!h.fields.present || !h.fields.has_version) {
    *error = "the container header has no version";
    return false;
  }
  *version = h.fields.version;
  internal::MemberCollector collector{Limits{}};
  collector.Update(container);
  if (!collector.Finish(error)) return false;
  *members = std::move(collector.members());
  return true;
}

bool BuildCdiffFromContainers(std::span<const std::uint8_t> base,
                              std::span<const std::uint8_t> target, const std::string& private_pem,
                              std::vector<std::uint8_t>* out, std::string* error) {
  MemberList old_members, new_members;
  std::uint32_t old_version = 0, new_version = 0;
  std::string e;
  if (!ReadContainerMembers(base, &old_members, &old_version, &e)) {
    *error = "base: " + e;
    return false;
  }
  if (!ReadContainerMembers(target, &new_members, &new_version, &e)) {
    *error = "target: " + e;
    return false;
  }
  std::string script;
  if (!MakeCdiffScript(old_members, new_members, &script, error)) return false;
  return BuildCdiff(script, new_version, private_pem, out, error);
}

}  // namespace cvdguard
