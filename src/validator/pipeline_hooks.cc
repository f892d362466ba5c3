#include "validator/pipeline_hooks.h"

#include <vector>

namespace cvdguard::internal {

struct PipelineHooks::State {
  std::vector<Finding> findings;
};

PipelineHooks::PipelineHooks() : state_(std::make_unique<State>()) {}
PipelineHooks::~PipelineHooks() = default;

void PipelineHooks::BeginMember(const std::string&, std::uint64_t, const VerifyOptions&) {}
void PipelineHooks::MemberData(std::span<const std::uint8_t>) {}
void PipelineHooks::EndMember() {}
void PipelineHooks::Finish() {}
std::vector<Finding> PipelineHooks::TakeFindings() { return std::move(state_->findings); }

void AttachSignFile(const std::string&, const VerifyOptions&, int, Validator*) {}

}  // namespace cvdguard::internal
