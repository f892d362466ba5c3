// Whole-container fuzz target. Invariants: (1) chunking is invisible: the
// same findings at any chunk size; (2) so are the threads: fed without a
// size, for a quarter of the inputs, the threaded pipeline (reader, inflate worker, member thread, lint
// worker, shared blocks) reports what the one-thread pipeline does; (3) never
// INTERNAL_ERROR; (4) with the signature checks off the report is never
// "valid" (the options do not say allow_unverified); (5) sanitizers and
// libFuzzer catch the rest.
#include <cstdint>
#include <span>

#include "cvdguard/validator.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Inputs above 1 MiB only cost time; the seeds are a few KB.
  if (size > (std::size_t{1} << 20)) return 0;
  cvdguard::VerifyOptions options;
  options.verify_signatures = false;  // random bytes never carry a valid RSA signature
  options.limits.max_total_bytes = 16u << 20;
  options.limits.max_member_bytes = 4u << 20;
  options.limits.max_members = 2000;
  options.limits.max_info_bytes = 256u << 10;
  options.file_name = (size > 0 && (data[0] & 1)) ? "test.cld" : "test.cvd";
  options.at_time = 1624412045;
  const std::span<const std::uint8_t> input(data, size);

  const cvdguard::Report whole = cvdguard::VerifyMemory(input, options);
  CVDGUARD_FUZZ_ASSERT(!whole.Has(cvdguard::Code::kInternalError), "internal error code");
  CVDGUARD_FUZZ_ASSERT(whole.verdict != cvdguard::Verdict::kValid,
                       "valid without a verified signature");

  const std::size_t chunk = size == 0 ? 1 : 1 + data[size - 1] % 97;
  cvdguard::Validator v(options);
  v.SetExpectedSize(size);
  for (std::size_t pos = 0; pos < size; pos += chunk) {
    v.Update(input.subspan(pos, std::min(chunk, size - pos)));
  }
  const cvdguard::Report chunked = v.Finish();
  CVDGUARD_FUZZ_ASSERT(chunked.findings == whole.findings, "chunking changed the findings");
  CVDGUARD_FUZZ_ASSERT(chunked.members.size() == whole.members.size(), "chunking changed members");

  // Without a size the threads start whatever the input's size (with one,
  // only files of 4 MiB and more take them). A quarter of the inputs, picked
  // by a byte of their own: each such run starts three threads, which costs
  // more than the check itself.
  if (size < 2 || data[1] % 4 != 0) return 0;
  auto unsized = [&](bool parallel) {
    cvdguard::VerifyOptions o = options;
    o.parallel = parallel;
    cvdguard::Validator u(o);
    // In 4 KiB pieces: each piece is one hand-off between threads, and
    // chunking is already covered above.
    constexpr std::size_t kPiece = 4096;
    for (std::size_t pos = 0; pos < size; pos += kPiece) u.Update(input.subspan(pos, std::min(kPiece, size - pos)));
    return u.Finish();
  };
  const cvdguard::Report one = unsized(false);
  const cvdguard::Report threaded = unsized(true);
  CVDGUARD_FUZZ_ASSERT(threaded.findings == one.findings, "threads changed the findings");
  CVDGUARD_FUZZ_ASSERT(threaded.verdict == one.verdict, "threads changed the verdict");
  CVDGUARD_FUZZ_ASSERT(threaded.members.size() == one.members.size(), "threads changed members");
  return 0;
}
