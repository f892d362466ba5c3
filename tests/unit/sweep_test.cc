// Sweeps over a small real file: bit flips, truncations, and chunking
// invariance of the streaming validator.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "cvdguard/json.h"
#include "cvdguard/validator.h"
#include "testing/assembly.h"
#include "testing/fixtures.h"

namespace cvdguard::testing {
namespace {

VerifyOptions Official() {
  VerifyOptions o;
  o.discover_sign = false;
  o.file_name = "test-1.cvd";
  o.lint = false;  // lint has its own tests; the sweeps are about the container
  return o;
}

std::vector<std::uint8_t> SmallReal() { return ReadFile(RealDataDir() + "/test-1.cvd"); }

TEST(SweepTest, EveryHeaderBitFlipIsRejected) {
  const auto original = SmallReal();
  ASSERT_GT(original.size(), 512u);
  const VerifyOptions o = Official();
  ASSERT_EQ(VerifyMemory(original, o).verdict, Verdict::kValid);
  int accepted = 0;
  for (std::size_t byte = 0; byte < 512; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      auto bytes = original;
      bytes[byte] = static_cast<std::uint8_t>(bytes[byte] ^ (1u << bit));
      const Report r = VerifyMemory(bytes, o);
      if (r.verdict == Verdict::kValid) {
        ++accepted;
        ADD_FAILURE() << "flip of bit " << bit << " at header byte " << byte << " was accepted";
      }
      EXPECT_FALSE(r.Has(Code::kInternalError));
    }
  }
  EXPECT_EQ(accepted, 0);
}

TEST(SweepTest, SampledPayloadBitFlipsAreRejected) {
  const auto original = SmallReal();
  const VerifyOptions o = Official();
  std::mt19937 rng(12345);
  const std::size_t payload = original.size() - 512;
  const std::size_t samples = payload * 8 / 10;  // 10 % of the payload bits
  for (std::size_t i = 0; i < samples; ++i) {
    const std::size_t bit_index = rng() % (payload * 8);
    auto bytes = original;
    bytes[512 + bit_index / 8] = static_cast<std::uint8_t>(bytes[512 + bit_index / 8] ^ (1u << (bit_index % 8)));
    const Report r = VerifyMemory(bytes, o);
    ASSERT_EQ(r.verdict, Verdict::kInvalid) << "payload bit " << bit_index << " flip accepted";
    ASSERT_FALSE(r.Has(Code::kInternalError));
  }
}

TEST(SweepTest, EveryTruncationIsRejected) {
  const auto original = SmallReal();
  const VerifyOptions o = Official();
  std::vector<std::size_t> cuts;
  for (std::size_t n = 0; n < 512; ++n) cuts.push_back(n);
  for (std::size_t n = 512; n < original.size(); n += 512) cuts.push_back(n);
  for (const std::size_t n : cuts) {
    const std::vector<std::uint8_t> cut(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(n));
    const Report r = VerifyMemory(cut, o);
    EXPECT_EQ(r.verdict, Verdict::kInvalid) << "cut at " << n << " accepted";
    EXPECT_FALSE(r.findings.empty()) << n;
  }
}

std::vector<Finding> Chunked(const std::vector<std::uint8_t>& bytes, std::size_t chunk,
                             const VerifyOptions& o) {
  Validator v(o);
  v.SetExpectedSize(bytes.size());
  for (std::size_t pos = 0; pos < bytes.size(); pos += chunk) {
    v.Update(std::span<const std::uint8_t>(bytes).subspan(pos, std::min(chunk, bytes.size() - pos)));
  }
  return v.Finish().findings;
}

class ChunkingTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(ChunkingTest, SameFindingsForRealFiles) {
  for (const char* name : {"test-1.cvd", "test-4.cvd", "bytecode-19.cvd"}) {
    const auto bytes = ReadFile(RealDataDir() + "/" + name);
    VerifyOptions o;
    o.file_name = name;
    const auto whole = VerifyMemory(bytes, o).findings;
    EXPECT_EQ(Chunked(bytes, GetParam(), o), whole) << name;
  }
}

TEST_P(ChunkingTest, SameFindingsForCorruptFiles) {
  std::vector<Assembly> variants(6);
  variants[0].edit_tar_items = [](auto& items) { items[2].bad_checksum = true; items.push_back({"x.txt", "y"}); };
  variants[1].edit_payload = [](auto& p) { p[p.size() / 2] ^= 0x40; };
  variants[2].edit_payload = [](auto& p) { p.resize(p.size() - 7); };
  variants[3].kind = Kind::kCld;
  variants[3].compress = false;
  variants[3].edit_tar = [](auto& t) { t.insert(t.end(), 700, 'z'); };
  variants[4].edit_info_signed = [](std::string& info) { info += "trailing\n"; };
  variants[5].members.push_back({"test.fp", std::string(std::size_t{3} << 20, '\n')});
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const auto bytes = Assemble(variants[i]);
    VerifyOptions o = TestOptions();
    o.file_name = variants[i].kind == Kind::kCld ? "test.cld" : "test.cvd";
    const auto whole = VerifyMemory(bytes, o).findings;
    EXPECT_FALSE(whole.empty()) << i;
    EXPECT_EQ(Chunked(bytes, GetParam(), o), whole) << "variant " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(ChunkSizes, ChunkingTest, ::testing::Values(1, 7, 511, 512, 513, 4096));

}  // namespace
}  // namespace cvdguard::testing

