// cvdguard unpack: verify, then extract safely.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/report_text.h"
#include "cli/verify_flags.h"
#include "cvdguard/json.h"
#include "cvdguard/unpack.h"

namespace cvdguard::cli {
namespace {

struct UnpackArgs {
  VerifyFlags flags;
  std::string file;
  std::string dir;
  bool quiet = false;
  bool json = false;
};

// {"file", "dir", "status": "ok|invalid|io_error", "written": [...],
//  "error": null|"...", "report": {verify --json object}}
void PrintUnpackJson(const UnpackArgs& a, UnpackStatus st, const Report& report,
                     const std::vector<std::string>& written, const std::string& error) {
  using Json = nlohmann::ordered_json;
  auto str = [](const auto& v) { return Json(v).dump(-1, ' ', false, Json::error_handler_t::replace); };
  // The report is already JSON text: spliced in, not parsed again.
  std::cout << "{\"file\":" << str(a.file) << ",\"dir\":" << str(a.dir) << ",\"status\":\""
            << (st == UnpackStatus::kOk ? "ok" : st == UnpackStatus::kInvalid ? "invalid" : "io_error")
            << "\",\"written\":" << str(written)
            << ",\"error\":" << (error.empty() ? std::string("null") : str(error))
            << ",\"report\":" << ReportToJson(report) << "}\n";
}

int RunUnpack(const UnpackArgs& a) {
  VerifyOptions options;
  std::string error;
  if (!BuildVerifyOptions(a.flags, &options, &error)) {
    std::cerr << "cvdguard unpack: " << error << "\n";
    return kExitUsage;
  }
  Report report;
  std::vector<std::string> written;
  const UnpackStatus st = UnpackContainer(a.file, a.dir, options, &report, &written, &error);
  if (a.json) {
    PrintUnpackJson(a, st, report, written, st == UnpackStatus::kOk ? std::string() : error);
    return st == UnpackStatus::kOk ? kExitOk : st == UnpackStatus::kInvalid ? kExitInvalid : kExitIo;
  }
  if (st != UnpackStatus::kOk) {
    if (st == UnpackStatus::kInvalid) PrintReportText(report, DetectStyle(a.quiet), std::cerr);
    std::cerr << "cvdguard unpack: " << error << "\n";
    return st == UnpackStatus::kInvalid ? kExitInvalid : kExitIo;
  }
  if (!a.quiet) {
    for (const auto& w : written) std::cout << ForText(w) << "\n";
  }
  return kExitOk;
}

void AddUnpack(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<UnpackArgs>();
  CLI::App* sub = app.add_subcommand(
      "unpack",
      "Verify FILE, then extract its members into DIR (never outside it, never overwriting). "
      "Exit 0 extracted, 1 invalid (nothing extracted), 3 I/O error.");
  sub->add_option("FILE", args->file, "A .cvd/.cld/.cud file")->required();
  sub->add_option("DIR", args->dir, "Target directory (created if missing)")->required();
  sub->add_flag("-q,--quiet", args->quiet, "Do not list the files written");
  sub->add_flag("--json", args->json,
                "Print one JSON object: status, files written and the verify report");
  AddVerifyFlags(sub, &args->flags);
  sub->callback([args, &ctx] { ctx.exit_code = RunUnpack(*args); });
}

}  // namespace

CVDGUARD_REGISTER_COMMAND("unpack", AddUnpack);

}  // namespace cvdguard::cli
