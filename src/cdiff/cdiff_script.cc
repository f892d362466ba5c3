// The .cdiff script language (FORMAT.md 5.2), parsed and validated as a
// whole before anything is applied (D5-D8). Stricter than ClamAV: every line
// LF-terminated, no CR or NUL, known commands with exactly the fields sigtool
// writes, safe names, no MOVE, every OPEN closed, no duplicate edits, no
// empty prefixes.
#include <set>
#include <string>

#include "archive/sink.h"
#include "cdiff/cdiff_internal.h"

namespace cvdguard::internal {
namespace {

// Tar names hold at most 99 bytes (FORMAT.md 4.1).
constexpr std::size_t kMaxNameBytes = 99;
// Line numbers beyond 2^32 cannot address a file the container limits allow.
constexpr std::uint64_t kMaxLineNumber = std::uint64_t{1} << 32;

std::string Printable(std::string_view s, std::size_t max = 60) { return CdiffPrintable(s, max); }

class ScriptChecker {
 public:
  ScriptChecker(const CdiffLimits& limits, CdiffScript* out, std::vector<Finding>* findings)
      : limits_(limits), out_(out), findings_(findings) {}

  bool Run(std::string_view script) {
    std::size_t pos = 0;
    std::uint64_t line_no = 0;
    while (pos < script.size() && !stopped_) {
      ++line_no;
      const std::size_t lf = script.find('\n', pos);
      const bool terminated = lf != std::string_view::npos;
      const std::size_t end = terminated ? lf : script.size();
      const std::string_view raw = script.substr(pos, end - pos);
      const std::uint64_t offset = pos;
      pos = terminated ? lf + 1 : script.size();
      if (raw.size() > limits_.max_line_bytes) {
        Add(Code::kCdiffLineTooLong, line_no, offset,
            "line is " + std::to_string(raw.size()) + " bytes, above the limit of " +
                std::to_string(limits_.max_line_bytes));
        continue;
      }
      if (!terminated) {
        Add(Code::kCdiffNoFinalNewline, line_no, offset,
            "the last line '" + Printable(raw) +
                "' has no LF; ClamAV aborts (panics) on such a DEL, XCHG, MOVE, UNLINK or bare "
                "ADD (D6)");
      }
      std::string clean;
      std::string_view line = raw;
      if (raw.find('\r') != std::string_view::npos || raw.find('\0') != std::string_view::npos) {
        if (raw.find('\r') != std::string_view::npos) {
          Add(Code::kCdiffCarriageReturn, line_no, offset,
              "line '" + Printable(raw) + "' contains CR: ClamAV treats 'CLOSE\\r' as an unknown "
              "command and would write CR into the database (D6)");
        }
        if (raw.find('\0') != std::string_view::npos) {
          Add(Code::kCdiffNulByte, line_no, offset, "line '" + Printable(raw) + "' contains NUL");
        }
        // Keep parsing without them, so one bad byte does not cascade.
        for (char c : raw) {
          if (c != '\r' && c != '\0') clean.push_back(c);
        }
        line = clean;
      }
      Line(line, line_no, offset);
    }
    if (!stopped_ && open_) {
      Add(Code::kCdiffUnclosedOpen, open_line_, Finding::kNone,
          "OPEN " + open_name_ + " has no CLOSE before the end of the script: ClamAV would "
          "silently drop its queued edits (D8)");
    }
    if (!stopped_ && commands_ == 0) {
      Add(Code::kCdiffNoCommands, 0, Finding::kNone,
          "the script has no commands: it cannot produce a new version");
    }
    return !error_;
  }

 private:
  void Add(Code code, std::uint64_t line, std::uint64_t script_offset, std::string message) {
    if (stopped_) return;
    if (findings_count_ >= limits_.max_script_findings) {
      Finding f = MakeFinding(Code::kCdiffTooManyFindings,
                              "more than " + std::to_string(limits_.max_script_findings) +
                                  " script findings; the rest of the script was not examined");
      f.line = line;
      findings_->push_back(std::move(f));
      stopped_ = true;
      error_ = true;
      return;
    }
    ++findings_count_;
    Finding f = MakeFinding(code, std::move(message));
    f.line = line;
    (void)script_offset;  // offsets are into the decompressed script: use line
    if (f.severity >= Severity::kError) error_ = true;
    findings_->push_back(std::move(f));
  }

