// The verification flags shared by every sub-command that validates files
// (verify, info, unpack, activate, prune, patch).
#ifndef CVDGUARD_CLI_VERIFY_FLAGS_H_
#define CVDGUARD_CLI_VERIFY_FLAGS_H_

#include <string>
#include <vector>

#include "cli/command.h"
#include "cvdguard/options.h"

namespace cvdguard::cli {

struct VerifyFlags {
  std::vector<std::string> keys;  // ROLE:FILE.pem
  bool no_official_keys = false;
  std::string certs;
  std::string sign;
  std::string sign_policy = "default";
  std::string at;
  long long engine_flevel = -1;
  long long installed_version = -1;
  bool no_lint = false;
  bool require_signed = false;
  bool allow_noncanonical = false;
  std::string inflate = "default";
};

// Adds the flags to a sub-command.
void AddVerifyFlags(CLI::App* sub, VerifyFlags* flags);
// Turns flags into options (reads key files). False + *error on bad input.
bool BuildVerifyOptions(const VerifyFlags& flags, VerifyOptions* out, std::string* error);

// Human-readable, one block per report, for terminals and logs.
struct TextStyle {
  bool color = false;
  bool quiet = false;
};
TextStyle DetectStyle(bool quiet);

// One file to check, and the detached .sign to check it with when the user
// named that .sign rather than the file (empty: the .sign beside it is found
// as usual).
struct VerifyInput {
  std::string path;
  std::string sign;
};

// Expands FILE arguments: directories are walked (not recursively into
// hidden entries) for .cvd/.cld/.cud/.cdiff files, sorted by name. A .sign
// named on its own stands for the file it signs (<db>-<N>.cvd.sign:
// <db>.cvd beside it; X.cdiff.sign: X.cdiff): dropped when that file is an
// input too (it is checked with it), else that file is checked with this
// .sign; when that file is missing, an error. `cvdguard verify /mirror/*`
// thus checks every database once, .sign files included.
std::vector<VerifyInput> ExpandInputs(const std::vector<std::string>& inputs,
                                      std::vector<std::string>* errors);

}  // namespace cvdguard::cli

#endif  // CVDGUARD_CLI_VERIFY_FLAGS_H_
