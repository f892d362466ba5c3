// JSON rendering of reports. nlohmann::json stays inside this file.
#include "cvdguard/json.h"

#include <nlohmann/json.hpp>

namespace cvdguard {
namespace {

nlohmann::json FindingJson(const Finding& f) {
  nlohmann::json j;
  j["id"] = CodeNumber(f.code);
  j["code"] = std::string(CodeName(f.code));
  j["severity"] = std::string(SeverityName(f.severity));
  j["message"] = f.message;
  if (f.offset != Finding::kNone) j["offset"] = f.offset;
  if (f.tar_offset != Finding::kNone) j["tar_offset"] = f.tar_offset;
  if (!f.member.empty()) j["member"] = f.member;
  if (f.line != 0) j["line"] = f.line;
  return j;
}

nlohmann::json FindingsArray(const std::vector<Finding>& findings) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& f : findings) arr.push_back(FindingJson(f));
  return arr;
}

std::string Dump(const nlohmann::json& j) {
  // Replace invalid UTF-8 (hostile names) rather than throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A text field of the report: null when the file did not give it (a .cdiff
// header has no build time, builder, MD5 or signature; a cut file no name).
nlohmann::json TextOrNull(const std::string& s) {
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}

}  // namespace

std::string FindingsToJson(const std::vector<Finding>& findings) {
  return Dump(FindingsArray(findings));
}

std::string ReportToJson(const Report& r) {
  nlohmann::json j;
  j["path"] = r.path;
  j["kind"] = std::string(KindName(r.kind));
  j["verdict"] = std::string(VerdictName(r.verdict));
  if (r.header.present) {
    nlohmann::json h;
    h["build_time"] = TextOrNull(r.header.build_time);
    h["version"] = r.header.has_version ? nlohmann::json(r.header.version) : nlohmann::json();
    h["sigs"] = r.header.has_sigs ? nlohmann::json(r.header.sigs) : nlohmann::json();
    h["flevel"] = r.header.has_flevel ? nlohmann::json(r.header.flevel) : nlohmann::json();
    h["builder"] = TextOrNull(r.header.builder);
    h["stime"] = r.header.has_stime ? nlohmann::json(r.header.stime) : nlohmann::json();
    h["md5"] = TextOrNull(r.header.md5);
    h["dsig"] = TextOrNull(r.header.dsig);
    j["header"] = h;
  } else {
    j["header"] = nullptr;
  }
  j["database"] = TextOrNull(r.database);
  j["size"] = r.file_size;
  j["inflated_size"] = r.inflated_bytes;
  nlohmann::json members = nlohmann::json::array();
  for (const auto& m : r.members) {
    members.push_back({{"name", m.name}, {"size", m.size}, {"sha256", m.sha256}});
  }
  j["members"] = members;
  j["findings"] = FindingsArray(r.findings);
  nlohmann::json sig;
  sig["verified_by"] = r.verified_by;
  nlohmann::json methods = nlohmann::json::array();
  for (const auto& s : r.signatures) {
    nlohmann::json m;
    m["method"] = std::string(SigMethodName(s.method));
    m["outcome"] = std::string(SigOutcomeName(s.outcome));
    if (!s.key.empty()) m["key"] = s.key;
    if (!s.signer.empty()) m["signer"] = s.signer;
    if (!s.chain.empty()) m["chain"] = s.chain;
    if (!s.detail.empty()) m["detail"] = s.detail;
    methods.push_back(m);
  }
  sig["methods"] = methods;
  j["signature"] = sig;
  return Dump(j);
}

}  // namespace cvdguard
