// Verifies one file through the C++ API (and reads the version through the
// C API of the same library). Exit 0 valid, 1 invalid, 3 error.
#include <iostream>

#include <cvdguard/cvdguard.h>
#include <cvdguard/json.h>
#include <cvdguard/validator.h>
#include <cvdguard/version.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " FILE\n";
    return 2;
  }
  const cvdguard::Report r = cvdguard::VerifyPath(argv[1], cvdguard::VerifyOptions{});
  std::cout << cvdguard::ReportToJson(r) << "\n"
            << "C++ " << cvdguard::VersionString() << ", C " << cvdguard_version() << "\n";
  if (r.verdict == cvdguard::Verdict::kError) return 3;
  return r.valid() ? 0 : 1;
}
