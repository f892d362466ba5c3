// The .sign trust store: CA certificates loaded with ClamAV's certs-directory
// rules (FORMAT.md 6.3), plus the OpenSSL helpers the sign module shares.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <system_error>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "sign/sign_ssl.h"
#include "sign/sign_verifier.h"

namespace cvdguard::internal {
namespace {

// Certificates are never encrypted; refuse any password prompt.
int NoPassword(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

bool ReadWholeFile(const std::filesystem::path& path, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open " + path.string();
    return false;
  }
  std::string data;
  char buf[8192];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > kMaxTrustFileBytes) {
      *error = path.string() + " is larger than the trust file limit";
      return false;
    }
  }
  if (in.bad()) {
    *error = "cannot read " + path.string();
    return false;
  }
  *out = std::move(data);
  return true;
}

void SetError(std::string* error, std::string text) {
  if (error != nullptr) *error = std::move(text);
}

// Builds the store from certificates gathered from `sources` (label, PEM).
std::shared_ptr<const TrustStore> BuildStore(
    const std::vector<std::pair<std::string, std::string>>& sources, std::string* error) {
  auto store = std::make_shared<TrustStore>();
  store->store.reset(X509_STORE_new());
  if (!store->store) {
    SetError(error, "out of memory");
    return nullptr;
  }
  std::set<std::string> cns;
  std::size_t count = 0;
  for (const auto& [label, pem] : sources) {
    std::vector<X509Ptr> certs;
    std::string why;
    if (!ReadPemCerts(pem, &certs, &why)) {
      SetError(error, label + ": unreadable PEM certificate: " + why);
      return nullptr;
    }
    if (certs.empty()) {
      SetError(error, label + ": no PEM certificate");
      return nullptr;
    }
    for (const auto& cert : certs) {
      if (++count > kMaxTrustCerts) {
        SetError(error, label + ": more than " + std::to_string(kMaxTrustCerts) + " certificates");
        return nullptr;
      }
      std::string cn;
      const std::string subject = SubjectString(cert.get());
      if (!SubjectCn(cert.get(), &cn)) {
        SetError(error, label + ": certificate without CN: " + subject);
        return nullptr;
      }
      // OpenSSL issue 16304: with two trusted certificates of the same name
      // chain building may pick the wrong one, so ClamAV refuses the store.
      if (!cns.insert(cn).second) {
        SetError(error, label + ": two certificates with CN \"" + cn + "\"");
        return nullptr;
      }
      if (X509_STORE_add_cert(store->store.get(), cert.get()) != 1) {
        SetError(error, label + ": cannot add certificate: " + TakeSslError());
        return nullptr;
      }
      store->subjects.push_back(subject);
    }
  }
  if (count == 0) {
    SetError(error, "no certificates found");
    return nullptr;
  }
  return store;
}

}  // namespace

BioPtr MemBio(std::string_view data) {
  // BIO_new_mem_buf takes an int and reads a negative length as "use
  // strlen", so larger inputs are refused instead of truncated.
  if (data.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return nullptr;
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string TakeSslError() {
  const unsigned long e = ERR_get_error();  // NOLINT(google-runtime-int): OpenSSL's type
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

bool ReadPemCerts(std::string_view pem, std::vector<X509Ptr>* out, std::string* error) {
  ERR_clear_error();
  BioPtr bio = MemBio(pem);
  if (!bio) {
    *error = "out of memory";
    return false;
  }
  for (;;) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassword, nullptr));
    if (!cert) {
      const unsigned long e = ERR_peek_last_error();  // NOLINT(google-runtime-int)
      if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
        ERR_clear_error();  // clean end of input
        return true;
      }
      *error = TakeSslError();
      return false;
    }
    out->push_back(std::move(cert));
  }
}

std::string SubjectString(const X509* cert) {
  const X509_NAME* name = X509_get_subject_name(cert);
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || name == nullptr) return {};
  constexpr unsigned long kFlags =  // NOLINT(google-runtime-int)
      XN_FLAG_RFC2253 & ~static_cast<unsigned long>(ASN1_STRFLGS_ESC_MSB);  // NOLINT
  if (X509_NAME_print_ex(bio.get(), name, 0, kFlags) < 0) return {};
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);  // NOLINT(google-runtime-int)
  if (len <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(len));
}

bool SubjectCn(const X509* cert, std::string* cn) {
  const X509_NAME* name = X509_get_subject_name(cert);
  if (name == nullptr) return false;
  const int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return false;
  const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, idx);
  const ASN1_STRING* data = entry ? X509_NAME_ENTRY_get_data(entry) : nullptr;
  if (data == nullptr) return false;
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return false;
  cn->assign(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return true;
}

std::shared_ptr<const TrustStore> LoadTrustStore(const std::string& path, std::string* error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path root(path);
  if (path.empty()) {
    SetError(error, "empty trust store path");
    return nullptr;
  }
  const fs::file_status st = fs::status(root, ec);
  if (ec || !fs::exists(st)) {
    SetError(error, "cannot access " + path + (ec ? ": " + ec.message() : ""));
    return nullptr;
  }
  std::vector<std::pair<std::string, std::string>> sources;
  if (fs::is_directory(st)) {
    std::vector<fs::path> files;
    fs::directory_iterator it(root, ec);
    if (ec) {
      SetError(error, "cannot read directory " + path + ": " + ec.message());
      return nullptr;
    }
    for (const fs::directory_iterator end; it != end; it.increment(ec)) {
      if (ec) break;
      const fs::path& p = it->path();
      const std::string ext = p.extension().string();
      if (ext != ".pem" && ext != ".crt") continue;  // exactly, case-sensitive
      std::error_code fec;
      if (!fs::is_regular_file(fs::status(p, fec))) continue;  // follows symlinks
      files.push_back(p);
    }
    if (ec) {
      SetError(error, "cannot read directory " + path + ": " + ec.message());
      return nullptr;
    }
    // Sorted, so errors and subject order do not depend on the file system.
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::string text, why;
      if (!ReadWholeFile(f, &text, &why)) {
        SetError(error, why);
        return nullptr;
      }
      sources.emplace_back(f.string(), std::move(text));
    }
    if (sources.empty()) {
      SetError(error, path + ": no .pem or .crt file");
      return nullptr;
    }
  } else {
    std::string text, why;
    if (!ReadWholeFile(root, &text, &why)) {
      SetError(error, why);
      return nullptr;
    }
    sources.emplace_back(path, std::move(text));
  }
  return BuildStore(sources, error);
}

std::shared_ptr<const TrustStore> LoadTrustStoreFromPem(std::string_view pem, std::string* error) {
  if (pem.size() > kMaxTrustFileBytes) {
    SetError(error, "trust PEM is larger than the trust file limit");
    return nullptr;
  }
  return BuildStore({{"<memory>", std::string(pem)}}, error);
}

std::vector<std::string> TrustStoreSubjects(const TrustStore& store) { return store.subjects; }

}  // namespace cvdguard::internal
