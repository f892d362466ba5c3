// A container assembler for corruption tests: every stage (manifest, tar
// entries, tar bytes, payload, header, file) has a hook, and the signatures
// are made after the hook of the stage they cover, so a test can make a
// defect that is signed (to test a structural check alone) or not.
#ifndef CVDGUARD_TESTS_TESTING_ASSEMBLY_H_
#define CVDGUARD_TESTS_TESTING_ASSEMBLY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cvdguard/report.h"

namespace cvdguard::testing {

struct TarItem {
  std::string name;
  std::string data;
  char type = '\0';
  bool bad_checksum = false;
  bool ustar_magic = false;
  std::string prefix;                      // ustar prefix field
  std::optional<std::string> size_field;   // raw size field text
  std::optional<std::uint64_t> declared_size;  // size written, data unchanged
};

struct Assembly {
  Kind kind = Kind::kCvd;
  std::string name = "test";
  std::uint32_t version = 7;
  std::uint32_t sigs = 4;
  std::uint32_t flevel = 81;
  std::string builder = "tester";
  std::int64_t stime = 1624412045;
  int utc_offset_minutes = -240;
  std::string copying = "GPL stand-in\n";
  std::vector<std::pair<std::string, std::string>> members = {
      {"test.hdb", "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n"},
      {"test.ndb", "Test.Sig-1:0:*:414243444546\nTest.Sig-2:0:0:6162636465\n"},
      {"test.ldb", "Test.Ldb-1;Target:0;0&1;414243;444546\n"},
  };
  bool compress = true;  // .cld: false = raw tar

  std::function<void(std::string&)> edit_info_unsigned;  // before the DSIG is made
  std::function<void(std::string&)> edit_info_signed;    // after DSIG: breaks it
  std::function<void(std::vector<TarItem>&)> edit_tar_items;
  std::function<void(std::vector<std::uint8_t>&)> edit_tar;      // raw tar bytes
  std::function<void(std::vector<std::uint8_t>&)> edit_payload;  // before MD5/dsig
  std::function<void(HeaderFields&)> edit_header_fields;         // before rendering
  std::function<void(std::string&)> edit_header_text;            // before padding
  char pad = ' ';
  std::function<void(std::vector<std::uint8_t>&)> edit_file;  // final bytes
};

std::vector<std::uint8_t> Assemble(const Assembly& a);

// Writes one tar entry in ClamAV's dialect (or a variant) to `tar`.
void WriteTarItem(const TarItem& item, std::vector<std::uint8_t>* tar);

}  // namespace cvdguard::testing

#endif  // CVDGUARD_TESTS_TESTING_ASSEMBLY_H_
