// Human-readable rendering of reports for the terminal.
#ifndef CVDGUARD_CLI_REPORT_TEXT_H_
#define CVDGUARD_CLI_REPORT_TEXT_H_

#include <ostream>
#include <string>
#include <string_view>

#include "cli/verify_flags.h"
#include "cvdguard/report.h"

namespace cvdguard::cli {

void PrintReportText(const Report& r, const TextStyle& style, std::ostream& out);
// `s` with control bytes (0x00-0x1F, 0x7F) written as \xHH, for text output.
// File and member names come from files and directories others may write; a
// raw newline or ESC in one could forge a "valid" line or erase one on a
// terminal or in a log. Bytes from 0x80 up (UTF-8 names) pass unchanged, and
// so does text that is already escaped.
std::string ForText(std::string_view s);
// "file: problem — what to do" line for the first Error/Fatal finding.
std::string OneLineReason(const Report& r);
// The header's build time as sigtool --info shows it: the header writes
// "22 Jun 2021 14-58 -0400" (':' separates header fields); people read 14:58.
std::string DisplayBuildTime(std::string header_build_time);

}  // namespace cvdguard::cli

#endif  // CVDGUARD_CLI_REPORT_TEXT_H_
