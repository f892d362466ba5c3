#include "bench_data.h"

#include <map>
#include <random>

#include "cvdguard/builder.h"

namespace cvdguard::bench {

const Keys& TheKeys() {
  static const Keys k = [] {
    Keys x;
    std::string e;
    GenerateRsaKey(1024, &x.cvd_priv, &x.cvd_pub, &e);
    GenerateRsaKey(2048, &x.info_priv, &x.info_pub, &e);
    return x;
  }();
  return k;
}

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
    ldb += "Bench.Ldb-" + std::to_string(n) + "-0;Engine:51-255,Target:1;0&1;" + hex(12) + ";" +
           hex(12) + "\n";
  }
  BuildSpec spec;
  spec.name = "daily";
  spec.version = 27000;
  spec.members = {{"daily.hsb", hsb}, {"daily.ndb", ndb}, {"daily.ldb", ldb}};
  spec.cvd_key_pem = TheKeys().cvd_priv;
  spec.info_key_pem = TheKeys().info_priv;
  spec.gzip_level = 6;
  std::string error;
  BuildContainer(spec, &out, &error);
  return out;
}

VerifyOptions Options() {
  VerifyOptions o;
  o.use_official_keys = false;
  o.keys = {{KeyRole::kCvd, TheKeys().cvd_pub, "bench"}, {KeyRole::kInfo, TheKeys().info_pub, "bench"}};
  o.file_name = "daily.cvd";
  return o;
}

}  // namespace cvdguard::bench
