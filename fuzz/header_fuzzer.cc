// Header parser and sniffer. Invariant: a header that parses without an
// Error re-renders to text that parses to the same fields.
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_util.h"
#include "header/header.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  using namespace cvdguard::internal;
  (void)SniffNotContainer({data, std::min<std::size_t>(size, 512)}, size < 512);
  std::vector<std::uint8_t> header(512, ' ');
  std::memcpy(header.data(), data, std::min<std::size_t>(size, 512));
  const HeaderParse p = ParseHeader(header, cvdguard::Kind::kUnknown);
  bool clean = p.fields.present && p.fields.has_version && p.fields.has_sigs &&
               p.fields.has_flevel && p.fields.has_stime;
  for (const auto& f : p.findings) {
    CVDGUARD_FUZZ_ASSERT(f.code != cvdguard::Code::kInternalError, "internal error code");
    if (f.severity >= cvdguard::Severity::kError) clean = false;
  }
  if (clean) {
    std::string text = HeaderText(p.fields);
    CVDGUARD_FUZZ_ASSERT(text.size() <= 512, "re-rendered header too long");
    text.resize(512, ' ');
    const HeaderParse again =
        ParseHeader({reinterpret_cast<const std::uint8_t*>(text.data()), 512}, cvdguard::Kind::kUnknown);
    CVDGUARD_FUZZ_ASSERT(again.fields.version == p.fields.version &&
                             again.fields.sigs == p.fields.sigs &&
                             again.fields.stime == p.fields.stime &&
                             again.fields.builder == p.fields.builder &&
                             again.content_kind == p.content_kind,
                         "header does not round-trip");
  }
  cvdguard::HeaderFields line;
  std::string why;
  (void)ParseHeaderLine({reinterpret_cast<const char*>(data), size}, &line, &why);
  (void)ParseBuildTime({reinterpret_cast<const char*>(data), std::min<std::size_t>(size, 64)});
  return 0;
}
