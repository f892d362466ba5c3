// cvdguard: command-line front end. Uses only the public API.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "cli/command.h"
#include "cvdguard/version.h"

namespace cvdguard::cli {

std::vector<CommandEntry>& CommandRegistry() {
  static std::vector<CommandEntry> registry;
  return registry;
}

}  // namespace cvdguard::cli

int main(int argc, char** argv) {
  using namespace cvdguard::cli;
  CLI::App app{
      "cvdguard: validate ClamAV definition files (.cvd/.cld/.cud/.cdiff/.sign) "
      "before they go live",
      "cvdguard"};
  app.set_version_flag("--version", std::string(cvdguard::VersionString()));
  app.require_subcommand(1);
  Context ctx;
  auto& registry = CommandRegistry();
  std::sort(registry.begin(), registry.end(),
            [](const CommandEntry& a, const CommandEntry& b) {
              return std::strcmp(a.name, b.name) < 0;
            });
  for (const auto& entry : registry) entry.add(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    // --help and --version are successes; every other parse error is usage.
    return rc == 0 ? kExitOk : kExitUsage;
  }
  std::cout.flush();
  return ctx.exit_code;
}
