// Detached .sign costs (FORMAT.md 6): verifying one .sign from the target's
// SHA-256 (parse, CMS decode, chain build, one RSA verify), and the whole
// validation of a 16 MB database with and without its .sign. The difference
// between the last two should be about one SHA-256 pass over the file: the
// .sign shares the validator's single read.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include "bench_data.h"
#include "crypto/digest.h"
#include "cvdguard/validator.h"
#include "sign/sign_verifier.h"
#include "testing/test_ca.h"

namespace {

namespace t = cvdguard::testing;
using cvdguard::bench::Db;

constexpr std::int64_t kAt = t::kTime2025 + 86400 * 30;

// The test chain's root, written to a private temporary file for the
// path-based trust store option.
const std::string& RootCertPath() {
  static const std::string path = [] {
    char tmpl[] = "/tmp/cvdguard-bench-root-XXXXXX";
    const int fd = mkstemp(tmpl);
    const std::string& pem = t::DefaultChain().root.cert_pem;
    if (fd < 0 || write(fd, pem.data(), pem.size()) != static_cast<ssize_t>(pem.size())) {
      std::perror("writing the benchmark root certificate");
      std::abort();
    }
    close(fd);
    std::atexit([] { unlink(RootCertPath().c_str()); });
    return std::string(tmpl);
  }();
  return path;
}

const std::string& SignText(int mb) {
  static std::string text;
  static int made_for = -1;
  if (made_for != mb) {
    const auto& db = Db(mb);
    text = t::DefaultSignText(std::string_view(reinterpret_cast<const char*>(db.data()), db.size()));
    made_for = mb;
  }
  return text;
}

void BM_SignVerifyFromDigest(benchmark::State& state) {
  const auto& db = Db(1);
  const std::string& text = SignText(1);
  std::uint8_t sha[32];
  {
    const auto d = cvdguard::internal::Sha256::Of(db);
    std::copy(d.begin(), d.end(), sha);
  }
  std::string error;
  const auto store = cvdguard::internal::LoadTrustStoreFromPem(t::DefaultChain().root.cert_pem, &error);
  cvdguard::internal::SignVerifyParams params;
  params.store = store.get();
  params.at_time = kAt;
  for (auto _ : state) {
    const auto r = cvdguard::internal::VerifySignFile(text, sha, params);
    if (r.outcome != cvdguard::SigOutcome::kValid) state.SkipWithError("the .sign does not verify");
    benchmark::DoNotOptimize(r);
  }
  state.counters["sign_bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_SignVerifyFromDigest)->Unit(benchmark::kMicrosecond);

void VerifyDb(benchmark::State& state, bool with_sign) {
  const int mb = static_cast<int>(state.range(0));
  const auto& db = Db(mb);
  cvdguard::VerifyOptions o = cvdguard::bench::Options();
  o.lint = false;  // isolate the signature work
  o.at_time = kAt;
  if (with_sign) o.certs_path = RootCertPath();
  const std::string* text = with_sign ? &SignText(mb) : nullptr;
  for (auto _ : state) {
    cvdguard::Validator v(o);
    v.SetExpectedSize(db.size());
    if (text) v.SetSignFile(*text, "daily-27000.cvd.sign");
    for (std::size_t off = 0; off < db.size(); off += std::size_t{1} << 20) {
      v.Update(std::span<const std::uint8_t>(db).subspan(off, std::min(db.size() - off, std::size_t{1} << 20)));
    }
    const cvdguard::Report r = v.Finish();
    if (!r.valid()) state.SkipWithError("generated database not valid");
    if (with_sign) {
      bool sign_valid = false;
      for (const auto& m : r.signatures) {
        sign_valid |= m.method == cvdguard::SigMethod::kSign && m.outcome == cvdguard::SigOutcome::kValid;
      }
      if (!sign_valid) state.SkipWithError("the .sign was not verified valid");
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * db.size()));
}

void BM_VerifyNoSign(benchmark::State& state) { VerifyDb(state, false); }
void BM_VerifyWithSign(benchmark::State& state) { VerifyDb(state, true); }
BENCHMARK(BM_VerifyNoSign)->Arg(16)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VerifyWithSign)->Arg(16)->Unit(benchmark::kMillisecond);

// The expected extra cost of a .sign: one SHA-256 pass over the file.
void BM_Sha256File(benchmark::State& state) {
  const auto& db = Db(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    cvdguard::internal::Sha256 h;
    h.Update(db);
    benchmark::DoNotOptimize(h.Final());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * db.size()));
}
BENCHMARK(BM_Sha256File)->Arg(16)->Unit(benchmark::kMillisecond);

}  // namespace
