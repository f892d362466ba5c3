#include "cli/verify_flags.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cvdguard/civil_time.h"
#include "cvdguard/validator.h"

namespace cvdguard::cli {
namespace {

bool ReadWhole(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return static_cast<bool>(in) || in.eof();
}

bool IsDefinitionName(const std::string& name) {
  const auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }(name);
  for (const char* ext : {".cvd", ".cld", ".cud", ".cdiff"}) {
    if (lower.size() > std::strlen(ext) && lower.ends_with(ext)) return true;
  }
  return false;
}

}  // namespace

bool ParseTimeArg(const std::string& text, std::int64_t* out) {
  if (text.empty()) return false;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const auto res = std::from_chars(text.data(), text.data() + text.size(), *out);
    return res.ec == std::errc() && res.ptr == text.data() + text.size();
  }
  // YYYY-MM-DDTHH:MM:SSZ (UTC only).
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char z = 0;
  if (text.size() != 20 ||
      std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &z) != 7 ||
      z != 'Z' || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':') {
    return false;
  }
  // A negative field (sscanf takes a sign) fails as a huge unsigned one.
  return UnixTimeFromUtc(y, static_cast<unsigned>(mo), static_cast<unsigned>(d),
                         static_cast<unsigned>(h), static_cast<unsigned>(mi),
                         static_cast<unsigned>(s), out);
}

void AddVerifyFlags(CLI::App* sub, VerifyFlags* f) {
  sub->add_option("--key", f->keys,
                  "Trust an extra RSA public key: ROLE:FILE.pem, ROLE = cvd (header dsig), "
                  "info (.info DSIG) or cdiff (.cdiff trailer). Repeatable.")
      ->type_name("ROLE:FILE")
      ->allow_extra_args(false);  // one value per --key, so FILE arguments stay files
  sub->add_flag("--no-official-keys", f->no_official_keys,
                "Do not trust ClamAV's built-in keys K1/K2/K3");
  sub->add_option("--certs", f->certs,
                  "Trust store for .sign files: a directory of .pem/.crt CA certificates, or one "
                  "file. Without it a .sign cannot be verified.");
  sub->add_option("--sign", f->sign, "Use this .sign file instead of looking beside the file");
  sub->add_option("--sign-policy", f->sign_policy,
                  "default (.sign first, legacy fallback), fips (.sign required, no MD5), or "
                  "both (.sign and legacy must both be valid)")
      ->check(CLI::IsMember({"default", "fips", "both"}));
  sub->add_option("--at", f->at,
                  "Verification time: ISO 8601 UTC (2026-01-01T00:00:00Z) or Unix seconds");
  sub->add_option("--engine-flevel", f->engine_flevel,
                  "Functionality level of the engine you target (flevel checks and .sign "
                  "line filtering); none by default")
      ->check(CLI::Range(0LL, 4294967295LL));
  sub->add_option("--installed-version", f->installed_version,
                  "Installed version: refuse a lower version (downgrade)")
      ->check(CLI::Range(0LL, 4294967295LL));
  sub->add_flag("--no-lint", f->no_lint, "Do not lint the signature files inside");
  sub->add_flag("--require-signed", f->require_signed, "Refuse unsigned .cud containers");
  sub->add_flag("--allow-noncanonical", f->allow_noncanonical,
                "Accept non-canonical dsig encodings (value >= n, redundant digits) with a "
                "warning instead of an error");
  sub->add_option("--inflate", f->inflate,
                  "Deflate decoder: isa-l (the default when built with it) or zlib; the "
                  "findings are the same")
      ->check(CLI::IsMember({"default", "zlib", "isa-l"}));
}

