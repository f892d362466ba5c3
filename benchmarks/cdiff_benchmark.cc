// .cdiff benchmarks: a generated database of a few MB (about 4 MB of .hdb,
// .ndb and .ldb lines) and a 1,000-line patch (400 XCHG, 300 DEL, 300 ADD,
// plus the .info edits), signed with generated keys.
//   BM_CdiffVerify       - verify the .cdiff (trailer + whole script)
//   BM_CdiffApplyScript  - apply the parsed script to an in-memory copy
//   BM_CdiffPatchChain   - the whole `patch` pipeline in memory: verify base
//                          and patch, apply, build the .cld, validate it
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cdiff/cdiff_internal.h"
#include "cvdguard/builder.h"
#include "cvdguard/cdiff.h"
#include "cvdguard/validator.h"

namespace {

using cvdguard::BuildSpec;
using cvdguard::Kind;

struct Data {
  std::string cvd_priv, cvd_pub, info_priv, info_pub, cdiff_priv, cdiff_pub;
  std::vector<std::uint8_t> base, target, cdiff;
  cvdguard::VerifyOptions options;
  std::string script;
};

std::string Hex(unsigned v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*x", width, v);
  return buf;
}

BuildSpec Spec(std::uint32_t version, const Data& d, bool patched) {
  BuildSpec s;
  s.kind = Kind::kCvd;
  s.name = "bench";
  s.version = version;
  s.stime = 1624412045 + version;
  s.cvd_key_pem = d.cvd_priv;
  s.info_key_pem = d.info_priv;
  s.compress = true;
  s.gzip_level = 6;
  std::string hdb, ndb, ldb;
  for (unsigned i = 0; i < 50000; ++i) {  // ~3 MB
    const bool changed = patched && i >= 10000 && i < 10400;  // 400 XCHG
    hdb += Hex(i * 2654435761u, 32) + ":" + std::to_string(1000 + i) + ":Bench.Hdb-" +
           std::to_string(i) + (changed ? "-v2" : "") + "\n";
  }
  for (unsigned i = 0; i < 12000; ++i) {  // ~0.5 MB
    if (patched && i >= 6000 && i < 6300) continue;  // 300 DEL
    ndb += "Bench.Ndb-" + std::to_string(i) + ":0:*:" + Hex(i * 40503u, 16) + "\n";
  }
  for (unsigned i = 0; i < 5000 + (patched ? 300u : 0u); ++i) {  // 300 ADD
    ldb += "Bench.Ldb-" + std::to_string(i) + ";Engine:51-255,Target:1;0&1;" + Hex(i, 12) + ";" +
           Hex(i * 7u, 12) + "\n";
  }
  s.members = {{"bench.hdb", hdb}, {"bench.ndb", ndb}, {"bench.ldb", ldb}};
  return s;
}

const Data& D() {
  static const Data d = [] {
    Data x;
    std::string e;
    cvdguard::GenerateRsaKey(1024, &x.cvd_priv, &x.cvd_pub, &e);
    cvdguard::GenerateRsaKey(2048, &x.info_priv, &x.info_pub, &e);
    cvdguard::GenerateRsaKey(2048, &x.cdiff_priv, &x.cdiff_pub, &e);
    cvdguard::BuildContainer(Spec(1, x, false), &x.base, &e);
    cvdguard::BuildContainer(Spec(2, x, true), &x.target, &e);
    cvdguard::MemberList a, b;
    std::uint32_t va = 0, vb = 0;
    cvdguard::ReadContainerMembers(x.base, &a, &va, &e);
    cvdguard::ReadContainerMembers(x.target, &b, &vb, &e);
    cvdguard::MakeCdiffScript(a, b, &x.script, &e);
    cvdguard::BuildCdiff(x.script, 2, x.cdiff_priv, &x.cdiff, &e);
    x.options.use_official_keys = false;
    x.options.keys = {{cvdguard::KeyRole::kCvd, x.cvd_pub, "bench-cvd"},
                      {cvdguard::KeyRole::kInfo, x.info_pub, "bench-info"},
                      {cvdguard::KeyRole::kCdiff, x.cdiff_pub, "bench-cdiff"}};
    x.options.lint = false;
    x.options.at_time = 1624412045 + 3600;
    return x;
  }();
  return d;
}

std::size_t ScriptCommands(const std::string& script) {
  std::size_t n = 0;
  for (char c : script) n += c == '\n' ? 1u : 0u;
  return n;
}

void BM_CdiffVerify(benchmark::State& state) {
  const Data& d = D();
  cvdguard::VerifyOptions o = d.options;
  o.file_name = "bench-2.cdiff";
  for (auto _ : state) {
    const cvdguard::Report r = cvdguard::VerifyCdiffMemory(d.cdiff, o);
    if (!r.valid()) state.SkipWithError("the benchmark patch does not verify");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(d.script.size()));
  state.counters["script_lines"] = static_cast<double>(ScriptCommands(d.script));
}
BENCHMARK(BM_CdiffVerify)->Unit(benchmark::kMillisecond);

void BM_CdiffApplyScript(benchmark::State& state) {
  const Data& d = D();
  cvdguard::MemberList members;
  std::uint32_t v = 0;
  std::string e;
  cvdguard::ReadContainerMembers(d.base, &members, &v, &e);
  const cvdguard::internal::FileSet base(members.begin(), members.end());
  cvdguard::internal::CdiffScript script;
  std::vector<cvdguard::Finding> findings;
  cvdguard::internal::ParseCdiffScript(d.script, cvdguard::CdiffLimits{}, &script, &findings);
  std::int64_t bytes = 0;
  for (const auto& [name, data] : base) bytes += static_cast<std::int64_t>(data.size());
  for (auto _ : state) {
    cvdguard::internal::FileSet work = base;
    const bool ok =
        cvdguard::internal::ApplyCdiffScript(script, &work, std::uint64_t{1} << 32, &findings);
    if (!ok) state.SkipWithError("the benchmark patch does not apply");
    benchmark::DoNotOptimize(work);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * bytes);
}
BENCHMARK(BM_CdiffApplyScript)->Unit(benchmark::kMillisecond);

void BM_CdiffPatchChain(benchmark::State& state) {
  const Data& d = D();
  for (auto _ : state) {
    std::vector<std::uint8_t> cld;
    const cvdguard::PatchOutcome o = cvdguard::ApplyPatchesMemory(
        d.base, "bench-1.cvd", {{"bench-2.cdiff", d.cdiff, std::nullopt}}, d.options, &cld);
    if (o.status != cvdguard::PatchStatus::kOk) state.SkipWithError("the patch chain failed");
    benchmark::DoNotOptimize(cld);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(d.base.size()));
}
BENCHMARK(BM_CdiffPatchChain)->Unit(benchmark::kMillisecond);

}  // namespace
