// The genuine ClamAV files in ../shared/realdata verify valid, with the
// header fields that `sigtool --info` (the oracle) prints.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <thread>

#include "archive/tar_walker.h"
#include "cvdguard/json.h"
#include "cvdguard/unpack.h"
#include "cvdguard/validator.h"
#include "testing/fixtures.h"
#include "testing/test_ca.h"

namespace cvdguard::testing {
namespace {

std::string RunCommand(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), p) != nullptr) out += buf.data();
  *status = pclose(p);
  return out;
}

std::map<std::string, std::string> ParseSigtool(const std::string& text) {
  std::map<std::string, std::string> fields;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto lf = text.find('\n', pos);
    const std::string line = text.substr(pos, lf - pos);
    pos = lf == std::string::npos ? text.size() : lf + 1;
    const auto colon = line.find(": ");
    if (colon != std::string::npos) fields[line.substr(0, colon)] = line.substr(colon + 2);
  }
  return fields;
}

std::vector<std::string> RealCvds() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(RealDataDir())) {
    if (e.path().extension() == ".cvd") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(RealDataTest, EveryRealCvdIsValidWithOfficialKeys) {
  const auto files = RealCvds();
  ASSERT_GE(files.size(), 5u) << "realdata not found at " << RealDataDir();
  for (const auto& path : files) {
    VerifyOptions o;
    o.discover_sign = false;
    const Report r = VerifyPath(path, o);
    EXPECT_EQ(r.verdict, Verdict::kValid) << path;
    EXPECT_EQ(r.kind, Kind::kCvd) << path;
    EXPECT_EQ(r.verified_by, "legacy") << path;
    for (const auto& f : r.findings) {
      EXPECT_LT(f.severity, Severity::kError) << path << ": " << CodeName(f.code) << " " << f.message;
    }
  }
}

TEST(RealDataTest, HeaderFieldsMatchSigtoolOracle) {
  int status = 0;
  RunCommand("command -v sigtool >/dev/null 2>&1", &status);
  if (status != 0) GTEST_SKIP() << "sigtool (Debian clamav) is not installed";
  for (const auto& path : RealCvds()) {
    const auto fields = ParseSigtool(RunCommand("sigtool --info '" + path + "' 2>/dev/null", &status));
    ASSERT_EQ(status, 0) << path;
    const Report r = VerifyPath(path, VerifyOptions{});
    ASSERT_TRUE(r.header.present) << path;
    std::string bt = r.header.build_time;
    bt[bt.find('-')] = ':';
    EXPECT_EQ(fields.at("Build time"), bt) << path;
    EXPECT_EQ(fields.at("Version"), std::to_string(r.header.version)) << path;
    EXPECT_EQ(fields.at("Signatures"), std::to_string(r.header.sigs)) << path;
    EXPECT_EQ(fields.at("Functionality level"), std::to_string(r.header.flevel)) << path;
    EXPECT_EQ(fields.at("Builder"), r.header.builder) << path;
    EXPECT_EQ(fields.at("MD5"), r.header.md5) << path;
    EXPECT_EQ(fields.at("Digital signature"), r.header.dsig) << path;
  }
}

TEST(RealDataTest, KnownHeaderFieldsOfTestFiles) {
  const Report r = VerifyPath(RealDataDir() + "/bytecode-19.cvd", VerifyOptions{});
  EXPECT_EQ(r.header.version, 19u);
  EXPECT_EQ(r.header.sigs, 3u);
  EXPECT_EQ(r.header.flevel, 51u);
  EXPECT_EQ(r.header.builder, "nervous");
  EXPECT_EQ(r.database, "bytecode");
  EXPECT_EQ(VerifyPath(RealDataDir() + "/test-1.cvd", VerifyOptions{}).header.builder, "micasnyd");
  for (int v = 1; v <= 4; ++v) {
    const Report t = VerifyPath(RealDataDir() + "/test-" + std::to_string(v) + ".cvd", VerifyOptions{});
    EXPECT_EQ(t.header.version, static_cast<std::uint32_t>(v));
    EXPECT_EQ(t.header.flevel, 81u);
    EXPECT_EQ(t.database, "test");
    ASSERT_FALSE(t.members.empty());
    EXPECT_EQ(t.members[0].name, "COPYING");
    EXPECT_EQ(t.members[1].name, "test.info");
  }
}

TEST(RealDataTest, RealFileRefusedWhenOfficialKeysAreOff) {
  VerifyOptions o = TestOptions();
  const Report r = VerifyPath(RealDataDir() + "/test-1.cvd", o);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_TRUE(r.Has(Code::kDsigInvalid));
  EXPECT_TRUE(r.Has(Code::kInfoDsigInvalid));
}

TEST(RealDataTest, ExplicitSignPathIsHonouredByEveryEntryPoint) {
  // FIPS needs a valid .sign; discovery is off, so only the explicit path
  // can supply it, whichever way the bytes arrive.
  const std::string cvd = RealDataDir() + "/test-1.cvd";
  VerifyOptions o;
  o.certs_path = RealDataDir() + "/certs/clamav-test-ca.crt";
  o.at_time = kTime2026;
  o.sign_policy = SignPolicy::kFips;
  o.discover_sign = false;
  o.sign_path = cvd + ".sign";
  o.file_name = "test-1.cvd";
  const std::vector<std::uint8_t> bytes = ReadFile(cvd);
  ASSERT_FALSE(bytes.empty());
  auto expect_signed = [](const Report& r, const char* entry) {
    EXPECT_EQ(r.verdict, Verdict::kValid) << entry << ": " << ReportToJson(r);
    EXPECT_EQ(r.verified_by, "sign") << entry;
  };
  expect_signed(VerifyPath(cvd, o), "VerifyPath");
  expect_signed(VerifyMemory(bytes, o), "VerifyMemory");
  const int fd = open(cvd.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  expect_signed(VerifyFd(fd, "test-1.cvd", o), "VerifyFd");
  close(fd);
  Validator v(o);
  for (std::size_t at = 0; at < bytes.size(); at += 1000) {
    v.Update(std::span(bytes).subspan(at, std::min<std::size_t>(1000, bytes.size() - at)));
  }
  expect_signed(v.Finish(), "Validator");

  // The named file is the one checked: another file's .sign is refused, and
  // one that cannot be read is a read error, as for VerifyPath.
  o.sign_path = RealDataDir() + "/test-2.cvd.sign";
  EXPECT_EQ(VerifyMemory(bytes, o).verdict, Verdict::kInvalid);
  o.sign_path = RealDataDir() + "/no-such.cvd.sign";
  const Report missing = VerifyMemory(bytes, o);
  EXPECT_EQ(missing.verdict, Verdict::kError);
  EXPECT_TRUE(missing.Has(Code::kIoError));
}

// Download libraries often hand over non-blocking descriptors: a read with
// no data yet (EAGAIN) means wait, not "read error".
TEST(RealDataTest, NonBlockingPipeIsReadToTheEnd) {
  const auto bytes = ReadFile(RealDataDir() + "/test-1.cvd");
  ASSERT_FALSE(bytes.empty());
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ASSERT_EQ(::fcntl(p[0], F_SETFL, ::fcntl(p[0], F_GETFL) | O_NONBLOCK), 0);
  std::thread writer([&] {
    for (std::size_t off = 0; off < bytes.size();) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the reader finds the pipe empty
      const std::size_t n = std::min<std::size_t>(997, bytes.size() - off);
      const ssize_t w = ::write(p[1], bytes.data() + off, n);
      if (w <= 0) break;
      off += static_cast<std::size_t>(w);
    }
    ::close(p[1]);
  });
  const Report r = VerifyFd(p[0], "test-1.cvd", VerifyOptions{});
  writer.join();
  ::close(p[0]);
  EXPECT_TRUE(r.valid()) << ReportToJson(r);
}

TEST(RealDataTest, CldCutAtMemberBoundaryIsRejected) {
  // Turn test-4.cvd into a raw-tar .cld the way freshclam does (header from
  // the .info line), then cut it after a member: header and signed .info
  // still agree, only listed members are gone. sigtool accepts such a file.
  const std::string path = RealDataDir() + "/test-4.cvd";
  VerifyOptions official;
  official.discover_sign = false;
  TempDir out;
  std::vector<std::string> written;
  std::string error;
  Report full;
  ASSERT_EQ(UnpackContainer(path, out.path(), official, &full, &written, &error),
            UnpackStatus::kOk)
      << error;
  ASSERT_GE(full.members.size(), 5u);
  std::string header = "ClamAV-VDB:" + full.header.build_time + ":" +
                       std::to_string(full.header.version) + ":" + std::to_string(full.header.sigs) +
                       ":" + std::to_string(full.header.flevel) + ":X:X:" + full.header.builder +
                       ":" + std::to_string(full.header.stime);
  header.resize(512, ' ');
  auto make_cld = [&](std::size_t keep) {
    std::vector<std::uint8_t> cld(header.begin(), header.end());
    for (std::size_t i = 0; i < keep; ++i) {
      const auto data = ReadFile(out.Join(full.members[i].name));
      EXPECT_TRUE(internal::AppendTarMember(full.members[i].name, data, &cld));
    }
    return cld;
  };
  VerifyOptions o;
  o.file_name = "test.cld";
  const Report whole = VerifyMemory(make_cld(full.members.size()), o);
  EXPECT_EQ(whole.verdict, Verdict::kValid);
  EXPECT_EQ(whole.verified_by, "info_dsig");
  for (std::size_t keep = 2; keep < full.members.size(); ++keep) {
    const Report r = VerifyMemory(make_cld(keep), o);
    EXPECT_EQ(r.verdict, Verdict::kInvalid) << "kept " << keep;
    EXPECT_TRUE(r.Has(Code::kInfoMemberMissing)) << "kept " << keep;
  }
}

}  // namespace
}  // namespace cvdguard::testing
