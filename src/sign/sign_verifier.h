// Detached .sign files (FORMAT.md 6): a trust store loaded with ClamAV's
// certs-directory rules, a verifier that works from the SHA-256 of the target
// file, and a signer for tests and `cvdguard build`. No OpenSSL type appears
// here. See docs/sign.md for the checks and the three outcomes.
#ifndef CVDGUARD_SIGN_SIGN_VERIFIER_H_
#define CVDGUARD_SIGN_SIGN_VERIFIER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cvdguard/finding.h"
#include "cvdguard/report.h"

namespace cvdguard::internal {

// Resource limits. A real .sign is a few KB (one ~5 KB line per signature).
// The caps keep memory and RSA work bounded for hostile input.
inline constexpr std::size_t kMaxSignFileBytes = std::size_t{1} << 20;  // 1 MiB
// A line holds a base64 SignedData with its certificates; 256 KiB is ~50
// times the ClamAV test files and still allows long chains.
inline constexpr std::size_t kMaxSignLineBytes = std::size_t{256} << 10;
// Each line costs certificate chain building and signature checks.
inline constexpr std::size_t kMaxSignLines = 32;
// ClamAV's signer writes one SignerInfo; a few more are legitimate.
inline constexpr std::size_t kMaxSignerInfos = 8;
// Trust store inputs: a certificate file is a few KB; a directory of
// certificates is small and hand-curated.
inline constexpr std::size_t kMaxTrustFileBytes = std::size_t{1} << 20;
inline constexpr std::size_t kMaxTrustCerts = 1024;

// The feature level that introduced .sign files; lower min flevels are
// refused (FORMAT.md 6.1).
inline constexpr std::uint32_t kMinSignFlevel = 230;

// A set of trusted CA certificates. Immutable once loaded, so one store may
// be shared by threads that verify concurrently.
struct TrustStore;

// Loads CA certificates with ClamAV's rules (FORMAT.md 6.3): a directory ->
// every regular file (symlinks followed, no recursion) whose extension is
// exactly ".pem" or ".crt", each holding one or more PEM certificates, all
// trusted; a file -> its certificates, whatever its name. Fails (returns
// nullptr and sets *error) when the path or a file is unreadable, a file holds
// no certificate or bad PEM, no certificate is found, a certificate has no
// CN, or two certificates share a CN (ClamAV refuses those, OpenSSL issue
// 16304). `error` may be null.
std::shared_ptr<const TrustStore> LoadTrustStore(const std::string& path, std::string* error);
// The same from PEM text in memory (one or more certificates).
std::shared_ptr<const TrustStore> LoadTrustStoreFromPem(std::string_view pem, std::string* error);
// Subjects of the trusted certificates, in load order.
std::vector<std::string> TrustStoreSubjects(const TrustStore& store);

// What happened to one signature line.
struct SignLineResult {
  std::size_t line = 0;  // 1-based line number in the .sign text
  std::uint32_t min_flevel = 0;
  std::optional<std::uint32_t> max_flevel;  // unset = unbounded
  // kCannotVerify also for skipped and malformed lines; see the flags.
  SigOutcome outcome = SigOutcome::kCannotVerify;
  bool malformed = false;    // the line did not parse (ClamAV stops there)
  bool skipped = false;      // engine flevel outside [min, max]; not verified
  std::optional<Code> code;  // the finding that explains the outcome, if any
  std::string detail;
  std::string signer;              // subject of the (first) signer certificate
  std::vector<std::string> chain;  // subjects, leaf first
};

struct SignResult {
  SigOutcome outcome = SigOutcome::kCannotVerify;
  // What ClamAV 1.5 concludes: it walks the lines in order and stops at the
  // first malformed (cannot verify), invalid or valid line. `outcome` is
  // stricter: any invalid line makes the file invalid and a malformed line
  // prevents "valid". They differ only when lines disagree
  // (SignClamavDiffers is then reported).
  SigOutcome clamav_outcome = SigOutcome::kCannotVerify;
  std::string signer;              // subject of the signing cert (when known)
  std::vector<std::string> chain;  // subjects, leaf first
  std::string detail;              // human reason
  std::vector<Finding> findings;   // codes from codes_sign.def; `line` set
  std::vector<SignLineResult> lines;
};

struct SignVerifyParams {
  // Trusted roots; nullptr -> cannot verify ("no trust store"). Not owned;
  // must outlive the call.
  const TrustStore* store = nullptr;
  // Verification time for certificate validity (Unix seconds); unset = now.
  std::optional<std::int64_t> at_time;
  // Lines whose [min, max] range excludes this level are skipped; unset = no
  // filtering.
  std::optional<std::uint32_t> engine_flevel;
};

// Verifies a .sign file. sign_text: the whole .sign file. target_sha256: the
// SHA-256 of the complete target file bytes (the file is never re-read).
// Never throws; thread-safe for distinct or shared const TrustStores.
SignResult VerifySignFile(std::string_view sign_text, const std::uint8_t (&target_sha256)[32],
                          const SignVerifyParams& params);

// Signs `content` as ClamAV's sigtool does: a detached CMS SignedData in
// binary mode with SHA-256, signed attributes, the signer certificate and
// `extra_certs_pem` (zero or more PEM certificates, e.g. the intermediate)
// embedded. Writes "#clamsign-1.0\n<min>::pkcs7-pem:<base64 DER>\n" to
// *sign_text. Returns false with *error set on bad PEM, a key that does not
// match the certificate, or min_flevel < 230.
bool CreateSignFile(std::string_view content, const std::string& signer_cert_pem,
                    const std::string& signer_key_pem, const std::string& extra_certs_pem,
                    std::uint32_t min_flevel, std::string* sign_text, std::string* error);

// Strict standard base64 (RFC 4648 alphabet, '=' padding, length a multiple
// of 4, zero pad bits, no whitespace). Decode returns false on any deviation.
std::string Base64Encode(const std::uint8_t* data, std::size_t size);
bool Base64Decode(std::string_view text, std::vector<std::uint8_t>* out);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_SIGN_SIGN_VERIFIER_H_
