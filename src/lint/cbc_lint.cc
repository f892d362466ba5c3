// .cbc bytecode: the header line (SIGNATURES.md 13), and the two counts it
// declares for the body: the type table (line 3) and the function headers.
// The rest of the body (APIs, globals, instructions, SIGNATURES.md 15b) is
// not linted.
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
// The type table (line 3 of a loaded bytecode) is 'T', the first type id as
// 2 nibbles (69; any other is refused), then one entry per type that is not
// built in: a kind nibble and its fields. Ids 65-68 are built in, so a header
// count of N leaves N - 5 entries, and a type id must be below N + 69
// (tested with three official bytecodes: their tables hold exactly N - 5
// entries; N + 1 is "Error reading type kind"). Kinds: 1 function (an element
// count of at least 1, then that many type ids), 2 and 3 structures (a count,
// then that many ids), 4 array (a length, then one id), 5 pointer (one id).
constexpr std::uint64_t kFirstTypeId = 69;
constexpr std::uint64_t kTypesNotInTable = 5;
constexpr unsigned kTypeKindFunction = 1;
constexpr unsigned kTypeKindArray = 4;
constexpr unsigned kTypeKindPointer = 5;
// How much of the type table line is kept for the check (the linter holds
// no line of 64 KiB or more).
constexpr std::size_t kKeptTypeLine = (std::size_t{1} << 16) - 1;
// Body lines: 1 header, 2 logical signature, 3 types, 4 APIs, 5 globals;
// function headers ('A') and their basic blocks follow, then 'S' source.
constexpr std::uint64_t kTypeLine = 3;
constexpr std::uint64_t kFirstFunctionLine = 6;

// Reads the encoded fields the way libclamav does: a field that fails
// leaves the position where it was (a string whose data fails, right after
// its length), so the engine's "optimistic" header parse, which reads every
// field and checks for an error only at the end, can be followed.
class HeaderReader {
 public:
  explicit HeaderReader(std::string_view s, std::size_t pos) : s_(s), pos_(pos) {}

  bool Number(std::uint64_t* out) {
    *out = 0;
    if (pos_ >= s_.size()) return Error("end of line while reading a number");
    const auto c = static_cast<unsigned char>(s_[pos_]);
    if (c < 0x60 || c > 0x60 + kMaxNibbles) return Error("invalid number length character");
    const unsigned n = c - 0x60u;
    if (s_.size() - pos_ - 1 < n) return Error("end of line while reading a number");
    ++pos_;
    if (Nibbles(n, out)) return true;
    --pos_;
    return false;
  }

  bool Nibbles(unsigned n, std::uint64_t* out) {
    *out = 0;
    if (s_.size() - pos_ < n) return Error("end of line while reading a number");
    std::uint64_t v = 0;
    for (unsigned k = 0; k < n; ++k) {
      const auto d = static_cast<unsigned char>(s_[pos_ + k]);
      if (d < 0x60 || d > 0x6f) return Error("invalid nibble character");
      v |= static_cast<std::uint64_t>(d - 0x60u) << (4 * k);
    }
    pos_ += n;
    *out = v;
    return true;
  }

  bool String() {
    if (pos_ >= s_.size() || s_[pos_] != '|') return Error("string field does not start with '|'");
    ++pos_;
    std::uint64_t len = 0;
    if (!Number(&len)) return false;
    if (len > (s_.size() - pos_) / 2) return Error("string longer than the line");
    unsigned last = 0;
    for (std::uint64_t k = 0; k < 2 * len; ++k) {
      const auto d = static_cast<unsigned char>(s_[pos_ + k]);
      if (d < 0x60 || d > 0x6f) return Error("invalid character in a string field");
      last = (k % 2 == 0) ? (d - 0x60u) : (last | (d - 0x60u));
    }
    pos_ += 2 * len;
    if (len > 0 && last != 0) return Error("string field is not NUL-terminated");
    return true;
  }

  bool Expect(char c) {
    if (pos_ >= s_.size() || s_[pos_] != c) return Error(std::string("expected '") + c + "'");
    ++pos_;
    return true;
  }

  std::size_t pos() const { return pos_; }
  const std::string& error() const { return error_; }

 private:
  bool Error(std::string why) {
    error_ = std::move(why) + " at column " + std::to_string(pos_);
    return false;
  }
  std::string_view s_;
  std::size_t pos_;
  std::string error_;
};

