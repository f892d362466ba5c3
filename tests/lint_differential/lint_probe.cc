// cvdguard_lint_probe: runs the signature-line linter on loose files, or on
// a batch of (name, bytes) records from stdin, for the differential harness.
//
//   cvdguard_lint_probe [--flevel N | --no-flevel] [--loose] FILE...
//       prints every finding, then "VERDICT <file> refuse|load".
//   cvdguard_lint_probe [--flevel N] [--loose] --batch
//       reads lines "<name>\t<hex of the member bytes>" and prints
//       "<n>\trefuse|load\t<comma-separated codes>" for each.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <span>
#include <string>
#include <vector>
#include <charconv>

#include "cvdguard/finding.h"
#include "lint/linter.h"

namespace {

using cvdguard::Code;
using cvdguard::Severity;

struct Outcome {
  bool linted = true;
  bool refuse = false;
  std::vector<std::string> lines;
  std::string codes;
};

Outcome Lint(const std::string& name, std::span<const std::uint8_t> bytes,
             const cvdguard::internal::LintOptions& options) {
  Outcome out;
  auto linter = cvdguard::internal::CreateMemberLinter(
      name, options,
      [&](Code code, Severity severity, std::uint64_t line, std::uint64_t offset, std::string message) {
        if (severity >= Severity::kError) out.refuse = true;
        if (!out.codes.empty()) out.codes += ',';
        out.codes += std::string(cvdguard::CodeName(code));
        out.lines.push_back(name + ":" + std::to_string(line) + " (@" + std::to_string(offset) + "): " +
                            std::string(cvdguard::SeverityName(severity)) + " " +
                            std::string(cvdguard::CodeName(code)) + " " + message);
      });
  if (!linter) {
    out.linted = false;
    return out;
  }
  linter->Update(bytes);
  linter->Finish();
  return out;
}

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  cvdguard::internal::LintOptions options;
  options.engine_flevel = 216;  // libclamav 1.4.6, the oracle
  bool batch = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--batch") {
      batch = true;
    } else if (a == "--loose") {
      options.container_member = false;
    } else if (a == "--no-flevel") {
      options.engine_flevel.reset();
    } else if (a == "--flevel" && i + 1 < argc) {
      std::uint32_t v = 0;
      const std::string s = argv[++i];
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || p != s.data() + s.size()) {
        std::cerr << "bad --flevel\n";
        return 2;
      }
      options.engine_flevel = v;
    } else {
      files.push_back(a);
    }
  }
  if (batch) {
    std::string record;
    std::uint64_t n = 0;
    while (std::getline(std::cin, record)) {
      const std::size_t tab = record.find('\t');
      if (tab == std::string::npos) continue;
      const std::string name = record.substr(0, tab);
      std::vector<std::uint8_t> bytes;
      for (std::size_t k = tab + 1; k + 1 < record.size(); k += 2) {
        const int hi = HexVal(record[k]);
        const int lo = HexVal(record[k + 1]);
        if (hi < 0 || lo < 0) break;
        bytes.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
      }
      const Outcome o = Lint(name, bytes, options);
      std::cout << n++ << '\t' << (!o.linted ? "unlinted" : o.refuse ? "refuse" : "load") << '\t' << o.codes
                << '\n';
    }
    return 0;
  }
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::cerr << "cannot read " << f << "\n";
      return 2;
    }
    std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const Outcome o = Lint(f, std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()), options);
    for (const std::string& l : o.lines) std::cout << l << '\n';
    std::cout << "VERDICT " << f << ' ' << (!o.linted ? "unlinted" : o.refuse ? "refuse" : "load") << '\n';
  }
  return 0;
}
