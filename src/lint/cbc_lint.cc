// .cbc bytecode: the header line only (SIGNATURES.md 13). Later lines (the
// logical signature, types, functions) are not linted.
#include <algorithm>
#include <optional>
#include <string>

#include "lint/lint_internal.h"

namespace cvdguard::internal::lint {
namespace {

// The header magic number and the constant that follows it.
constexpr std::uint64_t kBcMagic = 0x53e5493e9f3d1c30ull;
constexpr std::uint64_t kBcMagicTail = 42;
// The bytecode kinds libclamav 1.4.6 handles: 1 (startup) and the hooks
// 256-262; any other kind is refused once the header is read (tested:
// "Bytecode: unhandled bytecode kind 0", also 2, 17, 255, 263, 300).
constexpr std::uint64_t kKindStartup = 1;
constexpr std::uint64_t kFirstHookKind = 256;
constexpr std::uint64_t kLastHookKind = 262;
// Numbers carry at most 16 nibbles (64 bits).
constexpr unsigned kMaxNibbles = 16;
// A skipped bytecode (format level or flevel range) is still read to its
// end, with a line buffer of max(4096, the number after the first ':' of
// line 1, read like atoi), 4096 without a ':', whatever the fields before
// it. A line that does not fit (buffer size - 1 characters, a CR counted)
// makes libclamav 1.4.6 log "cli_dbgets: Line too long for provided
// buffer", and it refuses the file once about 28 KB more follow the line
// (tested with format levels 1 and 8, minimum flevels above the engine's,
// shifted fields, "ClamBCaah:5000", ":50:5000", ":5000:50", ":554x").
constexpr std::uint64_t kSkippedBodyBuffer = 4096;

class HeaderReader {
 public:
  explicit HeaderReader(std::string_view s, std::size_t pos) : s_(s), pos_(pos) {}

  bool Number(std::uint64_t* out) {
    if (pos_ >= s_.size()) return Error("end of line while reading a number");
    const auto c = static_cast<unsigned char>(s_[pos_]);
    if (c < 0x60 || c > 0x60 + kMaxNibbles) return Error("invalid number length character");
    const unsigned n = c - 0x60u;
    ++pos_;
    return Nibbles(n, out);
  }

  bool Nibbles(unsigned n, std::uint64_t* out) {
    std::uint64_t v = 0;
    for (unsigned k = 0; k < n; ++k) {
      if (pos_ >= s_.size()) return Error("end of line while reading a number");
      const auto d = static_cast<unsigned char>(s_[pos_]);
      if (d < 0x60 || d > 0x6f) return Error("invalid nibble character");
      v |= static_cast<std::uint64_t>(d - 0x60u) << (4 * k);
      ++pos_;
    }
    *out = v;
    return true;
  }

  bool String() {
    nul_missing_ = false;
    if (pos_ >= s_.size() || s_[pos_] != '|') return Error("string field does not start with '|'");
    ++pos_;
    std::uint64_t len = 0;
    if (!Number(&len)) return false;
    if (len > (s_.size() - pos_) / 2) return Error("string longer than the line");
    unsigned last = 0;
    for (std::uint64_t k = 0; k < 2 * len; ++k) {
      const auto d = static_cast<unsigned char>(s_[pos_]);
      if (d < 0x60 || d > 0x6f) return Error("invalid character in a string field");
      last = (k % 2 == 0) ? (d - 0x60u) : (last | (d - 0x60u));
      ++pos_;
    }
    if (len > 0 && last != 0) {
      nul_missing_ = true;
      return Error("string field is not NUL-terminated");
    }
    return true;
  }

  bool Expect(char c) {
    if (pos_ >= s_.size() || s_[pos_] != c) return Error(std::string("expected '") + c + "'");
    ++pos_;
    return true;
  }

  std::size_t pos() const { return pos_; }
  bool nul_missing() const { return nul_missing_; }
  const std::string& error() const { return error_; }

 private:
  bool Error(std::string why) {
    error_ = std::move(why) + " at column " + std::to_string(pos_);
    return false;
  }
  std::string_view s_;
  std::size_t pos_;
  std::string error_;
  bool nul_missing_ = false;
};

class CbcChecker final : public LineChecker {
 public:
  explicit CbcChecker(Flevel fl) : fl_(fl) {}
  FormatTraits traits() const override {
    FormatTraits t;
    t.comments = false;
    t.header_only = true;
    return t;
  }

  std::optional<Issue> CheckLaterLine(std::uint64_t length) override {
    if (!max_body_line_ || length <= *max_body_line_) return std::nullopt;
    if (skipped_) {
      return Issue{Code::kLintLineTooLong, Severity::kError,
                   "bytecode line of " + std::to_string(length) +
                       " characters: the engine skips this bytecode but still reads its lines, " +
                       std::to_string(*max_body_line_) +
                       " characters at most, and refuses the file when more "
                       "follows the line"};
    }
    return Issue{Code::kLintLineTooLong, Severity::kError,
                 "bytecode line of " + std::to_string(length) +
                     " characters exceeds the header's limit of " +
                     std::to_string(*max_body_line_) + " (declared line length minus 1)"};
  }

