// Per-stage costs of the validator on generated databases: header parse,
// payload MD5, inflate alone, tar walk alone, .info parse, and the whole
// validation. Bytes/s are of the compressed input unless the name says tar.
#include <benchmark/benchmark.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "archive/inflater.h"
#include "archive/tar_walker.h"
#include "crypto/digest.h"
#include "cvdguard/builder.h"
#include "cvdguard/validator.h"
#include "header/header.h"
#include "manifest/info.h"

namespace {

struct Keys {
  std::string cvd_priv, cvd_pub, info_priv, info_pub;
  Keys() {
    std::string e;
    cvdguard::GenerateRsaKey(1024, &cvd_priv, &cvd_pub, &e);
    cvdguard::GenerateRsaKey(2048, &info_priv, &info_pub, &e);
  }
};

const Keys& TheKeys() {
  static const Keys k;
  return k;
}

// A daily-like database of about `mb` megabytes of signature text.
const std::vector<std::uint8_t>& Db(int mb) {
  static std::map<int, std::vector<std::uint8_t>> cache;
  auto& out = cache[mb];
  if (!out.empty()) return out;
  std::mt19937_64 rng(static_cast<std::uint64_t>(mb));
  auto hex = [&rng](int bytes) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < bytes; ++i) {
      const auto v = rng();
      s += d[v & 15];
      s += d[(v >> 4) & 15];
    }
    return s;
  };
  std::string hsb, ndb, ldb;
  const std::size_t target = static_cast<std::size_t>(mb) << 20;
  for (int n = 0; hsb.size() < target * 85 / 100; ++n) {
    hsb += hex(32) + ":" + std::to_string(1000 + n) + ":Bench.Hsb-" + std::to_string(n) + "-0:73\n";
  }
  for (int n = 0; ndb.size() < target * 10 / 100; ++n) {
    ndb += "Bench.Ndb-" + std::to_string(n) + "-0:0:*:" + hex(24) + "\n";
  }
  for (int n = 0; ldb.size() < target * 5 / 100; ++n) {
    ldb += "Bench.Ldb-" + std::to_string(n) + "-0;Engine:51-255,Target:1;0&1;" + hex(12) + ";" + hex(12) + "\n";
  }
  cvdguard::BuildSpec spec;
  spec.name = "daily";
  spec.version = 27000;
  spec.members = {{"daily.hsb", hsb}, {"daily.ndb", ndb}, {"daily.ldb", ldb}};
  spec.cvd_key_pem = TheKeys().cvd_priv;
  spec.info_key_pem = TheKeys().info_priv;
  spec.gzip_level = 6;
  std::string error;
  cvdguard::BuildContainer(spec, &out, &error);
  return out;
}

cvdguard::VerifyOptions Options() {
  cvdguard::VerifyOptions o;
  o.use_official_keys = false;
  o.keys = {{cvdguard::KeyRole::kCvd, TheKeys().cvd_pub, "bench"},
            {cvdguard::KeyRole::kInfo, TheKeys().info_pub, "bench"}};
  o.file_name = "daily.cvd";
  return o;
}

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

void BM_InflateOnly(benchmark::State& state) {
  const auto& db = Db(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    std::uint64_t n = 0;
    cvdguard::internal::GzipInflater inf(
        512, ~std::uint64_t{0}, cvdguard::Code::kPayloadTooLarge, "cap",
        [&](std::span<const std::uint8_t> b) { n += b.size(); }, [](cvdguard::Finding) {});
    inf.Update(std::span<const std::uint8_t>(db).subspan(512));
    inf.Finish();
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (db.size() - 512)));
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

void BM_VerifyMemory(benchmark::State& state) {
  const auto& db = Db(static_cast<int>(state.range(0)));
  const auto options = Options();
  for (auto _ : state) {
    auto r = cvdguard::VerifyMemory(db, options);
    if (r.verdict != cvdguard::Verdict::kValid) state.SkipWithError("generated database not valid");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * db.size()));
}
BENCHMARK(BM_VerifyMemory)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond);

}  // namespace