  void Emit(CdiffCommand c) {
    if (stopped_) return;
    if (++commands_ > limits_.max_commands) {
      Add(Code::kCdiffTooManyCommands, c.script_line, Finding::kNone,
          "the script has more than " + std::to_string(limits_.max_commands) +
              " commands; the rest was not examined");
      stopped_ = true;
      error_ = true;
      out_->commands = {};  // give the memory back now
      return;
    }
    if (!error_) out_->commands.push_back(std::move(c));
  }

  // "N" -> line number, canonical and >= 1.
  bool LineNumber(std::string_view tok, std::uint64_t line_no, std::uint64_t* n) {
    if (!ParseDecimal64(tok, n) || *n == 0 || *n > kMaxLineNumber ||
        (tok.size() > 1 && tok[0] == '0')) {
      Add(Code::kCdiffMalformedCommand, line_no, Finding::kNone,
          "line number '" + Printable(tok) + "' is not a decimal number from 1 to " +
              std::to_string(kMaxLineNumber) + " without leading zeros");
      return false;
    }
    return true;
  }

  bool Name(std::string_view cmd, std::string_view name, std::uint64_t line_no) {
    if (!IsValidCdiffName(name)) {
      std::string why = "'" + Printable(name) + "' is not a plain file name of 1-99 characters "
                        "[A-Za-z0-9._]";
      if (name == "." || name == "..") why = "'" + std::string(name) + "' is a directory";
      if (name.find('/') != std::string_view::npos || name.find("..") != std::string_view::npos) {
        why += " (path traversal)";
      }
      Add(Code::kCdiffBadName, line_no, Finding::kNone, std::string(cmd) + " " + why + " (D7)");
      return false;
    }
    return true;
  }

