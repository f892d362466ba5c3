// Fuzzes the signature-line linter on the hash family: the first byte picks
// the member extension, the last byte the chunk size; findings must not
// depend on chunking and must never be kInternalError.
#include <array>
#include <cstddef>
#include <cstdint>

#include "lint_fuzz_common.h"

namespace {
constexpr std::array<const char*, 11> kNames = {"x.hdb", "x.hsb", "x.mdb", "x.msb", "x.hdu", "x.hsu", "x.mdu", "x.msu", "x.fp", "x.sfp", "x.imp"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return cvdguard::fuzz::LintFamily(data, size, kNames);
}
