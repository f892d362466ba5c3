// Code tables generated from codes.def.
#include "cvdguard/finding.h"

#include <array>
#include <cctype>

#include "cvdguard/report.h"
#include "cvdguard/version.h"

namespace cvdguard {
namespace {

struct CodeRow {
  Code code;
  std::string_view camel;
  Severity severity;
  std::string_view summary;
};

constexpr CodeRow kRows[] = {
#define CVDGUARD_CODE(sym, num, sev, summary) \
  {Code::k##sym, #sym, Severity::sev, summary},
#include "cvdguard/codes.def"
#undef CVDGUARD_CODE
};

const CodeRow* Find(Code code) {
  for (const auto& row : kRows) {
    if (row.code == code) return &row;
  }
  return nullptr;
}

// "InfoMemberMissing" -> "INFO_MEMBER_MISSING"; digits stay with their word.
std::string Screaming(std::string_view camel) {
  std::string out;
  for (std::size_t i = 0; i < camel.size(); ++i) {
    const char c = camel[i];
    if (i > 0 && std::isupper(static_cast<unsigned char>(c)) != 0) out += '_';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

struct NameTable {
  std::array<std::string, sizeof(kRows) / sizeof(kRows[0])> names;
  NameTable() {
    for (std::size_t i = 0; i < names.size(); ++i) names[i] = Screaming(kRows[i].camel);
  }
};

const NameTable& Names() {
  static const NameTable table;
  return table;
}

}  // namespace

std::string_view CodeName(Code code) {
  for (std::size_t i = 0; i < std::size(kRows); ++i) {
    if (kRows[i].code == code) return Names().names[i];
  }
  return "UNKNOWN";
}

std::string_view CodeSummary(Code code) {
  const CodeRow* row = Find(code);
  return row ? row->summary : std::string_view("unknown code");
}

Severity DefaultSeverity(Code code) {
  const CodeRow* row = Find(code);
  return row ? row->severity : Severity::kFatal;
}

bool CodeFromNumber(int number, Code* out) {
  for (const auto& row : kRows) {
    if (CodeNumber(row.code) == number) {
      *out = row.code;
      return true;
    }
  }
  return false;
}

bool CodeFromName(std::string_view name, Code* out) {
  for (std::size_t i = 0; i < std::size(kRows); ++i) {
    if (Names().names[i] == name) {
      *out = kRows[i].code;
      return true;
    }
  }
  return false;
}

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo: return "info";
    case Severity::kWarning: return "warning";
    case Severity::kError: return "error";
    case Severity::kFatal: return "fatal";
  }
  return "fatal";
}

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kUnknown: return "unknown";
    case Kind::kCvd: return "cvd";
    case Kind::kCld: return "cld";
    case Kind::kCud: return "cud";
    case Kind::kCdiff: return "cdiff";
  }
  return "unknown";
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kValid: return "valid";
    case Verdict::kInvalid: return "invalid";
    case Verdict::kError: return "error";
  }
  return "error";
}

std::string_view SigMethodName(SigMethod method) {
  switch (method) {
    case SigMethod::kLegacy: return "legacy";
    case SigMethod::kInfoDsig: return "info_dsig";
    case SigMethod::kSign: return "sign";
    case SigMethod::kCdiffTrailer: return "cdiff_trailer";
  }
  return "legacy";
}

std::string_view SigOutcomeName(SigOutcome outcome) {
  switch (outcome) {
    case SigOutcome::kValid: return "valid";
    case SigOutcome::kInvalid: return "invalid";
    case SigOutcome::kCannotVerify: return "cannot_verify";
  }
  return "cannot_verify";
}

Severity Report::worst() const {
  Severity worst = Severity::kInfo;
  for (const auto& f : findings) {
    if (f.severity > worst) worst = f.severity;
  }
  return worst;
}

bool Report::Has(Code code) const {
  for (const auto& f : findings) {
    if (f.code == code) return true;
  }
  return false;
}

std::string_view VersionString() { return "0.1.0"; }

}  // namespace cvdguard
