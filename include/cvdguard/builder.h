// Writes .cvd/.cld/.cud containers in ClamAV's own tar dialect, signed with
// caller-supplied RSA private keys: for tests, benchmarks and private mirrors.
#ifndef CVDGUARD_BUILDER_H_
#define CVDGUARD_BUILDER_H_

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cvdguard/export.h"
#include "cvdguard/report.h"

namespace cvdguard {

struct BuildSpec {
  Kind kind = Kind::kCvd;         // kCvd, kCld or kCud
  std::string name = "test";      // database name: members <name>.info ...
  std::uint32_t version = 1;
  std::uint32_t flevel = 81;
  // Signature count for the header; negative = count the non-empty,
  // non-comment lines of the database members.
  std::int64_t sigs = -1;
  std::string builder = "cvdguard";
  std::int64_t stime = 1624412045;  // build time, Unix seconds
  // UTC offset in minutes used to render the header build time.
  int utc_offset_minutes = 0;
  // Database members in order, after COPYING and <name>.info.
  std::vector<std::pair<std::string, std::string>> members;
  std::string copying = "cvdguard test database\n";
  bool compress = true;  // .cld only: false writes a raw tar (freshclam default)
  // PEM private keys. cvd_key signs the header dsig (.cvd); info_key signs
  // the .info DSIG (.cvd/.cld). Not needed for .cud.
  std::string cvd_key_pem;
  std::string info_key_pem;
  // gzip level 0-9.
  int gzip_level = 9;
};

// Builds the container bytes. Returns false and sets *error on bad input
// (missing key, unusable key, names that do not fit the tar dialect).
CVDGUARD_EXPORT bool BuildContainer(const BuildSpec& spec,
                                    std::vector<std::uint8_t>* out,
                                    std::string* error);

// Makes a detached .sign for `content` (a whole .cvd or .cdiff), as ClamAV's
// sigtool does: "#clamsign-1.0", then "<min_flevel>::pkcs7-pem:<base64 DER>"
// of a CMS SignedData (binary mode, SHA-256) with the signer certificate and
// `chain_pem` (intermediates) embedded. min_flevel must be >= 230.
CVDGUARD_EXPORT bool BuildSignFile(const std::vector<std::uint8_t>& content,
                                   const std::string& signer_cert_pem,
                                   const std::string& signer_key_pem,
                                   const std::string& chain_pem, std::uint32_t min_flevel,
                                   std::string* sign_text, std::string* error);

// How WriteFileAtomically writes.
struct WriteFileOptions {
  unsigned mode = 0644;  // permission bits, exactly: the umask does not narrow them
  bool replace = true;   // false: an existing file is never replaced (the call fails)
};

// Writes `bytes` to `path` so that no reader ever sees part of it: a
// temporary file beside it (".cvdguard-tmp.*", a name no scanner loads),
// fsync, rename into place, fsync of the directory. A final symlink is
// replaced, never followed. On failure nothing is left behind and an
// existing file is untouched. The cvdguard tool writes every output so.
CVDGUARD_EXPORT bool WriteFileAtomically(const std::string& path,
                                         std::span<const std::uint8_t> bytes,
                                         const WriteFileOptions& options, std::string* error);

// Generates an RSA key pair (PEM, PKCS#8 private / SubjectPublicKeyInfo
// public). bits: 1024 for the cvd role, 2048 for info and cdiff.
CVDGUARD_EXPORT bool GenerateRsaKey(int bits, std::string* private_pem,
                                    std::string* public_pem, std::string* error);

}  // namespace cvdguard

#endif  // CVDGUARD_BUILDER_H_
