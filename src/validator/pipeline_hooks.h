// Optional pipeline stages that hang off the member stream: the signature
// line linter. Kept apart from validator.cc so the core pipeline stays small.
#ifndef CVDGUARD_VALIDATOR_PIPELINE_HOOKS_H_
#define CVDGUARD_VALIDATOR_PIPELINE_HOOKS_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cvdguard/finding.h"
#include "cvdguard/options.h"

namespace cvdguard {
class Validator;
}

namespace cvdguard::internal {

class PipelineHooks {
 public:
  PipelineHooks();
  ~PipelineHooks();
  void BeginMember(const std::string& name, std::uint64_t data_tar_offset,
                   const VerifyOptions& options);
  void MemberData(std::span<const std::uint8_t> bytes);
  void EndMember();
  void Finish();
  std::vector<Finding> TakeFindings();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Finds the detached .sign for `path` (explicit option, else
// <dir>/<name>-<version>.cvd.sign with the version read from the header
// through `fd`, restoring its offset) and hands it to the validator.
void AttachSignFile(const std::string& path, const VerifyOptions& options, int fd, Validator* v);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_VALIDATOR_PIPELINE_HOOKS_H_