  void Line(std::string_view line, std::uint64_t line_no, std::uint64_t offset) {
    if (!line.empty() && line[0] == '#') return;  // comment (#LSIZE hints)
    const std::size_t sp = line.find(' ');
    const std::string_view cmd = line.substr(0, sp);
    const bool has_arg = sp != std::string_view::npos;
    const std::string_view arg = has_arg ? line.substr(sp + 1) : std::string_view{};
    CdiffCommand c;
    c.script_line = line_no;
    if (cmd == "OPEN") {
      if (!has_arg || arg.find(' ') != std::string_view::npos) {
        Add(Code::kCdiffMalformedCommand, line_no, offset, "OPEN needs exactly one file name");
        return;
      }
      const bool name_ok = Name("OPEN", arg, line_no);
      if (open_) {
        Add(Code::kCdiffAlreadyOpen, line_no, offset,
            "OPEN " + Printable(arg) + " while " + open_name_ + " (line " +
                std::to_string(open_line_) + ") is still open (D8)");
        return;
      }
      open_ = true;
      open_name_ = Printable(arg);
      open_line_ = line_no;
      edited_.clear();
      if (!name_ok) return;
      c.op = CdiffOp::kOpen;
      c.name = std::string(arg);
      Emit(std::move(c));
    } else if (cmd == "ADD") {
      if (!has_arg) {
        Add(Code::kCdiffMalformedCommand, line_no, offset,
            "ADD without a space and line (ClamAV appends nothing, or panics at the end of the "
            "script)");
        return;
      }
      if (!RequireOpen("ADD", line_no)) return;
      c.op = CdiffOp::kAdd;
      c.text = std::string(arg);
      Emit(std::move(c));
    } else if (cmd == "DEL" || cmd == "XCHG") {
      const bool xchg = cmd == "XCHG";
      const std::size_t sp2 = arg.find(' ');
      if (!has_arg || sp2 == std::string_view::npos) {
        Add(Code::kCdiffMalformedCommand, line_no, offset,
            std::string(cmd) + (xchg ? " needs '<n> <prefix> <new line>'" : " needs '<n> <prefix>'") +
                ": fields are missing (ClamAV panics on this)");
        return;
      }
      std::uint64_t n = 0;
      if (!LineNumber(arg.substr(0, sp2), line_no, &n)) return;
      const std::string_view rest = arg.substr(sp2 + 1);
      std::string_view prefix = rest;
      std::string_view text;
      const std::size_t sp3 = rest.find(' ');
      if (xchg) {
        if (sp3 == std::string_view::npos) {
          Add(Code::kCdiffMalformedCommand, line_no, offset,
              "XCHG " + std::to_string(n) + " has no space and replacement line after its prefix");
          return;
        }
        prefix = rest.substr(0, sp3);
        text = rest.substr(sp3 + 1);
      } else if (sp3 != std::string_view::npos) {
        Add(Code::kCdiffMalformedCommand, line_no, offset,
            "DEL " + std::to_string(n) + " has fields after its prefix (sigtool never writes "
            "them; ClamAV ignores them)");
        return;
      }
      if (prefix.empty()) {
        Add(Code::kCdiffEmptyPrefix, line_no, offset,
            std::string(cmd) + " " + std::to_string(n) + " has an empty prefix, which would "
            "match any line: the edit is not tied to the base (D8)");
        return;
      }
      if (!RequireOpen(cmd, line_no)) return;
      if (!edited_.insert(n).second) {
        Add(Code::kCdiffDuplicateEdit, line_no, offset,
            "line " + std::to_string(n) + " of " + open_name_ + " is edited twice since its "
            "OPEN; ClamAV silently keeps the later edit (D8)");
        return;
      }
      c.op = xchg ? CdiffOp::kXchg : CdiffOp::kDel;
      c.line = n;
      c.prefix = std::string(prefix);
      c.text = std::string(text);
      Emit(std::move(c));
    } else if (cmd == "CLOSE") {
      if (has_arg) {
        Add(Code::kCdiffMalformedCommand, line_no, offset, "CLOSE takes no argument");
        return;
      }
      if (!RequireOpen("CLOSE", line_no)) return;
      open_ = false;
      c.op = CdiffOp::kClose;
      Emit(std::move(c));
    } else if (cmd == "UNLINK") {
      if (!has_arg || arg.find(' ') != std::string_view::npos) {
        Add(Code::kCdiffMalformedCommand, line_no, offset, "UNLINK needs exactly one file name");
        return;
      }
      if (!Name("UNLINK", arg, line_no)) return;
      if (open_) {
        Add(Code::kCdiffUnlinkWhileOpen, line_no, offset,
            "UNLINK " + Printable(arg) + " while " + open_name_ + " is open (D8)");
        return;
      }
      c.op = CdiffOp::kUnlink;
      c.name = std::string(arg);
      Emit(std::move(c));
    } else if (cmd == "MOVE") {
      std::string why = "MOVE is a legacy command sigtool no longer writes, and ClamAV does not "
                        "check its file names";
      if (arg.find('/') != std::string_view::npos || arg.find("..") != std::string_view::npos) {
        why += "; this one names a path outside the database ('" + Printable(arg) +
               "'): path traversal";
      }
      Add(Code::kCdiffMoveRefused, line_no, offset, why + " (D7)");
    } else {
      Add(Code::kCdiffUnknownCommand, line_no, offset,
          line.empty() ? std::string("empty line: ClamAV rejects it as an unknown command (D6)")
                       : "unknown command '" + Printable(cmd) + "' (commands are case-sensitive) "
                         "(D6)");
    }
  }

  bool RequireOpen(std::string_view cmd, std::uint64_t line_no) {
    if (open_) return true;
    Add(Code::kCdiffNotOpen, line_no, Finding::kNone,
        std::string(cmd) + " with no open file (D8)");
    return false;
  }

  const CdiffLimits& limits_;
  CdiffScript* out_;
  std::vector<Finding>* findings_;
  bool error_ = false;
  bool stopped_ = false;
  std::size_t findings_count_ = 0;
  std::size_t commands_ = 0;
  bool open_ = false;
  std::string open_name_;
  std::uint64_t open_line_ = 0;
  std::set<std::uint64_t> edited_;
};

}  // namespace

bool IsValidCdiffName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes || name == "." || name == "..") return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool ParseCdiffScript(std::string_view script, const CdiffLimits& limits, CdiffScript* out,
                      std::vector<Finding>* findings) {
  out->commands.clear();
  ScriptChecker checker(limits, out, findings);
  const bool ok = checker.Run(script);
  if (!ok) out->commands.clear();
  return ok;
}

}  // namespace cvdguard::internal