bool BuildVerifyOptions(const VerifyFlags& f, VerifyOptions* out, std::string* error) {
  VerifyOptions o;
  o.use_official_keys = !f.no_official_keys;
  for (const auto& spec : f.keys) {
    const auto colon = spec.find(':');
    if (colon == std::string::npos) {
      *error = "--key '" + spec + "': expected ROLE:FILE.pem";
      return false;
    }
    const std::string role = spec.substr(0, colon);
    TrustedKey k;
    if (role == "cvd") {
      k.role = KeyRole::kCvd;
    } else if (role == "info") {
      k.role = KeyRole::kInfo;
    } else if (role == "cdiff") {
      k.role = KeyRole::kCdiff;
    } else {
      *error = "--key '" + spec + "': ROLE must be cvd, info or cdiff";
      return false;
    }
    const std::string file = spec.substr(colon + 1);
    if (!ReadWhole(file, &k.pem)) {
      *error = "--key: cannot read '" + file + "'";
      return false;
    }
    k.label = file;
    o.keys.push_back(std::move(k));
  }
  o.certs_path = f.certs;
  if (!f.sign.empty()) o.sign_path = f.sign;
  o.sign_policy = f.sign_policy == "fips"   ? SignPolicy::kFips
                  : f.sign_policy == "both" ? SignPolicy::kBoth
                                            : SignPolicy::kDefault;
  if (!f.at.empty()) {
    std::int64_t t = 0;
    if (!ParseTimeArg(f.at, &t)) {
      *error = "--at '" + f.at + "': expected ISO 8601 UTC like 2026-01-01T00:00:00Z or Unix seconds";
      return false;
    }
    o.at_time = t;
  }
  if (f.engine_flevel >= 0) o.engine_flevel = static_cast<std::uint32_t>(f.engine_flevel);
  if (f.installed_version >= 0) o.installed_version = static_cast<std::uint32_t>(f.installed_version);
  o.lint = !f.no_lint;
  o.require_signed = f.require_signed;
  o.strict_signature_encoding = !f.allow_noncanonical;
  o.inflate_backend = f.inflate == "zlib"    ? InflateBackend::kZlib
                      : f.inflate == "isa-l" ? InflateBackend::kIsal
                                             : InflateBackend::kDefault;
  if (!InflateBackendAvailable(o.inflate_backend)) {
    *error = "--inflate isa-l: this cvdguard was built without ISA-L (libisal-dev)";
    return false;
  }
  // A key or trust store that cannot be used is the caller's mistake, not a
  // defect of every file checked with it: exit 2 here rather than report
  // each genuine file INVALID (KEY_UNUSABLE).
  if (!o.keys.empty()) {
    const Report probe = VerifyMemory({}, o);
    for (const auto& finding : probe.findings) {
      if (finding.code == Code::kKeyUnusable) {
        *error = "--key: " + finding.message;
        return false;
      }
    }
  }
  if (!o.certs_path.empty()) {
    std::error_code ec;
    const auto st = std::filesystem::status(o.certs_path, ec);
    if (ec || !(std::filesystem::is_regular_file(st) || std::filesystem::is_directory(st))) {
      *error = "--certs: '" + o.certs_path + "' is not a readable file or directory";
      return false;
    }
  }
  *out = std::move(o);
  return true;
}

TextStyle DetectStyle(bool quiet) {
  TextStyle s;
  s.quiet = quiet;
  const char* no_color = std::getenv("NO_COLOR");
  s.color = isatty(STDOUT_FILENO) == 1 && (no_color == nullptr || *no_color == '\0');
  return s;
}

