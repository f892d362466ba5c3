// cvdguard patch: apply a verified .cdiff chain to a verified base and write
// the .cld freshclam would build, atomically, only if everything is valid.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/report_text.h"
#include "cli/verify_flags.h"
#include "cvdguard/cdiff.h"
#include "cvdguard/json.h"
#include "cvdguard/validator.h"

namespace cvdguard::cli {
namespace {

struct PatchArgs {
  VerifyFlags flags;
  std::string base;
  std::vector<std::string> diffs;
  std::string out;
  bool json = false;
  bool quiet = false;
};

void PrintFindings(const std::vector<Finding>& findings, std::ostream& out) {
  for (const auto& f : findings) {
    out << "  " << SeverityName(f.severity) << " " << CodeNumber(f.code) << " " << CodeName(f.code);
    // Chain findings name the file being edited and the script line that
    // edits it; "member:N" would read as a line of the member.
    if (!f.member.empty()) out << " [" << ForText(f.member) << "]";
    if (f.line != 0) out << " (script line " << f.line << ")";
    out << ": " << ForText(f.message) << "\n";
  }
}

int RunPatch(const PatchArgs& a) {
  VerifyOptions options;
  std::string error;
  if (!BuildVerifyOptions(a.flags, &options, &error)) {
    std::cerr << "cvdguard patch: " << error << "\n";
    return kExitUsage;
  }
  if (!a.flags.sign.empty()) {
    std::cerr << "cvdguard patch: --sign names one file; in patch every .sign is found beside "
                 "its own input\n";
    return kExitUsage;
  }
  const PatchOutcome r = ApplyPatches(a.base, a.diffs, a.out, options);
  for (const Finding& f : r.findings) {
    if (f.code != Code::kCdiffOutputNotCld) continue;
    std::cerr << "cvdguard patch: " << ForText(f.message) << " (nothing written)\n";
    return kExitUsage;
  }
  const TextStyle style = DetectStyle(a.quiet);
  if (a.json) {
    std::cout << "{\"status\":\""
              << (r.status == PatchStatus::kOk        ? "ok"
                  : r.status == PatchStatus::kIoError ? "io_error"
                                                      : "invalid")
              << "\",\"output\":"
              << (r.output_path.empty() ? std::string("null") : nlohmann::json(r.output_path).dump())
              << ",\"base\":" << ReportToJson(r.base) << ",\"patches\":[";
    for (std::size_t i = 0; i < r.patches.size(); ++i) {
      std::cout << (i ? "," : "") << ReportToJson(r.patches[i]);
    }
    std::cout << "],\"result\":" << (r.result_built ? ReportToJson(r.result) : "null")
              << ",\"findings\":" << FindingsToJson(r.findings) << "}\n";
  } else {
    const bool show_all = !a.quiet;
    if (show_all || r.base.verdict != Verdict::kValid) PrintReportText(r.base, style, std::cout);
    for (const auto& p : r.patches) {
      if (show_all || p.verdict != Verdict::kValid) PrintReportText(p, style, std::cout);
    }
    if (r.result_built && (show_all || r.result.verdict != Verdict::kValid)) {
      PrintReportText(r.result, style, std::cout);
    }
    if (!r.findings.empty()) {
      std::cout << "patch chain:\n";
      PrintFindings(r.findings, std::cout);
    }
    if (r.status == PatchStatus::kOk) {
      if (!a.quiet) std::cout << "wrote " << r.output_path << "\n";
    } else {
      std::cerr << "cvdguard patch: nothing written\n";
    }
  }
  switch (r.status) {
    case PatchStatus::kOk: return kExitOk;
    case PatchStatus::kIoError: return kExitIo;
    case PatchStatus::kInvalid: break;
  }
  return kExitInvalid;
}

void AddPatch(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<PatchArgs>();
  CLI::App* sub = app.add_subcommand(
      "patch",
      "Apply .cdiff patches to a .cvd/.cld and write the .cld freshclam would build. Every "
      "input and the result are verified first; nothing is written on failure. Exit 0: "
      "written; 1: an input or the result is invalid; 2: usage; 3: I/O error.");
  sub->add_option("BASE", a->base, "The base database (.cvd or .cld)")->required();
  sub->add_option("DIFF", a->diffs, "The .cdiff files, in version order")->required();
  sub->add_option("-o,--output", a->out, "The .cld to write")->required();
  sub->add_flag("--json", a->json, "One JSON object with every report");
  sub->add_flag("-q,--quiet", a->quiet, "Print only problems");
  AddVerifyFlags(sub, &a->flags);
  sub->callback([a, &ctx] { ctx.exit_code = RunPatch(*a); });
}

}  // namespace

CVDGUARD_REGISTER_COMMAND("patch", AddPatch);

}  // namespace cvdguard::cli
