// cvdguard build cdiff: a signed .cdiff for tests and private mirrors.
#include "cli/cmd_build_cdiff.h"

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cvdguard/builder.h"
#include "cvdguard/bytes.h"
#include "cvdguard/cdiff.h"

namespace cvdguard::cli {
namespace {

struct BuildCdiffArgs {
  std::string script, base, target, key, out;
  long long version = -1;
};

bool ReadText(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return static_cast<bool>(in) || in.eof();
}

int RunBuildCdiff(const BuildCdiffArgs& a) {
  const bool from_script = !a.script.empty();
  const bool from_pair = !a.base.empty() || !a.target.empty();
  if (from_script == from_pair || (from_pair && (a.base.empty() || a.target.empty()))) {
    std::cerr << "cvdguard build cdiff: give either --script FILE --version N, or --base OLD "
                 "--target NEW\n";
    return kExitUsage;
  }
  std::string key;
  if (!ReadText(a.key, &key)) {
    std::cerr << "cvdguard build cdiff: cannot read --cdiff-key '" << a.key << "'\n";
    return kExitUsage;
  }
  std::vector<std::uint8_t> out;
  std::string error;
  if (from_script) {
    if (a.version < 0) {
      std::cerr << "cvdguard build cdiff: --script needs --version\n";
      return kExitUsage;
    }
    std::string script;
    if (!ReadText(a.script, &script)) {
      std::cerr << "cvdguard build cdiff: cannot read --script '" << a.script << "'\n";
      return kExitIo;
    }
    if (!BuildCdiff(script, static_cast<std::uint32_t>(a.version), key, &out, &error)) {
      std::cerr << "cvdguard build cdiff: " << error << "\n";
      return kExitUsage;
    }
  } else {
    std::string base, target;
    if (!ReadText(a.base, &base) || !ReadText(a.target, &target)) {
      std::cerr << "cvdguard build cdiff: cannot read --base/--target\n";
      return kExitIo;
    }
    if (!BuildCdiffFromContainers(cvdguard::AsBytes(base), cvdguard::AsBytes(target), key, &out,
                                  &error)) {
      std::cerr << "cvdguard build cdiff: " << error << "\n";
      return kExitInvalid;
    }
  }
  if (!WriteFileAtomically(a.out, out, {}, &error)) {
    std::cerr << "cvdguard build cdiff: " << error << "\n";
    return kExitIo;
  }
  return kExitOk;
}

}  // namespace

void AddBuildCdiffCommand(CLI::App* build, Context& ctx) {
  auto a = std::make_shared<BuildCdiffArgs>();
  CLI::App* sub = build->add_subcommand(
      "cdiff",
      "Write a .cdiff signed with your own cdiff key (PSS-style trailer): from a script file "
      "(--script, --version), or the patch from one container to the next (--base, --target; "
      "the version is the target's). The script is not validated: use `cvdguard verify`.");
  sub->add_option("--script", a->script, "Script file (OPEN/ADD/DEL/XCHG/CLOSE/UNLINK lines)");
  sub->add_option("--version", a->version, "Version the patch produces (with --script)")
      ->check(CLI::Range(0LL, 4294967295LL));
  sub->add_option("--base", a->base, "The old container (.cvd/.cld)");
  sub->add_option("--target", a->target, "The new container (.cvd/.cld)");
  sub->add_option("--cdiff-key", a->key, "PEM RSA private key (2048-bit) for the trailer")
      ->required();
  sub->add_option("-o,--output", a->out, "Output file, e.g. daily-2.cdiff")->required();
  sub->callback([a, &ctx] { ctx.exit_code = RunBuildCdiff(*a); });
}

}  // namespace cvdguard::cli
