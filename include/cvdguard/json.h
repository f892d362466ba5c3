// JSON rendering of reports (the schema in docs/json-schema.md).
#ifndef CVDGUARD_JSON_H_
#define CVDGUARD_JSON_H_

#include <string>
#include <vector>

#include "cvdguard/export.h"
#include "cvdguard/finding.h"
#include "cvdguard/report.h"

namespace cvdguard {

// One JSON object on one line, no trailing newline: the `verify --json`
// schema (path, kind, verdict, header, members, findings, signature).
CVDGUARD_EXPORT std::string ReportToJson(const Report& report);
// A JSON array of findings, as in the report's "findings".
CVDGUARD_EXPORT std::string FindingsToJson(const std::vector<Finding>& findings);

}  // namespace cvdguard

#endif  // CVDGUARD_JSON_H_
