// The C API (include/cvdguard/cvdguard.h): thin wrappers around the C++ API.
// Every entry point catches every exception; none crosses into C.
#include "cvdguard/cvdguard.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cvdguard/activation.h"
#include "cvdguard/cdiff.h"
#include "cvdguard/faults.h"
#include "cvdguard/finding.h"
#include "cvdguard/json.h"
#include "cvdguard/options.h"
#include "cvdguard/report.h"
#include "cvdguard/validator.h"
#include "cvdguard/version.h"
#include "faults/fault_json_util.h"

struct cvdguard_options {
  cvdguard::ActivationOptions activation;  // .verify holds the verify options
};

struct cvdguard_report {
  explicit cvdguard_report(cvdguard::Report r) : report(std::move(r)) {}
  cvdguard::Report report;
  // JSON rendered on first request; call_once keeps concurrent readers safe.
  mutable std::once_flag json_once;
  mutable std::string json;
};

struct cvdguard_operation {
  cvdguard::OperationResult result;
  // One per result.files entry; null when that file was not validated.
  std::vector<std::unique_ptr<cvdguard_report>> reports;
};

struct cvdguard_fault_engine {
  explicit cvdguard_fault_engine(const cvdguard::FaultConfig& config) : engine(config) {}
  cvdguard::FaultEngine engine;
  std::vector<cvdguard::FaultDecision> decisions;  // of the last apply
  std::vector<std::string> decision_json;          // same order, on demand
};

namespace {

using cvdguard::Code;

thread_local std::string g_last_error;
thread_local int g_last_code = 0;

int Fail(int status, std::string message, int code = 0) {
  try {
    g_last_error = std::move(message);
  } catch (...) {
    g_last_error.clear();
  }
  g_last_code = code;
  return status;
}

// Maps the exception in flight to a status; call only inside a catch block.
int FailFromException() {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return Fail(CVDGUARD_E_NOMEM, "out of memory");
  } catch (const std::exception& e) {
    return Fail(CVDGUARD_E_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return Fail(CVDGUARD_E_INTERNAL, "internal error: unknown exception");
  }
}

// Runs `fn` (returning a status) with every exception mapped to a status.
template <class Fn>
int Guard(Fn&& fn) noexcept {
  try {
    return fn();
  } catch (...) {
    return FailFromException();
  }
}

// For getters: `fn()` or `fallback` if it throws (it should not).
template <class T, class Fn>
T GuardValue(T fallback, Fn&& fn) noexcept {
  try {
    return fn();
  } catch (...) {
    FailFromException();
    return fallback;
  }
}

// A string_view that is known to view a NUL-terminated static string.
const char* StaticCString(std::string_view v) {
  return v.empty() ? "" : v.data();
}

const cvdguard::VerifyOptions& VerifyOptionsOf(const cvdguard_options* opts) {
  static const cvdguard::VerifyOptions kDefaults;
  return opts == nullptr ? kDefaults : opts->activation.verify;
}

const cvdguard::ActivationOptions& ActivationOptionsOf(const cvdguard_options* opts) {
  static const cvdguard::ActivationOptions kDefaults;
  return opts == nullptr ? kDefaults : opts->activation;
}

bool BadIndex(const cvdguard_report* r, size_t i, size_t count) {
  return r == nullptr || i >= count;
}

const cvdguard::Finding* FindingAt(const cvdguard_report* r, size_t i) {
  if (r == nullptr || i >= r->report.findings.size()) return nullptr;
  return &r->report.findings[i];
}

const cvdguard::SignatureCheck* SignatureAt(const cvdguard_report* r, size_t i) {
  if (r == nullptr || i >= r->report.signatures.size()) return nullptr;
  return &r->report.signatures[i];
}

const cvdguard::Member* MemberAt(const cvdguard_report* r, size_t i) {
  if (BadIndex(r, i, r == nullptr ? 0 : r->report.members.size())) return nullptr;
  return &r->report.members[i];
}

const cvdguard::FileResult* FileAt(const cvdguard_operation* op, size_t i) {
  if (op == nullptr || i >= op->result.files.size()) return nullptr;
  return &op->result.files[i];
}

const cvdguard::FaultDecision* DecisionAt(const cvdguard_fault_engine* e, size_t i) {
  if (e == nullptr || i >= e->decisions.size()) return nullptr;
  return &e->decisions[i];
}

// Publishes a report: a kError verdict (unreadable input) is CVDGUARD_E_IO.
int PublishReport(cvdguard::Report report, cvdguard_report** out) {
  if (report.verdict == cvdguard::Verdict::kError) {
    std::string why = "the input could not be read";
    for (const auto& f : report.findings) {
      if (f.code == Code::kIoError) {
        why = f.message;
        break;
      }
    }
    return Fail(CVDGUARD_E_IO, std::move(why), cvdguard::CodeNumber(Code::kIoError));
  }
  *out = new cvdguard_report(std::move(report));
  return CVDGUARD_OK;
}

int PublishOperation(cvdguard::OperationResult result, cvdguard_operation** out) {
  auto op = std::make_unique<cvdguard_operation>();
  op->reports.reserve(result.files.size());
  for (auto& f : result.files) {
    if (f.validated) {
      op->reports.push_back(std::make_unique<cvdguard_report>(std::move(f.report)));
      f.report = cvdguard::Report{};
    } else {
      op->reports.push_back(nullptr);
    }
  }
  op->result = std::move(result);
  *out = op.release();
  return CVDGUARD_OK;
}

// Every apply starts with this, whatever its outcome: the decisions are
// those of the last apply, so a refused one (for any reason) leaves none.
void ClearDecisions(cvdguard_fault_engine* e) {
  e->decisions.clear();
  e->decision_json.clear();
}

int ApplyEvent(cvdguard_fault_engine* e, const cvdguard::FaultEvent& event) {
  std::vector<cvdguard::FaultDecision> decisions;
  const cvdguard::FaultStatus s = e->engine.Apply(event, &decisions);
  if (!s.ok()) return Fail(CVDGUARD_E_REJECTED, s.message, cvdguard::CodeNumber(s.code));
  if (decisions.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return Fail(CVDGUARD_E_INTERNAL, "too many decisions");
  }
  e->decisions = std::move(decisions);
  e->decision_json.assign(e->decisions.size(), std::string());
  for (size_t i = 0; i < e->decisions.size(); ++i) {
    e->decision_json[i] = cvdguard::FaultDecisionToJson(e->decisions[i]);
  }
  return static_cast<int>(e->decisions.size());
}

std::string OrEmpty(const char* s) { return s == nullptr ? std::string() : std::string(s); }

}  // namespace