  void CheckLine(std::string_view line, LineResult& r) override {
    if (!line.starts_with("ClamBC")) {
      r.Fail(Code::kLintCbcMagic, "bytecode does not start with 'ClamBC'");
      return;
    }
    HeaderReader h(line, 6);
    std::uint64_t format = 0, ts = 0, exclude = 0, kind = 0, min_fl = 0, max_fl = 0, res = 0;
    std::uint64_t types = 0, funcs = 0, magic = 0;
    if (!h.Number(&format)) return (void)r.Fail(Code::kLintCbcHeader, "bytecode header: " + h.error());
    if (format != 6 && format != 7) {
      r.Skip(Code::kLintCbcSkipped, "bytecode format level " + std::to_string(format) +
                                        " is not supported (6 or 7): the engine skips it");
      Skipped(line);
      return;
    }
    // A string without its NUL terminator is reported by the engine but the
    // header is read on; an flevel range read afterwards still skips the
    // file (tested with shifted fields). Any other error stops the header.
    std::string deferred;
    auto string_field = [&]() {
      if (h.String()) return true;
      if (!h.nul_missing()) return false;
      if (deferred.empty()) deferred = h.error();
      return true;
    };
    const bool have_fl = h.Number(&ts) && string_field() && h.Number(&exclude) && h.Number(&kind) &&
                         h.Number(&min_fl) && h.Number(&max_fl);
    const bool ok = have_fl && h.Number(&res) && string_field() && h.Number(&types) && h.Number(&funcs) &&
                    h.Number(&magic);
    if (have_fl && fl_.level &&
        ((min_fl != 0 && min_fl > *fl_.level) || (max_fl != 0 && max_fl < *fl_.level))) {
      r.FlevelSkip("bytecode flevel range " + std::to_string(min_fl) + "-" + std::to_string(max_fl) +
                   " excludes flevel " + std::to_string(*fl_.level));
      Skipped(line);
      return;
    }
    if (!ok) return (void)r.Fail(Code::kLintCbcHeader, "bytecode header: " + h.error());
    if (!deferred.empty()) {
      return (void)r.Fail(Code::kLintCbcHeader, "bytecode header: " + deferred);
    }
    std::uint64_t declared = 0;
    std::string why;
    if (!ReadLineLength(line, magic, h, &declared, &why)) {
      return (void)r.Fail(Code::kLintCbcHeader, "bytecode header: " + why);
    }
    if (declared == 0) {
      return (void)r.Fail(
          Code::kLintCbcHeader,
          "bytecode header: the declared line length is 0 (modulo 2^32): no line can be read");
    }
    // The body is read with a buffer of the declared size: a line of up to
    // that size minus one character (tested: 16,107 with 16108, not 16107).
    max_body_line_ = declared - 1;
    if (kind != kKindStartup && (kind < kFirstHookKind || kind > kLastHookKind)) {
      r.Fail(Code::kLintCbcHeader,
             "bytecode kind " + std::to_string(kind) +
                 " is not one the engine handles (1 or 256-262): it refuses the file");
    }
  }

 private:
  // The header's tail after the counts: the magic numbers, ':' and the
  // declared line length.
  static bool ReadLineLength(std::string_view line, std::uint64_t magic, HeaderReader& h,
                             std::uint64_t* declared, std::string* why) {
    std::uint64_t tail = 0;
    if (magic != kBcMagic || !h.Nibbles(2, &tail) || tail != kBcMagicTail) {
      *why = "magic numbers do not match";
      return false;
    }
    if (!h.Expect(':')) {
      *why = h.error();
      return false;
    }
    // Read like strtol (leading blanks and a sign allowed, nothing after the
    // digits) and kept as a 32-bit unsigned: ":-554" is 4294966742 and
    // ":4294967396" is 100 (tested).
    const std::string_view rest = line.substr(h.pos());
    std::uint64_t magnitude = 0;
    bool neg = false;
    if (!StrtolWhole(rest, 10, &magnitude, &neg)) {
      *why = "':' must be followed by the line length only";
      return false;
    }
    *declared = AtoiAsUnsigned(rest);
    return true;
  }

  // A skipped bytecode's lines are read with the buffer described at
  // kSkippedBodyBuffer, sized from line 1.
  void Skipped(std::string_view line) {
    skipped_ = true;
    const std::size_t colon = line.find(':');
    const std::uint64_t declared =
        colon == std::string_view::npos ? 0 : AtoiAsUnsigned(line.substr(colon + 1));
    max_body_line_ = std::max(kSkippedBodyBuffer, declared) - 1;
  }

  Flevel fl_;
  bool skipped_ = false;
  std::optional<std::uint64_t> max_body_line_;  // set once line 1 is read and not refused
};

}  // namespace

std::unique_ptr<LineChecker> MakeCbcChecker(Flevel fl) { return std::make_unique<CbcChecker>(fl); }

}  // namespace cvdguard::internal::lint