namespace {

// The file a detached .sign signs, by its name (FORMAT.md 1.6): X.sign
// signs X when X is there (test-2.cvd.sign beside test-2.cvd, as ClamAV's
// own files come); <db>-<version>.cvd.sign otherwise signs <db>.cvd beside
// it, where the loader looks for it. Empty for a name that is no .cvd's or
// .cdiff's .sign; *missing lists what was looked for when nothing is there.
std::string SignedFileOf(const std::string& sign_path, std::string* missing) {
  const auto slash = sign_path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : sign_path.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? sign_path : sign_path.substr(slash + 1);
  const bool cdiff = name.size() > 11 && name.ends_with(".cdiff.sign");
  if (!cdiff && (name.size() <= 9 || !name.ends_with(".cvd.sign"))) return {};
  std::vector<std::string> candidates = {sign_path.substr(0, sign_path.size() - 5)};
  const std::string stem = name.substr(0, name.size() - 9);  // <db>-<version> of a .cvd's
  const auto dash = stem.rfind('-');
  if (!cdiff && dash != std::string::npos && dash > 0 && dash + 1 < stem.size() &&
      stem.find_first_not_of("0123456789", dash + 1) == std::string::npos) {
    candidates.push_back(dir + stem.substr(0, dash) + ".cvd");
  }
  for (const auto& c : candidates) {
    std::error_code ec;
    if (std::filesystem::exists(c, ec)) return c;
  }
  *missing =
      "'" + candidates[0] + "'" + (candidates.size() > 1 ? " or '" + candidates[1] + "'" : "");
  return {};
}

// A key that is the same for two names of one file.
std::string SameFileKey(const std::string& path) {
  std::error_code ec;
  const auto canonical = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : canonical.string();
}

// Collects the definition files under `dir`, recursively, skipping hidden
// entries and not following symlinked directories. Whatever cannot be
// checked is an error, never a silent skip: a subdirectory that cannot be
// read (its files would go unchecked), a dangling symlink or a FIFO, device
// or socket under a definition name (what a scan service would trip on).
void WalkForDefinitions(const std::string& dir, std::vector<std::string>* found,
                        std::vector<std::string>* errors) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  if (ec) {
    errors->push_back(dir + ": cannot read the directory: " + ec.message());
    return;
  }
  std::vector<std::string> subdirs;
  for (; it != end; it.increment(ec)) {
    const fs::path path = it->path();
    const std::string name = path.filename().string();
    if (name.empty() || name.front() == '.') continue;
    std::error_code st_ec;
    const fs::file_status link = fs::symlink_status(path, st_ec);
    if (fs::is_directory(link)) {
      subdirs.push_back(path.string());
      continue;
    }
    if (!IsDefinitionName(name)) continue;
    const fs::file_status target = fs::status(path, st_ec);
    if (fs::is_regular_file(target) || !fs::exists(target)) {
      // A dangling symlink is reported by VerifyPath (it cannot be opened).
      found->push_back(path.string());
    } else if (!fs::is_directory(target)) {
      errors->push_back(path.string() + ": not a regular file (a FIFO, device or socket)");
    }
  }
  if (ec) errors->push_back(dir + ": cannot read the directory: " + ec.message());
  std::sort(subdirs.begin(), subdirs.end());
  for (const auto& d : subdirs) WalkForDefinitions(d, found, errors);
}

}  // namespace

std::vector<VerifyInput> ExpandInputs(const std::vector<std::string>& inputs,
                                      std::vector<std::string>* errors) {
  namespace fs = std::filesystem;
  std::vector<VerifyInput> out;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      const std::size_t errors_before = errors->size();
      WalkForDefinitions(in, &found, errors);
      if (errors->size() == errors_before && found.empty())
        errors->push_back(in + ": no definition files (.cvd .cld .cud .cdiff) in it");
      std::sort(found.begin(), found.end());
      for (auto& f : found) out.push_back({std::move(f), {}});
    } else {
      out.push_back({in, {}});
    }
  }
  // Named .sign files stand for the files they sign.
  std::vector<std::string> targets(out.size());
  std::set<std::string> checked;
  for (std::size_t k = 0; k < out.size(); ++k) {
    std::string missing;
    targets[k] = SignedFileOf(out[k].path, &missing);
    if (!missing.empty()) {
      errors->push_back(out[k].path + ": a .sign for " + missing + ", which is not there");
      out[k].path.clear();
    } else if (targets[k].empty()) {
      checked.insert(SameFileKey(out[k].path));
    }
  }
  std::vector<VerifyInput> result;
  for (std::size_t k = 0; k < out.size(); ++k) {
    if (out[k].path.empty()) continue;  // a .sign of nothing, reported
    if (targets[k].empty()) {
      result.push_back(std::move(out[k]));
    } else if (checked.insert(SameFileKey(targets[k])).second) {
      result.push_back({targets[k], out[k].path});
    }  // else the file it signs is an input: the .sign is checked with it
  }
  return result;
}

}  // namespace cvdguard::cli
