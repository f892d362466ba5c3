#include "cli/report_text.h"

namespace cvdguard::cli {
namespace {

const char* Color(const TextStyle& s, Severity sev) {
  if (!s.color) return "";
  switch (sev) {
    case Severity::kInfo: return "\033[2m";
    case Severity::kWarning: return "\033[33m";
    case Severity::kError:
    case Severity::kFatal: return "\033[31m";
  }
  return "";
}

const char* Reset(const TextStyle& s) { return s.color ? "\033[0m" : ""; }

}  // namespace

std::string ForText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7F) {
      out.push_back(c);
      continue;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    out += "\\x";
    out.push_back(kHex[u >> 4]);
    out.push_back(kHex[u & 15]);
  }
  return out;
}

std::string DisplayBuildTime(std::string header_build_time) {
  const auto dash = header_build_time.find('-');
  if (dash != std::string::npos) header_build_time[dash] = ':';
  return header_build_time;
}

std::string OneLineReason(const Report& r) {
  for (const auto& f : r.findings) {
    if (f.severity >= Severity::kError) return f.message;
  }
  return {};
}

void PrintReportText(const Report& r, const TextStyle& style, std::ostream& out) {
  const std::string name = r.path.empty() ? "<memory>" : ForText(r.path);
  const Severity worst = r.verdict == Verdict::kValid ? Severity::kInfo : Severity::kError;
  out << name << ": " << Color(style, worst)
      << (r.verdict == Verdict::kValid ? "valid" : r.verdict == Verdict::kInvalid ? "INVALID" : "ERROR")
      << Reset(style);
  out << " (" << KindName(r.kind);
  if (r.header.present && r.header.has_version) out << ", version " << r.header.version;
  if (r.header.present && r.header.has_sigs) out << ", " << r.header.sigs << " signatures";
  out << ", verified by " << r.verified_by << ")\n";
  for (const auto& f : r.findings) {
    if (style.quiet && f.severity < Severity::kError) continue;
    if (f.severity == Severity::kInfo && r.verdict == Verdict::kValid && !style.quiet) {
      // Info findings are still shown: they say what was not checked.
    }
    out << "  " << Color(style, f.severity) << SeverityName(f.severity) << Reset(style) << " "
        << CodeName(f.code) << " (" << CodeNumber(f.code) << ")";
    if (!f.member.empty()) {
      out << " [" << ForText(f.member) << (f.line ? ":" + std::to_string(f.line) : "") << "]";
    } else if (f.line) {
      out << " [line " << f.line << "]";  // e.g. a .cdiff script line
    }
    if (f.offset != Finding::kNone) out << " @" << f.offset;
    out << ": " << ForText(f.message) << "\n";
  }
}

}  // namespace cvdguard::cli
