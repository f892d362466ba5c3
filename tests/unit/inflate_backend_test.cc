// The ISA-L and zlib inflate backends give bit-identical results: the same
// JSON report for every container the tests and fuzzers know (corpus seeds,
// the FORMAT.md section 9 corruption table, the real ClamAV files), at
// several chunk sizes, and the same findings and output from the bare gzip
// inflater on the tar fuzzer's corpus. Skipped in a build without ISA-L.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "archive/inflater.h"
#include "cvdguard/cdiff.h"
#include "cvdguard/json.h"
#include "cvdguard/validator.h"
#include "testing/assembly.h"
#include "testing/corruption_cases.h"
#include "testing/fixtures.h"

namespace cvdguard::testing {
namespace {

namespace fs = std::filesystem;

bool HaveIsal() { return InflateBackendAvailable(InflateBackend::kIsal); }

std::vector<std::string> CorpusFiles(const std::string& target) {
  std::vector<std::string> out;
  const fs::path dir = fs::path(CVDGUARD_SOURCE_DIR) / "corpus" / target;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file()) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The report of `bytes` fed in `chunk`-byte pieces (0 = all at once).
std::string ReportJson(std::span<const std::uint8_t> bytes, VerifyOptions o, InflateBackend b,
                       std::size_t chunk) {
  o.inflate_backend = b;
  if (chunk == 0) return ReportToJson(VerifyMemory(bytes, o));
  Validator v(o);
  v.SetExpectedSize(bytes.size());
  for (std::size_t pos = 0; pos < bytes.size(); pos += chunk) {
    v.Update(bytes.subspan(pos, std::min(chunk, bytes.size() - pos)));
  }
  return ReportToJson(v.Finish());
}

void ExpectSameReports(std::span<const std::uint8_t> bytes, const VerifyOptions& o,
                       const std::string& what) {
  for (const std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
    if (chunk == 1 && bytes.size() > (std::size_t{256} << 10)) continue;  // keep it quick
    EXPECT_EQ(ReportJson(bytes, o, InflateBackend::kZlib, chunk),
              ReportJson(bytes, o, InflateBackend::kIsal, chunk))
        << what << " (chunk " << chunk << ")";
  }
}

// What the fuzzers use: signature checks off, tight limits.
VerifyOptions FuzzOptions(const std::string& file_name) {
  VerifyOptions o;
  o.verify_signatures = false;
  o.limits.max_total_bytes = 16u << 20;
  o.limits.max_member_bytes = 4u << 20;
  o.limits.max_members = 2000;
  o.at_time = 1624412045;
  o.file_name = file_name;
  return o;
}

TEST(InflateBackendTest, DefaultIsIsalWhenBuiltWithIt) {
  if (!HaveIsal()) GTEST_SKIP() << "built without ISA-L";
  EXPECT_EQ(DefaultInflateBackend(), InflateBackend::kIsal);
  EXPECT_EQ(InflateBackendName(InflateBackend::kIsal), "isa-l");
}

TEST(InflateBackendTest, SameReportsOnTheContainerCorpus) {
  if (!HaveIsal()) GTEST_SKIP() << "built without ISA-L";
  const auto files = CorpusFiles("container_fuzzer");
  ASSERT_GT(files.size(), 20u);
  for (const auto& path : files) {
    const auto bytes = ReadFile(path);
    for (const char* name : {"test.cvd", "test.cld"}) ExpectSameReports(bytes, FuzzOptions(name), path);
  }
}

TEST(InflateBackendTest, SameReportsOnTheCorruptionTable) {
  if (!HaveIsal()) GTEST_SKIP() << "built without ISA-L";
  for (const Case& c : CorruptionCases()) {
    Assembly a;
    VerifyOptions o = TestOptions();
    std::string file_name = "test.cvd";
    c.setup(a, o, file_name);
    o.file_name = file_name;
    ExpectSameReports(Assemble(a), o, c.name);
  }
}

TEST(InflateBackendTest, SameReportsOnRealFiles) {
  if (!HaveIsal()) GTEST_SKIP() << "built without ISA-L";
  for (const char* name : {"test-1.cvd", "test-2.cvd", "test-3.cvd", "test-4.cvd", "bytecode-19.cvd"}) {
    const auto bytes = ReadFile(RealDataDir() + "/" + name);
    ASSERT_FALSE(bytes.empty()) << name;
    VerifyOptions o;
    o.file_name = name;
    o.at_time = 1735689600;
    ExpectSameReports(bytes, o, name);
    // Cut anywhere in the payload: the same truncation findings.
    for (std::size_t cut = 520; cut < bytes.size(); cut += bytes.size() / 13 + 1) {
      ExpectSameReports(std::span<const std::uint8_t>(bytes).first(cut), o,
                        std::string(name) + " cut at " + std::to_string(cut));
    }
  }
}

TEST(InflateBackendTest, SameCdiffReportsOnTheCdiffCorpus) {
  if (!HaveIsal()) GTEST_SKIP() << "built without ISA-L";
  const auto files = CorpusFiles("cdiff_fuzzer");
  ASSERT_GT(files.size(), 5u);
  for (const auto& path : files) {
    const auto bytes = ReadFile(path);
    VerifyOptions z = FuzzOptions("test-2.cdiff");
    VerifyOptions i = z;
    z.inflate_backend = InflateBackend::kZlib;
    i.inflate_backend = InflateBackend::kIsal;
    EXPECT_EQ(ReportToJson(VerifyCdiffMemory(bytes, z)), ReportToJson(VerifyCdiffMemory(bytes, i)))
        << path;
  }
}

struct Inflated {
  std::vector<Finding> findings;
  std::vector<std::uint8_t> out;
  std::uint64_t total_in = 0;
  bool failed = false;
};

Inflated InflateAll(std::span<const std::uint8_t> in, InflateBackend b, std::size_t chunk) {
  Inflated r;
  internal::GzipInflater inf(
      0, std::uint64_t{64} << 20, Code::kPayloadTooLarge, "cap",
      [&r](std::span<const std::uint8_t> o) { r.out.insert(r.out.end(), o.begin(), o.end()); },
      [&r](Finding f) { r.findings.push_back(std::move(f)); }, b);
  for (std::size_t pos = 0; pos < in.size(); pos += chunk) {
    inf.Update(in.subspan(pos, std::min(chunk, in.size() - pos)));
  }
  inf.Finish();
  r.total_in = inf.total_in();
  r.failed = inf.failed();
  return r;
}

TEST(InflateBackendTest, SameFindingsAndOutputOnTheGzipCorpus) {
  if (!HaveIsal()) GTEST_SKIP() << "built without ISA-L";
  const auto files = CorpusFiles("tar_fuzzer");
  ASSERT_GT(files.size(), 20u);
  std::size_t gzip_inputs = 0;
  for (const auto& path : files) {
    const auto bytes = ReadFile(path);
    if (bytes.size() < 3 || bytes[0] != 0x1F || bytes[1] != 0x8B) continue;
    ++gzip_inputs;
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{13}, std::size_t{1} << 20}) {
      const Inflated z = InflateAll(bytes, InflateBackend::kZlib, chunk);
      const Inflated i = InflateAll(bytes, InflateBackend::kIsal, chunk);
      EXPECT_EQ(z.findings, i.findings) << path << " chunk " << chunk;
      EXPECT_EQ(z.failed, i.failed) << path;
      if (!z.failed && !i.failed) {
        EXPECT_EQ(z.out, i.out) << path;
        EXPECT_EQ(z.total_in, i.total_in) << path;
      }
    }
  }
  EXPECT_GT(gzip_inputs, 10u);
}

