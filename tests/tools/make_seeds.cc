// Writes the fuzz seed corpora for the container-level targets from the
// project's own builder: valid files of each kind, one seed per corruption
// class of FORMAT.md section 9, and pathological shapes.
//   cvdguard_make_seeds CORPUS_DIR
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <string>

#include "archive/inflater.h"
#include "crypto/digest.h"
#include "crypto/dsig.h"
#include "testing/assembly.h"
#include "testing/corruption_cases.h"
#include "testing/fixtures.h"

namespace fs = std::filesystem;
using namespace cvdguard;
using namespace cvdguard::testing;

namespace {

void Put(const fs::path& dir, const std::string& name, const std::vector<std::uint8_t>& bytes) {
  fs::create_directories(dir);
  WriteFile((dir / name).string(), bytes);
}

void Put(const fs::path& dir, const std::string& name, const std::string& text) {
  Put(dir, name, std::vector<std::uint8_t>(text.begin(), text.end()));
}

std::vector<std::uint8_t> Tar(const std::vector<std::uint8_t>& file) {
  // The payload after the header, inflated if gzip.
  std::vector<std::uint8_t> payload(file.begin() + 512, file.end());
  return payload;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: cvdguard_make_seeds CORPUS_DIR\n";
    return 2;
  }
  const fs::path root = argv[1];
  const fs::path container = root / "container_fuzzer";
  const fs::path header = root / "header_fuzzer";
  const fs::path tar = root / "tar_fuzzer";
  const fs::path info = root / "info_fuzzer";
  const fs::path dsig = root / "dsig_fuzzer";

  // Valid files of each kind, small.
  for (const auto& [kind, label] : {std::pair{Kind::kCvd, "valid.cvd"}, {Kind::kCld, "valid.cld"},
                                    {Kind::kCud, "valid.cud"}}) {
    Assembly a;
    a.kind = kind;
    const auto bytes = Assemble(a);
    Put(container, label, bytes);
    Put(header, std::string(label) + ".hdr", std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 512));
    Put(tar, std::string(label) + ".payload", Tar(bytes));
  }
  {
    Assembly a;
    a.kind = Kind::kCld;
    a.compress = false;
    const auto bytes = Assemble(a);
    Put(container, "valid-raw.cld", bytes);
    Put(tar, "valid-raw.tar", Tar(bytes));
    // The .info member of the raw tar: name at 512, data after the header.
    std::string text(bytes.begin(), bytes.end());
    const auto pos = text.find("ClamAV-VDB:", 512 + 512);
    if (pos != std::string::npos) {
      const auto end = text.find('\0', pos);
      Put(info, "valid.info", text.substr(pos, end - pos));
    }
  }
  // One seed per corruption class.
  for (const auto& c : CorruptionCases()) {
    Assembly a;
    VerifyOptions o;
    std::string file_name = "test.cvd";
    c.setup(a, o, file_name);
    // Keep seeds small: skip the multi-megabyte bomb shapes (the fuzzer
    // reaches the limits through its tighter options instead).
    std::vector<std::uint8_t> bytes = Assemble(a);
    if (bytes.size() > (64u << 10)) continue;
    Put(container, c.name, bytes);
    if (bytes.size() > 512) Put(tar, std::string(c.name) + ".payload", Tar(bytes));
  }
  // Pathological shapes.
  Put(container, "html-error-page.cvd", "<!DOCTYPE html><html><body>404</body></html>\n");
  Put(container, "json-error.cvd", "{\"error\":\"rate limited\"}\n");
  Put(container, "empty.cvd", std::string());
  Put(header, "nul-padded", std::string("ClamAV-VDB:22 Jun 2021 21-34 -0400:6:14:81:X:X:m:1624412045") + std::string(40, '\0'));
  Put(header, "plus-sign", "ClamAV-VDB:22 Jun 2021 21-34 -0400:+6:14:81:X:X:m:1624412045");
  Put(header, "extra-colon", "ClamAV-VDB:22 Jun 2021 21-34 -0400:6:14:81:X:X:m:1624412045   :x");
  Put(info, "deep.info", "ClamAV-VDB:22 Jun 2021 21-34 -0400:6:14:81:X:X:m:1624412045\n" +
                             std::string(9000, 'a') + ":1:" + std::string(64, '0') + "\nDSIG:abc\n");
  Put(info, "dup.info", "ClamAV-VDB:22 Jun 2021 21-34 -0400:6:14:81:X:X:m:1624412045\n"
                        "a.hdb:1:" + std::string(64, 'a') + "\na.hdb:1:" + std::string(64, 'a') +
                        "\n\nDSIG:x\ntrailing");
  Put(dsig, "all-slash", std::string(171, '/'));
  Put(dsig, "all-zero", std::string(171, 'a'));
  Put(dsig, "bad-char", "abc!def");
  Put(dsig, "k1-vector",
      "60uhCFmiN48J8r6c7coBv9Q1mehAWEGh6GPYA+60VhQcuXfb0iV1O+sCEyMiRXt/iYF6vXtPXHVd6DiuZ4Gfrry7sVQqNTt3o1/KwU1rc0l5FHgX/nC99fdr/fjaFtinMtRnUXHLeu0j8e6HK+7JLBpD37fZ60GC9YY86EclYGe");
  Put(dsig, "long", std::string(400, 'Z'));
  std::cout << "seeds written under " << root << "\n";
  return ::testing::Test::HasFailure() ? 1 : 0;
}
