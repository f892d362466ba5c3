// The FORMAT.md section 9 corruption table, shared by the tests and the
// fuzz-seed generator.
#ifndef CVDGUARD_TESTS_TESTING_CORRUPTION_CASES_H_
#define CVDGUARD_TESTS_TESTING_CORRUPTION_CASES_H_

#include <functional>
#include <string>
#include <vector>

#include "cvdguard/finding.h"
#include "cvdguard/options.h"
#include "testing/assembly.h"

namespace cvdguard::testing {

struct Case {
  const char* name;
  std::function<void(Assembly&, VerifyOptions&, std::string& file_name)> setup;
  Code expect;  // kInternalError: no particular code expected
  bool valid;   // expected verdict
};

const std::vector<Case>& CorruptionCases();

}  // namespace cvdguard::testing

#endif  // CVDGUARD_TESTS_TESTING_CORRUPTION_CASES_H_
