// Producing .sign files (as ClamAV's sigtool does) and the strict base64
// codec of the sign module.
#include <array>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "sign/sign_ssl.h"
#include "sign/sign_verifier.h"

namespace cvdguard::internal {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// 0-63 for alphabet characters, -1 otherwise.
constexpr std::array<signed char, 256> MakeDecodeTable() {
  std::array<signed char, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) {
    t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<signed char>(i);
  }
  return t;
}
constexpr std::array<signed char, 256> kDecode = MakeDecodeTable();

int NoPassword(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

bool Fail(std::string* error, std::string text) {
  if (error != nullptr) *error = std::move(text);
  return false;
}

}  // namespace

std::string Base64Encode(const std::uint8_t* data, std::size_t size) {
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) |
                            std::uint32_t{data[i + 2]};
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (const std::size_t rest = size - i; rest > 0) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    if (rest == 2) v |= std::uint32_t{data[i + 1]} << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool Base64Decode(std::string_view text, std::vector<std::uint8_t>* out) {
  out->clear();
  if (text.size() % 4 != 0) return false;
  out->reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + static_cast<std::size_t>(k)];
      if (c == '=') {
        // Padding only in the last quantum, only in its last two places.
        if (!last || k < 2) return false;
        ++pad;
        v[k] = 0;
        continue;
      }
      if (pad > 0) return false;  // data after '='
      v[k] = kDecode[static_cast<unsigned char>(c)];
      if (v[k] < 0) return false;
    }
    const std::uint32_t bits =
        (static_cast<std::uint32_t>(v[0]) << 18) | (static_cast<std::uint32_t>(v[1]) << 12) |
        (static_cast<std::uint32_t>(v[2]) << 6) | static_cast<std::uint32_t>(v[3]);
    // Canonical form: the bits under the padding are zero.
    if ((pad == 1 && (bits & 0xFF) != 0) || (pad == 2 && (bits & 0xFFFF) != 0)) return false;
    out->push_back(static_cast<std::uint8_t>(bits >> 16));
    if (pad < 2) out->push_back(static_cast<std::uint8_t>((bits >> 8) & 0xFF));
    if (pad < 1) out->push_back(static_cast<std::uint8_t>(bits & 0xFF));
  }
  return true;
}

bool CreateSignFile(std::string_view content, const std::string& signer_cert_pem,
                    const std::string& signer_key_pem, const std::string& extra_certs_pem,
                    std::uint32_t min_flevel, std::string* sign_text, std::string* error) {
  ERR_clear_error();
  if (min_flevel < kMinSignFlevel) {
    return Fail(error, "min flevel must be at least " + std::to_string(kMinSignFlevel));
  }
  std::vector<X509Ptr> signer_certs;
  std::string why;
  if (!ReadPemCerts(signer_cert_pem, &signer_certs, &why) || signer_certs.size() != 1) {
    return Fail(error, "signer certificate: expected one PEM certificate" +
                           (why.empty() ? std::string() : ": " + why));
  }
  BioPtr key_bio = MemBio(signer_key_pem);
  EvpPkeyPtr key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassword, nullptr)
                         : nullptr);
  if (!key) return Fail(error, "signer key: " + TakeSslError());
  if (X509_check_private_key(signer_certs[0].get(), key.get()) != 1) {
    return Fail(error, "signer key does not match the certificate: " + TakeSslError());
  }
  std::vector<X509Ptr> extra;
  if (!ReadPemCerts(extra_certs_pem, &extra, &why))
    return Fail(error, "extra certificates: " + why);
  X509StackPtr extra_stack(sk_X509_new_null());
  if (!extra_stack) return Fail(error, "out of memory");
  for (auto& cert : extra) {
    if (sk_X509_push(extra_stack.get(), cert.get()) <= 0) return Fail(error, "out of memory");
    cert.release();  // now owned by the stack
  }

  // Binary mode: no S/MIME text canonicalisation, the bytes are signed as
  // they are. SHA-256 is requested explicitly instead of relying on the
  // library default.
  constexpr unsigned int kFlags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL;
  CmsPtr cms(CMS_sign(nullptr, nullptr, extra_stack.get(), nullptr, kFlags));
  if (!cms) return Fail(error, "CMS_sign: " + TakeSslError());
  if (CMS_add1_signer(cms.get(), signer_certs[0].get(), key.get(), EVP_sha256(), kFlags) ==
      nullptr) {
    return Fail(error, "CMS_add1_signer: " + TakeSslError());
  }
  BioPtr data = MemBio(content);
  if (!data) return Fail(error, "content is too large to sign in memory");
  if (CMS_final(cms.get(), data.get(), nullptr, kFlags) != 1) {
    return Fail(error, "CMS_final: " + TakeSslError());
  }
  unsigned char* der = nullptr;
  const int len = i2d_CMS_ContentInfo(cms.get(), &der);
  if (len <= 0 || der == nullptr) return Fail(error, "i2d_CMS_ContentInfo: " + TakeSslError());
  std::string b64 = Base64Encode(der, static_cast<std::size_t>(len));
  OPENSSL_free(der);
  *sign_text = "#clamsign-1.0\n" + std::to_string(min_flevel) + "::pkcs7-pem:" + b64 + "\n";
  return true;
}

}  // namespace cvdguard::internal
