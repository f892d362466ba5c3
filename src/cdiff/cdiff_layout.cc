// The .cdiff file layout (FORMAT.md 5.1, checklist D1, D3, D4):
//   "ClamAV-Diff:" <version> ":" <script-length> ":" gzip(script) ":" <dsig>
#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>

#include "archive/inflater.h"
#include "archive/sink.h"
#include "cdiff/cdiff_internal.h"
#include "manifest/names.h"

namespace cvdguard::internal {
namespace {

// u32 has at most 10 decimal digits.
constexpr std::size_t kMaxHeaderNumberDigits = 10;

std::string CdiffPrintableImpl(std::string_view s, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

std::string Printable(std::string_view s, std::size_t max = 40) { return CdiffPrintable(s, max); }

void Add(CdiffLayout* l, Code code, std::uint64_t offset, std::string message) {
  Finding f = MakeFinding(code, std::move(message));
  f.offset = offset;
  if (f.severity == Severity::kFatal) l->fatal = true;
  l->findings.push_back(std::move(f));
}

// Reads "<digits>:" at `pos`; sets *value and moves *pos past the ':'.
// Returns false if there is no such field. *leading_zero is set for "0N...".
bool ReadHeaderNumber(std::string_view text, std::size_t* pos, std::uint32_t* value,
                      bool* leading_zero) {
  std::size_t i = *pos;
  while (i < text.size() && i - *pos <= kMaxHeaderNumberDigits && text[i] >= '0' &&
         text[i] <= '9') {
    ++i;
  }
  const std::size_t digits = i - *pos;
  if (digits == 0 || digits > kMaxHeaderNumberDigits || i >= text.size() || text[i] != ':') {
    return false;
  }
  if (!ParseDecimal32(text.substr(*pos, digits), value)) return false;
  *leading_zero = digits > 1 && text[*pos] == '0';
  *pos = i + 1;
  return true;
}

}  // namespace

bool ParseDecimal32(std::string_view text, std::uint32_t* out) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  const auto r = std::from_chars(text.data(), text.data() + text.size(), *out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

bool ParseDecimal64(std::string_view text, std::uint64_t* out) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  const auto r = std::from_chars(text.data(), text.data() + text.size(), *out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

bool ParseCdiffFileName(std::string_view path, std::string* db, std::uint32_t* version) {
  const auto slash = path.rfind('/');
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  constexpr std::string_view kExt = ".cdiff";
  if (path.size() <= kExt.size() || !EndsWithCI(path, kExt)) return false;
  const std::string_view stem = path.substr(0, path.size() - kExt.size());
  const auto dash = stem.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return false;
  if (!ParseDecimal32(stem.substr(dash + 1), version)) return false;
  *db = std::string(stem.substr(0, dash));
  return true;
}

CdiffLayout ParseCdiffLayout(std::span<const std::uint8_t> bytes, const CdiffLimits& limits,
                             InflateBackend backend) {
  CdiffLayout l;
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.empty()) {
    Add(&l, Code::kCdiffEmpty, 0,
        "the .cdiff is empty (0 bytes): mirrors serve an empty patch when they have none; "
        "fetch the whole .cvd instead. Not a sign of tampering");
    l.fatal = true;
    return l;
  }
  if (text.size() > limits.max_file_bytes) {
    Add(&l, Code::kCdiffTooLarge, 0,
        "the .cdiff is " + std::to_string(text.size()) + " bytes, above the limit of " +
            std::to_string(limits.max_file_bytes));
    return l;
  }
  // D1: magic and the two numbers.
  if (!text.starts_with(kCdiffMagic)) {
    std::string what = "the file starts with '" + Printable(text.substr(0, 16)) + "'";
    if (text.starts_with("ClamAV-VDB:")) what += ": a database container, not a patch";
    if (text.starts_with("#clamsign")) what += ": a detached .sign file, not a patch";
    if (text.starts_with("<")) what += ": an HTML/XML page, not a patch";
    Add(&l, Code::kCdiffBadMagic, 0, "not a .cdiff: " + what + " (D1)");
    return l;
  }
  std::size_t pos = kCdiffMagic.size();
  bool version_zero = false, length_zero = false;
  std::uint32_t length32 = 0;
  if (!ReadHeaderNumber(text, &pos, &l.version, &version_zero)) {
    Add(&l, Code::kCdiffBadHeader, pos,
        "the version field after 'ClamAV-Diff:' is not 1-10 decimal digits fitting 32 bits and "
        "followed by ':' (D1)");
    return l;
  }
  const std::size_t length_at = pos;
  if (!ReadHeaderNumber(text, &pos, &length32, &length_zero)) {
    Add(&l, Code::kCdiffBadHeader, pos,
        "the script length field is not 1-10 decimal digits fitting 32 bits and followed by "
        "':' (D1)");
    return l;
  }
  l.declared_length = length32;
  l.header_ok = true;
  l.header_end = pos;
  if (version_zero) {
    Add(&l, Code::kCdiffHeaderNonCanonical, kCdiffMagic.size(),
        "the version field has a leading zero (D1)");
  }
  if (length_zero) {
    Add(&l, Code::kCdiffHeaderNonCanonical, length_at,
        "the script length field has a leading zero (D1)");
  }

  // D4: the trailer is everything after the last ':' of the file, which must
  // lie in the last 350 bytes (ClamAV's rule) and after the header.
  const std::size_t window_start =
      text.size() > kCdiffTrailerWindow ? text.size() - kCdiffTrailerWindow : 0;
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon < window_start || colon < l.header_end) {
    Add(&l, Code::kCdiffNoTrailer, text.size(),
        "no ':' followed by a dsig in the last " + std::to_string(kCdiffTrailerWindow) +
            " bytes after the header: the trailer is missing or the file is truncated (D4)");
    return l;
  }
  l.trailer_found = true;
  l.trailer_colon = colon;
  l.dsig = std::string(text.substr(colon + 1));
  std::size_t end = l.dsig.size();
  while (end > 0 && (l.dsig[end - 1] == '\n' || l.dsig[end - 1] == '\r' ||
                     l.dsig[end - 1] == ' ' || l.dsig[end - 1] == '\t')) {
    --end;
  }
  l.dsig_length = end;
  if (end != l.dsig.size()) {
    Add(&l, Code::kCdiffTrailerWhitespace, colon + 1 + end,
        std::to_string(l.dsig.size() - end) +
            " whitespace byte(s) (e.g. an appended LF) follow the trailer dsig; the dsig must "
            "run to EOF (D4)");
  }

  // D4/D5: one gzip member exactly filling [header_end, colon).
  const auto region = bytes.subspan(l.header_end, colon - l.header_end);
  l.gzip_bytes = region.size();
  GzipInflater inflater(
      l.header_end, limits.max_script_bytes, Code::kCdiffScriptTooLarge,
      "the decompressed script exceeds the limit of " + std::to_string(limits.max_script_bytes) +
          " bytes",
      [&l](std::span<const std::uint8_t> out) {
        l.script.append(reinterpret_cast<const char*>(out.data()), out.size());
      },
      [&l](Finding f) {
        if (f.severity == Severity::kFatal) l.fatal = true;
        l.findings.push_back(std::move(f));
      },
      backend);
  inflater.Update(region);
  inflater.Finish();
  l.script_complete = inflater.ended() && !inflater.failed();
  if (l.script_complete && l.script.size() != l.declared_length) {
    Add(&l, Code::kCdiffLengthMismatch, length_at,
        "the header says the script has " + std::to_string(l.declared_length) +
            " bytes; it decompresses to " + std::to_string(l.script.size()) + " (D3)");
  }
  return l;
}

std::string CdiffPrintable(std::string_view s, std::size_t max) {
  return CdiffPrintableImpl(s, max);
}

}  // namespace cvdguard::internal
