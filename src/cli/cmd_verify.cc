// cvdguard verify: validate files and directories; text or JSON Lines.
#include <iostream>

#include "cli/command.h"
#include "cli/report_text.h"
#include "cli/verify_flags.h"
#include "cvdguard/cdiff.h"
#include "cvdguard/json.h"
#include "cvdguard/validator.h"

namespace cvdguard::cli {
namespace {

struct VerifyArgs {
  VerifyFlags flags;
  std::vector<std::string> files;
  bool json = false;
  bool quiet = false;
};

int RunVerify(const VerifyArgs& a) {
  VerifyOptions options;
  std::string error;
  if (!BuildVerifyOptions(a.flags, &options, &error)) {
    std::cerr << "cvdguard verify: " << error << "\n";
    return kExitUsage;
  }
  std::vector<std::string> errors;
  const auto files = ExpandInputs(a.files, &errors);
  int rc = kExitOk;
  for (const auto& e : errors) {
    std::cerr << "cvdguard verify: " << e << "\n";
    rc = kExitIo;
  }
  const TextStyle style = DetectStyle(a.quiet);
  for (const auto& path : files) {
    // .cdiff patches have their own checks; everything else is a container
    // (whose content names a misnamed patch if it is one).
    const Report r = KindFromFileName(path) == Kind::kCdiff ? VerifyCdiffPath(path, options)
                                                            : VerifyPath(path, options);
    if (a.json) {
      std::cout << ReportToJson(r) << "\n";
    } else if (!a.quiet || r.verdict != Verdict::kValid) {
      PrintReportText(r, style, std::cout);
    }
    if (r.verdict == Verdict::kError) {
      rc = kExitIo;
    } else if (r.verdict == Verdict::kInvalid && rc == kExitOk) {
      rc = kExitInvalid;
    }
  }
  return rc;
}

void AddVerify(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* sub = app.add_subcommand(
      "verify",
      "Validate .cvd/.cld/.cud containers (header, signatures, gzip, tar, manifest, lint) "
      "and .cdiff patches (signature, header, whole script). "
      "Exit 0: all valid; 1: any invalid; 2: usage error; 3: a file could not be read.");
  sub->add_option("FILE", args->files, "Files or directories (walked for definition files)")
      ->required();
  sub->add_flag("--json", args->json, "One JSON object per file per line (JSON Lines)");
  sub->add_flag("-q,--quiet", args->quiet, "Print only invalid files and their errors");
  AddVerifyFlags(sub, &args->flags);
  sub->callback([args, &ctx] { ctx.exit_code = RunVerify(*args); });
}

}  // namespace

CVDGUARD_REGISTER_COMMAND("verify", AddVerify);

}  // namespace cvdguard::cli
