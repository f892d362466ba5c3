// WriteFileAtomically: the one writer behind every file the library and the
// tool produce (patch, build, build cdiff, build sign, keygen, activation).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "cvdguard/builder.h"
#include "gtest/gtest.h"
#include "testing/fixtures.h"

namespace cvdguard {
namespace {

using testing::TempDir;

std::span<const std::uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::vector<std::string> Names(const TempDir& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Read(const std::string& path) {
  const std::vector<std::uint8_t> b = testing::ReadFile(path);
  return {b.begin(), b.end()};
}

TEST(WriteFileAtomicallyTest, GivesTheModeAskedForWhateverTheUmask) {
  TempDir dir;
  const mode_t old = ::umask(077);
  std::string error;
  const bool ok = WriteFileAtomically(dir.Join("db.cvd"), Bytes("abc"), {}, &error);
  const bool ok_key =
      WriteFileAtomically(dir.Join("k.key"), Bytes("secret"), {.mode = 0600}, &error);
  ::umask(old);
  ASSERT_TRUE(ok && ok_key) << error;
  struct stat st {};
  ASSERT_EQ(::stat(dir.Join("db.cvd").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u) << "a scanner running as another user must read it";
  ASSERT_EQ(::stat(dir.Join("k.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(Read(dir.Join("db.cvd")), "abc");
}

TEST(WriteFileAtomicallyTest, WithoutReplaceAnExistingFileIsLeftUntouched) {
  TempDir dir;
  ASSERT_TRUE(testing::WriteFile(dir.Join("k.key"), {'o', 'l', 'd'}));
  std::string error;
  EXPECT_FALSE(WriteFileAtomically(dir.Join("k.key"), Bytes("new"), {.replace = false}, &error));
  EXPECT_NE(error.find("exists"), std::string::npos) << error;
  EXPECT_EQ(Read(dir.Join("k.key")), "old");
  EXPECT_EQ(Names(dir), std::vector<std::string>{"k.key"}) << "no temporary file is left";
  EXPECT_TRUE(WriteFileAtomically(dir.Join("k.key"), Bytes("new"), {}, &error)) << error;
  EXPECT_EQ(Read(dir.Join("k.key")), "new");
}

TEST(WriteFileAtomicallyTest, ReplacesASymlinkInsteadOfWritingThroughIt) {
  TempDir dir;
  ASSERT_TRUE(testing::WriteFile(dir.Join("target"), {'t'}));
  std::filesystem::create_symlink(dir.Join("target"), dir.Join("out.cvd"));
  std::string error;
  ASSERT_TRUE(WriteFileAtomically(dir.Join("out.cvd"), Bytes("abc"), {}, &error)) << error;
  EXPECT_FALSE(std::filesystem::is_symlink(dir.Join("out.cvd")));
  EXPECT_EQ(Read(dir.Join("out.cvd")), "abc");
  EXPECT_EQ(Read(dir.Join("target")), "t");
}

TEST(WriteFileAtomicallyTest, AFailureLeavesNothingBehind) {
  TempDir dir;
  std::filesystem::create_directory(dir.Join("sub"));
  ASSERT_TRUE(testing::WriteFile(dir.Join("sub/x"), {'x'}));
  std::string error;
  // The name is taken by a non-empty directory: the rename fails.
  EXPECT_FALSE(WriteFileAtomically(dir.Join("sub"), Bytes("abc"), {}, &error));
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(Names(dir), std::vector<std::string>{"sub"});
  // A missing directory, and a path that names no file.
  EXPECT_FALSE(WriteFileAtomically(dir.Join("nope/out.cvd"), Bytes("abc"), {}, &error));
  EXPECT_FALSE(std::filesystem::exists(dir.Join("nope")));
  EXPECT_FALSE(WriteFileAtomically(dir.path() + "/", Bytes("abc"), {}, &error));
  EXPECT_EQ(Names(dir), std::vector<std::string>{"sub"});
}

}  // namespace
}  // namespace cvdguard