// Definitions take C linkage from the declarations in cvdguard.h.

// --- errors, version ---------------------------------------------------------

const char* cvdguard_last_error(void) { return g_last_error.c_str(); }
int cvdguard_last_error_code(void) { return g_last_code; }

const char* cvdguard_version(void) {
  return GuardValue<const char*>("", [] {
    static const std::string version(cvdguard::VersionString());
    return version.c_str();
  });
}

void cvdguard_string_free(char* s) { std::free(s); }

// --- codes -------------------------------------------------------------------

const char* cvdguard_code_name(int code) {
  Code c;
  if (!cvdguard::CodeFromNumber(code, &c)) return nullptr;
  return StaticCString(cvdguard::CodeName(c));
}

const char* cvdguard_code_summary(int code) {
  Code c;
  if (!cvdguard::CodeFromNumber(code, &c)) return nullptr;
  return StaticCString(cvdguard::CodeSummary(c));
}

int cvdguard_code_from_name(const char* name) {
  if (name == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "name is NULL");
  Code c;
  if (!cvdguard::CodeFromName(name, &c)) {
    return Fail(CVDGUARD_E_ARGUMENT, std::string("no finding code named ") + name);
  }
  return cvdguard::CodeNumber(c);
}

const char* cvdguard_severity_name(int severity) {
  if (severity < CVDGUARD_SEVERITY_INFO || severity > CVDGUARD_SEVERITY_FATAL) return nullptr;
  return StaticCString(cvdguard::SeverityName(static_cast<cvdguard::Severity>(severity)));
}

// --- options -----------------------------------------------------------------

cvdguard_options* cvdguard_options_new(void) {
  return new (std::nothrow) cvdguard_options();
}

void cvdguard_options_free(cvdguard_options* opts) { delete opts; }

#define CVDGUARD_OPTS_CHECK(opts)                                            \
  do {                                                                       \
    if ((opts) == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "opts is NULL"); \
  } while (0)

int cvdguard_options_add_key(cvdguard_options* opts, int role, const char* pem,
                             const char* label) {
  CVDGUARD_OPTS_CHECK(opts);
  if (role < CVDGUARD_KEY_CVD || role > CVDGUARD_KEY_CDIFF) {
    return Fail(CVDGUARD_E_ARGUMENT, "unknown key role " + std::to_string(role));
  }
  if (pem == nullptr || std::strstr(pem, "-----BEGIN ") == nullptr) {
    return Fail(CVDGUARD_E_ARGUMENT, "the key is not PEM (no -----BEGIN line)");
  }
  return Guard([&] {
    cvdguard::TrustedKey key;
    key.role = static_cast<cvdguard::KeyRole>(role);
    key.pem = pem;
    key.label = OrEmpty(label);
    opts->activation.verify.keys.push_back(std::move(key));
    return CVDGUARD_OK;
  });
}

int cvdguard_options_set_official_keys(cvdguard_options* opts, int on) {
  CVDGUARD_OPTS_CHECK(opts);
  opts->activation.verify.use_official_keys = on != 0;
  return CVDGUARD_OK;
}

int cvdguard_options_set_verify_signatures(cvdguard_options* opts, int on) {
  CVDGUARD_OPTS_CHECK(opts);
  opts->activation.verify.verify_signatures = on != 0;
  return CVDGUARD_OK;
}

int cvdguard_options_set_allow_unverified(cvdguard_options* opts, int on) {
  CVDGUARD_OPTS_CHECK(opts);
  opts->activation.verify.allow_unverified = on != 0;
  return CVDGUARD_OK;
}

int cvdguard_options_set_require_signed(cvdguard_options* opts, int on) {
  CVDGUARD_OPTS_CHECK(opts);
  opts->activation.verify.require_signed = on != 0;
  return CVDGUARD_OK;
}

int cvdguard_options_set_lint(cvdguard_options* opts, int on) {
  CVDGUARD_OPTS_CHECK(opts);
  opts->activation.verify.lint = on != 0;
  return CVDGUARD_OK;
}

