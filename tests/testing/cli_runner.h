// Runs the cvdguard command line (the binary named by $CVDGUARD_CLI, else
// the one this build made) through the shell and captures its output.
#ifndef CVDGUARD_TESTS_TESTING_CLI_RUNNER_H_
#define CVDGUARD_TESTS_TESTING_CLI_RUNNER_H_

#include <string>

namespace cvdguard::testing {

struct CliResult {
  int exit_code = -1;  // -1: did not exit normally
  std::string out;     // stdout (and stderr when asked for)
};

// `args` is appended to the binary's path as shell text; quote paths with
// ShellQuote. `env` is prefixed as shell text too (e.g. "TMPDIR=/x").
CliResult RunCli(const std::string& args, bool with_stderr = false, const std::string& env = "");

// Runs the CLI under script(1), so that its stdout and stderr are a
// terminal; `out` is what the terminal showed (both streams). `env` is
// prefixed as shell text. REQUIRES: /usr/bin/script exists.
CliResult RunCliOnTerminal(const std::string& args, const std::string& env = "");

// The CLI under test: $CVDGUARD_CLI if set, else the one this build made.
std::string CliPath();

// Single-quotes a string for the shell.
std::string ShellQuote(const std::string& s);

}  // namespace cvdguard::testing

#endif  // CVDGUARD_TESTS_TESTING_CLI_RUNNER_H_