// The multi-threaded pipeline (reader, inflate worker, lint thread) gives the
// findings of the one-thread pipeline, line for line, on a database large
// enough to take the parallel path, with bad lines spread over several
// members and chunk boundaries, whole and cut short at several points.
namespace cvdguard::testing {
namespace {

// Every container seed of the fuzz corpus, fed without a size (so the
// threaded pipeline runs even for small inputs) in 4 KiB pieces: the same
// report as the one-thread pipeline.
TEST(ParallelPipelineTest, SameReportsOnEveryCorpusFile) {
  const std::filesystem::path dir = std::filesystem::path(CVDGUARD_SOURCE_DIR) / "corpus" / "container_fuzzer";
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const auto bytes = ReadFile(e.path().string());
    for (const char* name : {"test.cvd", "test.cld"}) {
      VerifyOptions o;
      o.verify_signatures = false;
      o.at_time = 1624412045;
      o.file_name = name;
      auto run = [&](bool parallel) {
        o.parallel = parallel;
        Validator v(o);
        for (std::size_t pos = 0; pos < bytes.size(); pos += 4096) {
          v.Update(std::span<const std::uint8_t>(bytes).subspan(pos, std::min<std::size_t>(4096, bytes.size() - pos)));
        }
        return ReportToJson(v.Finish());
      };
      EXPECT_EQ(run(false), run(true)) << e.path() << " as " << name;
    }
    ++files;
  }
  EXPECT_GT(files, 50u);
}

TEST(ParallelPipelineTest, SameFindingsAsOneThread) {
  BuildSpec spec = SmallSpec();
  std::string hdb, ndb, ldb;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    char hex[33];
    std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                  static_cast<unsigned long long>(rng()));
    hdb += std::string(hex) + ":" + std::to_string(100 + i) + ":Par.Hdb-" + std::to_string(i) + "\n";
    if (i % 501 == 3) hdb += "zz" + std::string(hex + 2) + ":12:Bad.Hex-" + std::to_string(i) + "\n";
    if (i % 3) ndb += "Par.Ndb-" + std::to_string(i) + ":0:*:" + std::string(hex, 24) + "\n";
    if (i % 701 == 5) ndb += "Bad.Ndb-" + std::to_string(i) + ":0:*:aabb{zz}cc\n";
    if (i % 2 == 0) ldb += "Par.Ldb-" + std::to_string(i) + ";Target:1;0&1;" + std::string(hex, 12) + ";" + std::string(hex + 12, 12) + "\n";
    if (i % 903 == 9) ldb += "Bad.Ldb-" + std::to_string(i) + ";Target:1;0&2;aabbcc;ddeeff\n";
  }
  spec.members = {{"test.hdb", hdb}, {"test.ndb", ndb}, {"test.ldb", ldb}};
  spec.gzip_level = 1;
  // A gzip'ed .cvd, and a raw-tar .cld: cut inside a member, the .cld still
  // lints what arrived (no gzip failure hides the lint findings).
  BuildSpec raw = spec;
  raw.kind = Kind::kCld;
  raw.compress = false;
  for (const auto& db : {Build(spec), Build(raw)}) {
    ASSERT_GT(db.size(), std::size_t{4} << 20);  // large enough for the parallel path
    for (const std::size_t cut : {db.size(), db.size() - 3, db.size() * 2 / 3 + 1, db.size() / 3}) {
      const std::span<const std::uint8_t> bytes(db.data(), cut);
      VerifyOptions one = TestOptions();
      one.parallel = false;
      VerifyOptions many = TestOptions();
      many.parallel = true;
      const Report a = VerifyMemory(bytes, one);
      const Report b = VerifyMemory(bytes, many);
      std::size_t lint_findings = 0;
      for (const auto& f : a.findings) lint_findings += CodeNumber(f.code) >= 800 && CodeNumber(f.code) < 1000;
      if (cut == db.size()) EXPECT_GE(lint_findings, 3u);
      EXPECT_EQ(a.findings, b.findings) << "cut at " << cut << " of " << db.size();
      EXPECT_EQ(a.verdict, b.verdict);
      EXPECT_EQ(a.members.size(), b.members.size());
    }
  }
}

}  // namespace
}  // namespace cvdguard::testing
