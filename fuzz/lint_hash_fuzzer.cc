// Fuzzes the signature-line linter on the hash family: the first byte picks
// the member extension, the last byte the chunk size; findings must not
// depend on chunking and must never be kInternalError. Each line must also
// get the same verdict from the checker's plain-line fast path as from its
// general path, and whole members the same findings from the bulk path
// (clean runs taken at once) as from the line-by-line path.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

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

using Found =
    std::tuple<cvdguard::Code, cvdguard::Severity, std::uint64_t, std::uint64_t, std::string>;

std::vector<Found> LintWhole(std::unique_ptr<cvdguard::internal::lint::LineChecker> checker,
                             std::string_view body, std::size_t chunk) {
  std::vector<Found> out;
  cvdguard::internal::LintOptions options;
  options.engine_flevel = 216;
  auto linter = cvdguard::internal::lint::CreateLinterFor(
      std::move(checker), options,
      [&out](cvdguard::Code c, cvdguard::Severity s, std::uint64_t line, std::uint64_t offset,
             std::string m) { out.emplace_back(c, s, line, offset, std::move(m)); });
  for (std::size_t i = 0; i < body.size(); i += chunk) {
    const std::string_view part = body.substr(i, chunk);
    linter->Update({reinterpret_cast<const std::uint8_t*>(part.data()), part.size()});
  }
  linter->Finish();
  return out;
}

// Whole members: the bulk path (runs of clean lines taken at once) must give
// the findings of the line-by-line path, line numbers and offsets included.
void CompareBulkPath(const char* name, std::string_view body, std::size_t chunk) {
  namespace lint = cvdguard::internal::lint;
  const std::string_view ext = std::string_view(name).substr(2);
  const lint::Flevel fl{216};
  if (LintWhole(lint::MakeHashChecker(ext, fl, true), body, chunk) !=
      LintWhole(lint::MakeHashChecker(ext, fl, false), body, chunk)) {
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 0 && size <= cvdguard::fuzz::kMaxInput) {
    const char* const name = kNames[data[0] % kNames.size()];
    const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    CompareFastPath(name, body);
    CompareBulkPath(name, body, std::size_t{1} + data[size - 1] % 97);
    CompareBulkPath(name, body, body.size() + 1);
  }
  return cvdguard::fuzz::LintFamily(data, size, kNames);
}
