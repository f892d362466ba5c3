// Container builder: ClamAV's tar dialect, .info manifest, gzip, header,
// legacy signatures with caller-supplied keys.
#include "cvdguard/builder.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "archive/inflater.h"
#include "archive/tar_walker.h"
#include "crypto/digest.h"
#include "crypto/dsig.h"
#include "header/header.h"
#include "manifest/names.h"
#include "sign/sign_verifier.h"

namespace cvdguard {
namespace {

std::int64_t CountSignatures(const BuildSpec& spec) {
  std::int64_t n = 0;
  for (const auto& [name, content] : spec.members) {
    if (!internal::HasDbExtension(name)) continue;
    std::size_t pos = 0;
    while (pos < content.size()) {
      std::size_t lf = content.find('\n', pos);
      if (lf == std::string::npos) lf = content.size();
      const std::string_view line(content.data() + pos, lf - pos);
      if (!line.empty() && line.front() != '#') ++n;
      pos = lf + 1;
    }
  }
  return n;
}

}  // namespace

bool BuildContainer(const BuildSpec& spec, std::vector<std::uint8_t>* out, std::string* error) {
  if (spec.kind != Kind::kCvd && spec.kind != Kind::kCld && spec.kind != Kind::kCud) {
    *error = "the builder writes .cvd, .cld or .cud containers";
    return false;
  }
  if (spec.name.empty() || spec.name.find_first_of(":/\\.-") != std::string::npos) {
    *error = "database name must be non-empty and contain no ':', '/', '\\', '.' or '-'";
    return false;
  }
  if (spec.builder.empty() || spec.builder.find(':') != std::string::npos) {
    *error = "builder must be non-empty and contain no ':'";
    return false;
  }
  if (spec.stime < 0 || spec.stime > 0xFFFFFFFFLL) {
    *error = "stime must fit in 32 bits";
    return false;
  }
  const bool signed_kind = spec.kind != Kind::kCud;
  if (signed_kind && spec.info_key_pem.empty()) {
    *error = "a signed container needs an info key (--info-key)";
    return false;
  }
  if (spec.kind == Kind::kCvd && spec.cvd_key_pem.empty()) {
    *error = "a .cvd needs a cvd key (--cvd-key)";
    return false;
  }
  HeaderFields h;
  h.build_time = internal::FormatBuildTime(spec.stime, spec.utc_offset_minutes);
  h.version = spec.version;
  h.sigs = static_cast<std::uint32_t>(spec.sigs >= 0 ? spec.sigs : CountSignatures(spec));
  h.flevel = spec.flevel;
  h.builder = spec.builder;
  h.stime = static_cast<std::uint64_t>(spec.stime);
  h.md5 = "X";
  h.dsig = "X";

  // The manifest.
  std::string info = internal::HeaderText(h) + "\n";
  for (const auto& [name, content] : spec.members) {
    info += name + ":" + std::to_string(content.size()) + ":" +
            internal::HexLower(internal::Sha256::Of(cvdguard::AsBytes(content))) + "\n";
  }
  if (signed_kind) {
    std::string dsig;
    if (!internal::SignPssDsig(internal::Sha256::Of(cvdguard::AsBytes(info)), spec.info_key_pem,
                               &dsig, error)) {
      *error = "info key: " + *error;
      return false;
    }
    info += "DSIG:" + dsig + "\n";
  }

  // The tar, in ClamAV's dialect.
  std::vector<std::uint8_t> tar;
  bool ok = internal::AppendTarMember("COPYING", cvdguard::AsBytes(spec.copying), &tar) &&
            internal::AppendTarMember(spec.name + ".info", cvdguard::AsBytes(info), &tar);
  for (const auto& [name, content] : spec.members) {
    ok = ok && internal::AppendTarMember(name, cvdguard::AsBytes(content), &tar);
    if (!ok) {
      *error = "member name '" + name + "' does not fit a tar header (1-99 bytes)";
      return false;
    }
  }
  if (!ok) {
    *error = "cannot write the tar";
    return false;
  }
  std::vector<std::uint8_t> payload;
  if (spec.kind == Kind::kCld && !spec.compress) {
    payload = std::move(tar);
  } else if (!internal::GzipCompress(tar, spec.gzip_level, &payload)) {
    *error = "gzip compression failed";
    return false;
  }

  if (spec.kind != Kind::kCld) {
    internal::Md5 md5;
    md5.Update(payload);
    const auto digest = md5.Final();
    h.md5 = internal::HexLower(digest);
    if (spec.kind == Kind::kCvd) {
      if (!internal::SignMd5Dsig(digest, spec.cvd_key_pem, &h.dsig, error)) {
        *error = "cvd key: " + *error;
        return false;
      }
    }
  }
  std::string header = internal::HeaderText(h);
  if (header.size() > internal::kHeaderSize) {
    *error = "header text is " + std::to_string(header.size()) + " bytes, over 512 (key too large?)";
    return false;
  }
  header.resize(internal::kHeaderSize, ' ');
  out->assign(header.begin(), header.end());
  out->insert(out->end(), payload.begin(), payload.end());
  return true;
}

bool BuildSignFile(const std::vector<std::uint8_t>& content, const std::string& signer_cert_pem,
                   const std::string& signer_key_pem, const std::string& chain_pem,
                   std::uint32_t min_flevel, std::string* sign_text, std::string* error) {
  return internal::CreateSignFile(
      std::string_view(reinterpret_cast<const char*>(content.data()), content.size()),
      signer_cert_pem, signer_key_pem, chain_pem, min_flevel, sign_text, error);
}

bool GenerateRsaKey(int bits, std::string* private_pem, std::string* public_pem,
                    std::string* error) {
  internal::EvpPkeyPtr pkey(EVP_RSA_gen(static_cast<unsigned int>(bits)));
  if (!pkey) {
    ERR_clear_error();
    *error = "RSA key generation failed";
    return false;
  }
  auto to_string = [](BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(len));
  };
  internal::BioPtr priv(BIO_new(BIO_s_mem()));
  internal::BioPtr pub(BIO_new(BIO_s_mem()));
  if (!priv || !pub ||
      PEM_write_bio_PrivateKey(priv.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_PUBKEY(pub.get(), pkey.get()) != 1) {
    ERR_clear_error();
    *error = "cannot write PEM";
    return false;
  }
  *private_pem = to_string(priv.get());
  *public_pem = to_string(pub.get());
  return true;
}

}  // namespace cvdguard
