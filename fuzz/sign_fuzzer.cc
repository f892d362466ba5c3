// Fuzzes .sign parsing and verification (src/sign/) against a fixed trust
// store and a fixed target digest. Invariants (abort on violation):
//  * nothing is ever valid: the digest is SHA-256 of the empty file, which
//    no seed signs, and producing a signature needs a key the fuzzer lacks;
//  * the outcome matches the findings (invalid exactly when an error is
//    reported), codes stay in the .sign range, limits hold;
//  * without a trust store nothing is judged: always cannot_verify.
// The seeds in corpus/sign_fuzzer/ chain to the embedded root, so mutations
// start deep inside CMS and chain verification. An input that starts with
// 0x30 (a DER SEQUENCE) is taken as the DER of a signature and wrapped into a
// one-line .sign, so the mutator works on DER directly, not through base64.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sign/sign_verifier.h"

namespace cvdguard::internal {
namespace {

#include "sign_fuzzer_root.inc"

// .sign files are a few KB; 64 KiB keeps every run fast while still
// exceeding a typical line many times over.
constexpr std::size_t kMaxInput = 64 << 10;
// 2026-01-01T00:00:00Z, inside the seed certificates' validity.
constexpr std::int64_t kAtTime = 1767225600;
// SHA-256("").
constexpr std::uint8_t kDigest[32] = {
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "sign_fuzzer invariant violated: %s\n", what);
  std::abort();
}

const TrustStore* Store() {
  static const std::shared_ptr<const TrustStore> store = [] {
    std::string error;
    auto s = LoadTrustStoreFromPem(kSignFuzzerRootPem, &error);
    if (!s) {
      std::fprintf(stderr, "sign_fuzzer: embedded root: %s\n", error.c_str());
      std::abort();
    }
    return s;
  }();
  return store.get();
}

void CheckResult(const SignResult& r, bool have_store) {
  if (r.outcome == SigOutcome::kValid) Fail("valid outcome for a digest nothing signs");
  if (r.clamav_outcome == SigOutcome::kValid) Fail("ClamAV outcome valid");
  if (!have_store && r.outcome != SigOutcome::kCannotVerify) Fail("judged without trust store");
  if (r.lines.size() > kMaxSignLines) Fail("line limit");
  bool error = false;
  for (const Finding& f : r.findings) {
    const int n = CodeNumber(f.code);
    if (n < 600 || n > 699) Fail("code outside the .sign range");
    if (f.severity != DefaultSeverity(f.code)) Fail("severity differs from the code table");
    error = error || f.severity >= Severity::kError;
  }
  if (error != (r.outcome == SigOutcome::kInvalid)) Fail("outcome does not match findings");
  for (const SignLineResult& l : r.lines) {
    if (l.outcome == SigOutcome::kValid) Fail("valid line");
    if (l.skipped && l.outcome != SigOutcome::kCannotVerify) Fail("skipped line judged");
  }
}

}  // namespace
}  // namespace cvdguard::internal

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cvdguard::internal;  // NOLINT(google-build-using-namespace)
  if (size > kMaxInput) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string wrapped;
  if (size > 0 && data[0] == 0x30) {
    wrapped = "#clamsign-1.0\n230::pkcs7-pem:" + Base64Encode(data, size) + "\n";
    text = wrapped;
  }
  SignVerifyParams params;
  params.store = Store();
  params.at_time = kAtTime;
  CheckResult(VerifySignFile(text, kDigest, params), true);
  // With a flevel filter (the seeds use 230:, 230:240 and 241:).
  params.engine_flevel = 241;
  CheckResult(VerifySignFile(text, kDigest, params), true);
  params.store = nullptr;
  CheckResult(VerifySignFile(text, kDigest, params), false);
  return 0;
}