int cvdguard_options_set_engine_flevel(cvdguard_options* opts, uint32_t flevel) {
  CVDGUARD_OPTS_CHECK(opts);
  opts->activation.verify.engine_flevel = flevel;
  return CVDGUARD_OK;
}

int cvdguard_options_set_installed_version(cvdguard_options* opts, uint32_t version) {
  CVDGUARD_OPTS_CHECK(opts);
  opts->activation.verify.installed_version = version;
  return CVDGUARD_OK;
}

int cvdguard_options_set_at_time(cvdguard_options* opts, int64_t unix_seconds) {
  CVDGUARD_OPTS_CHECK(opts);
  opts->activation.verify.at_time = unix_seconds;
  return CVDGUARD_OK;
}

int cvdguard_options_set_certs_path(cvdguard_options* opts, const char* path) {
  CVDGUARD_OPTS_CHECK(opts);
  return Guard([&] {
    opts->activation.verify.certs_path = OrEmpty(path);
    return CVDGUARD_OK;
  });
}

int cvdguard_options_set_sign_path(cvdguard_options* opts, const char* path) {
  CVDGUARD_OPTS_CHECK(opts);
  return Guard([&] {
    if (path == nullptr || *path == '\0') {
      opts->activation.verify.sign_path.reset();
    } else {
      opts->activation.verify.sign_path = std::string(path);
    }
    return CVDGUARD_OK;
  });
}

int cvdguard_options_set_discover_sign(cvdguard_options* opts, int on) {
  CVDGUARD_OPTS_CHECK(opts);
  opts->activation.verify.discover_sign = on != 0;
  return CVDGUARD_OK;
}

int cvdguard_options_set_sign_policy(cvdguard_options* opts, int policy) {
  CVDGUARD_OPTS_CHECK(opts);
  if (policy < CVDGUARD_SIGN_DEFAULT || policy > CVDGUARD_SIGN_BOTH) {
    return Fail(CVDGUARD_E_ARGUMENT, "unknown sign policy " + std::to_string(policy));
  }
  opts->activation.verify.sign_policy = static_cast<cvdguard::SignPolicy>(policy);
  return CVDGUARD_OK;
}

int cvdguard_options_set_allow_downgrade(cvdguard_options* opts, int on) {
  CVDGUARD_OPTS_CHECK(opts);
  opts->activation.allow_downgrade = on != 0;
  return CVDGUARD_OK;
}

int cvdguard_options_set_lock_timeout(cvdguard_options* opts, double seconds) {
  CVDGUARD_OPTS_CHECK(opts);
  if (!(seconds >= 0) || seconds > 1e9) {
    return Fail(CVDGUARD_E_ARGUMENT, "lock timeout must be between 0 and 1e9 seconds");
  }
  opts->activation.lock_timeout_seconds = seconds;
  return CVDGUARD_OK;
}

int cvdguard_options_set_quarantine_bounds(cvdguard_options* opts, uint64_t max_bytes,
                                           int64_t max_age_seconds) {
  CVDGUARD_OPTS_CHECK(opts);
  if (max_age_seconds < 0) {
    return Fail(CVDGUARD_E_ARGUMENT, "max_age_seconds must not be negative");
  }
  opts->activation.quarantine_bounds.max_bytes = max_bytes;
  opts->activation.quarantine_bounds.max_age_seconds = max_age_seconds;
  return CVDGUARD_OK;
}

int cvdguard_options_set_notify_path(cvdguard_options* opts, const char* path) {
  CVDGUARD_OPTS_CHECK(opts);
  return Guard([&] {
    opts->activation.notify_path = OrEmpty(path);
    return CVDGUARD_OK;
  });
}

int cvdguard_options_add_refused_sha256(cvdguard_options* opts, const char* sha256_hex) {
  CVDGUARD_OPTS_CHECK(opts);
  if (sha256_hex == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "a SHA-256 is 64 hex digits");
  return Guard([&] {
    std::string digest(sha256_hex);
    if (!cvdguard::internal::NormalizeSha256(&digest)) {
      return Fail(CVDGUARD_E_ARGUMENT, "a SHA-256 is 64 hex digits");
    }
    opts->activation.refused_sha256.push_back(std::move(digest));
    return CVDGUARD_OK;
  });
}

int cvdguard_options_set_supervisor_state(cvdguard_options* opts, const char* state_dir) {
  CVDGUARD_OPTS_CHECK(opts);
  return Guard([&] {
    const std::string dir = OrEmpty(state_dir);
    if (!dir.empty()) {
      std::vector<std::string> refused;
      const cvdguard::FaultStatus st = cvdguard::LoadRefusedDigests(dir, &refused);
      if (!st.ok()) return Fail(CVDGUARD_E_IO, st.message, cvdguard::CodeNumber(st.code));
      auto& list = opts->activation.refused_sha256;
      list.insert(list.end(), refused.begin(), refused.end());
    }
    opts->activation.supervisor_state_dir = dir;
    return CVDGUARD_OK;
  });
}

int cvdguard_options_set_now(cvdguard_options* opts, int64_t unix_seconds) {
  CVDGUARD_OPTS_CHECK(opts);
  opts->activation.now = unix_seconds;
  return CVDGUARD_OK;
}