// One type-table entry at the reader's position (see kFirstTypeId); the
// reason the engine refuses it, if it does. Type ids must be below id_limit.
std::optional<std::string> ReadTypeEntry(HeaderReader& h, std::uint64_t id_limit) {
  auto type_id = [&]() -> std::optional<std::string> {
    std::uint64_t id = 0;
    if (!h.Number(&id)) return h.error();
    if (id >= id_limit) {
      return "type id " + std::to_string(id) + " is not below " + std::to_string(id_limit);
    }
    return std::nullopt;
  };
  std::uint64_t kind = 0;
  std::uint64_t count = 0;
  if (!h.Nibbles(1, &kind)) return h.error();
  if (kind == kTypeKindPointer) return type_id();
  if (kind < kTypeKindFunction || kind > kTypeKindArray) {
    return "invalid type kind " + std::to_string(kind);
  }
  if (!h.Number(&count)) return h.error();
  if (kind == kTypeKindArray) return type_id();  // `count` is the array's length
  if (kind == kTypeKindFunction && count == 0) return "a function type without a return type";
  for (std::uint64_t k = 0; k < count; ++k) {
    if (std::optional<std::string> why = type_id()) return why;
  }
  return std::nullopt;
}

class CbcChecker final : public LineChecker {
 public:
  explicit CbcChecker(Flevel fl) : fl_(fl) {}
  FormatTraits traits() const override {
    FormatTraits t;
    t.comments = false;
    t.header_only = true;
    t.kept_line = kKeptTypeLine;
    return t;
  }

  std::optional<Issue> CheckLaterLine(std::uint64_t line_no, std::string_view text,
                                      std::uint64_t length) override {
    if (std::optional<Issue> too_long = CheckLength(length)) return too_long;
    if (!loaded_) return std::nullopt;
    if (line_no == kTypeLine) {
      if (text.size() < length && text.size() >= kKeptTypeLine) {
        return Issue{Code::kLintNotLinted, Severity::kInfo,
                     "type table line longer than " + std::to_string(kKeptTypeLine) +
                         " characters: its type count was not checked"};
      }
      return CheckTypes(text);
    }
    // The engine reads function headers until a line starting with 'S'
    // (tested: without any 'S' line it reads to the end). Each function is
    // an 'A' line and its basic blocks ('B'), so a body the engine loads
    // has one 'A' line per declared function before the first 'S' line.
    // (Any other line where a function header belongs, a blank one too, is
    // refused by the engine; that is not checked here.)
    if (line_no >= kFirstFunctionLine && !source_seen_) {
      if (text.starts_with('S')) {
        source_seen_ = true;
      } else if (text.starts_with('A')) {
        ++function_headers_;
      }
    }
    return std::nullopt;
  }

  std::optional<Issue> CheckEnd() override {
    if (!loaded_ || function_headers_ == functions_) return std::nullopt;
    const bool more = function_headers_ > functions_;
    return Issue{
        Code::kLintCbcBody, Severity::kError,
        "the header declares " + std::to_string(functions_) + " function(s) but the body has " +
            std::to_string(function_headers_) + ": the engine refuses the file ('" +
            (more ? "Found more functions than declared" : "Loaded less functions than declared") +
            "')"};
  }

