// libclamav-faithful text helpers for the line checkers.
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "lint/lint_internal.h"

namespace cvdguard::internal::lint {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsCSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// The 86 CL_TYPE_* names of libclamav 1.4 filetypes.c (SIGNATURES.md 5.2),
// without the prefix.
constexpr std::array<std::string_view, 86> kClTypes = {
    "TEXT_ASCII", "TEXT_UTF8", "TEXT_UTF16LE", "TEXT_UTF16BE", "BINARY_DATA", "IGNORED", "ANY",
    "MSEXE", "ELF", "MACHO", "MACHO_UNIBIN", "POSIX_TAR", "OLD_TAR", "CPIO_OLD", "CPIO_ODC",
    "CPIO_NEWC", "CPIO_CRC", "GZ", "ZIP", "BZ", "RAR", "ARJ", "MSSZDD", "MSOLE2", "MSCAB", "MSCHM",
    "SIS", "SCRENC", "GRAPHICS", "GIF", "PNG", "JPEG", "TIFF", "RIFF", "BINHEX", "TNEF", "CRYPTFF",
    "PDF", "UUENCODED", "HTML_UTF16", "SCRIPT", "RTF", "HTML", "MAIL", "SFX", "ZIPSFX", "RARSFX",
    "CABSFX", "ARJSFX", "NULSFT", "AUTOIT", "ISHIELD_MSI", "7Z", "7ZSFX", "SWF", "ISO9660", "JAVA",
    "DMG", "MBR", "GPT", "APM", "XAR", "PART_ANY", "PART_HFSPLUS", "XZ", "OOXML_WORD", "OOXML_PPT",
    "OOXML_XL", "INTERNAL", "XDP", "XML_WORD", "XML_XL", "HWP3", "XML_HWP", "HWPOLE2", "OOXML_HWP",
    "PS", "MHTML", "LNK", "EGG", "EGGSFX", "UDF", "ALZ", "ONENOTE", "PYTHON_COMPILED", "LHA_LZH"};

}  // namespace

void LineResult::Fail(Code code, std::string message) {
  if (done()) return;
  failed_ = true;
  issues_.push_back({code, Severity::kError, std::move(message)});
}

void LineResult::Skip(Code code, std::string message, Severity severity) {
  if (done()) return;
  skipped_ = true;
  issues_.push_back({code, severity, std::move(message)});
}

void LineResult::Note(Code code, Severity severity, std::string message) {
  if (done()) return;
  issues_.push_back({code, severity, std::move(message)});
}

void LineResult::FlevelSkip(std::string message) {
  Skip(Code::kLintFlevelSkipped, std::move(message), Severity::kInfo);
}

Fields SplitFields(std::string_view s, char sep, std::size_t max_fields) {
  Fields out;
  if (max_fields == 0) return out;
  // One pass over the line: fields are short, and a search per field cost
  // more than the scan itself.
  std::size_t start = 0;
  auto cut = [&](std::size_t pos) {
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
    return out.size() == max_fields;  // the rest is dropped
  };
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i v = _mm_set1_epi8(sep);
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    for (auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, v))); mask != 0;
         mask &= mask - 1) {
      if (cut(i + static_cast<std::size_t>(__builtin_ctz(mask)))) return out;
    }
  }
#endif
  for (; i < s.size(); ++i) {
    if (s[i] == sep && cut(i)) return out;
  }
  out.push_back(s.substr(start));
  return out;
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

bool AllHex(std::string_view s) {
  // Branch-free over the whole field: hash fields are random hex, where a
  // digit/letter branch mispredicts about every other character.
  std::size_t i = 0;
#if defined(__SSE2__)
  // Sixteen characters at a time: hash fields are 32, 40 or 64 characters.
  // Signed compares: bytes from 0x80 up are negative and fail both ranges.
  const __m128i digit_lo = _mm_set1_epi8('0' - 1), digit_hi = _mm_set1_epi8('9' + 1);
  const __m128i letter_lo = _mm_set1_epi8('a' - 1), letter_hi = _mm_set1_epi8('f' + 1);
  const __m128i to_lower = _mm_set1_epi8(0x20);
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    const __m128i lower = _mm_or_si128(x, to_lower);
    const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, digit_lo), _mm_cmplt_epi8(x, digit_hi));
    const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lower, letter_lo), _mm_cmplt_epi8(lower, letter_hi));
    if (_mm_movemask_epi8(_mm_or_si128(digit, letter)) != 0xFFFF) return false;
  }
#endif
  // Eight characters at a time (SWAR).
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  // High bit of each byte set where lo <= byte <= hi (bytes below 0x80).
  auto in_range = [](std::uint64_t x, std::uint64_t lo, std::uint64_t hi) {
    return (x + (0x80 - lo) * kOnes) & ~(x + (0x7F - hi) * kOnes) & kHigh;
  };
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    if (x & kHigh) return false;
    const std::uint64_t hex = in_range(x, '0', '9') | in_range(x | (0x20 * kOnes), 'a', 'f');
    if (hex != kHigh) return false;
  }
  unsigned ok = 1;
  for (; i < s.size(); ++i) ok &= kHexDigitTable[static_cast<unsigned char>(s[i])];
  return ok != 0;
}

