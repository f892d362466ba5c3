// `verify --engine-test`: load a validated container with the real engine
// (libclamav) in a sandboxed child process, as freshclam's test load does,
// and report refusal, crash, timeout or memory exhaustion as findings.
//
// The parent (no libclamav) rebuilds the validated members as an unsigned
// .cud in a private work area (libclamav refuses a .cvd that ClamAV's own
// key did not sign; cvdguard has verified the signature already), then
// re-executes this program as a hidden `__engine-probe` command with
// rlimits (address space, CPU, core, open files, file size) and, where the
// kernel allows it, a private network namespace. The probe is only built
// when libclamav is (CMake option CVDGUARD_ENGINE_TEST).
#ifndef CVDGUARD_CLI_ENGINE_TEST_H_
#define CVDGUARD_CLI_ENGINE_TEST_H_

#include <cstdint>
#include <string>

#include "cvdguard/report.h"

namespace cvdguard::cli {

struct EngineTestLimits {
  std::uint64_t memory_mb = 4096;  // RLIMIT_AS of the child
  std::uint64_t timeout_ms = 120000;  // wall clock; CPU is capped likewise
};

// True when this build contains the libclamav probe.
bool EngineTestBuiltIn();

// Runs the engine test on `path` (already validated into *report) and
// appends its finding; an error finding makes a valid report invalid.
// Skipped (EngineTestSkipped) when the report is not valid or not a
// container.
void RunEngineTest(const std::string& path, const EngineTestLimits& limits, Report* report);

// What the child reported, and how it ended; split out so the
// classification is testable without libclamav.
struct ProbeOutcome {
  bool exited = false;       // normal exit (else killed by a signal)
  int exit_status = 0;       // when exited
  int signal = 0;            // when killed
  bool timed_out = false;    // the parent killed it at the deadline
  std::string output;        // the probe's protocol lines and stderr
  std::uint64_t elapsed_ms = 0;
};
// Turns a probe outcome into one finding.
Finding ClassifyProbe(const ProbeOutcome& outcome, const EngineTestLimits& limits);

}  // namespace cvdguard::cli

#endif  // CVDGUARD_CLI_ENGINE_TEST_H_
