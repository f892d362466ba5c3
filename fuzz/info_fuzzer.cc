// The .info manifest parser and the member cross-check. Invariants: entry
// names are unique; the signed length lies inside the input; every finding
// of a cross-check names a member.
#include <cstdint>
#include <set>
#include <string>

#include "cvdguard/report.h"
#include "fuzz_util.h"
#include "manifest/info.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (128u << 10)) return 0;
  using namespace cvdguard::internal;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const bool signed_kind : {true, false}) {
    const InfoParse p = ParseInfo(text, signed_kind, "test.info");
    CVDGUARD_FUZZ_ASSERT(p.signed_length <= size, "signed length beyond input");
    std::set<std::string> names;
    for (const auto& e : p.entries) {
      CVDGUARD_FUZZ_ASSERT(names.insert(e.name).second, "duplicate entry kept");
      CVDGUARD_FUZZ_ASSERT(e.sha256.size() == 64, "bad hash kept");
    }
    std::vector<cvdguard::Member> members;
    for (const auto& e : p.entries) {
      cvdguard::Member m;
      m.name = e.name;
      m.size = e.size;
      m.sha256 = e.sha256;
      members.push_back(m);
    }
    std::vector<cvdguard::Finding> findings;
    CompareInfoMembers(p, members, "test.info", &findings);
    for (const auto& f : findings) {
      // Every entry is present with its own size and hash: only the
      // "lists COPYING/.info" warning may remain.
      CVDGUARD_FUZZ_ASSERT(f.code == cvdguard::Code::kInfoListsNonDbMember,
                           "self-consistent manifest reported a mismatch");
    }
  }
  return 0;
}
