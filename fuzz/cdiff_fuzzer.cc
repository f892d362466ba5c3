// Fuzz target for .cdiff parsing and application. An input starting with
// "ClamAV-Diff:" is a whole .cdiff file (header, trailer, gzip, script);
// anything else is a bare script. No signature is checked (random input
// cannot pass it). Every script that validates is dry-run applied to a small
// fixed in-memory database and the result is packed as a .cld and read back.
//
// Invariants (abort on violation):
//  1. No finding is INTERNAL_ERROR.
//  2. ParseCdiffScript succeeds exactly when it made no Error finding, and a
//     successful parse yields a well-formed command stream: OPEN/CLOSE
//     strictly alternate, edits only inside an OPEN, valid names, line >= 1,
//     non-empty prefixes, no line edited twice per OPEN, no text with LF/CR/NUL.
//  3. A validated script applied to the base either succeeds or fails only
//     with a base-mismatch code (prefix, range, missing file, unterminated
//     line, size); never with a structural code the validator rules out.
//  4. Files the script never names are unchanged; application is
//     deterministic (two runs on fresh copies agree).
//  5. A .cld built from the result reads back to exactly the same file set.
//  6. Layout: a complete script without LENGTH_MISMATCH has the declared
//     length; no script exceeds the limit.
//  7. The dry run never touches the filesystem: the working directory is
//     unchanged (stat of "." compared before and after).
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cdiff/cdiff_internal.h"

namespace {

using cvdguard::Code;
using cvdguard::Finding;
using cvdguard::Severity;
namespace in = cvdguard::internal;

constexpr std::size_t kMaxInput = 64 * 1024;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "cdiff_fuzzer invariant violated: %s\n", what);
    std::abort();
  }
}

const in::FileSet& Base() {
  static const in::FileSet base = {
      {"COPYING", "GPL stand-in\n"},
      {"test.info",
       "ClamAV-VDB:22 Jun 2021 21-34 -0400:7:4:81:X:X:tester:1624412045\n"
       "test.hdb:59:0000000000000000000000000000000000000000000000000000000000000000\n"
       "test.ndb:56:0000000000000000000000000000000000000000000000000000000000000000\n"
       "DSIG:abc\n"},
      {"test.hdb", "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n"},
      {"test.ndb", "Test.Sig-1:0:*:414243444546\nTest.Sig-2:0:0:6162636465\n"},
      {"test.ldb", "Test.Ldb-1;Target:0;0&1;414243;444546\n"},
      {"test.cfg", "# There must always be one line in the file\n"},
      {"last.fp", "no final newline"},
  };
  return base;
}

struct stat CwdStat() {
  struct stat st {};
  stat(".", &st);
  return st;
}

void CheckNoInternal(const std::vector<Finding>& findings) {
  for (const auto& f : findings) Check(f.code != Code::kInternalError, "INTERNAL_ERROR finding");
}

void CheckCommandStream(const in::CdiffScript& s) {
  bool open = false;
  std::set<std::uint64_t> edited;
  for (const auto& c : s.commands) {
    Check(c.text.find_first_of(std::string_view("\n\r\0", 3)) == std::string::npos,
          "command text with LF/CR/NUL");
    switch (c.op) {
      case in::CdiffOp::kOpen:
        Check(!open, "OPEN while open");
        Check(in::IsValidCdiffName(c.name), "OPEN with invalid name");
        open = true;
        edited.clear();
        break;
      case in::CdiffOp::kClose:
        Check(open, "CLOSE while closed");
        open = false;
        break;
      case in::CdiffOp::kAdd:
        Check(open, "ADD while closed");
        break;
      case in::CdiffOp::kDel:
      case in::CdiffOp::kXchg:
        Check(open, "edit while closed");
        Check(c.line >= 1, "line 0");
        Check(!c.prefix.empty(), "empty prefix");
        Check(c.prefix.find(' ') == std::string::npos, "prefix with SP");
        Check(edited.insert(c.line).second, "line edited twice");
        break;
      case in::CdiffOp::kUnlink:
        Check(!open, "UNLINK while open");
        Check(in::IsValidCdiffName(c.name), "UNLINK with invalid name");
        break;
    }
  }
  Check(!open, "OPEN never closed");
}

