// Verification of detached .sign files from the target's SHA-256
// (FORMAT.md 6, docs/sign.md).
#include "sign/sign_verifier.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <ctime>
#include <utility>

#include <openssl/err.h>
#include <openssl/objects.h>

#include "sign/sign_ssl.h"

namespace cvdguard::internal {
namespace {

constexpr std::string_view kMagic = "#clamsign-1.0";
constexpr std::string_view kFormat = "pkcs7-pem";

// Collects the findings of one line and decides its outcome.
struct LineState {
  SignLineResult* result;
  std::vector<Finding>* findings;

  void Add(Code code, std::string message) {
    Finding f;
    f.code = code;
    f.severity = DefaultSeverity(code);
    f.line = result->line;
    f.message = "line " + std::to_string(result->line) + ": " + message;
    findings->push_back(std::move(f));
    // The first finding at or above the line's worst severity explains it.
    if (!result->code || DefaultSeverity(code) > DefaultSeverity(*result->code)) {
      result->code = code;
      result->detail = message;
    }
  }
  void Malformed(Code code, std::string message) {
    result->malformed = true;
    result->outcome = SigOutcome::kCannotVerify;
    Add(code, std::move(message));
  }
};

void AddFileFinding(SignResult* r, Code code, std::string message) {
  Finding f;
  f.code = code;
  f.severity = DefaultSeverity(code);
  f.message = std::move(message);
  r->findings.push_back(std::move(f));
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Decimal digits only (no sign, no spaces), fitting 32 bits.
bool ParseFlevel(std::string_view s, std::uint32_t* out) {
  if (s.empty() || s.size() > 10) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::string ObjName(const ASN1_OBJECT* obj) {
  char buf[128];
  const int n = OBJ_obj2txt(buf, sizeof(buf), obj, 0);
  if (n <= 0) return "unknown";
  return std::string(buf, std::min(static_cast<std::size_t>(n), sizeof(buf) - 1));
}

Code ChainCode(int err) {
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return Code::kSignCertExpired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return Code::kSignCertNotYetValid;
    case X509_V_ERR_INVALID_PURPOSE:
      return Code::kSignWrongPurpose;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED:
      return Code::kSignChainUntrusted;
    default:
      return Code::kSignChainInvalid;
  }
}

struct Signer {
  CMS_SignerInfo* si;  // owned by the CMS object
  X509* cert;          // owned by the certificate stack
  bool has_attrs;
};

// Structural checks that decide whether the line can be verified at all
// (PKCS7_verify's "other errors": the line cannot verify, the next is tried).
bool CollectSigners(CMS_ContentInfo* cms, STACK_OF(X509) * certs, LineState* st,
                    std::vector<Signer>* signers) {
  if (CMS_is_detached(cms) != 1) {
    st->Add(Code::kSignNotDetached, "SignedData embeds content; a .sign must be detached");
    return false;
  }
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
  const int n = infos ? sk_CMS_SignerInfo_num(infos) : 0;
  if (n <= 0) {
    st->Add(Code::kSignNoSignerInfo, "SignedData has no SignerInfo");
    return false;
  }
  if (static_cast<std::size_t>(n) > kMaxSignerInfos) {
    st->Add(Code::kSignTooManySigners,
            std::to_string(n) + " SignerInfos; the limit is " + std::to_string(kMaxSignerInfos));
    return false;
  }
  for (int i = 0; i < n; ++i) {
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, i);
    X509* cert = nullptr;
    const int ncerts = certs ? sk_X509_num(certs) : 0;
    for (int c = 0; c < ncerts && cert == nullptr; ++c) {
      X509* candidate = sk_X509_value(certs, c);
      if (CMS_SignerInfo_cert_cmp(si, candidate) == 0) cert = candidate;
    }
    if (cert == nullptr) {
      st->Add(Code::kSignSignerNotFound,
              "signer certificate of SignerInfo " + std::to_string(i + 1) + " is not embedded");
      return false;
    }
    X509_ALGOR* dig = nullptr;
    X509_ALGOR* sig = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, &sig);
    const ASN1_OBJECT* dig_obj = nullptr;
    if (dig != nullptr) X509_ALGOR_get0(&dig_obj, nullptr, nullptr, dig);
    if (dig_obj == nullptr || OBJ_obj2nid(dig_obj) != NID_sha256) {
      st->Add(Code::kSignUnsupportedDigest,
              "digest algorithm " + (dig_obj ? ObjName(dig_obj) : std::string("(none)")) +
                  " is not SHA-256");
      return false;
    }
    EVP_PKEY* pkey = X509_get0_pubkey(cert);
    const int key_type = pkey ? EVP_PKEY_get_base_id(pkey) : NID_undef;
    if (key_type != EVP_PKEY_RSA && key_type != EVP_PKEY_RSA_PSS && key_type != EVP_PKEY_EC) {
      st->Add(Code::kSignUnsupportedAlgorithm, "signer key is neither RSA nor EC");
      return false;
    }
    const bool has_attrs = CMS_signed_get_attr_count(si) >= 0;
    if (!has_attrs) {
      // Without signed attributes the signature covers the content digest
      // directly; only the plain PKCS#1 v1.5 and ECDSA forms are supported.
      const ASN1_OBJECT* sig_obj = nullptr;
      if (sig != nullptr) X509_ALGOR_get0(&sig_obj, nullptr, nullptr, sig);
      const int sig_nid = sig_obj ? OBJ_obj2nid(sig_obj) : NID_undef;
      const bool rsa_ok = key_type == EVP_PKEY_RSA &&
                          (sig_nid == NID_rsaEncryption || sig_nid == NID_sha256WithRSAEncryption);
      const bool ec_ok = key_type == EVP_PKEY_EC &&
                         (sig_nid == NID_ecdsa_with_SHA256 || sig_nid == NID_X9_62_id_ecPublicKey);
      if (!rsa_ok && !ec_ok) {
        st->Add(Code::kSignUnsupportedAlgorithm,
                "signature algorithm " + (sig_obj ? ObjName(sig_obj) : std::string("(none)")) +
                    " without signed attributes is not supported");
        return false;
      }
    }
    signers->push_back({si, cert, has_attrs});
  }
  return true;
}

// Checks one SignerInfo against the digest: messageDigest and the signature
// over the signed attributes, or the signature over the digest itself.
void VerifySignerSignature(const Signer& s, const std::uint8_t (&digest)[32], LineState* st) {
  ERR_clear_error();
  if (s.has_attrs) {
    // -3: exactly one messageDigest attribute with exactly one value.
    const auto* md = static_cast<const ASN1_OCTET_STRING*>(CMS_signed_get0_data_by_OBJ(
        s.si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING));
    if (md == nullptr) {
      st->Add(Code::kSignMissingMessageDigest,
              "signed attributes lack exactly one messageDigest value");
    } else if (ASN1_STRING_length(md) != 32 ||
               std::memcmp(ASN1_STRING_get0_data(md), digest, 32) != 0) {
      st->Add(Code::kSignDigestMismatch, "messageDigest differs from the SHA-256 of the file");
    }
    CMS_SignerInfo_set1_signer_cert(s.si, s.cert);
    if (CMS_SignerInfo_verify(s.si) != 1) {
      st->Add(Code::kSignBadSignature,
              "signature over the signed attributes does not verify: " + TakeSslError());
    }
    return;
  }
  const ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(s.si);
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(X509_get0_pubkey(s.cert), nullptr));
  const bool ok = sig != nullptr && ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
                  EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1 &&
                  EVP_PKEY_verify(ctx.get(), ASN1_STRING_get0_data(sig),
                                  static_cast<std::size_t>(ASN1_STRING_length(sig)), digest,
                                  sizeof(digest)) == 1;
  if (!ok) {
    ERR_clear_error();
    st->Add(Code::kSignBadSignature,
            "signature over the file digest does not verify (no signed attributes)");
  }
}

