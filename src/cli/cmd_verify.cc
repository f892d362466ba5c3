// cvdguard verify: validate files and directories; text or JSON Lines.
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "cli/batch.h"
#include "cli/command.h"
#include "cli/engine_test.h"
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
  bool engine_test = false;
  double engine_timeout_s = 120;
  std::uint64_t engine_memory_mb = 4096;
  unsigned jobs = 0;  // 0: one per CPU
  bool no_progress = false;
};

int RunVerify(const VerifyArgs& a) {
  VerifyOptions options;
  std::string error;
  if (!BuildVerifyOptions(a.flags, &options, &error)) {
    std::cerr << "cvdguard verify: " << error << "\n";
    return kExitUsage;
  }
  if (a.engine_test && !EngineTestBuiltIn()) {
    std::cerr << "cvdguard verify: --engine-test needs a cvdguard built with libclamav "
                 "(install libclamav-dev and configure with -DCVDGUARD_ENGINE_TEST=ON)\n";
    return kExitUsage;
  }
  EngineTestLimits limits;
  limits.memory_mb = a.engine_memory_mb;
  limits.timeout_ms = static_cast<std::uint64_t>(a.engine_timeout_s * 1000.0);
  std::vector<std::string> errors;
  const auto files = ExpandInputs(a.files, &errors);
  int rc = kExitOk;
  for (const auto& e : errors) {
    std::cerr << "cvdguard verify: " << e << "\n";
    rc = kExitIo;
  }
  const TextStyle style = DetectStyle(a.quiet);
  // File sizes up front, for the progress line's total and ETA.
  std::vector<std::uint64_t> sizes(files.size(), 0);
  std::uint64_t total_bytes = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    struct stat st {};
    if (stat(files[i].path.c_str(), &st) == 0) sizes[i] = static_cast<std::uint64_t>(st.st_size);
    total_bytes += sizes[i];
  }
  const bool progress = !a.json && !a.quiet && !a.no_progress && files.size() > 1 && isatty(2) != 0;
  ProgressLine line(progress, files.size(), total_bytes);
  const unsigned jobs = a.jobs == 0 ? DefaultJobs() : a.jobs;
  // --jobs is the number of cores the check may keep busy. With at least as
  // many files as jobs, each file is checked on one thread and the files run
  // side by side; with fewer, each file may also use its pipeline's second
  // thread (VerifyOptions::parallel). --jobs 1 is one thread in all.
  options.parallel = options.parallel && jobs >= 2 && files.size() < jobs;
  RunInOrder(
      files.size(), jobs,
      [&](std::size_t i) {
        const std::string& path = files[i].path;
        VerifyOptions own;
        if (!files[i].sign.empty()) {
          own = options;
          own.sign_path = files[i].sign;  // the .sign the user named
        }
        const VerifyOptions& o = files[i].sign.empty() ? options : own;
        // .cdiff patches have their own checks; everything else is a
        // container (whose content names a misnamed patch if it is one).
        Report r =
            KindFromFileName(path) == Kind::kCdiff ? VerifyCdiffPath(path, o) : VerifyPath(path, o);
        if (a.engine_test) RunEngineTest(path, limits, &r);
        return r;
      },
      [&](std::size_t i, Report& r) {
        line.Clear();
        if (a.quiet && r.verdict == Verdict::kValid) {
          // --quiet prints only what is not valid, in either format.
        } else if (a.json) {
          std::cout << ReportToJson(r) << "\n";
        } else {
          PrintReportText(r, style, std::cout);
        }
        std::cout.flush();
        if (r.verdict == Verdict::kError) {
          rc = kExitIo;
        } else if (r.verdict == Verdict::kInvalid && rc == kExitOk) {
          rc = kExitInvalid;
        }
        line.Done(sizes[i]);
      });
  line.Clear();
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
  sub->add_option("-j,--jobs", args->jobs,
                  "Cores to use (default 0: one per CPU): files are checked side by side, "
                  "and a file gets a second thread only when there are fewer files than jobs "
                  "(--jobs 1: one thread in all); output stays in input order")
      ->check(CLI::Range(0u, 1024u));
  sub->add_flag("--no-progress", args->no_progress,
                "No progress line on stderr (it is shown only on a terminal, never with --json "
                "or --quiet)");
  sub->add_flag("--engine-test", args->engine_test,
                "Also load each valid container with libclamav in a sandboxed child process "
                "(rlimits, no network), as freshclam's test load does; slow and memory-hungry");
  sub->add_option("--engine-timeout", args->engine_timeout_s,
                  "Engine test time limit in seconds, wall clock and CPU (default 120)")
      ->check(CLI::Range(0.001, 86400.0));
  sub->add_option("--engine-memory", args->engine_memory_mb,
                  "Engine test address-space limit in MB (default 4096)")
      ->check(CLI::Range(64, 1 << 20));
  AddVerifyFlags(sub, &args->flags);
  sub->callback([args, &ctx] { ctx.exit_code = RunVerify(*args); });
}

}  // namespace

CVDGUARD_REGISTER_COMMAND("verify", AddVerify);

}  // namespace cvdguard::cli