#undef CVDGUARD_OPTS_CHECK

// --- verification ------------------------------------------------------------

namespace {

// The argument checks and publishing shared by the path and memory entry
// points of containers and of .cdiff patches; `verify` is the C++ call.
template <typename Verify>
int VerifyPathWith(Verify verify, const char* path, const cvdguard_options* opts,
                   cvdguard_report** out) {
  if (out == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "out is NULL");
  *out = nullptr;
  if (path == nullptr || *path == '\0') {
    return Fail(CVDGUARD_E_ARGUMENT, "path is NULL or empty");
  }
  return Guard([&] { return PublishReport(verify(path, VerifyOptionsOf(opts)), out); });
}

template <typename Verify>
int VerifyMemoryWith(Verify verify, const void* data, size_t size, const char* name,
                     const cvdguard_options* opts, cvdguard_report** out) {
  if (out == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "out is NULL");
  *out = nullptr;
  if (data == nullptr && size != 0) return Fail(CVDGUARD_E_ARGUMENT, "data is NULL");
  return Guard([&] {
    cvdguard::VerifyOptions options = VerifyOptionsOf(opts);
    if (name != nullptr && options.file_name.empty()) options.file_name = name;
    const std::span<const std::uint8_t> bytes(static_cast<const std::uint8_t*>(data), size);
    return PublishReport(verify(bytes, options), out);
  });
}

}  // namespace

int cvdguard_verify_path(const char* path, const cvdguard_options* opts, cvdguard_report** out) {
  return VerifyPathWith(
      [](const std::string& p, const cvdguard::VerifyOptions& o) {
        return cvdguard::VerifyPath(p, o);
      },
      path, opts, out);
}

int cvdguard_verify_fd(int fd, const char* name, const cvdguard_options* opts,
                       cvdguard_report** out) {
  if (out == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "out is NULL");
  *out = nullptr;
  if (fd < 0) return Fail(CVDGUARD_E_ARGUMENT, "fd is negative");
  return Guard([&] {
    return PublishReport(cvdguard::VerifyFd(fd, OrEmpty(name), VerifyOptionsOf(opts)), out);
  });
}

int cvdguard_verify_memory(const void* data, size_t size, const char* name,
                           const cvdguard_options* opts, cvdguard_report** out) {
  return VerifyMemoryWith(
      [](std::span<const std::uint8_t> b, const cvdguard::VerifyOptions& o) {
        return cvdguard::VerifyMemory(b, o);
      },
      data, size, name, opts, out);
}

int cvdguard_verify_cdiff_path(const char* path, const cvdguard_options* opts,
                               cvdguard_report** out) {
  return VerifyPathWith(
      [](const std::string& p, const cvdguard::VerifyOptions& o) {
        return cvdguard::VerifyCdiffPath(p, o);
      },
      path, opts, out);
}

int cvdguard_verify_cdiff_memory(const void* data, size_t size, const char* name,
                                 const cvdguard_options* opts, cvdguard_report** out) {
  return VerifyMemoryWith(
      [](std::span<const std::uint8_t> b, const cvdguard::VerifyOptions& o) {
        return cvdguard::VerifyCdiffMemory(b, o);
      },
      data, size, name, opts, out);
}

void cvdguard_report_free(cvdguard_report* r) { delete r; }

int cvdguard_report_valid(const cvdguard_report* r) {
  return r != nullptr && r->report.valid() ? 1 : 0;
}

int cvdguard_report_verdict(const cvdguard_report* r) {
  if (r == nullptr) return CVDGUARD_E_ARGUMENT;
  return static_cast<int>(r->report.verdict);
}

const char* cvdguard_report_verdict_name(const cvdguard_report* r) {
  if (r == nullptr) return nullptr;
  return StaticCString(cvdguard::VerdictName(r->report.verdict));
}

int cvdguard_report_worst_severity(const cvdguard_report* r) {
  if (r == nullptr) return CVDGUARD_E_ARGUMENT;
  return static_cast<int>(r->report.worst());
}

int cvdguard_report_has_code(const cvdguard_report* r, int code) {
  Code c;
  if (r == nullptr || !cvdguard::CodeFromNumber(code, &c)) return 0;
  return r->report.Has(c) ? 1 : 0;
}

const char* cvdguard_report_path(const cvdguard_report* r) {
  return r == nullptr ? nullptr : r->report.path.c_str();
}

int cvdguard_report_kind(const cvdguard_report* r) {
  if (r == nullptr) return CVDGUARD_E_ARGUMENT;
  return static_cast<int>(r->report.kind);
}

const char* cvdguard_report_kind_name(const cvdguard_report* r) {
  if (r == nullptr) return nullptr;
  return StaticCString(cvdguard::KindName(r->report.kind));
}

const char* cvdguard_report_database(const cvdguard_report* r) {
  return r == nullptr ? nullptr : r->report.database.c_str();
}

uint64_t cvdguard_report_file_size(const cvdguard_report* r) {
  return r == nullptr ? 0 : r->report.file_size;
}

uint64_t cvdguard_report_inflated_size(const cvdguard_report* r) {
  return r == nullptr ? 0 : r->report.inflated_bytes;
}

