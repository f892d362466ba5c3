// LoadTrustStore: ClamAV's certs-directory rules (FORMAT.md 6.3).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sign/sign_verifier.h"
#include "testing/test_ca.h"

namespace cvdguard::internal {
namespace {

namespace fs = std::filesystem;
using testing::CertSpec;
using testing::DefaultChain;
using testing::TestCert;

class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "cvdguard-sign-XXXXXX").string();
    path_ = mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TestCert Root(const std::string& cn) {
  CertSpec spec;
  spec.cn = cn;
  spec.is_ca = true;
  return testing::IssueCert(spec, testing::CachedKeyPem("root", testing::KeyKind::kEcP256),
                            nullptr);
}

std::shared_ptr<const TrustStore> Load(const std::string& path, std::string* error) {
  error->clear();
  auto store = LoadTrustStore(path, error);
  EXPECT_EQ(store == nullptr, !error->empty()) << *error;
  return store;
}

TEST(SignTrustStoreTest, DirectoryTakesExactlyPemAndCrtFiles) {
  ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  dir.Write("a.pem", Root("Store A").cert_pem);
  // Several certificates in one file, all trusted.
  dir.Write("b.crt", Root("Store B").cert_pem + Root("Store C").cert_pem);
  // Ignored: other extensions, including near misses, and subdirectories.
  for (const char* name : {"x.PEM", "x.CRT", "x.crt.bak", "x.pem~", "x.der", "pem", "x.cer"}) {
    dir.Write(name, "not a certificate at all");
  }
  fs::create_directory(dir.path() + "/sub.pem");
  std::ofstream(dir.path() + "/sub.pem/d.pem") << Root("Store D").cert_pem;
  std::string error;
  auto store = Load(dir.path(), &error);
  ASSERT_NE(store, nullptr) << error;
  const std::vector<std::string> subjects = TrustStoreSubjects(*store);
  ASSERT_EQ(subjects.size(), 3u);
  EXPECT_EQ(subjects[0], "O=cvdguard tests,CN=Store A");
  EXPECT_EQ(subjects[1], "O=cvdguard tests,CN=Store B");
  EXPECT_EQ(subjects[2], "O=cvdguard tests,CN=Store C");
}

TEST(SignTrustStoreTest, SymlinkToCertificateIsFollowed) {
  ScratchDir dir;
  ScratchDir other;
  const std::string target = other.Write("root.txt", DefaultChain().root.cert_pem);
  fs::create_symlink(target, dir.path() + "/link.pem");
  std::string error;
  auto store = Load(dir.path(), &error);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_EQ(TrustStoreSubjects(*store).size(), 1u);
}

TEST(SignTrustStoreTest, SingleFileWhateverItsName) {
  ScratchDir dir;
  const std::string file = dir.Write("roots.txt", DefaultChain().root.cert_pem);
  std::string error;
  auto store = Load(file, &error);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_EQ(TrustStoreSubjects(*store).size(), 1u);
}

TEST(SignTrustStoreTest, NonCertificatePemBlocksAreSkipped) {
  ScratchDir dir;
  const std::string file =
      dir.Write("mixed.pem", DefaultChain().root.key_pem + DefaultChain().root.cert_pem);
  std::string error;
  auto store = Load(file, &error);
  ASSERT_NE(store, nullptr) << error;
  EXPECT_EQ(TrustStoreSubjects(*store).size(), 1u);
}

TEST(SignTrustStoreTest, DuplicateCnIsRefused) {
  // Two different certificates with the same CN, in two files.
  ScratchDir dir;
  dir.Write("one.pem", Root("Same Name").cert_pem);
  CertSpec spec;
  spec.cn = "Same Name";
  spec.is_ca = true;
  dir.Write("two.crt", testing::IssueCert(
                           spec, testing::CachedKeyPem("inter", testing::KeyKind::kEcP256), nullptr)
                           .cert_pem);
  std::string error;
  EXPECT_EQ(Load(dir.path(), &error), nullptr);
  EXPECT_NE(error.find("Same Name"), std::string::npos) << error;
  // The same certificate twice in one file.
  const std::string file = dir.Write("twice.txt", Root("Twice").cert_pem + Root("Twice").cert_pem);
  EXPECT_EQ(Load(file, &error), nullptr);
  EXPECT_NE(error.find("Twice"), std::string::npos) << error;
}

TEST(SignTrustStoreTest, CertificateWithoutCnIsRefused) {
  ScratchDir dir;
  CertSpec spec;
  spec.cn = "";  // subject O=cvdguard tests only
  spec.is_ca = true;
  dir.Write("nocn.pem", testing::IssueCert(
                            spec, testing::CachedKeyPem("root", testing::KeyKind::kEcP256), nullptr)
                            .cert_pem);
  std::string error;
  EXPECT_EQ(Load(dir.path(), &error), nullptr);
  EXPECT_NE(error.find("without CN"), std::string::npos) << error;
}

TEST(SignTrustStoreTest, UnusableInputsAreErrors) {
  ScratchDir dir;
  std::string error;
  EXPECT_EQ(Load(dir.path() + "/missing", &error), nullptr);
  EXPECT_EQ(Load("", &error), nullptr);
  // An empty directory, and one with only ignored files.
  EXPECT_EQ(Load(dir.path(), &error), nullptr);
  dir.Write("readme.txt", DefaultChain().root.cert_pem);
  EXPECT_EQ(Load(dir.path(), &error), nullptr);
  // A .pem without certificates, or with a corrupt certificate block.
  ScratchDir empty_file;
  empty_file.Write("empty.pem", "");
  EXPECT_EQ(Load(empty_file.path(), &error), nullptr);
  EXPECT_NE(error.find("no PEM certificate"), std::string::npos) << error;
  ScratchDir corrupt;
  corrupt.Write("bad.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(Load(corrupt.path(), &error), nullptr);
  EXPECT_NE(error.find("unreadable PEM"), std::string::npos) << error;
  // One bad file spoils the directory, as in ClamAV.
  ScratchDir mixed;
  mixed.Write("good.pem", DefaultChain().root.cert_pem);
  mixed.Write("bad.crt", "garbage");
  EXPECT_EQ(Load(mixed.path(), &error), nullptr);
  // An unreadable file (skipped when running as root, which reads anyway).
  if (geteuid() != 0) {
    ScratchDir locked;
    const std::string p = locked.Write("locked.pem", DefaultChain().root.cert_pem);
    fs::permissions(p, fs::perms::none);
    EXPECT_EQ(Load(locked.path(), &error), nullptr);
  }
  // A file over the size limit.
  ScratchDir big;
  big.Write("big.pem", DefaultChain().root.cert_pem + std::string(kMaxTrustFileBytes, '\n'));
  EXPECT_EQ(Load(big.path(), &error), nullptr);
}

TEST(SignTrustStoreTest, FromPemInMemory) {
  std::string error;
  EXPECT_NE(LoadTrustStoreFromPem(DefaultChain().root.cert_pem, &error), nullptr) << error;
  EXPECT_EQ(LoadTrustStoreFromPem("", &error), nullptr);
  EXPECT_EQ(LoadTrustStoreFromPem("garbage", &error), nullptr);
  EXPECT_EQ(LoadTrustStoreFromPem(DefaultChain().root.cert_pem, nullptr) == nullptr, false);
}

}  // namespace
}  // namespace cvdguard::internal
