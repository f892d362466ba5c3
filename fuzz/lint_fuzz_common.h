// Shared body of the lint_*_fuzzer targets: lint the input as one member of
// a format family, whole, in chunks and in segments, and abort() on a broken
// invariant.
#ifndef CVDGUARD_FUZZ_LINT_FUZZ_COMMON_H_
#define CVDGUARD_FUZZ_LINT_FUZZ_COMMON_H_

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "cvdguard/finding.h"
#include "lint/linter.h"
#include "lint/parallel_linter.h"

namespace cvdguard::fuzz {

// Inputs are capped so one run stays fast; longer lines are covered by the
// line-length rules, which only need the length (8190/32767 < 64 KiB).
inline constexpr std::size_t kMaxInput = 64 * 1024;

using Seen = std::vector<std::tuple<int, int, std::uint64_t, std::uint64_t, std::string>>;

// `segment` > 0: through the segmenting linter, with segments of about that
// many bytes, run inline (no threads: the fuzzer stays deterministic).
inline Seen Run(const char* name, const internal::LintOptions& options, std::span<const std::uint8_t> data,
                std::size_t chunk, std::size_t segment = 0) {
  Seen seen;
  internal::LintSink sink = [&](Code c, Severity s, std::uint64_t line, std::uint64_t off, std::string msg) {
    if (c == Code::kInternalError) std::abort();
    if (off > data.size()) std::abort();  // offsets point into the member
    seen.emplace_back(CodeNumber(c), static_cast<int>(s), line, off, std::move(msg));
  };
  static internal::LintWorkers inline_workers(0);
  auto linter = segment > 0
                    ? internal::CreateParallelMemberLinter(name, options, std::move(sink), &inline_workers, segment)
                    : internal::CreateMemberLinter(name, options, std::move(sink));
  if (!linter) std::abort();  // every name used by the fuzzers is linted
  for (std::size_t i = 0; i < data.size(); i += chunk) {
    const std::span<const std::uint8_t> piece = data.subspan(i, std::min(chunk, data.size() - i));
    // The segmenting linter also takes chunks it may keep: alternate both.
    if (segment > 0 && (i / chunk) % 2 == 1) {
      auto copy = std::make_shared<const std::vector<std::uint8_t>>(piece.begin(), piece.end());
      linter->UpdateShared(*copy, copy);
    } else {
      linter->Update(piece);
    }
  }
  linter->Finish();
  return seen;
}

// `names` are member names of the family; the first input byte picks one and
// the last byte picks the chunk size (1..256) and the segment size (1..61).
inline int LintFamily(const std::uint8_t* data, std::size_t size, std::span<const char* const> names) {
  if (size == 0 || size > kMaxInput) return 0;
  const char* name = names[data[0] % names.size()];
  const std::span<const std::uint8_t> body(data + 1, size - 1);
  const std::size_t chunk = static_cast<std::size_t>(data[size - 1]) + 1;
  for (int variant = 0; variant < 3; ++variant) {
    internal::LintOptions options;
    if (variant != 2) options.engine_flevel = variant == 0 ? 216u : 51u;
    options.container_member = variant != 1;
    const Seen whole = Run(name, options, body, body.empty() ? 1 : body.size());
    if (Run(name, options, body, chunk) != whole) std::abort();
    // Segments cut anywhere must merge back into the one-thread findings.
    if (Run(name, options, body, chunk, static_cast<std::size_t>(data[size - 1] % 61) + 1) != whole) std::abort();
    // Byte-at-a-time feeding is the harshest split; keep it to small inputs.
    if (body.size() < 4096 && Run(name, options, body, 1) != whole) std::abort();
  }
  return 0;
}

}  // namespace cvdguard::fuzz

#endif  // CVDGUARD_FUZZ_LINT_FUZZ_COMMON_H_
