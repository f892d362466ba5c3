// `cvdguard faults replay|status`: drive the fault engine from JSON Lines and
// inspect its journal (docs/faults.md). Public API only.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cvdguard/faults.h"
#include "cvdguard/finding.h"

namespace cvdguard::cli {
namespace {

struct FaultsArgs {
  std::string state_dir;
  std::string config_file;
};

void PrintError(const char* cmd, const FaultStatus& st) {
  std::cout.flush();
  std::cerr << "cvdguard faults " << cmd << ": ";
  if (st.line != 0) std::cerr << "line " << st.line << ": ";
  std::cerr << st.message << " [" << CodeName(st.code) << "]\n";
}

// Journal problems (corrupt, torn, newer version, I/O) are exit 3: the state
// dir is unusable, and nothing is reset behind the user's back.
int LoadEngine(const char* cmd, const FaultsArgs& args, FaultEngine* engine) {
  FaultConfig config;
  if (!args.config_file.empty()) {
    std::ifstream in(args.config_file, std::ios::binary);
    if (!in) {
      PrintError(cmd, FaultStatus::Error(Code::kFaultConfigInvalid,
                                         "cannot read config file " + args.config_file));
      return kExitUsage;
    }
    std::ostringstream text;
    text << in.rdbuf();
    FaultStatus st = ParseFaultConfig(text.str(), &config);
    if (!st.ok()) {
      st.message = args.config_file + ": " + st.message;
      PrintError(cmd, st);
      return kExitUsage;
    }
  }
  *engine = FaultEngine(config);
  if (FaultStatus st = LoadFaultJournal(args.state_dir, engine); !st.ok()) {
    PrintError(cmd, st);
    return kExitIo;
  }
  return kExitOk;
}

bool IsBlank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

// Far above any real event line (one with a few files is under 1 KiB); it
// bounds the memory a stray binary or runaway input can take.
constexpr std::size_t kMaxLineBytes = 64 * 1024;

// std::getline without its unbounded growth: reads one line (without its
// "\n" or "\r\n") into *line, stopping as soon as it exceeds kMaxLineBytes
// (*too_long). False at the end of input with nothing read.
bool ReadLine(std::istream& in, std::string* line, bool* too_long) {
  line->clear();
  *too_long = false;
  std::streambuf* buf = in.rdbuf();
  bool any = false;
  for (;;) {
    const int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      break;
    }
    any = true;
    if (c == '\n') break;
    line->push_back(static_cast<char>(c));
    // One more byte for a "\r" before the "\n".
    if (line->size() > kMaxLineBytes + 1) {
      *too_long = true;
      return true;
    }
  }
  if (!line->empty() && line->back() == '\r') line->pop_back();
  *too_long = line->size() > kMaxLineBytes;
  return any;
}

int Replay(const FaultsArgs& args) {
  FaultEngine engine;
  if (int rc = LoadEngine("replay", args, &engine); rc != kExitOk) return rc;
  std::string line;
  std::uint64_t line_no = 0;
  std::vector<FaultDecision> decisions;
  bool too_long = false;
  while (ReadLine(std::cin, &line, &too_long)) {
    ++line_no;
    if (too_long) {
      FaultStatus st =
          FaultStatus::Error(Code::kFaultEventBadJson,
                             "line is longer than " + std::to_string(kMaxLineBytes) + " bytes");
      st.line = line_no;
      PrintError("replay", st);
      return kExitUsage;
    }
    if (IsBlank(line)) continue;
    FaultEvent event;
    FaultStatus st = ParseFaultEventLine(line, &event);
    decisions.clear();
    if (st.ok()) st = engine.Apply(event, &decisions);
    if (!st.ok()) {
      st.line = line_no;
      PrintError("replay", st);
      return kExitUsage;
    }
    // Persist before printing: a decision is never shown for a state that
    // a restarted process would not see.
    if (FaultStatus saved = SaveFaultJournal(args.state_dir, engine); !saved.ok()) {
      PrintError("replay", saved);
      return kExitIo;
    }
    for (const auto& d : decisions) std::cout << FaultDecisionToJson(d) << '\n';
  }
  if (std::cin.bad()) {
    PrintError("replay", FaultStatus::Error(Code::kFaultJournalIo, "cannot read standard input"));
    return kExitIo;
  }
  std::cout.flush();
  return kExitOk;
}

int Status(const FaultsArgs& args) {
  FaultEngine engine;
  if (int rc = LoadEngine("status", args, &engine); rc != kExitOk) return rc;
  nlohmann::ordered_json j;
  j["events"] = engine.EventCount();
  double t = 0;
  j["last_t"] = engine.LastTime(&t) ? nlohmann::ordered_json::parse(FaultSecondsToJson(t))
                                    : nlohmann::ordered_json(nullptr);
  j["fault_10"] = engine.FaultRaised(kFaultFrequentRestarts);
  j["fault_12"] = engine.FaultRaised(kFaultStartFailed);
  nlohmann::ordered_json good = nlohmann::ordered_json::array();
  for (const auto& f : engine.KnownGood()) {
    good.push_back({{"name", f.name}, {"version", f.version}, {"sha256", f.sha256}});
  }
  j["known_good"] = std::move(good);
  j["refused_sha256"] = engine.RefusedDigests();
  std::cout << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
  return kExitOk;
}

void AddFaultsCommand(CLI::App& app, Context& ctx) {
  auto* faults = app.add_subcommand("faults", "Scan-service fault engine (faults 10 and 12)");
  faults->require_subcommand(1);
  auto args = std::make_shared<FaultsArgs>();

  auto* replay = faults->add_subcommand(
      "replay",
      "Read events as JSON Lines on stdin, print decisions as JSON Lines; state persists in "
      "--state-dir");
  replay->add_option("--state-dir", args->state_dir, "Directory holding the fault journal")
      ->required();
  replay->add_option("--config", args->config_file, "JSON file overriding the rule numbers");
  replay->callback([args, &ctx] { ctx.exit_code = Replay(*args); });

  auto* status = faults->add_subcommand("status",
                                        "Print the journal's state: faults raised, known-good "
                                        "set, refused digests");
  status->add_option("--state-dir", args->state_dir, "Directory holding the fault journal")
      ->required();
  status->callback([args, &ctx] { ctx.exit_code = Status(*args); });
}

}  // namespace

CVDGUARD_REGISTER_COMMAND("faults", AddFaultsCommand);

}  // namespace cvdguard::cli
