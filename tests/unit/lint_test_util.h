// Helpers for the lint tests: run a member through the linter in chunks and
// collect what it reports.
#ifndef CVDGUARD_TESTS_UNIT_LINT_TEST_UTIL_H_
#define CVDGUARD_TESTS_UNIT_LINT_TEST_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "cvdguard/finding.h"
#include "lint/linter.h"
#include "lint/parallel_linter.h"

namespace cvdguard::internal::lint_test {

struct Reported {
  Code code;
  Severity severity;
  std::uint64_t line;
  std::uint64_t offset;
  std::string message;
  bool operator==(const Reported&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Reported& r) {
  return os << CodeName(r.code) << "/" << SeverityName(r.severity) << " line " << r.line << " @" << r.offset
            << ": " << r.message;
}

// A sink that appends to `out`.
inline LintSink CollectInto(std::vector<Reported>* out) {
  return [out](Code c, Severity s, std::uint64_t line, std::uint64_t off, std::string msg) {
    out->push_back({c, s, line, off, std::move(msg)});
  };
}

// Feeds `content` to `linter` in chunks of `chunk` bytes (0 = all at once),
// then finishes it. `owned`: every other chunk is shared (UpdateShared, in
// a buffer the linter may keep and that is freed when it lets go) instead of
// lent.
inline void Feed(MemberLinter* linter, std::string_view content, std::size_t chunk, bool owned = false) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(content.data());
  const std::size_t step = chunk == 0 ? std::max<std::size_t>(content.size(), 1) : chunk;
  bool hand_over = false;
  for (std::size_t i = 0; i < content.size(); i += step) {
    const std::span<const std::uint8_t> piece(p + i, std::min(step, content.size() - i));
    hand_over = owned && !hand_over;
    if (hand_over) {
      auto copy = std::make_shared<const std::vector<std::uint8_t>>(piece.begin(), piece.end());
      linter->UpdateShared(*copy, copy);
    } else {
      linter->Update(piece);
    }
  }
  linter->Finish();
}

// Lints `content` as member `name`, fed in chunks of `chunk` bytes (0 = all
// at once). Returns the findings in order.
inline std::vector<Reported> LintMember(std::string_view name, std::string_view content,
                                        const LintOptions& options = {}, std::size_t chunk = 0) {
  std::vector<Reported> out;
  if (auto linter = CreateMemberLinter(name, options, CollectInto(&out))) Feed(linter.get(), content, chunk);
  return out;
}

// The same through the segmenting linter: segments of about `segment_bytes`
// linted on `workers` and merged in order; `owned` as for Feed().
inline std::vector<Reported> LintMemberInSegments(std::string_view name, std::string_view content,
                                                  const LintOptions& options, std::size_t segment_bytes,
                                                  std::size_t chunk, LintWorkers* workers,
                                                  bool owned = false) {
  std::vector<Reported> out;
  if (auto linter = CreateParallelMemberLinter(name, options, CollectInto(&out), workers, segment_bytes)) {
    Feed(linter.get(), content, chunk, owned);
  }
  return out;
}

inline bool HasError(const std::vector<Reported>& f) {
  return std::any_of(f.begin(), f.end(), [](const Reported& r) { return r.severity >= Severity::kError; });
}

inline bool HasCode(const std::vector<Reported>& f, Code code) {
  return std::any_of(f.begin(), f.end(), [&](const Reported& r) { return r.code == code; });
}

inline std::string Describe(const std::vector<Reported>& f) {
  std::string s;
  for (const Reported& r : f) {
    s += "\n  " + std::string(CodeName(r.code)) + "/" + std::string(SeverityName(r.severity)) + " line " +
         std::to_string(r.line) + ": " + r.message;
  }
  return s.empty() ? "\n  (no findings)" : s;
}

inline LintOptions Engine216() {
  LintOptions o;
  o.engine_flevel = 216;
  return o;
}

}  // namespace cvdguard::internal::lint_test

#endif  // CVDGUARD_TESTS_UNIT_LINT_TEST_UTIL_H_