int cvdguard_report_header_present(const cvdguard_report* r) {
  if (r == nullptr) return CVDGUARD_E_ARGUMENT;
  return r->report.header.present ? 1 : 0;
}

namespace {
template <class T, class U>
int HeaderNumber(const cvdguard_report* r, bool cvdguard::HeaderFields::*has,
                 U cvdguard::HeaderFields::*value, T* out) {
  if (r == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "report is NULL");
  const auto& h = r->report.header;
  if (!h.present || !(h.*has)) return 0;
  if (out != nullptr) *out = h.*value;
  return 1;
}
const char* HeaderString(const cvdguard_report* r, std::string cvdguard::HeaderFields::*s) {
  return r == nullptr ? nullptr : (r->report.header.*s).c_str();
}
}  // namespace

int cvdguard_report_header_version(const cvdguard_report* r, uint32_t* out) {
  return HeaderNumber(r, &cvdguard::HeaderFields::has_version,
                      &cvdguard::HeaderFields::version, out);
}
int cvdguard_report_header_sigs(const cvdguard_report* r, uint32_t* out) {
  return HeaderNumber(r, &cvdguard::HeaderFields::has_sigs, &cvdguard::HeaderFields::sigs,
                      out);
}
int cvdguard_report_header_flevel(const cvdguard_report* r, uint32_t* out) {
  return HeaderNumber(r, &cvdguard::HeaderFields::has_flevel,
                      &cvdguard::HeaderFields::flevel, out);
}
int cvdguard_report_header_stime(const cvdguard_report* r, uint64_t* out) {
  return HeaderNumber(r, &cvdguard::HeaderFields::has_stime, &cvdguard::HeaderFields::stime,
                      out);
}
const char* cvdguard_report_header_build_time(const cvdguard_report* r) {
  return HeaderString(r, &cvdguard::HeaderFields::build_time);
}
const char* cvdguard_report_header_builder(const cvdguard_report* r) {
  return HeaderString(r, &cvdguard::HeaderFields::builder);
}
const char* cvdguard_report_header_md5(const cvdguard_report* r) {
  return HeaderString(r, &cvdguard::HeaderFields::md5);
}
const char* cvdguard_report_header_dsig(const cvdguard_report* r) {
  return HeaderString(r, &cvdguard::HeaderFields::dsig);
}

size_t cvdguard_report_member_count(const cvdguard_report* r) {
  return r == nullptr ? 0 : r->report.members.size();
}
const char* cvdguard_report_member_name(const cvdguard_report* r, size_t i) {
  const auto* m = MemberAt(r, i);
  return m == nullptr ? nullptr : m->name.c_str();
}
uint64_t cvdguard_report_member_size(const cvdguard_report* r, size_t i) {
  const auto* m = MemberAt(r, i);
  return m == nullptr ? 0 : m->size;
}
const char* cvdguard_report_member_sha256(const cvdguard_report* r, size_t i) {
  const auto* m = MemberAt(r, i);
  return m == nullptr ? nullptr : m->sha256.c_str();
}

size_t cvdguard_report_finding_count(const cvdguard_report* r) {
  return r == nullptr ? 0 : r->report.findings.size();
}
int cvdguard_report_finding_code(const cvdguard_report* r, size_t i) {
  const auto* f = FindingAt(r, i);
  return f == nullptr ? CVDGUARD_E_ARGUMENT : cvdguard::CodeNumber(f->code);
}
const char* cvdguard_report_finding_code_name(const cvdguard_report* r, size_t i) {
  const auto* f = FindingAt(r, i);
  return f == nullptr ? nullptr : StaticCString(cvdguard::CodeName(f->code));
}
int cvdguard_report_finding_severity(const cvdguard_report* r, size_t i) {
  const auto* f = FindingAt(r, i);
  return f == nullptr ? CVDGUARD_E_ARGUMENT : static_cast<int>(f->severity);
}
uint64_t cvdguard_report_finding_offset(const cvdguard_report* r, size_t i) {
  const auto* f = FindingAt(r, i);
  return f == nullptr ? CVDGUARD_NO_OFFSET : f->offset;
}
uint64_t cvdguard_report_finding_tar_offset(const cvdguard_report* r, size_t i) {
  const auto* f = FindingAt(r, i);
  return f == nullptr ? CVDGUARD_NO_OFFSET : f->tar_offset;
}
const char* cvdguard_report_finding_member(const cvdguard_report* r, size_t i) {
  const auto* f = FindingAt(r, i);
  return f == nullptr ? nullptr : f->member.c_str();
}
uint64_t cvdguard_report_finding_line(const cvdguard_report* r, size_t i) {
  const auto* f = FindingAt(r, i);
  return f == nullptr ? 0 : f->line;
}
const char* cvdguard_report_finding_message(const cvdguard_report* r, size_t i) {
  const auto* f = FindingAt(r, i);
  return f == nullptr ? nullptr : f->message.c_str();
}