void DryRun(std::string_view script) {
  cvdguard::CdiffLimits limits;
  limits.max_line_bytes = 4096;
  in::CdiffScript parsed;
  std::vector<Finding> findings;
  const bool ok = in::ParseCdiffScript(script, limits, &parsed, &findings);
  CheckNoInternal(findings);
  bool any_error = false;
  for (const auto& f : findings) any_error = any_error || f.severity >= Severity::kError;
  Check(ok == !any_error, "parse result disagrees with findings");
  if (!ok) {
    Check(parsed.commands.empty(), "commands kept after a failed parse");
    return;
  }
  CheckCommandStream(parsed);

  std::set<std::string> named;
  for (const auto& c : parsed.commands) {
    if (!c.name.empty()) named.insert(c.name);
  }
  constexpr std::uint64_t kCap = 1 << 20;
  in::FileSet a = Base(), b = Base();
  std::vector<Finding> fa, fb;
  const bool ra = in::ApplyCdiffScript(parsed, &a, kCap, &fa);
  const bool rb = in::ApplyCdiffScript(parsed, &b, kCap, &fb);
  CheckNoInternal(fa);
  Check(ra == rb && a == b, "application is not deterministic");
  if (!ra) {
    Check(!fa.empty(), "failure without a finding");
    const Code c = fa.back().code;
    Check(c == Code::kCdiffPrefixMismatch || c == Code::kCdiffLineOutOfRange ||
              c == Code::kCdiffUnlinkMissing || c == Code::kCdiffEditUnterminated ||
              c == Code::kCdiffResultTooLarge,
          "application failed with a code validation rules out");
    return;
  }
  for (const auto& [name, data] : Base()) {
    if (named.count(name) == 0) {
      const auto it = a.find(name);
      Check(it != a.end() && it->second == data, "an unnamed file changed");
    }
  }
  std::uint64_t total = 0;
  for (const auto& [name, data] : a) {
    total += data.size();
    Check(Base().count(name) != 0 || named.count(name) != 0, "a file appeared from nowhere");
  }
  Check(total <= kCap, "size cap exceeded");

  std::vector<std::uint8_t> cld;
  Code code = Code::kInternalError;
  std::string error;
  if (in::BuildCldBytes(a, "test", &cld, &code, &error)) {
    Check(cld.size() >= 512 && (cld.size() - 512) % 512 == 0, "bad .cld size");
    in::MemberCollector collector(cvdguard::Limits{});
    collector.Update(cld);
    std::string read_error;
    Check(collector.Finish(&read_error), "built .cld does not read back");
    const in::FileSet back(collector.members().begin(), collector.members().end());
    Check(back == a, ".cld round trip changed the files");
    Check(collector.members().front().first == "COPYING", "COPYING not first");
  } else {
    Check(code != Code::kInternalError, "BuildCldBytes failed without a code");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  const struct stat before = CwdStat();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.starts_with(in::kCdiffMagic)) {
    cvdguard::CdiffLimits limits;
    limits.max_script_bytes = 1 << 20;
    const in::CdiffLayout layout = in::ParseCdiffLayout({data, size}, limits);
    CheckNoInternal(layout.findings);
    Check(layout.script.size() <= limits.max_script_bytes, "script over the limit");
    bool length_mismatch = false;
    for (const auto& f : layout.findings) length_mismatch |= f.code == Code::kCdiffLengthMismatch;
    if (layout.script_complete) {
      Check(length_mismatch == (layout.script.size() != layout.declared_length),
            "length check disagrees");
      Check(layout.trailer_found && layout.header_ok, "script without header and trailer");
      DryRun(layout.script);
    }
  } else {
    DryRun(input);
  }
  const struct stat after = CwdStat();
  Check(after.st_nlink == before.st_nlink && after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
            after.st_mtim.tv_nsec == before.st_mtim.tv_nsec,
        "the working directory changed during a dry run");
  return 0;
}
