#include "header/header.h"

#include <array>
#include <charconv>
#include <cstdio>

#include "cvdguard/civil_time.h"

namespace cvdguard::internal {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

bool IsDsigAlphabet(std::string_view s) {
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) ||
                    c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

// Days since 1970-01-01 for a proleptic Gregorian date.
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? static_cast<unsigned>(-3) : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void CivilFromDays(std::int64_t z, std::int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<std::int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool ParseFixedDigits(std::string_view s, unsigned* out) {
  if (!AllDigits(s)) return false;
  unsigned v = 0;
  for (char c : s) v = v * 10 + static_cast<unsigned>(c - '0');
  *out = v;
  return true;
}

// Strict u32: digits only. Reports sign/leading-zero forms separately.
enum class NumberStatus { kOk, kBad, kNonCanonical };
NumberStatus ParseU32(std::string_view s, std::uint32_t* out) {
  if (s.empty()) return NumberStatus::kBad;
  std::string_view digits = s;
  bool noncanonical = false;
  if (digits.front() == '+') {
    digits.remove_prefix(1);
    noncanonical = true;
  }
  if (!AllDigits(digits)) return NumberStatus::kBad;
  if (digits.size() > 1 && digits.front() == '0') noncanonical = true;
  std::uint32_t v = 0;
  const auto res = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (res.ec != std::errc() || res.ptr != digits.data() + digits.size()) return NumberStatus::kBad;
  *out = v;
  return noncanonical ? NumberStatus::kNonCanonical : NumberStatus::kOk;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

bool StartsWithCI(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != prefix[i]) return false;
  }
  return true;
}

bool LooksLikeTarHeader(std::span<const std::uint8_t> head) {
  if (head.size() < 512) return false;
  if (std::string_view(reinterpret_cast<const char*>(head.data()) + 257, 5) == "ustar") return true;
  // A plain tar header: a valid checksum.
  unsigned long sum = 0;
  for (std::size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? 0x20u : head[i];
  unsigned long stored = 0;
  bool digits = false;
  for (std::size_t i = 148; i < 156; ++i) {
    const char c = static_cast<char>(head[i]);
    if (c >= '0' && c <= '7') {
      stored = stored * 8 + static_cast<unsigned long>(c - '0');
      digits = true;
    } else if (c == 0 || c == ' ') {
      if (digits) break;
    } else {
      return false;
    }
  }
  return digits && stored == sum && head[0] != 0;
}

}  // namespace

std::optional<SniffResult> SniffNotContainer(std::span<const std::uint8_t> head, bool complete) {
  if (head.empty() && complete) {
    return SniffResult{Code::kFileEmpty,
                       "the file is empty (0 bytes): an interrupted download or a failed mirror "
                       "response; fetch it again"};
  }
  const std::string_view text(reinterpret_cast<const char*>(head.data()), head.size());
  if (text.starts_with(kHeaderMagic.substr(0, std::min(text.size(), kHeaderMagic.size())))) {
    return std::nullopt;  // a container header (or a prefix of one)
  }
  // Near-misses of the magic are a corrupt header, not another format.
  if (text.size() >= kHeaderMagic.size()) {
    int same = 0;
    for (std::size_t i = 0; i < kHeaderMagic.size(); ++i) same += text[i] == kHeaderMagic[i];
    if (same >= 8) return std::nullopt;
  }
  if (text.starts_with("ClamAV-Diff:")) {
    return SniffResult{Code::kNotContainerCdiff,
                       "this is a .cdiff patch, not a .cvd/.cld/.cud container: check it as a "
                       "patch (`cvdguard verify X.cdiff`, VerifyCdiffPath, "
                       "cvdguard_verify_cdiff_path)"};
  }
  if (text.starts_with("#clamsign")) {
    return SniffResult{Code::kNotContainerSignFile,
                       "this is a detached .sign signature file, not a database container"};
  }
  if (head.size() >= 2 && head[0] == 0x1F && head[1] == 0x8B) {
    return SniffResult{Code::kNotContainerBareGzip,
                       "not a ClamAV database: a gzip stream with no 512-byte ClamAV-VDB header "
                       "(a bare .tar.gz?)"};
  }
  // Skip a UTF-8 BOM and leading white space for the text formats.
  std::string_view t = text;
  if (t.starts_with("\xEF\xBB\xBF")) t.remove_prefix(3);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t' || t.front() == '\r' ||
                        t.front() == '\n')) {
    t.remove_prefix(1);
  }
  if (!t.empty() && t.front() == '<') {
    const bool html = StartsWithCI(t, "<!doctype html") || StartsWithCI(t, "<html") ||
                      StartsWithCI(t, "<head") || StartsWithCI(t, "<body");
    return SniffResult{Code::kNotContainerHtml,
                       html ? "not a ClamAV database: looks like an HTML page (the mirror or a "
                              "proxy returned an error page instead of the file)"
                            : "not a ClamAV database: looks like an XML/HTML document (the mirror "
                              "or a proxy returned an error page instead of the file)"};
  }
  if (!t.empty() && (t.front() == '{' || t.front() == '[')) {
    return SniffResult{Code::kNotContainerJson,
                       "not a ClamAV database: looks like a JSON document (an API error "
                       "response saved under a database name)"};
  }
  if (LooksLikeTarHeader(head)) {
    return SniffResult{Code::kNotContainerTar,
                       "not a ClamAV database: a bare tar archive with no 512-byte ClamAV-VDB "
                       "header"};
  }
  if (!complete && head.size() < kHeaderMagic.size()) return std::nullopt;
  return SniffResult{Code::kNotContainer,
                     "not a ClamAV database container: it does not start with ClamAV-VDB:"};
}