const char* cvdguard_report_verified_by(const cvdguard_report* r) {
  return r == nullptr ? nullptr : r->report.verified_by.c_str();
}
size_t cvdguard_report_signature_count(const cvdguard_report* r) {
  return r == nullptr ? 0 : r->report.signatures.size();
}
const char* cvdguard_report_signature_method(const cvdguard_report* r, size_t i) {
  const auto* s = SignatureAt(r, i);
  return s == nullptr ? nullptr : StaticCString(cvdguard::SigMethodName(s->method));
}
int cvdguard_report_signature_outcome(const cvdguard_report* r, size_t i) {
  const auto* s = SignatureAt(r, i);
  return s == nullptr ? CVDGUARD_E_ARGUMENT : static_cast<int>(s->outcome);
}
const char* cvdguard_report_signature_outcome_name(const cvdguard_report* r, size_t i) {
  const auto* s = SignatureAt(r, i);
  return s == nullptr ? nullptr : StaticCString(cvdguard::SigOutcomeName(s->outcome));
}
const char* cvdguard_report_signature_key(const cvdguard_report* r, size_t i) {
  const auto* s = SignatureAt(r, i);
  return s == nullptr ? nullptr : s->key.c_str();
}
const char* cvdguard_report_signature_signer(const cvdguard_report* r, size_t i) {
  const auto* s = SignatureAt(r, i);
  return s == nullptr ? nullptr : s->signer.c_str();
}
const char* cvdguard_report_signature_detail(const cvdguard_report* r, size_t i) {
  const auto* s = SignatureAt(r, i);
  return s == nullptr ? nullptr : s->detail.c_str();
}

const char* cvdguard_report_json(const cvdguard_report* r) {
  if (r == nullptr) return nullptr;
  return GuardValue<const char*>(nullptr, [&] {
    std::call_once(r->json_once, [&] { r->json = cvdguard::ReportToJson(r->report); });
    return r->json.c_str();
  });
}

// --- activation --------------------------------------------------------------

int cvdguard_activate(const char* live_dir, const char* quarantine_dir, const char* state_dir,
                      const char* const* candidates, size_t n, const cvdguard_options* opts,
                      cvdguard_operation** out) {
  if (out == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "out is NULL");
  *out = nullptr;
  if (live_dir == nullptr || quarantine_dir == nullptr) {
    return Fail(CVDGUARD_E_ARGUMENT, "live_dir and quarantine_dir are required");
  }
  if (n != 0 && candidates == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "candidates is NULL");
  for (size_t i = 0; i < n; ++i) {
    if (candidates[i] == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "a candidate is NULL");
  }
  return Guard([&] {
    std::vector<std::string> files(candidates, candidates + n);
    return PublishOperation(cvdguard::Activate(live_dir, quarantine_dir, OrEmpty(state_dir),
                                               files, ActivationOptionsOf(opts)),
                            out);
  });
}

int cvdguard_prune(const char* live_dir, const char* quarantine_dir,
                   const cvdguard_options* opts, cvdguard_operation** out) {
  if (out == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "out is NULL");
  *out = nullptr;
  if (live_dir == nullptr || quarantine_dir == nullptr) {
    return Fail(CVDGUARD_E_ARGUMENT, "live_dir and quarantine_dir are required");
  }
  return Guard([&] {
    return PublishOperation(
        cvdguard::Prune(live_dir, quarantine_dir, ActivationOptionsOf(opts)), out);
  });
}

int cvdguard_rollback(const char* live_dir, const char* quarantine_dir, const char* state_dir,
                      const cvdguard_options* opts, cvdguard_operation** out) {
  if (out == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "out is NULL");
  *out = nullptr;
  if (live_dir == nullptr || quarantine_dir == nullptr) {
    return Fail(CVDGUARD_E_ARGUMENT, "live_dir and quarantine_dir are required");
  }
  return Guard([&] {
    return PublishOperation(cvdguard::Rollback(live_dir, quarantine_dir, OrEmpty(state_dir),
                                               ActivationOptionsOf(opts)),
                            out);
  });
}

void cvdguard_operation_free(cvdguard_operation* op) { delete op; }

int cvdguard_operation_status(const cvdguard_operation* op) {
  if (op == nullptr) return CVDGUARD_E_ARGUMENT;
  return static_cast<int>(op->result.status);
}
int cvdguard_operation_live_changed(const cvdguard_operation* op) {
  return op != nullptr && op->result.live_changed ? 1 : 0;
}
const char* cvdguard_operation_error(const cvdguard_operation* op) {
  return op == nullptr ? nullptr : op->result.error.c_str();
}
size_t cvdguard_operation_file_count(const cvdguard_operation* op) {
  return op == nullptr ? 0 : op->result.files.size();
}
const char* cvdguard_operation_file_path(const cvdguard_operation* op, size_t i) {
  const auto* f = FileAt(op, i);
  return f == nullptr ? nullptr : f->path.c_str();
}
const char* cvdguard_operation_file_live_name(const cvdguard_operation* op, size_t i) {
  const auto* f = FileAt(op, i);
  return f == nullptr ? nullptr : f->live_name.c_str();
}
int cvdguard_operation_file_outcome(const cvdguard_operation* op, size_t i) {
  const auto* f = FileAt(op, i);
  return f == nullptr ? CVDGUARD_E_ARGUMENT : static_cast<int>(f->outcome);
}
const char* cvdguard_operation_file_outcome_name(const cvdguard_operation* op, size_t i) {
  const auto* f = FileAt(op, i);
  return f == nullptr ? nullptr : StaticCString(cvdguard::FileOutcomeName(f->outcome));
}
int cvdguard_operation_file_code(const cvdguard_operation* op, size_t i) {
  const auto* f = FileAt(op, i);
  if (f == nullptr) return CVDGUARD_E_ARGUMENT;
  return f->code.has_value() ? cvdguard::CodeNumber(*f->code) : 0;
}
const char* cvdguard_operation_file_message(const cvdguard_operation* op, size_t i) {
  const auto* f = FileAt(op, i);
  return f == nullptr ? nullptr : f->message.c_str();
}
uint32_t cvdguard_operation_file_version(const cvdguard_operation* op, size_t i) {
  const auto* f = FileAt(op, i);
  return f == nullptr ? 0 : f->version;
}
const char* cvdguard_operation_file_sha256(const cvdguard_operation* op, size_t i) {
  const auto* f = FileAt(op, i);
  return f == nullptr ? nullptr : f->sha256.c_str();
}
const cvdguard_report* cvdguard_operation_file_report(const cvdguard_operation* op,
                                                      size_t i) {
  if (FileAt(op, i) == nullptr) return nullptr;
  return op->reports[i].get();
}
size_t cvdguard_operation_note_count(const cvdguard_operation* op) {
  return op == nullptr ? 0 : op->result.notes.size();
}
const char* cvdguard_operation_note(const cvdguard_operation* op, size_t i) {
  if (op == nullptr || i >= op->result.notes.size()) return nullptr;
  return op->result.notes[i].c_str();
}

