// Fuzzes the signature-line linter on the hash family: the first byte picks
// the member extension, the last byte the chunk size; findings must not
// depend on chunking and must never be kInternalError. Each line must also
// get the same verdict from the checker's plain-line fast path as from its
// general path.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "lint/lint_internal.h"
#include "lint_fuzz_common.h"

namespace {
constexpr std::array<const char*, 11> kNames = {"x.hdb", "x.hsb", "x.mdb", "x.msb", "x.hdu", "x.hsu", "x.mdu", "x.msu", "x.fp", "x.sfp", "x.imp"};

bool SameResult(const cvdguard::internal::lint::LineResult& a, const cvdguard::internal::lint::LineResult& b) {
  if (a.failed() != b.failed() || a.skipped() != b.skipped() || a.issues().size() != b.issues().size()) return false;
  for (std::size_t i = 0; i < a.issues().size(); ++i) {
    const auto& x = a.issues()[i];
    const auto& y = b.issues()[i];
    if (x.code != y.code || x.severity != y.severity || x.message != y.message) return false;
  }
  return true;
}

void CompareFastPath(const char* name, std::string_view body) {
  namespace lint = cvdguard::internal::lint;
  const std::string_view ext = std::string_view(name).substr(2);
  for (const std::optional<std::uint32_t> level : {std::optional<std::uint32_t>(216), std::optional<std::uint32_t>()}) {
    auto fast = lint::MakeHashChecker(ext, lint::Flevel{level}, true);
    auto general = lint::MakeHashChecker(ext, lint::Flevel{level}, false);
    std::size_t start = 0;
    while (start <= body.size()) {
      std::size_t end = body.find('\n', start);
      if (end == std::string_view::npos) end = body.size();
      const std::string_view line = body.substr(start, end - start);
      lint::LineResult a;
      lint::LineResult b;
      fast->CheckLine(line, a);
      general->CheckLine(line, b);
      if (!SameResult(a, b)) std::abort();
      start = end + 1;
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 0 && size <= cvdguard::fuzz::kMaxInput) {
    CompareFastPath(kNames[data[0] % kNames.size()],
                    std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  }
  return cvdguard::fuzz::LintFamily(data, size, kNames);
}
