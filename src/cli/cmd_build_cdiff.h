// `cvdguard build cdiff`: write a signed .cdiff from a script, or from a base
// and a target container. Registered under `build` by cmd_build.cc.
#ifndef CVDGUARD_CLI_CMD_BUILD_CDIFF_H_
#define CVDGUARD_CLI_CMD_BUILD_CDIFF_H_

#include "cli/command.h"

namespace cvdguard::cli {

// Adds the `cdiff` sub-subcommand to `build`.
void AddBuildCdiffCommand(CLI::App* build, Context& ctx);

}  // namespace cvdguard::cli

#endif  // CVDGUARD_CLI_CMD_BUILD_CDIFF_H_