// Builds and verifies the signer's chain as PKCS7_verify does: embedded
// certificates untrusted, the store trusted, the "smime_sign" defaults.
void VerifySignerChain(const Signer& s, STACK_OF(X509) * certs, const TrustStore& store,
                       const SignVerifyParams& params, LineState* st, bool record_chain) {
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.store.get(), s.cert, certs) != 1 ||
      X509_STORE_CTX_set_default(ctx.get(), "smime_sign") != 1) {
    st->Add(Code::kSignChainInvalid, "cannot set up chain verification: " + TakeSslError());
    return;
  }
  if (params.at_time) {
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()),
                               static_cast<std::time_t>(*params.at_time));
  }
  const int ok = X509_verify_cert(ctx.get());
  if (record_chain) {
    st->result->chain.clear();
    if (STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get())) {
      for (int i = 0; i < sk_X509_num(chain); ++i) {
        st->result->chain.push_back(SubjectString(sk_X509_value(chain, i)));
      }
    }
  }
  if (ok != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    std::string who;
    if (X509* bad = X509_STORE_CTX_get_current_cert(ctx.get())) who = SubjectString(bad);
    st->Add(ChainCode(err), std::string("certificate chain: ") +
                                X509_verify_cert_error_string(err) + " (depth " +
                                std::to_string(depth) + (who.empty() ? "" : ", " + who) + ")");
  }
  ERR_clear_error();
}