int cvdguard_status(const char* live_dir, const char* state_dir, const char* quarantine_dir,
                    const cvdguard_options* opts, char** json_out) {
  if (json_out == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "json_out is NULL");
  *json_out = nullptr;
  if (live_dir == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "live_dir is NULL");
  return Guard([&] {
    const cvdguard::DirectoryStatus s = cvdguard::Status(
        live_dir, OrEmpty(state_dir), OrEmpty(quarantine_dir), ActivationOptionsOf(opts));
    if (!s.ok) return Fail(CVDGUARD_E_IO, s.error);
    const std::string json = cvdguard::StatusToJson(s);
    char* copy = static_cast<char*>(std::malloc(json.size() + 1));
    if (copy == nullptr) return Fail(CVDGUARD_E_NOMEM, "out of memory");
    std::memcpy(copy, json.c_str(), json.size() + 1);
    *json_out = copy;
    return CVDGUARD_OK;
  });
}

// --- fault engine ------------------------------------------------------------

int cvdguard_fault_engine_new(const char* config_json, cvdguard_fault_engine** out) {
  if (out == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "out is NULL");
  *out = nullptr;
  return Guard([&] {
    cvdguard::FaultConfig config;
    if (config_json != nullptr) {
      const cvdguard::FaultStatus s = cvdguard::ParseFaultConfig(config_json, &config);
      if (!s.ok()) return Fail(CVDGUARD_E_REJECTED, s.message, cvdguard::CodeNumber(s.code));
    }
    const cvdguard::FaultStatus v = cvdguard::ValidateFaultConfig(config);
    if (!v.ok()) return Fail(CVDGUARD_E_REJECTED, v.message, cvdguard::CodeNumber(v.code));
    *out = new cvdguard_fault_engine(config);
    return CVDGUARD_OK;
  });
}

void cvdguard_fault_engine_free(cvdguard_fault_engine* e) { delete e; }

int cvdguard_fault_engine_apply_json(cvdguard_fault_engine* e, const char* event_line) {
  if (e != nullptr) ClearDecisions(e);
  if (e == nullptr || event_line == nullptr) {
    return Fail(CVDGUARD_E_ARGUMENT, "engine or event line is NULL");
  }
  return Guard([&] {
    cvdguard::FaultEvent event;
    const cvdguard::FaultStatus s = cvdguard::ParseFaultEventLine(event_line, &event);
    if (!s.ok()) return Fail(CVDGUARD_E_REJECTED, s.message, cvdguard::CodeNumber(s.code));
    return ApplyEvent(e, event);
  });
}

int cvdguard_fault_engine_apply(cvdguard_fault_engine* e, double t, int kind,
                                const char* detail) {
  if (e == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "engine is NULL");
  ClearDecisions(e);
  if (kind < CVDGUARD_EVENT_CONNECTOR_START || kind > CVDGUARD_EVENT_TICK ||
      kind == CVDGUARD_EVENT_DEFINITIONS_ACTIVATED) {
    return Fail(CVDGUARD_E_ARGUMENT,
                "unknown event kind (use cvdguard_fault_engine_apply_activated for "
                "definitions_activated)");
  }
  return Guard([&] {
    cvdguard::FaultEvent event;
    event.t = t;
    event.kind = static_cast<cvdguard::FaultEventKind>(kind);
    event.detail = OrEmpty(detail);
    return ApplyEvent(e, event);
  });
}

