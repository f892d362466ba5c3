// cvdguard info: sigtool --info compatible output.
#include <iostream>

#include "cli/command.h"
#include "cli/report_text.h"
#include "cli/verify_flags.h"
#include "cvdguard/json.h"
#include "cvdguard/validator.h"

namespace cvdguard::cli {
namespace {

struct InfoArgs {
  VerifyFlags flags;
  std::string file;
  bool json = false;
  bool quiet = false;
};

int RunInfo(const InfoArgs& a) {
  VerifyOptions options;
  std::string error;
  if (!BuildVerifyOptions(a.flags, &options, &error)) {
    std::cerr << "cvdguard info: " << error << "\n";
    return kExitUsage;
  }
  const Report r = VerifyPath(a.file, options);
  if (a.json) {
    std::cout << ReportToJson(r) << "\n";
    return r.verdict == Verdict::kValid ? kExitOk
           : r.verdict == Verdict::kError ? kExitIo
                                          : kExitInvalid;
  }
  if (r.verdict == Verdict::kError) {
    for (const auto& f : r.findings) std::cerr << "ERROR: " << ForText(f.message) << "\n";
    return kExitIo;
  }
  if (a.quiet && r.verdict == Verdict::kValid) return kExitOk;
  // Same fields, order and wording as `sigtool --info`.
  if (!a.quiet) std::cout << "File: " << ForText(a.file) << "\n";
  if (r.header.present && !a.quiet) {
    std::cout << "Build time: " << DisplayBuildTime(r.header.build_time) << "\n";
    std::cout << "Version: " << (r.header.has_version ? std::to_string(r.header.version) : "?") << "\n";
    std::cout << "Signatures: " << (r.header.has_sigs ? std::to_string(r.header.sigs) : "?") << "\n";
    std::cout << "Functionality level: "
              << (r.header.has_flevel ? std::to_string(r.header.flevel) : "?") << "\n";
    std::cout << "Builder: " << ForText(r.header.builder) << "\n";
    if (r.kind == Kind::kCvd) {
      std::cout << "MD5: " << ForText(r.header.md5) << "\n";
      std::cout << "Digital signature: " << ForText(r.header.dsig) << "\n";
    }
  }
  if (r.verdict == Verdict::kValid) {
    // sigtool's words for a .cud, which carries no signature to verify; we
    // did check its MD5 and content.
    std::cout << (r.kind == Kind::kCud ? "Verification: Unsigned container\n"
                                       : "Verification OK.\n");
    return kExitOk;
  }
  for (const auto& f : r.findings) {
    if (f.severity >= Severity::kError) {
      if (a.quiet) std::cout << ForText(a.file) << ": ";
      std::cout << "Verification FAILED: " << CodeName(f.code) << " (" << CodeNumber(f.code)
                << "): " << ForText(f.message) << "\n";
      break;
    }
  }
  return kExitInvalid;
}

void AddInfo(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<InfoArgs>();
  CLI::App* sub = app.add_subcommand(
      "info",
      "Print the header like `sigtool --info`, ending with 'Verification OK.' (for a .cud "
      "'Verification: Unsigned container') or the reason. "
      "Exit 0 valid, 1 invalid, 3 unreadable.");
  sub->add_option("FILE", args->file, "A .cvd/.cld/.cud file")->required();
  sub->add_flag("--json", args->json, "Print the full report as one JSON object (as verify --json)");
  sub->add_flag("-q,--quiet", args->quiet,
                "Print nothing for a valid file; for an invalid one only the failure line");
  AddVerifyFlags(sub, &args->flags);
  sub->callback([args, &ctx] { ctx.exit_code = RunInfo(*args); });
}

}  // namespace

CVDGUARD_REGISTER_COMMAND("info", AddInfo);

}  // namespace cvdguard::cli
