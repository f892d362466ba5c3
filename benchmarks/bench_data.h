// Generated inputs shared by the benchmark cases: a daily-like database of a
// given size (85 % .hsb, 10 % .ndb, 5 % .ldb lines, gzip level 6), signed
// with keys generated once per process, and options that trust those keys.
#ifndef CVDGUARD_BENCHMARKS_BENCH_DATA_H_
#define CVDGUARD_BENCHMARKS_BENCH_DATA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "cvdguard/options.h"

namespace cvdguard::bench {

struct Keys {
  std::string cvd_priv, cvd_pub, info_priv, info_pub;
};
const Keys& TheKeys();

// A `daily.cvd` of about `mb` megabytes of signature text; built once per
// size and cached for the life of the process.
const std::vector<std::uint8_t>& Db(int mb);

// Options that trust TheKeys() (and not the official keys), file name
// "daily.cvd", lint on.
VerifyOptions Options();

}  // namespace cvdguard::bench

#endif  // CVDGUARD_BENCHMARKS_BENCH_DATA_H_
