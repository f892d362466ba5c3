// Sub-command registry for the cvdguard CLI. Each cmd_*.cc registers its
// sub-command with CVDGUARD_REGISTER_COMMAND; main.cc builds the CLI from the
// registry, so adding a command never touches main.cc.
#ifndef CVDGUARD_CLI_COMMAND_H_
#define CVDGUARD_CLI_COMMAND_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace cvdguard::cli {

// Process exit codes, shared by every sub-command (docs/exit-codes.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitIo = 3;

struct Context {
  int exit_code = kExitOk;
  bool quiet = false;  // --quiet: nothing on stdout except requested data
};

// A registration function adds one sub-command to `app`. The callback it
// installs must set ctx.exit_code.
using Registration = void (*)(CLI::App& app, Context& ctx);

struct CommandEntry {
  const char* name;
  Registration add;
};

std::vector<CommandEntry>& CommandRegistry();

struct CommandRegistrar {
  CommandRegistrar(const char* name, Registration add) {
    CommandRegistry().push_back({name, add});
  }
};

#define CVDGUARD_REGISTER_COMMAND(name, fn) \
  static const ::cvdguard::cli::CommandRegistrar cvdguard_reg_##fn(name, &fn)

// Parses a time given as ISO 8601 UTC ("2026-01-01T00:00:00Z") or Unix
// seconds. Returns false on anything else.
bool ParseTimeArg(const std::string& text, std::int64_t* out);

}  // namespace cvdguard::cli

#endif  // CVDGUARD_CLI_COMMAND_H_
