// Test fixtures: keys generated once per process and a builder wrapper.
#ifndef CVDGUARD_TESTS_TESTING_FIXTURES_H_
#define CVDGUARD_TESTS_TESTING_FIXTURES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "cvdguard/builder.h"
#include "cvdguard/options.h"
#include "cvdguard/report.h"

namespace cvdguard::testing {

struct KeyPair {
  std::string private_pem;
  std::string public_pem;
};

// Test keys, generated once per process: a 1024-bit cvd key and 2048-bit
// info and cdiff keys.
const KeyPair& CvdKey();
const KeyPair& InfoKey();
const KeyPair& CdiffKey();

// Options that trust only the test keys (official keys off).
VerifyOptions TestOptions();

// A small spec with a few database members, keys filled in.
BuildSpec SmallSpec(Kind kind = Kind::kCvd);

// Builds or aborts the test (ADD_FAILURE + empty result).
std::vector<std::uint8_t> Build(const BuildSpec& spec);

// Writes bytes to a file; returns false on failure.
bool WriteFile(const std::string& path, const std::vector<std::uint8_t>& bytes);
std::vector<std::uint8_t> ReadFile(const std::string& path);

// A fresh temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The directory of the genuine ClamAV files (../shared/realdata).
std::string RealDataDir();

}  // namespace cvdguard::testing

#endif  // CVDGUARD_TESTS_TESTING_FIXTURES_H_
