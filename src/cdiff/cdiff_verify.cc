// Verification of one .cdiff (FORMAT.md 5.1, 5.2, 6.3; checklist D1-D8, S10).
// The file is read once into memory (bounded); one pass of SHA-256 gives both
// the whole-file digest for the .cdiff.sign and the signed-part digest for
// the legacy trailer.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "archive/sink.h"
#include "cdiff/cdiff_internal.h"
#include "crypto/digest.h"
#include "crypto/dsig.h"
#include "crypto/keys.h"
#include "cvdguard/cdiff.h"
#include "cvdguard/validator.h"
#include "sign/sign_verifier.h"

namespace cvdguard {
namespace internal {
namespace {

void AddTo(std::vector<Finding>* v, Code code, std::string message) {
  v->push_back(MakeFinding(code, std::move(message)));
}

// The legacy trailer (3.4 with the cdiff-role keys). Findings go to *out so
// the policy can weigh them.
SignatureCheck CheckTrailer(const CdiffLayout& layout, const Sha256Digest& signed_hash,
                            const Keyring& keys, const VerifyOptions& options,
                            std::vector<Finding>* out) {
  SignatureCheck sc;
  sc.method = SigMethod::kCdiffTrailer;
  sc.outcome = SigOutcome::kCannotVerify;
  if (!layout.trailer_found) {
    sc.detail = "no trailer";
    return sc;
  }
  const auto& ring = keys.ForRole(KeyRole::kCdiff);
  if (ring.empty()) {
    sc.detail = "no trusted cdiff key";
    AddTo(out, Code::kNoTrustedKey, "no trusted key of role 'cdiff' to verify the .cdiff trailer");
    return sc;
  }
  const DsigResult r = VerifyPssDsig(layout.dsig, signed_hash, ring);
  Finding f;
  f.offset = layout.trailer_colon + 1;
  switch (r.status) {
    case DsigStatus::kValid:
      sc.outcome = SigOutcome::kValid;
      sc.key = r.key_label;
      if (r.noncanonical || layout.dsig.size() > kCdiffMaxDsigChars) {
        f.code = Code::kCdiffTrailerNonCanonical;
        f.severity = options.strict_signature_encoding ? Severity::kError : Severity::kWarning;
        f.message = ".cdiff trailer dsig verifies but is not canonical: " +
                    (r.noncanonical ? r.detail : std::string("longer than 342 digits"));
        out->push_back(f);
        if (options.strict_signature_encoding) sc.outcome = SigOutcome::kInvalid;
      }
      break;
    case DsigStatus::kBadEncoding:
      sc.outcome = SigOutcome::kInvalid;
      sc.detail = r.detail;
      f.code = Code::kCdiffTrailerBadEncoding;
      f.severity = DefaultSeverity(f.code);
      f.message = ".cdiff trailer dsig: " + r.detail +
                  (layout.dsig_length != layout.dsig.size() ? " (bytes follow the dsig)" : "");
      out->push_back(f);
      break;
    case DsigStatus::kInvalid:
      sc.outcome = SigOutcome::kInvalid;
      sc.detail = r.detail;
      f.code = Code::kCdiffTrailerInvalid;
      f.severity = DefaultSeverity(f.code);
      f.message = ".cdiff trailer dsig " + r.detail +
                  " (the header or compressed script was altered, or another key signed it)";
      out->push_back(f);
      break;
  }
  return sc;
}

}  // namespace

int ReadWholeFile(const std::string& path, std::uint64_t max_bytes, std::vector<std::uint8_t>* out,
                  std::string* error) {
  out->clear();
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot open '" + path + "': " + std::strerror(errno);
    return -1;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "'" + path + "' is not a regular file";
    close(fd);
    return -1;
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    close(fd);
    return 1;
  }
  out->resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (true) {
    if (got == out->size()) out->resize(got + 4096);  // the file may have grown
    const ssize_t n = read(fd, out->data() + got, out->size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = "read error on '" + path + "': " + std::strerror(errno);
      close(fd);
      out->clear();
      return -1;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
    if (got > max_bytes) {
      close(fd);
      out->clear();
      return 1;
    }
  }
  close(fd);
  out->resize(got);
  return 0;
}

CdiffCheck CheckCdiff(std::span<const std::uint8_t> bytes, const std::string& name,
                      const VerifyOptions& options, const std::optional<std::string>& sign_text,
                      const std::string& sign_source, const CdiffLimits& limits) {
  CdiffCheck check;
  Report& report = check.report;
  report.path = name;
  report.kind = Kind::kCdiff;
  report.extension_kind = KindFromFileName(name);
  report.file_size = bytes.size();
  auto add = [&report](Code code, std::string message) {
    report.findings.push_back(MakeFinding(code, std::move(message)));
  };

  CdiffLayout layout = ParseCdiffLayout(bytes, limits, options.inflate_backend);
  report.header.present = layout.header_ok;
  report.header.version = layout.version;
  report.header.has_version = layout.header_ok;
  report.payload_bytes = layout.gzip_bytes;
  // What a corrupt or cut gzip stream yields before the error shows depends
  // on the inflate backend: report a size only for a complete script.
  report.inflated_bytes = layout.script_complete ? layout.script.size() : 0;
  for (auto& f : layout.findings) report.findings.push_back(std::move(f));
  const bool empty = bytes.empty();

  // Names (D2 without a base).
  if (!name.empty() && !empty) {
    std::uint32_t name_version = 0;
    if (ParseCdiffFileName(name, &check.db, &name_version)) {
      check.name_versioned = true;
      if (layout.header_ok && name_version != layout.version) {
        add(Code::kCdiffVersionNameMismatch,
            "the header says version " + std::to_string(layout.version) + ", the file name " +
                std::to_string(name_version) + " (D2)");
      }
    } else {
      check.db = DatabaseNameFromFileName(name);
      add(Code::kCdiffNameUnversioned,
          "file name is not <name>-<version>.cdiff; the version cannot be cross-checked (D2)");
    }
    if (report.extension_kind != Kind::kCdiff && report.extension_kind != Kind::kUnknown) {
      add(Code::kKindExtensionMismatch,
          "content is a .cdiff but the file is named ." +
              std::string(KindName(report.extension_kind)));
    }
  }
  report.database = check.db;

  // The script, whole, before anything could be applied (D5-D8).
  if (layout.script_complete) {
    check.script_ok = ParseCdiffScript(layout.script, limits, &check.script, &report.findings);
  }

  // Signatures (S10, FORMAT.md 6.3).
  // Checked even when the script is corrupt: an altered byte is then also
  // reported as what it most likely is, tampering.
  if (!empty && layout.header_ok && layout.trailer_found) {
    Keyring keys;
    std::string key_error;
    if (!keys.Init(options, &key_error)) add(Code::kKeyUnusable, key_error);
    if (!options.verify_signatures) {
      SignatureCheck sc;
      sc.method = SigMethod::kCdiffTrailer;
      sc.detail = "signature checks switched off";
      report.signatures.push_back(sc);
      Finding f = MakeFinding(Code::kSignatureChecksDisabled,
                              "signature checks were switched off by the options");
      f.severity = options.allow_unverified ? Severity::kWarning : Severity::kError;
      report.findings.push_back(std::move(f));
    } else {
      // One pass: the signed part feeds both digests, the trailer only the
      // whole-file one.
      Sha256 whole, signed_part;
      const std::size_t cut = layout.trailer_found ? layout.trailer_colon : bytes.size();
      signed_part.Update(bytes.first(cut));
      whole.Update(bytes.first(cut));
      whole.Update(bytes.subspan(cut));
      const Sha256Digest signed_hash = signed_part.Final();
      const Sha256Digest whole_hash = whole.Final();

      const bool sign_considered = sign_text.has_value() || !sign_source.empty() ||
                                   !options.certs_path.empty() ||
                                   options.sign_policy == SignPolicy::kBoth;
      SignatureCheck sign;
      sign.method = SigMethod::kSign;
      sign.outcome = SigOutcome::kCannotVerify;
      if (sign_considered) {
        if (!sign_text) {
          if (!sign_source.empty()) {
            sign.detail = "cannot read " + sign_source;
            add(Code::kCdiffSignUnreadable, "cannot read the .cdiff.sign '" + sign_source + "'");
          } else {
            sign.detail = "no .cdiff.sign";
            add(Code::kSignEmpty, "no .cdiff.sign beside the .cdiff: it cannot verify");
          }
        } else {
          std::shared_ptr<const TrustStore> store;
          bool store_ok = true;
          if (!options.certs_path.empty()) {
            std::string store_error;
            store = LoadTrustStore(options.certs_path, &store_error);
            if (!store) {
              store_ok = false;
              add(Code::kSignTrustStoreUnusable, "trust store '" + options.certs_path +
                                                     "' could not be loaded: " + store_error);
              sign.detail = "trust store unusable";
            }
          }
          if (store_ok) {
            std::uint8_t digest[32];
            std::memcpy(digest, whole_hash.data(), 32);
            SignVerifyParams params;
            params.store = store.get();
            params.at_time = options.at_time;
            params.engine_flevel = options.engine_flevel;
            SignResult sr = VerifySignFile(*sign_text, digest, params);
            sign.outcome = sr.outcome;
            sign.signer = sr.signer;
            sign.chain = sr.chain;
            sign.detail = sr.detail;
            for (auto& f : sr.findings) {
              if (f.member.empty()) f.member = sign_source;
              report.findings.push_back(std::move(f));
            }
          }
        }
      }
      std::vector<Finding> trailer_findings;
      SignatureCheck trailer = CheckTrailer(layout, signed_hash, keys, options, &trailer_findings);

      if (sign.outcome == SigOutcome::kValid) {
        report.verified_by = "sign";
        if (trailer.outcome != SigOutcome::kValid && options.sign_policy != SignPolicy::kBoth) {
          // ClamAV never looks at the trailer once the .sign verifies.
          for (auto& f : trailer_findings) f.severity = std::min(f.severity, Severity::kWarning);
          add(Code::kCdiffTrailerIgnored,
              "the legacy trailer does not verify (" + trailer.detail +
                  "); the valid .cdiff.sign authenticates the file");
        }
      } else if (sign.outcome == SigOutcome::kInvalid) {
        add(Code::kCdiffSignInvalid, "the .cdiff.sign is invalid (" + sign.detail +
                                         "): ClamAV refuses the patch without trying the trailer");
      } else {
        if (options.sign_policy == SignPolicy::kBoth) {
          add(Code::kCdiffSignRequired,
              "the 'both' policy needs a valid .cdiff.sign as well as the trailer (" +
                  (sign.detail.empty() ? std::string("none") : sign.detail) + ")");
        } else if (trailer.outcome == SigOutcome::kValid) {
          report.verified_by = "cdiff_trailer";
        }
      }
      if (options.sign_policy == SignPolicy::kBoth && trailer.outcome != SigOutcome::kValid &&
          trailer_findings.empty()) {
        add(Code::kCdiffNotAuthenticated, "the 'both' policy needs a valid trailer");
      }
      for (auto& f : trailer_findings) report.findings.push_back(std::move(f));
      if (sign_considered) report.signatures.push_back(sign);
      report.signatures.push_back(trailer);
      if (report.verified_by == "none" && report.worst() < Severity::kError) {
        add(Code::kCdiffNotAuthenticated, "no signature method authenticated this .cdiff");
      }
    }
  }
  report.verdict = report.worst() >= Severity::kError ? Verdict::kInvalid : Verdict::kValid;
  check.script_ok = check.script_ok && report.verdict == Verdict::kValid;
  return check;
}

// The .cdiff.sign to use: options.sign_path, else <path>.sign if present.
void FindCdiffSign(const std::string& path, const VerifyOptions& options,
              std::optional<std::string>* text, std::string* source) {
  std::string candidate;
  if (options.sign_path) {
    candidate = *options.sign_path;
  } else if (options.discover_sign && !path.empty()) {
    candidate = path + ".sign";
    struct stat st {};
    if (stat(candidate.c_str(), &st) != 0) return;  // none beside it
  } else {
    return;
  }
  *source = candidate;
  std::vector<std::uint8_t> bytes;
  std::string error;
  // One byte over the verifier's limit, so it can report the size itself.
  const int rc = ReadWholeFile(candidate, kMaxSignFileBytes + 1, &bytes, &error);
  if (rc == 0) {
    text->emplace(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  } else if (rc == 1) {
    text->emplace(kMaxSignFileBytes + 1, '\0');
  }
}

}  // namespace internal

Report VerifyCdiffPath(const std::string& path, const VerifyOptions& options,
                       const CdiffLimits& limits) {
  std::vector<std::uint8_t> bytes;
  std::string error;
  const int rc = internal::ReadWholeFile(path, limits.max_file_bytes, &bytes, &error);
  if (rc != 0) {
    Report r;
    r.path = path;
    r.kind = Kind::kCdiff;
    r.extension_kind = KindFromFileName(path);
    if (rc == 1) {
      r.findings.push_back(internal::MakeFinding(
          Code::kCdiffTooLarge, "'" + path + "' is larger than the .cdiff limit of " +
                                    std::to_string(limits.max_file_bytes) + " bytes"));
      r.verdict = Verdict::kInvalid;
    } else {
      r.findings.push_back(internal::MakeFinding(Code::kIoError, error));
      r.verdict = Verdict::kError;
    }
    return r;
  }
  std::optional<std::string> sign_text;
  std::string sign_source;
  internal::FindCdiffSign(path, options, &sign_text, &sign_source);
  const std::string name = options.file_name.empty() ? path : options.file_name;
  Report r = internal::CheckCdiff(bytes, name, options, sign_text, sign_source, limits).report;
  r.path = path;
  return r;
}

Report VerifyCdiffMemory(std::span<const std::uint8_t> bytes, const VerifyOptions& options,
                         const std::optional<std::string>& sign_text, const CdiffLimits& limits) {
  std::optional<std::string> text = sign_text;
  std::string source = sign_text ? std::string("(.cdiff.sign in memory)") : std::string();
  if (!text && options.sign_path) {
    internal::FindCdiffSign("", options, &text, &source);
  }
  Report r = internal::CheckCdiff(bytes, options.file_name, options, text, source, limits).report;
  r.path.clear();
  return r;
}

}  // namespace cvdguard