std::optional<std::int64_t> ParseBuildTime(std::string_view text) {
  // "DD Mon YYYY HH-MM +ZZZZ": 23 characters exactly.
  if (text.size() != 23) return std::nullopt;
  if (text[2] != ' ' || text[6] != ' ' || text[11] != ' ' || text[14] != '-' ||
      text[17] != ' ' || (text[18] != '+' && text[18] != '-')) {
    return std::nullopt;
  }
  unsigned day = 0, year = 0, hour = 0, minute = 0, oh = 0, om = 0;
  if (!ParseFixedDigits(text.substr(0, 2), &day) || !ParseFixedDigits(text.substr(7, 4), &year) ||
      !ParseFixedDigits(text.substr(12, 2), &hour) ||
      !ParseFixedDigits(text.substr(15, 2), &minute) ||
      !ParseFixedDigits(text.substr(19, 2), &oh) || !ParseFixedDigits(text.substr(21, 2), &om)) {
    return std::nullopt;
  }
  unsigned month = 0;
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (text.substr(3, 3) == kMonths[i]) month = i + 1;
  }
  std::int64_t local = 0;
  if (oh > 14 || om > 59 || !UnixTimeFromUtc(year, month, day, hour, minute, 0, &local))
    return std::nullopt;
  const std::int64_t offset = (static_cast<std::int64_t>(oh) * 60 + om) * 60;
  return text[18] == '+' ? local - offset : local + offset;
}

std::string FormatBuildTime(std::int64_t stime, int utc_offset_minutes) {
  const std::int64_t local = stime + static_cast<std::int64_t>(utc_offset_minutes) * 60;
  std::int64_t days = local / 86400;
  std::int64_t secs = local % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  const int off = utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%02u %s %04lld %02lld-%02lld %c%02d%02d", d,
                std::string(kMonths[m - 1]).c_str(), static_cast<long long>(y),
                static_cast<long long>(secs / 3600), static_cast<long long>((secs / 60) % 60),
                utc_offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
  return buf;
}

std::string HeaderText(const HeaderFields& h) {
  return "ClamAV-VDB:" + h.build_time + ":" + std::to_string(h.version) + ":" +
         std::to_string(h.sigs) + ":" + std::to_string(h.flevel) + ":" + h.md5 + ":" + h.dsig +
         ":" + h.builder + ":" + std::to_string(h.stime);
}

namespace {

// Fills the numeric fields; appends findings for each bad one.
void ParseNumbers(const std::vector<std::string_view>& f, HeaderFields* h,
                  const std::vector<std::uint64_t>& offsets, std::vector<Finding>* findings) {
  struct Slot {
    std::size_t index;
    const char* name;
    std::uint32_t* value;
    bool* has;
  };
  std::uint32_t stime32 = 0;
  const Slot slots[] = {{2, "version", &h->version, &h->has_version},
                        {3, "sigs", &h->sigs, &h->has_sigs},
                        {4, "flevel", &h->flevel, &h->has_flevel},
                        {8, "stime", &stime32, &h->has_stime}};
  for (const auto& slot : slots) {
    const std::string_view text = f[slot.index];
    if (text.empty()) continue;  // reported as an empty field
    Finding fd;
    fd.offset = offsets[slot.index];
    switch (ParseU32(text, slot.value)) {
      case NumberStatus::kOk:
        *slot.has = true;
        continue;
      case NumberStatus::kNonCanonical:
        *slot.has = true;
        fd.code = Code::kHeaderNonCanonicalNumber;
        fd.message = std::string(slot.name) + " field '" + std::string(text) +
                     "' has a sign or leading zeros; sigtool writes plain decimal";
        break;
      case NumberStatus::kBad:
        fd.code = Code::kHeaderBadNumber;
        fd.message = std::string(slot.name) + " field '" + std::string(text.substr(0, 40)) +
                     "' is not a decimal number that fits in 32 bits";
        break;
    }
    fd.severity = DefaultSeverity(fd.code);
    findings->push_back(std::move(fd));
  }
  h->stime = stime32;
}

}  // namespace