int cvdguard_fault_engine_apply_activated(cvdguard_fault_engine* e, double t,
                                          const char* const* names, const uint64_t* versions,
                                          const char* const* sha256, size_t n) {
  if (e == nullptr) return Fail(CVDGUARD_E_ARGUMENT, "engine is NULL");
  ClearDecisions(e);
  if (n == 0 || names == nullptr || versions == nullptr || sha256 == nullptr) {
    return Fail(CVDGUARD_E_ARGUMENT, "definitions_activated needs at least one file");
  }
  for (size_t i = 0; i < n; ++i) {
    if (names[i] == nullptr || sha256[i] == nullptr) {
      return Fail(CVDGUARD_E_ARGUMENT, "a file name or digest is NULL");
    }
  }
  return Guard([&] {
    cvdguard::FaultEvent event;
    event.t = t;
    event.kind = cvdguard::FaultEventKind::kDefinitionsActivated;
    for (size_t i = 0; i < n; ++i) {
      // Any case, stored lower-case, as the JSON event's digests (docs/faults.md).
      std::string digest(sha256[i]);
      if (!cvdguard::internal::NormalizeSha256(&digest)) {
        return Fail(CVDGUARD_E_REJECTED,
                    std::string("file \"") + names[i] + "\": \"sha256\" must be 64 hex digits",
                    cvdguard::CodeNumber(Code::kFaultEventBadField));
      }
      event.files.push_back(cvdguard::DefinitionFile{names[i], versions[i], std::move(digest)});
    }
    return ApplyEvent(e, event);
  });
}

size_t cvdguard_fault_engine_decision_count(const cvdguard_fault_engine* e) {
  return e == nullptr ? 0 : e->decisions.size();
}
int cvdguard_fault_decision_kind(const cvdguard_fault_engine* e, size_t i) {
  const auto* d = DecisionAt(e, i);
  return d == nullptr ? CVDGUARD_E_ARGUMENT : static_cast<int>(d->kind);
}
const char* cvdguard_fault_decision_kind_name(const cvdguard_fault_engine* e, size_t i) {
  const auto* d = DecisionAt(e, i);
  return d == nullptr ? nullptr : StaticCString(cvdguard::FaultDecisionKindName(d->kind));
}
double cvdguard_fault_decision_time(const cvdguard_fault_engine* e, size_t i) {
  const auto* d = DecisionAt(e, i);
  return d == nullptr ? 0 : d->t;
}
double cvdguard_fault_decision_delay(const cvdguard_fault_engine* e, size_t i) {
  const auto* d = DecisionAt(e, i);
  return d == nullptr ? 0 : d->delay_s;
}
int cvdguard_fault_decision_fault(const cvdguard_fault_engine* e, size_t i) {
  const auto* d = DecisionAt(e, i);
  return d == nullptr ? CVDGUARD_E_ARGUMENT : d->fault;
}
const char* cvdguard_fault_decision_reason(const cvdguard_fault_engine* e, size_t i) {
  const auto* d = DecisionAt(e, i);
  return d == nullptr ? nullptr : d->reason.c_str();
}
size_t cvdguard_fault_decision_sha256_count(const cvdguard_fault_engine* e, size_t i) {
  const auto* d = DecisionAt(e, i);
  return d == nullptr ? 0 : d->sha256.size();
}
const char* cvdguard_fault_decision_sha256(const cvdguard_fault_engine* e, size_t i,
                                           size_t j) {
  const auto* d = DecisionAt(e, i);
  if (d == nullptr || j >= d->sha256.size()) return nullptr;
  return d->sha256[j].c_str();
}
const char* cvdguard_fault_decision_json(const cvdguard_fault_engine* e, size_t i) {
  if (DecisionAt(e, i) == nullptr) return nullptr;
  return e->decision_json[i].c_str();
}

int cvdguard_fault_engine_fault_raised(const cvdguard_fault_engine* e, int fault) {
  if (e == nullptr) return CVDGUARD_E_ARGUMENT;
  return GuardValue<int>(CVDGUARD_E_INTERNAL, [&] { return e->engine.FaultRaised(fault) ? 1 : 0; });
}

int cvdguard_fault_engine_digest_refused(const cvdguard_fault_engine* e, const char* sha256) {
  if (e == nullptr || sha256 == nullptr) return CVDGUARD_E_ARGUMENT;
  return GuardValue<int>(CVDGUARD_E_INTERNAL,
                         [&] { return e->engine.IsDigestRefused(sha256) ? 1 : 0; });
}

uint64_t cvdguard_fault_engine_event_count(const cvdguard_fault_engine* e) {
  return e == nullptr ? 0 : e->engine.EventCount();
}

namespace {
int JournalStatus(const cvdguard::FaultStatus& s) {
  if (s.ok()) return CVDGUARD_OK;
  const int status = s.code == Code::kFaultJournalIo ? CVDGUARD_E_IO : CVDGUARD_E_REJECTED;
  return Fail(status, s.message, cvdguard::CodeNumber(s.code));
}
}  // namespace

int cvdguard_fault_engine_load(cvdguard_fault_engine* e, const char* state_dir) {
  if (e == nullptr || state_dir == nullptr) {
    return Fail(CVDGUARD_E_ARGUMENT, "engine or state_dir is NULL");
  }
  return Guard([&] { return JournalStatus(cvdguard::LoadFaultJournal(state_dir, &e->engine)); });
}

int cvdguard_fault_engine_save(const cvdguard_fault_engine* e, const char* state_dir) {
  if (e == nullptr || state_dir == nullptr) {
    return Fail(CVDGUARD_E_ARGUMENT, "engine or state_dir is NULL");
  }
  return Guard([&] { return JournalStatus(cvdguard::SaveFaultJournal(state_dir, e->engine)); });
}