  void CheckLine(std::string_view line, LineResult& r) override {
    if (!line.starts_with("ClamBC")) {
      r.Fail(Code::kLintCbcMagic, "bytecode does not start with 'ClamBC'");
      return;
    }
    HeaderReader h(line, 6);
    std::uint64_t format = 0, magic = 0;
    std::uint32_t ts = 0, exclude = 0, kind = 0, min_fl = 0, max_fl = 0, res = 0, types = 0,
                  funcs = 0;
    if (!h.Number(&format)) return (void)r.Fail(Code::kLintCbcHeader, "bytecode header: " + h.error());
    if (format != 6 && format != 7) {
      r.Skip(Code::kLintCbcSkipped, "bytecode format level " + std::to_string(format) +
                                        " is not supported (6 or 7): the engine skips it");
      Skipped(line);
      return;
    }
    // Every field is read even after one fails (a failed field reads as 0
    // and leaves the position); the flevel range is applied with what was
    // read, and an error anywhere refuses the file only after that (tested:
    // a string without its '|' or NUL, or a maximum flevel that no longer
    // parses, still skips a bytecode whose minimum is above the engine's).
    // The engine keeps these fields as 32-bit unsigned values (tested with
    // 2^32 + n for the kind, the flevels and both counts).
    std::string first_error;
    auto field = [&](std::uint32_t* out) {
      std::uint64_t v = 0;
      if (!h.Number(&v) && first_error.empty()) first_error = h.error();
      *out = static_cast<std::uint32_t>(v);
    };
    auto string_field = [&]() {
      if (!h.String() && first_error.empty()) first_error = h.error();
    };
    field(&ts);
    string_field();
    field(&exclude);
    field(&kind);
    field(&min_fl);
    field(&max_fl);
    if (fl_.level &&
        ((min_fl != 0 && min_fl > *fl_.level) || (max_fl != 0 && max_fl < *fl_.level))) {
      r.FlevelSkip("bytecode flevel range " + std::to_string(min_fl) + "-" + std::to_string(max_fl) +
                   " excludes flevel " + std::to_string(*fl_.level));
      Skipped(line);
      return;
    }
    field(&res);
    string_field();
    field(&types);
    field(&funcs);
    if (!first_error.empty()) {
      return (void)r.Fail(Code::kLintCbcHeader, "bytecode header: " + first_error);
    }
    if (!h.Number(&magic)) {
      return (void)r.Fail(Code::kLintCbcHeader, "bytecode header: " + h.error());
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
      return;
    }
    loaded_ = true;
    types_ = types;
    functions_ = funcs;
  }

 private:
  std::optional<Issue> CheckLength(std::uint64_t length) const {
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

  // The type table against the header's type count (see kFirstTypeId).
  std::optional<Issue> CheckTypes(std::string_view text) const {
    auto refuse = [](std::string why) {
      return Issue{Code::kLintCbcBody, Severity::kError,
                   "bytecode type table: " + std::move(why) + ": the engine refuses the file"};
    };
    HeaderReader h(text, 0);
    std::uint64_t first = 0;
    if (!h.Expect('T')) return refuse("line 3 does not start with 'T'");
    if (!h.Nibbles(2, &first)) return refuse(h.error());
    if (first != kFirstTypeId) {
      return refuse("first type id " + std::to_string(first) + " is not " +
                    std::to_string(kFirstTypeId));
    }
    // A count of 0 makes the engine read entries until the line runs out
    // (tested: "Error reading type kind", and clamscan aborts).
    if (types_ == 0) return refuse("the header declares 0 types");
    const std::uint64_t entries = types_ > kTypesNotInTable ? types_ - kTypesNotInTable : 0;
    const std::uint64_t id_limit = types_ + kFirstTypeId;
    // Each entry takes at least two characters, so a count above what the
    // line can hold ends the loop at the line's end.
    for (std::uint64_t read = 0; read < entries; ++read) {
      if (h.pos() >= text.size()) {
        return refuse("the header declares " + std::to_string(types_) + " types (" +
                      std::to_string(entries) + " table entries) but line 3 ends after " +
                      std::to_string(read));
      }
      if (std::optional<std::string> why = ReadTypeEntry(h, id_limit)) {
        return refuse("entry " + std::to_string(read + 1) + ": " + *why);
      }
    }
    // The engine ignores what follows the declared entries (tested), but a
    // header that declares too few types leaves real entries there, and the
    // engine then refuses the file as soon as the body refers to one of them
    // (tested: one fewer type is refused in two of three official bytecodes,
    // and loads in the third). Extra data is refused whatever it is.
    if (h.pos() < text.size()) {
      return Issue{Code::kLintCbcBody, Severity::kError,
                   "bytecode type table: line 3 holds more than the " + std::to_string(entries) +
                       " entries the header's " + std::to_string(types_) +
                       " types leave: the engine reads only those, and refuses the file as soon as "
                       "the body refers to a type it did not read"};
    }
    return std::nullopt;
  }

  Flevel fl_;
  bool loaded_ = false;  // line 1 passed and the bytecode is not skipped
  std::uint32_t types_ = 0;
  std::uint32_t functions_ = 0;
  std::uint64_t function_headers_ = 0;
  bool source_seen_ = false;
  bool skipped_ = false;
  std::optional<std::uint64_t> max_body_line_;  // set once line 1 is read and not refused
};

}  // namespace

std::unique_ptr<LineChecker> MakeCbcChecker(Flevel fl) { return std::make_unique<CbcChecker>(fl); }

}  // namespace cvdguard::internal::lint
