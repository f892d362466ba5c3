// Human-readable rendering of reports for the terminal.
#ifndef CVDGUARD_CLI_REPORT_TEXT_H_
#define CVDGUARD_CLI_REPORT_TEXT_H_

#include <ostream>

#include "cli/verify_flags.h"
#include "cvdguard/report.h"

namespace cvdguard::cli {

void PrintReportText(const Report& r, const TextStyle& style, std::ostream& out);
// "file: problem — what to do" line for the first Error/Fatal finding.
std::string OneLineReason(const Report& r);
// The header's build time as sigtool --info shows it: the header writes
// "22 Jun 2021 14-58 -0400" (':' separates header fields); people read 14:58.
std::string DisplayBuildTime(std::string header_build_time);

}  // namespace cvdguard::cli

#endif  // CVDGUARD_CLI_REPORT_TEXT_H_
