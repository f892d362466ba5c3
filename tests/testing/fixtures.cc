#include "testing/fixtures.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace cvdguard::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Key generation costs up to a second per 2048-bit key, and ctest runs each
// test in its own process, so keys are cached in the build tree (written
// atomically; every process uses one consistent pair per role).
KeyPair Generate(int bits, const char* role) {
  KeyPair k;
#ifdef CVDGUARD_TEST_KEY_CACHE
  const std::string dir = CVDGUARD_TEST_KEY_CACHE;
  const std::string base = dir + "/" + role;
  {
    const std::string pair = Slurp(base + ".pair");
    const auto sep = pair.find("\n----\n");
    if (sep != std::string::npos) {
      k.private_pem = pair.substr(0, sep);
      k.public_pem = pair.substr(sep + 6);
      return k;
    }
  }
#endif
  std::string error;
  if (!GenerateRsaKey(bits, &k.private_pem, &k.public_pem, &error)) {
    ADD_FAILURE() << "key generation: " << error;
    return k;
  }
#ifdef CVDGUARD_TEST_KEY_CACHE
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string tmp = base + "." + std::to_string(getpid()) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << k.private_pem << "\n----\n" << k.public_pem;
  }
  // One file holds both halves so a reader never sees a mismatched pair.
  std::filesystem::rename(tmp, base + ".pair", ec);
  const std::string pair = Slurp(base + ".pair");
  const auto sep = pair.find("\n----\n");
  if (sep != std::string::npos) {
    k.private_pem = pair.substr(0, sep);
    k.public_pem = pair.substr(sep + 6);
  }
#endif
  return k;
}

}  // namespace

const KeyPair& CvdKey() {
  static const KeyPair k = Generate(1024, "cvd");
  return k;
}
const KeyPair& InfoKey() {
  static const KeyPair k = Generate(2048, "info");
  return k;
}
const KeyPair& CdiffKey() {
  static const KeyPair k = Generate(2048, "cdiff");
  return k;
}

VerifyOptions TestOptions() {
  VerifyOptions o;
  o.use_official_keys = false;
  o.keys.push_back({KeyRole::kCvd, CvdKey().public_pem, "test-cvd"});
  o.keys.push_back({KeyRole::kInfo, InfoKey().public_pem, "test-info"});
  o.keys.push_back({KeyRole::kCdiff, CdiffKey().public_pem, "test-cdiff"});
  o.at_time = 1624412045 + 3600;
  return o;
}

BuildSpec SmallSpec(Kind kind) {
  BuildSpec s;
  s.kind = kind;
  s.name = "test";
  s.version = 7;
  s.flevel = 81;
  s.builder = "tester";
  s.stime = 1624412045;
  s.utc_offset_minutes = -240;
  s.members = {
      {"test.hdb", "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n"},
      {"test.ndb", "Test.Sig-1:0:*:414243444546\nTest.Sig-2:0:0:6162636465\n"},
      {"test.ldb", "Test.Ldb-1;Target:0;0&1;414243;444546\n"},
  };
  s.cvd_key_pem = CvdKey().private_pem;
  s.info_key_pem = InfoKey().private_pem;
  return s;
}

std::vector<std::uint8_t> Build(const BuildSpec& spec) {
  std::vector<std::uint8_t> out;
  std::string error;
  if (!BuildContainer(spec, &out, &error)) ADD_FAILURE() << "build: " << error;
  return out;
}

bool WriteFile(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

std::vector<std::uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "cvdguard-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string RealDataDir() {
  if (const char* env = std::getenv("CVDGUARD_REALDATA")) return env;
  return CVDGUARD_REALDATA_DIR;
}

}  // namespace cvdguard::testing