HeaderParse ParseHeader(std::span<const std::uint8_t> header512, Kind kind_hint) {
  HeaderParse out;
  auto add = [&out](Code code, std::uint64_t offset, std::string message) {
    Finding f;
    f.code = code;
    f.severity = DefaultSeverity(code);
    f.offset = offset;
    f.message = std::move(message);
    if (f.severity == Severity::kFatal) out.fatal = true;
    out.findings.push_back(std::move(f));
  };
  const std::string_view all(reinterpret_cast<const char*>(header512.data()), header512.size());
  if (!all.starts_with(kHeaderMagic)) {
    add(Code::kHeaderBadMagic, 0,
        "header starts with '" + std::string(all.substr(0, 11)) + "', not 'ClamAV-VDB:'");
    return out;
  }
  // The text ends where the trailing run of padding starts: the last byte
  // that is printable and not a space.
  std::size_t text_end = all.size();
  while (text_end > 0) {
    const auto c = static_cast<unsigned char>(all[text_end - 1]);
    if (c > 0x20 && c < 0x7F) break;
    --text_end;
  }
  const std::string_view text = all.substr(0, text_end);
  // H3 inside the text; H4 in the padding (root cause only: one finding each).
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c > 0x7E) {
      add(Code::kHeaderNotPrintable, i,
          "header byte 0x" + std::string(1, "0123456789abcdef"[c >> 4]) +
              std::string(1, "0123456789abcdef"[c & 15]) + " at offset " + std::to_string(i) +
              " is not printable ASCII");
      break;
    }
  }
  for (std::size_t i = text_end; i < all.size(); ++i) {
    if (all[i] != ' ') {
      const auto c = static_cast<unsigned char>(all[i]);
      add(Code::kHeaderBadPadding, i,
          "header padding byte at offset " + std::to_string(i) + " is 0x" +
              std::string(1, "0123456789abcdef"[c >> 4]) +
              std::string(1, "0123456789abcdef"[c & 15]) +
              ", not a space (ClamAV 1.5+ rejects NUL padding)");
      break;
    }
  }
  const std::vector<std::string_view> f = Split(text, ':');
  if (f.size() != 9) {
    add(Code::kHeaderFieldCount, 0,
        "header has " + std::to_string(f.size()) + " colon-separated fields, not 9");
    return out;
  }
  std::vector<std::uint64_t> offsets(9, 0);
  for (std::size_t i = 1; i < 9; ++i) offsets[i] = offsets[i - 1] + f[i - 1].size() + 1;

  HeaderFields& h = out.fields;
  h.present = true;
  h.build_time = std::string(f[1]);
  h.md5 = std::string(f[5]);
  h.dsig = std::string(f[6]);
  h.builder = std::string(f[7]);
  static constexpr const char* kNames[] = {"magic", "build time", "version", "sigs", "flevel",
                                           "md5", "dsig", "builder", "stime"};
  for (std::size_t i = 1; i < 9; ++i) {
    if (f[i].empty()) {
      add(Code::kHeaderEmptyField, offsets[i],
          std::string("header field ") + std::to_string(i) + " (" + kNames[i] + ") is empty");
    }
  }
  ParseNumbers(f, &h, offsets, &out.findings);
  for (const auto& fd : out.findings) {
    if (fd.severity == Severity::kFatal) out.fatal = true;
  }

  // H7: the build time's shape, and its agreement with stime.
  if (!f[1].empty()) {
    const auto bt = ParseBuildTime(f[1]);
    if (!bt) {
      add(Code::kHeaderBadBuildTime, offsets[1],
          "build time '" + std::string(f[1]) + "' is not 'DD Mon YYYY HH-MM +ZZZZ'");
    } else if (h.has_stime) {
      const std::int64_t diff = static_cast<std::int64_t>(h.stime) - *bt;
      if (diff < 0 || diff >= 60) {
        add(Code::kHeaderBuildTimeMismatch, offsets[1],
            "build time '" + std::string(f[1]) + "' is not stime " + std::to_string(h.stime) +
                " truncated to the minute (off by " + std::to_string(diff) + " s)");
      }
    }
  }

  // Kind from the md5/dsig fields (FORMAT.md 1.5).
  const bool md5_x = f[5] == "X";
  const bool dsig_x = f[6] == "X";
  if (dsig_x && md5_x) {
    out.content_kind = Kind::kCld;
  } else if (dsig_x) {
    out.content_kind = Kind::kCud;
  } else if (!md5_x && !f[6].empty()) {
    out.content_kind = Kind::kCvd;
  } else if (!f[6].empty() || !f[5].empty()) {
    add(Code::kKindAmbiguous, offsets[5],
        "md5 field '" + std::string(f[5].substr(0, 40)) + "' with dsig field '" +
            std::string(f[6].substr(0, 20)) + "' fits no container kind");
  }
  const Kind kind = out.content_kind != Kind::kUnknown ? out.content_kind : kind_hint;

  // H8 / H9 by kind.
  if (!f[5].empty()) {
    if (kind == Kind::kCld) {
      if (!md5_x) {
        add(Code::kHeaderBadMd5Field, offsets[5], "a .cld header has md5 'X', not '" +
                                                      std::string(f[5].substr(0, 40)) + "'");
      }
    } else if (kind == Kind::kCvd || kind == Kind::kCud) {
      if (f[5].size() != 32 || !IsLowerHex(f[5])) {
        add(Code::kHeaderBadMd5Field, offsets[5],
            "md5 field '" + std::string(f[5].substr(0, 40)) +
                "' is not 32 lowercase hex digits");
      }
    }
  }
  if (!f[6].empty()) {
    if (kind == Kind::kCvd) {
      if (!IsDsigAlphabet(f[6])) {
        add(Code::kHeaderBadDsigField, offsets[6],
            "dsig field has characters outside ClamAV's base-64 alphabet");
      }
    } else if (kind == Kind::kCld || kind == Kind::kCud) {
      if (!dsig_x) {
        add(Code::kHeaderBadDsigField, offsets[6],
            std::string("a .") + std::string(KindName(kind)) + " header has dsig 'X'");
      }
    }
  }
  return out;
}

