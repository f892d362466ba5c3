// The strict tar walker against archives written by libarchive in dialects
// ClamAV does not write (ustar, pax, GNU long names), and a differential
// check of the member list against libarchive's reader on real files.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "archive/inflater.h"
#include "archive/tar_walker.h"
#include "cvdguard/validator.h"
#include "testing/fixtures.h"

namespace cvdguard::testing {
namespace {

using Members = std::vector<std::pair<std::string, std::uint64_t>>;

std::vector<std::uint8_t> WriteWithLibarchive(int format, const Members& members) {
  std::vector<std::uint8_t> out(1 << 20);
  std::size_t used = 0;
  archive* a = archive_write_new();
  archive_write_set_format(a, format);
  archive_write_set_bytes_in_last_block(a, 1);
  EXPECT_EQ(archive_write_open_memory(a, out.data(), out.size(), &used), ARCHIVE_OK);
  for (const auto& [name, size] : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(size));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    EXPECT_EQ(archive_write_header(a, e), ARCHIVE_OK);
    const std::string data(size, 'x');
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  out.resize(used);
  return out;
}

struct Walk : internal::TarListener {
  Members members;
  std::vector<Finding> findings;
  void OnMemberStart(const internal::TarEntry& e) override { members.emplace_back(e.name, e.size); }
  void OnMemberData(std::span<const std::uint8_t>) override {}
  void OnMemberEnd() override {}
};

Walk WalkTar(const std::vector<std::uint8_t>& tar) {
  Walk w;
  internal::TarWalker walker({1u << 30, 1000}, 0, &w, [&w](Finding f) { w.findings.push_back(std::move(f)); });
  walker.Update(tar);
  walker.Finish();
  return w;
}

bool HasCode(const Walk& w, Code c) {
  for (const auto& f : w.findings) {
    if (f.code == c) return true;
  }
  return false;
}

bool HasError(const Walk& w) {
  for (const auto& f : w.findings) {
    if (f.severity >= Severity::kError) return true;
  }
  return false;
}

const Members kPlain = {{"COPYING", 10}, {"test.info", 20}, {"test.hdb", 700}};

TEST(TarDialectTest, UstarFromLibarchiveIsAcceptedWithADialectNote) {
  const Walk w = WalkTar(WriteWithLibarchive(ARCHIVE_FORMAT_TAR_USTAR, kPlain));
  EXPECT_FALSE(HasError(w));
  EXPECT_TRUE(HasCode(w, Code::kTarNonClamavDialect));
  EXPECT_EQ(w.members, kPlain);
}

TEST(TarDialectTest, GnuTarWithShortNamesIsAccepted) {
  const Walk w = WalkTar(WriteWithLibarchive(ARCHIVE_FORMAT_TAR_GNUTAR, kPlain));
  EXPECT_FALSE(HasError(w));
  EXPECT_EQ(w.members, kPlain);
}

TEST(TarDialectTest, GnuLongNameIsRefused) {
  const Members long_name = {{"COPYING", 10}, {std::string(150, 'a') + ".hdb", 5}};
  const Walk w = WalkTar(WriteWithLibarchive(ARCHIVE_FORMAT_TAR_GNUTAR, long_name));
  EXPECT_TRUE(HasCode(w, Code::kTarExtendedHeader));
}

TEST(TarDialectTest, PaxExtendedHeaderIsRefused) {
  const Members long_name = {{"COPYING", 10}, {std::string(150, 'b') + ".ndb", 5}};
  const Walk w = WalkTar(WriteWithLibarchive(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, long_name));
  EXPECT_TRUE(HasCode(w, Code::kTarExtendedHeader) || HasCode(w, Code::kTarUstarPrefix));
}

TEST(TarDialectTest, UstarPrefixFromLibarchiveIsRefused) {
  const Members prefixed = {{"COPYING", 10}, {std::string(60, 'd') + "/" + std::string(90, 'c') + ".hdb", 5}};
  const Walk w = WalkTar(WriteWithLibarchive(ARCHIVE_FORMAT_TAR_USTAR, prefixed));
  EXPECT_TRUE(HasCode(w, Code::kTarUstarPrefix));
}

Members ListWithLibarchive(const std::vector<std::uint8_t>& tar) {
  Members out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  if (archive_read_open_memory(a, tar.data(), tar.size()) == ARCHIVE_OK) {
    archive_entry* e = nullptr;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
      const char* n = archive_entry_pathname(e);
      out.emplace_back(n != nullptr ? n : "", static_cast<std::uint64_t>(archive_entry_size(e)));
    }
  }
  archive_read_free(a);
  return out;
}

TEST(TarDialectTest, MemberListAgreesWithLibarchiveOnRealFiles) {
  for (const char* name : {"test-1.cvd", "test-4.cvd", "bytecode-19.cvd"}) {
    const auto file = ReadFile(RealDataDir() + "/" + name);
    ASSERT_GT(file.size(), 512u) << name;
    std::vector<std::uint8_t> tar;
    internal::GzipInflater inf(512, std::uint64_t{1} << 30, Code::kPayloadTooLarge, "cap",
                               [&](std::span<const std::uint8_t> b) { tar.insert(tar.end(), b.begin(), b.end()); },
                               [](Finding) {});
    inf.Update(std::span<const std::uint8_t>(file).subspan(512));
    inf.Finish();
    ASSERT_TRUE(inf.ended()) << name;
    const Walk w = WalkTar(tar);
    EXPECT_FALSE(HasError(w)) << name;
    EXPECT_EQ(w.members, ListWithLibarchive(tar)) << name;
    const Report r = VerifyMemory(file, VerifyOptions{});
    ASSERT_EQ(r.members.size(), w.members.size()) << name;
  }
}

}  // namespace
}  // namespace cvdguard::testing
