#include "testing/cli_runner.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace cvdguard::testing {

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string CliPath() {
  const char* env = std::getenv("CVDGUARD_CLI");
  return env != nullptr && *env != '\0' ? env : CVDGUARD_CLI_PATH;
}

namespace {

// "ENV 'cli' ARGS" as shell text.
std::string CliCommand(const std::string& args, const std::string& env) {
  return env + (env.empty() ? "" : " ") + ShellQuote(CliPath()) + " " + args;
}

// Runs a shell command line and collects its stdout (all bytes).
CliResult RunShell(const std::string& cmd) {
  CliResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace

CliResult RunCli(const std::string& args, bool with_stderr, const std::string& env) {
  return RunShell(CliCommand(args, env) + (with_stderr ? " 2>&1" : " 2>/dev/null"));
}

CliResult RunCliOnTerminal(const std::string& args, const std::string& env) {
  return RunShell("/usr/bin/script -qec " + ShellQuote(CliCommand(args, env)) + " /dev/null");
}

}  // namespace cvdguard::testing
