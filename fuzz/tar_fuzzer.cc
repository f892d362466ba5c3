// gzip + tar walk over the raw bytes after a header. Invariants: the walk
// is chunking-invariant; what the strict walker accepts (no Error), libarchive
// lists with the same member names and sizes.
#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <string>
#include <vector>

#include "archive/inflater.h"
#include "archive/tar_walker.h"
#include "fuzz_util.h"

namespace {

struct Collect : cvdguard::internal::TarListener {
  std::vector<std::pair<std::string, std::uint64_t>> members;
  void OnMemberStart(const cvdguard::internal::TarEntry& e) override {
    members.emplace_back(e.name, e.size);
  }
  void OnMemberData(std::span<const std::uint8_t>) override {}
  void OnMemberEnd() override {}
};

struct WalkResult {
  std::vector<cvdguard::Finding> findings;
  std::vector<std::pair<std::string, std::uint64_t>> members;
  std::vector<std::uint8_t> tar;  // the inflated bytes (when gzip)
};

WalkResult Walk(const std::uint8_t* data, std::size_t size, std::size_t chunk, bool gzip) {
  using namespace cvdguard::internal;
  WalkResult r;
  Collect c;
  auto sink = [&r](cvdguard::Finding f) { r.findings.push_back(std::move(f)); };
  TarWalker walker({1u << 20, 500}, gzip ? cvdguard::Finding::kNone : 0, &c, sink);
  GzipInflater inflater(0, 4u << 20, cvdguard::Code::kPayloadTooLarge, "cap",
                        [&](std::span<const std::uint8_t> out) {
                          r.tar.insert(r.tar.end(), out.begin(), out.end());
                          if (!walker.failed()) walker.Update(out);
                        },
                        sink);
  for (std::size_t pos = 0; pos < size; pos += chunk) {
    const std::span<const std::uint8_t> piece(data + pos, std::min(chunk, size - pos));
    if (gzip) {
      inflater.Update(piece);
    } else {
      walker.Update(piece);
    }
  }
  if (gzip) inflater.Finish();
  if (!gzip || !inflater.failed()) walker.Finish();
  r.members = c.members;
  if (gzip && inflater.failed()) {
    // As the validator does: a failed gzip stream is the root cause. What
    // the walker saw of it depends on how much the decoder emitted before
    // it noticed (backend and chunking), so it is not compared.
    std::erase_if(r.findings, [](const cvdguard::Finding& f) {
      const int n = cvdguard::CodeNumber(f.code);
      return n >= 330 && n < 500;
    });
    r.members.clear();
    r.tar.clear();
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (256u << 10)) return 0;
  const bool gzip = size >= 2 && data[0] == 0x1F && data[1] == 0x8B;
  const WalkResult one = Walk(data, size, size == 0 ? 1 : size, gzip);
  const std::size_t chunk = size == 0 ? 1 : 1 + data[size - 1] % 61;
  const WalkResult two = Walk(data, size, chunk, gzip);
  CVDGUARD_FUZZ_ASSERT(one.findings == two.findings, "chunking changed tar findings");
  CVDGUARD_FUZZ_ASSERT(one.members == two.members, "chunking changed members");
  bool clean = true;
  for (const auto& f : one.findings) {
    CVDGUARD_FUZZ_ASSERT(f.code != cvdguard::Code::kInternalError, "internal error");
    if (f.severity >= cvdguard::Severity::kError) clean = false;
  }
  const std::vector<std::uint8_t>& tar =
      gzip ? one.tar : std::vector<std::uint8_t>(data, data + size);
  if (clean && !one.members.empty() && tar.size() % 512 == 0) {
    // Differential: libarchive must list the same members.
    archive* a = archive_read_new();
    archive_read_support_format_tar(a);
    std::vector<std::pair<std::string, std::uint64_t>> listed;
    if (archive_read_open_memory(a, tar.data(), tar.size()) == ARCHIVE_OK) {
      archive_entry* e = nullptr;
      while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        const char* name = archive_entry_pathname(e);
        listed.emplace_back(name ? name : "", static_cast<std::uint64_t>(archive_entry_size(e)));
      }
    }
    archive_read_free(a);
    CVDGUARD_FUZZ_ASSERT(listed == one.members, "libarchive lists different members");
  }
  return 0;
}
