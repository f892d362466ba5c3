// Options for validation: limits, trusted keys, policy inputs.
#ifndef CVDGUARD_OPTIONS_H_
#define CVDGUARD_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cvdguard/export.h"

namespace cvdguard {

// Bounds on what a hostile input may make the validator do. Exceeding one is
// a Fatal finding, never a crash or an unbounded allocation.
struct Limits {
  // Largest single tar member. Today's daily.hsb is about 150 MB.
  std::uint64_t max_member_bytes = std::uint64_t{1} << 30;  // 1 GiB
  // Largest inflated payload (the whole tar).
  std::uint64_t max_total_bytes = std::uint64_t{4} << 30;  // 4 GiB
  // Largest inflated/compressed ratio. Real databases compress 2-5:1;
  // deflate's own maximum is about 1032:1.
  std::uint32_t max_ratio = 200;
  // Most tar members. Real bytecode databases hold about 100.
  std::uint32_t max_members = 100000;
  // The .info manifest is held in memory to be parsed; it is a few KB.
  std::uint64_t max_info_bytes = std::uint64_t{16} << 20;  // 16 MiB
};

// What a trusted public key may verify.
enum class KeyRole : std::uint8_t {
  kCvd,    // the header MD5 dsig (textbook RSA), official K1
  kInfo,   // the .info DSIG line (PSS-style SHA-256), official K2
  kCdiff,  // the .cdiff trailer (PSS-style SHA-256), official K3
};

// A user-supplied RSA public key (private mirrors, tests).
struct TrustedKey {
  KeyRole role = KeyRole::kCvd;
  std::string pem;    // PEM "PUBLIC KEY" or "RSA PUBLIC KEY"
  std::string label;  // reported as the key that verified, e.g. a file name
};

// How a detached .sign relates to the legacy signatures (FORMAT.md 6.3).
enum class InflateBackend : std::uint8_t { kDefault, kZlib, kIsal };

enum class SignPolicy : std::uint8_t {
  kDefault,  // ClamAV: .sign first; invalid is fatal; cannot-verify -> legacy
  kFips,     // a valid .sign is required for every .cvd; MD5 is never used
  kBoth,     // the .sign and the legacy dsig must both be valid
};

struct VerifyOptions {
  Limits limits;

  // Keys. The official K1/K2/K3 are trusted unless use_official_keys is off.
  bool use_official_keys = true;
  std::vector<TrustedKey> keys;

  // Switch every signature check off (fuzzing, structure-only checks). A
  // report is then never "valid" unless allow_unverified is also set.
  bool verify_signatures = true;
  bool allow_unverified = false;

  // Refuse dsig values >= n or with redundant digits (S6), and .info DSIG
  // padding that is not zero (S9). When false these are warnings.
  bool strict_signature_encoding = true;

  // Refuse unsigned .cud containers.
  bool require_signed = false;

  // Policy inputs; unset means "no such check".
  std::optional<std::uint32_t> installed_version;  // H13: refuse a downgrade
  std::optional<std::uint32_t> engine_flevel;      // H11, .sign line filter
  // Verification time (Unix seconds) for certificate validity and age
  // checks. Unset means now.
  std::optional<std::int64_t> at_time;

  // The file name used for the kind and name cross-checks (and .sign
  // discovery). VerifyPath fills it from the path when empty.
  std::string file_name;

  // Detached .sign handling (FORMAT.md 6). Empty certs_path means no trust
  // store: a .sign then "cannot verify".
  std::string certs_path;
  std::optional<std::string> sign_path;  // explicit .sign; else found by name
  bool discover_sign = true;             // look for <name>-<ver>.cvd.sign
  SignPolicy sign_policy = SignPolicy::kDefault;

  // Lint the signature files inside (see lint.h).
  bool lint = true;

  // Inflate, walk and lint on a second thread while the caller's thread
  // reads and hashes (files of 4 MiB and more). Never changes a finding.
  bool parallel = true;

  // Deflate decoder. kDefault is ISA-L when the library was built with it
  // (InflateBackendAvailable), else zlib; asking for an unavailable backend
  // gets the default. Never changes a finding (a differential test checks).
  InflateBackend inflate_backend = InflateBackend::kDefault;
};

// Whether this build of the library has the given inflate backend, and the
// backend kDefault stands for.
CVDGUARD_EXPORT bool InflateBackendAvailable(InflateBackend backend);
CVDGUARD_EXPORT InflateBackend DefaultInflateBackend();
CVDGUARD_EXPORT std::string_view InflateBackendName(InflateBackend backend);

}  // namespace cvdguard

#endif  // CVDGUARD_OPTIONS_H_
