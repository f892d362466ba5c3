// Optional pipeline stages that hang off the member stream: the signature
// line linter. Kept apart from validator.cc so the core pipeline stays small.
#ifndef CVDGUARD_VALIDATOR_PIPELINE_HOOKS_H_
#define CVDGUARD_VALIDATOR_PIPELINE_HOOKS_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/finding_cap.h"
#include "crypto/digest.h"
#include "cvdguard/finding.h"
#include "cvdguard/options.h"

namespace cvdguard {
class Validator;
}

namespace cvdguard::internal {

class BlockPool;
class LintWorkers;

// The member-stream stages: each member's SHA-256 and the signature line
// linter. Synchronous by default; after StartThread() they run on their own
// thread, fed through a bounded queue of blocks (at most 8 queued), so a
// multi-core machine hashes and lints members while the caller inflates and
// walks the tar. Bytes that sit in a shared block (the inflater's output)
// are queued as they are; others are copied into blocks of the pool. There,
// formats without state across lines are linted in line-aligned segments on
// a lint worker too (lint/parallel_linter.h), merged back in order. Results
// are identical either way: one consumer sees every member's bytes in order,
// and findings and digests are only collected after Finish().
class PipelineHooks {
 public:
  PipelineHooks();
  ~PipelineHooks();
  PipelineHooks(const PipelineHooks&) = delete;
  PipelineHooks& operator=(const PipelineHooks&) = delete;
  // Call before the first member; `options` must outlive the hooks.
  // `blocks` gives the blocks that member bytes given without `keep` are
  // copied into.
  void StartThread(const VerifyOptions& options, std::shared_ptr<BlockPool> blocks);
  void BeginMember(const std::string& name, std::uint64_t data_tar_offset,
                   const VerifyOptions& options);
  // `keep`, when given, keeps `bytes` valid while it is held: the member
  // thread then takes them without a copy.
  void MemberData(std::span<const std::uint8_t> bytes, std::shared_ptr<const void> keep = nullptr);
  void EndMember();
  // Ends the member stream (a member left open is dropped unfinished) and
  // waits for the member thread.
  void Finish();
  std::vector<Finding> TakeFindings();
  // What the member stages dropped past the report's caps (a hostile file
  // of 20,000 members of bad lines is linted in full, but keeps only so
  // many findings). Read after Finish(), with TakeFindings().
  const FindingCap& cap() const;
  // The SHA-256 of every member that was ended (EndMember), in order.
  std::vector<Sha256Digest> TakeMemberDigests();

 private:
  struct State;
  class MemberThread;
  // Declared first so it goes last: the member thread's linter queues on it.
  std::unique_ptr<LintWorkers> workers_;
  std::unique_ptr<State> state_;
  std::unique_ptr<MemberThread> thread_;
};

// Reads a .sign file, bounded (a few KB are expected; the verifier refuses
// anything far larger). False if it cannot be opened.
bool ReadSignFile(const std::string& path, std::string* out);

// Finds the detached .sign beside `path` (<dir>/<name>-<version>.cvd.sign
// with the version read from the header through `fd`, restoring its offset)
// and hands it to the validator. An explicit options.sign_path is left to
// the Validator, which reads it whatever the input.
void AttachSignFile(const std::string& path, const VerifyOptions& options, int fd, Validator* v);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_VALIDATOR_PIPELINE_HOOKS_H_