// Parses one signature line; on success *cms holds the SignedData.
bool ParseLine(std::string_view text, LineState* st, CmsPtr* cms) {
  // Base64 has no ':', so a well-formed line has exactly three.
  if (std::count(text.begin(), text.end(), ':') != 3) {
    st->Malformed(Code::kSignLineMalformed,
                  "expected 4 colon-separated fields min:max:format:data");
    return false;
  }
  std::string_view fields[4];
  std::string_view rest = text;
  for (int i = 0; i < 3; ++i) {
    const std::size_t colon = rest.find(':');
    fields[i] = rest.substr(0, colon);
    rest.remove_prefix(colon + 1);
  }
  fields[3] = rest;
  std::uint32_t min = 0, max = 0;
  if (!ParseFlevel(fields[0], &min)) {
    st->Malformed(Code::kSignBadFlevel, "min flevel is not a decimal 32-bit number");
    return false;
  }
  st->result->min_flevel = min;
  if (!fields[1].empty()) {
    if (!ParseFlevel(fields[1], &max)) {
      st->Malformed(Code::kSignBadFlevel, "max flevel is not empty or a decimal 32-bit number");
      return false;
    }
    st->result->max_flevel = max;
    if (max < min) {
      st->Malformed(Code::kSignBadFlevel, "max flevel " + std::to_string(max) +
                                              " is below min flevel " + std::to_string(min));
      return false;
    }
  }
  if (fields[2] != kFormat) {
    st->Malformed(Code::kSignUnknownFormat,
                  "format \"" + std::string(fields[2].substr(0, 32)) + "\" is not pkcs7-pem");
    return false;
  }
  if (min < kMinSignFlevel) {
    st->Malformed(Code::kSignFlevelTooLow, "min flevel " + std::to_string(min) + " is below " +
                                               std::to_string(kMinSignFlevel));
    return false;
  }
  std::vector<std::uint8_t> der;
  if (!Base64Decode(fields[3], &der) || der.empty()) {
    st->Malformed(Code::kSignBadBase64, "signature data is not canonical standard base64");
    return false;
  }
  ERR_clear_error();
  const unsigned char* p = der.data();
  cms->reset(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));  // NOLINT
  if (!*cms) {
    st->Malformed(Code::kSignBadDer, "not a DER CMS ContentInfo: " + TakeSslError());
    return false;
  }
  if (p != der.data() + der.size()) {
    st->Malformed(Code::kSignBadDer, std::to_string(der.data() + der.size() - p) +
                                         " bytes follow the DER ContentInfo");
    return false;
  }
  if (OBJ_obj2nid(CMS_get0_type(cms->get())) != NID_pkcs7_signed) {
    st->Malformed(Code::kSignBadDer,
                  "ContentInfo is " + ObjName(CMS_get0_type(cms->get())) + ", not SignedData");
    return false;
  }
  return true;
}

void VerifyLine(CMS_ContentInfo* cms, const std::uint8_t (&digest)[32],
                const SignVerifyParams& params, LineState* st) {
  X509StackPtr certs(CMS_get1_certs(cms));
  std::vector<Signer> signers;
  if (!CollectSigners(cms, certs.get(), st, &signers)) {
    st->result->outcome = SigOutcome::kCannotVerify;
    return;
  }
  st->result->signer = SubjectString(signers.front().cert);
  for (const Signer& s : signers) VerifySignerSignature(s, digest, st);
  for (std::size_t i = 0; i < signers.size(); ++i) {
    VerifySignerChain(signers[i], certs.get(), *params.store, params, st, i == 0);
  }
  bool invalid = false;
  for (const Finding& f : *st->findings) {
    if (f.line == st->result->line && f.severity >= Severity::kError) invalid = true;
  }
  st->result->outcome = invalid ? SigOutcome::kInvalid : SigOutcome::kValid;
  if (!invalid) st->result->detail = "verified";
}

}  // namespace