bool ParseHeaderLine(std::string_view line, HeaderFields* out, std::string* why) {
  if (!line.starts_with(kHeaderMagic)) {
    *why = "does not start with ClamAV-VDB:";
    return false;
  }
  const auto f = Split(line, ':');
  if (f.size() != 9) {
    *why = "has " + std::to_string(f.size()) + " colon-separated fields, not 9";
    return false;
  }
  HeaderFields h;
  h.present = true;
  h.build_time = std::string(f[1]);
  h.md5 = std::string(f[5]);
  h.dsig = std::string(f[6]);
  h.builder = std::string(f[7]);
  std::uint32_t stime32 = 0;
  struct Slot {
    std::size_t i;
    std::uint32_t* v;
    bool* has;
    const char* name;
  };
  const Slot slots[] = {{2, &h.version, &h.has_version, "version"},
                        {3, &h.sigs, &h.has_sigs, "sigs"},
                        {4, &h.flevel, &h.has_flevel, "flevel"},
                        {8, &stime32, &h.has_stime, "stime"}};
  for (const auto& s : slots) {
    if (ParseU32(f[s.i], s.v) != NumberStatus::kOk) {
      *why = std::string(s.name) + " field '" + std::string(f[s.i].substr(0, 40)) +
             "' is not a plain decimal 32-bit number";
      return false;
    }
    *s.has = true;
  }
  h.stime = stime32;
  for (std::size_t i = 1; i < 9; ++i) {
    if (f[i].empty()) {
      *why = "field " + std::to_string(i) + " is empty";
      return false;
    }
  }
  *out = std::move(h);
  return true;
}

}  // namespace cvdguard::internal

namespace cvdguard {

bool UnixTimeFromUtc(std::int64_t year, unsigned month, unsigned day, unsigned hour,
                     unsigned minute, unsigned second, std::int64_t* out) {
  static constexpr unsigned kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1] ||
      (month == 2 && day == 29 && !leap) || hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  *out = internal::DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return true;
}

}  // namespace cvdguard