const char* FindAnyOf(const char* p, const char* end, char a, char b, char c) {
#if defined(__SSE2__)
  const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b), vc = _mm_set1_epi8(c);
  for (; end - p >= 16; p += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)),
                                     _mm_cmpeq_epi8(x, vc));
    const int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
  }
#endif
  for (; p < end; ++p) {
    if (*p == a || *p == b || *p == c) return p;
  }
  return end;
}

std::optional<std::string_view> StrtokField(std::string_view s, char sep, unsigned n) {
  std::size_t i = 0;
  for (unsigned seen = 0; i < s.size() && seen != n; ++i) {
    if (s[i] == sep) {
      ++seen;
      while (i + 1 < s.size() && s[i + 1] == sep) ++i;
    }
  }
  if (i >= s.size()) return std::nullopt;
  const std::size_t end = std::min(s.find(sep, i), s.size());
  if (end == i) return std::nullopt;
  return s.substr(i, end - i);
}

std::uint32_t AtoiAsUnsigned(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && IsCSpace(s[i])) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    negative = s[i] == '-';
    ++i;
  }
  // strtol saturates at LONG_MAX / LONG_MIN (64-bit on the target).
  constexpr std::uint64_t kLimit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::uint64_t magnitude = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    const auto d = static_cast<std::uint64_t>(s[i] - '0');
    if (magnitude > (kLimit + 1 - d) / 10) {
      magnitude = kLimit + 1;  // saturated; the sign decides below
    } else {
      magnitude = magnitude * 10 + d;
    }
  }
  std::uint64_t as_long;  // two's complement bits of the long value
  if (negative) {
    as_long = magnitude > kLimit ? (std::uint64_t{1} << 63) : (~magnitude + 1);  // LONG_MIN
  } else {
    as_long = magnitude > kLimit ? kLimit : magnitude;
  }
  return static_cast<std::uint32_t>(as_long & 0xffffffffu);  // (int) truncation
}

bool ScanUnsigned(std::string_view s, std::uint32_t* value, std::size_t* consumed) {
  std::size_t i = 0;
  while (i < s.size() && IsCSpace(s[i])) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    negative = s[i] == '-';
    ++i;
  }
  if (i >= s.size() || !IsDigit(s[i])) return false;
  std::uint64_t v = 0;
  bool overflow = false;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    if (v > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) {
      overflow = true;
    } else {
      v = v * 10 + static_cast<std::uint64_t>(s[i] - '0');
    }
  }
  // glibc converts with strtoul semantics and stores the low 32 bits.
  if (overflow) v = std::numeric_limits<std::uint64_t>::max();
  if (negative) v = ~v + 1;
  *value = static_cast<std::uint32_t>(v & 0xffffffffu);
  *consumed = i;
  return true;
}

bool StrtolWhole(std::string_view s, int base, std::uint64_t* magnitude, bool* negative) {
  // Fast path for the common field, plain decimal digits: up to 19 of them
  // cannot overflow 64 bits. Anything else takes the general path below.
  if (base == 10 && !s.empty() && s.size() <= 19) {
    std::uint64_t v = 0;
    std::size_t k = 0;
    for (; k < s.size() && IsDigit(s[k]); ++k) v = v * 10 + static_cast<std::uint64_t>(s[k] - '0');
    if (k == s.size()) {
      *negative = false;
      *magnitude = v;
      return true;
    }
  }
  std::size_t i = 0;
  while (i < s.size() && IsCSpace(s[i])) ++i;
  *negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    *negative = s[i] == '-';
    ++i;
  }
  int b = base;
  if ((b == 0 || b == 16) && i + 1 < s.size() && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
      i + 2 < s.size() && IsHexDigit(s[i + 2])) {
    i += 2;
    b = 16;
  } else if (b == 0) {
    b = (i < s.size() && s[i] == '0') ? 8 : 10;
  }
  const std::size_t first = i;
  std::uint64_t v = 0;
  for (; i < s.size(); ++i) {
    const int d = DigitValue(s[i]);
    if (d >= b) break;
    // Saturate at the maximum (no division per digit).
    std::uint64_t next = 0;
    if (__builtin_mul_overflow(v, static_cast<std::uint64_t>(b), &next) ||
        __builtin_add_overflow(next, static_cast<std::uint64_t>(d), &next)) {
      next = std::numeric_limits<std::uint64_t>::max();
    }
    v = next;
  }
  *magnitude = v;
  return i > first && i == s.size();
}

bool IsClTypeName(std::string_view s) {
  constexpr std::string_view kPrefix = "CL_TYPE_";
  if (s.substr(0, kPrefix.size()) != kPrefix) return false;
  const std::string_view rest = s.substr(kPrefix.size());
  for (std::string_view t : kClTypes) {
    if (t == rest) return true;
  }
  return false;
}

std::string Quote(std::string_view s, std::size_t max) {
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const char c = s[i];
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (s.size() > max) out += "...";
  out += "'";
  return out;
}

}  // namespace cvdguard::internal::lint