SignResult VerifySignFile(std::string_view sign_text, const std::uint8_t (&target_sha256)[32],
                          const SignVerifyParams& params) {
  SignResult r;
  ERR_clear_error();
  if (sign_text.empty()) {
    r.detail = "no .sign text";
    AddFileFinding(&r, Code::kSignEmpty, r.detail);
    return r;
  }
  if (sign_text.size() > kMaxSignFileBytes) {
    r.detail = ".sign is " + std::to_string(sign_text.size()) + " bytes; the limit is " +
               std::to_string(kMaxSignFileBytes);
    AddFileFinding(&r, Code::kSignFileTooLarge, r.detail);
    return r;
  }
  const std::size_t first_end = sign_text.find('\n');
  const std::string_view first = sign_text.substr(0, first_end);
  if (first != kMagic) {
    r.detail = "first line is not exactly #clamsign-1.0";
    AddFileFinding(&r, Code::kSignMalformedHeader, r.detail);
    return r;
  }
  if (params.store == nullptr) {
    AddFileFinding(&r, Code::kSignNoTrustStore, "no trust store: the .sign cannot be verified");
  }

  bool too_many = false;
  std::size_t line_no = 1;
  std::size_t pos = first_end == std::string_view::npos ? sign_text.size() : first_end + 1;
  while (pos < sign_text.size()) {
    ++line_no;
    const std::size_t end = std::min(sign_text.find('\n', pos), sign_text.size());
    const std::string_view raw = sign_text.substr(pos, end - pos);
    pos = end + 1;

    SignLineResult line;
    line.line = line_no;
    LineState st{&line, &r.findings};
    if (raw.size() > kMaxSignLineBytes) {
      if (r.lines.size() >= kMaxSignLines) {
        too_many = true;
        break;
      }
      st.Malformed(Code::kSignLineTooLong, std::to_string(raw.size()) + " bytes; the limit is " +
                                               std::to_string(kMaxSignLineBytes));
      r.lines.push_back(std::move(line));
      continue;
    }
    const std::string_view text = Trim(raw);
    if (text.empty() || text.front() == '#') continue;
    if (r.lines.size() >= kMaxSignLines) {
      too_many = true;
      break;
    }
    if (text.size() != raw.size()) {
      st.Add(Code::kSignLineWhitespace, "surrounding whitespace ignored");
      line.code.reset();  // a remark, not the line's verdict
      line.detail.clear();
    }
    CmsPtr cms;
    if (ParseLine(text, &st, &cms)) {
      const std::uint32_t e = params.engine_flevel.value_or(0);
      if (params.engine_flevel &&
          (e < line.min_flevel || (line.max_flevel && e > *line.max_flevel))) {
        line.skipped = true;
        st.Add(Code::kSignFlevelExcluded,
               "engine flevel " + std::to_string(e) + " is outside the line's range");
      } else if (params.store == nullptr) {
        line.detail = "no trust store";
        line.code = Code::kSignNoTrustStore;
      } else {
        VerifyLine(cms.get(), target_sha256, params, &st);
      }
    }
    r.lines.push_back(std::move(line));
  }
  if (too_many) {
    AddFileFinding(&r, Code::kSignTooManyLines,
                   "more than " + std::to_string(kMaxSignLines) + " signature lines");
  }

  // ClamAV's rule: the first malformed, invalid or valid line decides.
  const SignLineResult* clamav_line = nullptr;
  for (const auto& l : r.lines) {
    if (l.malformed || (!l.skipped && l.outcome != SigOutcome::kCannotVerify)) {
      clamav_line = &l;
      break;
    }
  }
  if (clamav_line != nullptr) {
    r.clamav_outcome = clamav_line->malformed ? SigOutcome::kCannotVerify : clamav_line->outcome;
  }
  if (params.store == nullptr) r.clamav_outcome = SigOutcome::kCannotVerify;

  // Ours: invalid beats everything, a malformed line prevents valid.
  const SignLineResult* deciding = nullptr;
  const auto find = [&](auto pred) -> const SignLineResult* {
    for (const auto& l : r.lines) {
      if (pred(l)) return &l;
    }
    return nullptr;
  };
  if ((deciding = find([](const auto& l) { return l.outcome == SigOutcome::kInvalid; }))) {
    r.outcome = SigOutcome::kInvalid;
  } else if ((deciding = find([](const auto& l) { return l.malformed; })) || too_many) {
    r.outcome = SigOutcome::kCannotVerify;
  } else if ((deciding = find([](const auto& l) { return l.outcome == SigOutcome::kValid; }))) {
    r.outcome = SigOutcome::kValid;
  } else {
    r.outcome = SigOutcome::kCannotVerify;
    deciding = find([](const auto& l) { return !l.skipped && l.code.has_value(); });
  }

  if (deciding != nullptr) {
    r.signer = deciding->signer;
    r.chain = deciding->chain;
    r.detail = "line " + std::to_string(deciding->line) + ": " + deciding->detail;
  } else if (too_many) {
    r.detail = "more than " + std::to_string(kMaxSignLines) + " signature lines";
  } else if (params.store == nullptr) {
    r.detail = "no trust store";
  } else {
    const bool any = !r.lines.empty();
    r.detail =
        any ? "every signature line is outside the engine flevel range" : "no signature line";
    AddFileFinding(&r, Code::kSignNoUsableLine, r.detail);
  }
  if (params.store == nullptr && r.lines.empty()) {
    r.detail = "no trust store";
  }
  if (r.outcome != r.clamav_outcome) {
    AddFileFinding(&r, Code::kSignClamavDiffers,
                   std::string("ClamAV would decide ") +
                       std::string(SigOutcomeName(r.clamav_outcome)) +
                       " from the first decisive line; cvdguard decides " +
                       std::string(SigOutcomeName(r.outcome)));
  }
  ERR_clear_error();
  return r;
}

}  // namespace cvdguard::internal