// Wrapper fields the zlib wrapper mode used to check, now parsed by us:
// every gzip header flag combination round-trips, and the errors are ours.
TEST(InflateBackendTest, GzipHeaderFieldsAreParsedTheSameWay) {
  if (!HaveIsal()) GTEST_SKIP() << "built without ISA-L";
  const std::string text = "hello, cvdguard\n";
  std::vector<std::uint8_t> body;
  ASSERT_TRUE(internal::GzipCompress(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), 9,
      &body));
  const std::vector<std::uint8_t> deflate(body.begin() + 10, body.end());  // after the 10-byte header
  for (int flags = 0; flags < 32; flags += 2) {  // FEXTRA FNAME FCOMMENT FHCRC (FTEXT is ignored)
    std::vector<std::uint8_t> g = {0x1F, 0x8B, 8, static_cast<std::uint8_t>(flags), 0, 0, 0, 0, 0, 3};
    if (flags & 4) g.insert(g.end(), {3, 0, 'a', 'b', 'c'});
    if (flags & 8) g.insert(g.end(), {'n', 'a', 'm', 'e', 0});
    if (flags & 16) g.insert(g.end(), {'c', 0});
    if (flags & 2) {
      const auto crc = static_cast<std::uint32_t>(crc32_z(0, g.data(), g.size()));
      g.push_back(static_cast<std::uint8_t>(crc));
      g.push_back(static_cast<std::uint8_t>(crc >> 8));
    }
    g.insert(g.end(), deflate.begin(), deflate.end());
    for (const auto b : {InflateBackend::kZlib, InflateBackend::kIsal}) {
      const Inflated r = InflateAll(g, b, 3);
      EXPECT_TRUE(r.findings.empty()) << "flags " << flags;
      EXPECT_EQ(std::string(r.out.begin(), r.out.end()), "hello, cvdguard\n") << "flags " << flags;
    }
    if (flags & 2) {
      auto bad = g;
      bad[10 + ((flags & 4) ? 5 : 0) + ((flags & 8) ? 5 : 0) + ((flags & 16) ? 2 : 0)] ^= 1;
      const Inflated r = InflateAll(bad, InflateBackend::kIsal, 1);
      ASSERT_EQ(r.findings.size(), 1u);
      EXPECT_EQ(r.findings[0].code, Code::kGzipBadHeader);
    }
  }
  std::vector<std::uint8_t> reserved = {0x1F, 0x8B, 8, 0x20, 0, 0, 0, 0, 0, 3};
  reserved.insert(reserved.end(), deflate.begin(), deflate.end());
  EXPECT_EQ(InflateAll(reserved, InflateBackend::kIsal, 4).findings.at(0).code, Code::kGzipBadHeader);
}

}  // namespace
}  // namespace cvdguard::testing
