// Per-stage costs of the validator on generated databases: header parse,
// payload MD5, inflate alone, tar walk alone, the line lint of one member,
// .info parse, and the whole validation. Bytes/s are of the compressed input
// unless the name says tar (or, for the lint, the member's text).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "archive/inflater.h"
#include "archive/tar_walker.h"
#include "bench_data.h"
#include "crypto/digest.h"
#include "cvdguard/builder.h"
#include "cvdguard/cdiff.h"
#include "cvdguard/validator.h"
#include "header/header.h"
#include "lint/linter.h"
#include "manifest/info.h"

namespace {

using cvdguard::bench::Db;
using cvdguard::bench::Options;

std::vector<std::uint8_t> Inflate(const std::vector<std::uint8_t>& db) {
  std::vector<std::uint8_t> tar;
  cvdguard::internal::GzipInflater inf(
      512, ~std::uint64_t{0}, cvdguard::Code::kPayloadTooLarge, "cap",
      [&](std::span<const std::uint8_t> b) { tar.insert(tar.end(), b.begin(), b.end()); },
      [](cvdguard::Finding) {});
  inf.Update(std::span<const std::uint8_t>(db).subspan(512));
  inf.Finish();
  return tar;
}

void BM_HeaderParse(benchmark::State& state) {
  const auto& db = Db(1);
  for (auto _ : state) {
    auto p = cvdguard::internal::ParseHeader(std::span<const std::uint8_t>(db).first(512),
                                             cvdguard::Kind::kUnknown);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_HeaderParse);

void BM_PayloadMd5(benchmark::State& state) {
  const auto& db = Db(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    cvdguard::internal::Md5 md5;
    md5.Update(std::span<const std::uint8_t>(db).subspan(512));
    benchmark::DoNotOptimize(md5.Final());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (db.size() - 512)));
}
BENCHMARK(BM_PayloadMd5)->Arg(1)->Arg(16);

// Inflate alone with the given backend (the default is ISA-L when built
// with it); bytes/s of compressed input.
void InflateOnlyOf(benchmark::State& state, int mb, cvdguard::InflateBackend backend) {
  const auto& db = Db(mb);
  for (auto _ : state) {
    std::uint64_t n = 0;
    cvdguard::internal::GzipInflater inf(
        512, ~std::uint64_t{0}, cvdguard::Code::kPayloadTooLarge, "cap",
        [&](std::span<const std::uint8_t> b) { n += b.size(); }, [](cvdguard::Finding) {}, backend);
    inf.Update(std::span<const std::uint8_t>(db).subspan(512));
    inf.Finish();
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (db.size() - 512)));
}
void BM_InflateOnly(benchmark::State& state) {
  InflateOnlyOf(state, static_cast<int>(state.range(0)), cvdguard::InflateBackend::kDefault);
}
void BM_InflateOnlyZlib(benchmark::State& state) {
  InflateOnlyOf(state, static_cast<int>(state.range(0)), cvdguard::InflateBackend::kZlib);
}
BENCHMARK(BM_InflateOnly)->Arg(1)->Arg(16);

struct NullListener : cvdguard::internal::TarListener {
  cvdguard::internal::Sha256 sha;
  void OnMemberStart(const cvdguard::internal::TarEntry&) override {}
  void OnMemberData(std::span<const std::uint8_t> b) override { sha.Update(b); }
  void OnMemberEnd() override {}
};

void BM_TarWalkWithSha256(benchmark::State& state) {
  const auto tar = Inflate(Db(static_cast<int>(state.range(0))));
  for (auto _ : state) {
    NullListener l;
    cvdguard::internal::TarWalker w({1u << 30, 100000}, cvdguard::Finding::kNone, &l,
                                    [](cvdguard::Finding) {});
    w.Update(tar);
    w.Finish();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * tar.size()));
}
BENCHMARK(BM_TarWalkWithSha256)->Arg(1)->Arg(16);

// A member of the 16 MB database, as text.
const std::string& Member16(const std::string& name) {
  static const std::map<std::string, std::string> members = [] {
    cvdguard::MemberList list;
    std::uint32_t version = 0;
    std::string error;
    if (!cvdguard::ReadContainerMembers(Db(16), &list, &version, &error)) std::abort();
    return std::map<std::string, std::string>(list.begin(), list.end());
  }();
  return members.at(name);
}

// The line lint alone, on one thread, over one member of the 16 MB database
// (0 = .hsb, 1 = .ndb, 2 = .ldb), fed in 256 KiB chunks. Bytes/s are of the
// member's text.
void BM_LintMember(benchmark::State& state) {
  static const char* const kNames[] = {"daily.hsb", "daily.ndb", "daily.ldb"};
  const std::string name = kNames[state.range(0)];
  const std::string& text = Member16(name);
  cvdguard::internal::LintOptions options;
  options.engine_flevel = 216;
  std::uint64_t findings = 0;
  for (auto _ : state) {
    auto linter = cvdguard::internal::CreateMemberLinter(
        name, options,
        [&findings](cvdguard::Code, cvdguard::Severity, std::uint64_t, std::uint64_t, std::string) {
          ++findings;
        });
    for (std::size_t i = 0; i < text.size(); i += 256 * 1024) {
      const std::size_t n = std::min<std::size_t>(256 * 1024, text.size() - i);
      linter->Update({reinterpret_cast<const std::uint8_t*>(text.data()) + i, n});
    }
    linter->Finish();
  }
  if (findings != 0) state.SkipWithError("the generated member has lint findings");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.SetLabel(name);
}
BENCHMARK(BM_LintMember)->Arg(0)->Arg(1)->Arg(2);

void BM_ManifestParse(benchmark::State& state) {
  std::string info = "ClamAV-VDB:22 Jun 2021 21-34 -0400:6:14:81:X:X:m:1624412045\n";
  for (int i = 0; i < 200; ++i) info += "daily" + std::to_string(i) + ".hsb:1234:" + std::string(64, 'a') + "\n";
  info += "DSIG:abc\n";
  for (auto _ : state) {
    auto p = cvdguard::internal::ParseInfo(info, true, "daily.info");
    benchmark::DoNotOptimize(p);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * info.size()));
}
BENCHMARK(BM_ManifestParse);

void VerifyMemoryOf(benchmark::State& state, int mb) {
  const auto& db = Db(mb);
  const auto options = Options();
  for (auto _ : state) {
    auto r = cvdguard::VerifyMemory(db, options);
    if (r.verdict != cvdguard::Verdict::kValid) state.SkipWithError("generated database not valid");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * db.size()));
}
void BM_VerifyMemory(benchmark::State& state) { VerifyMemoryOf(state, static_cast<int>(state.range(0))); }
BENCHMARK(BM_VerifyMemory)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InflateOnlyZlib)->Arg(16);

// 150 MB cases (a daily-sized database) take a few seconds to generate and
// ~1 GB of memory, so they run only when asked for:
//   CVDGUARD_BENCH_LARGE=1 build/benchmarks/cvdguard_benchmarks
const bool kLargeRegistered = [] {
  const char* e = std::getenv("CVDGUARD_BENCH_LARGE");
  if (e == nullptr || *e == '\0' || *e == '0') return false;
  benchmark::RegisterBenchmark("BM_VerifyMemory/150", [](benchmark::State& st) { VerifyMemoryOf(st, 150); })
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_InflateOnly/150", [](benchmark::State& st) { InflateOnlyOf(st, 150, cvdguard::InflateBackend::kDefault); })
      ->Unit(benchmark::kMillisecond);
  return true;
}();

}  // namespace
