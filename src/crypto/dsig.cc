#include "crypto/dsig.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace cvdguard::internal {
namespace {

constexpr std::string_view kAlphabet =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";

// No legitimate dsig is longer than a few hundred digits (342 for a
// 2048-bit key); decoding is linear, but cap it so a hostile .info line
// cannot make us build a 40000-bit number per key.
constexpr std::size_t kMaxDsigChars = 1400;

int DigitValue(char c) {
  const auto pos = kAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

// PSS constants from FORMAT.md 3.4.
constexpr std::size_t kEmLen = 256;
constexpr std::size_t kHLen = 32;
constexpr std::size_t kDbLen = kEmLen - kHLen - 1;  // 223
constexpr std::size_t kSaltLen = 32;
constexpr std::size_t kOneIndex = kDbLen - kSaltLen - 1;  // 190

void Mgf1(const std::uint8_t* seed, std::size_t seed_len, std::uint8_t* mask,
          std::size_t mask_len) {
  std::size_t done = 0;
  for (std::uint32_t counter = 0; done < mask_len; ++counter) {
    Sha256 h;
    h.Update({seed, seed_len});
    const std::uint8_t c[4] = {static_cast<std::uint8_t>(counter >> 24),
                               static_cast<std::uint8_t>(counter >> 16),
                               static_cast<std::uint8_t>(counter >> 8),
                               static_cast<std::uint8_t>(counter)};
    h.Update({c, 4});
    const Sha256Digest block = h.Final();
    const std::size_t take = std::min(block.size(), mask_len - done);
    std::memcpy(mask + done, block.data(), take);
    done += take;
  }
}

Sha256Digest PssHash(const Sha256Digest& m_hash, const std::uint8_t* salt) {
  Sha256 h;
  const std::uint8_t zeros[8] = {};
  h.Update({zeros, 8});
  h.Update(m_hash);
  h.Update({salt, kSaltLen});
  return h.Final();
}

struct Decoded {
  BnPtr c;
  bool ok = false;
  bool redundant_digits = false;
  std::string detail;
};

Decoded Decode(std::string_view dsig) {
  Decoded d;
  if (dsig.empty()) {
    d.detail = "empty signature";
    return d;
  }
  if (dsig.size() > kMaxDsigChars) {
    d.detail = "signature has " + std::to_string(dsig.size()) + " digits, far more than any key needs";
    return d;
  }
  d.c.reset(BN_new());
  if (!d.c || !DecodeDsig(dsig, d.c.get())) {
    d.detail = "character outside ClamAV's base-64 alphabet";
    return d;
  }
  d.ok = true;
  d.redundant_digits = dsig.size() > 1 && dsig.back() == 'a';
  return d;
}

// m = c^e mod n. Returns nullptr on failure.
BnPtr ModExp(const BIGNUM* c, const RsaPublicKey& key, BN_CTX* ctx) {
  BnPtr m(BN_new());
  if (!m || BN_mod_exp(m.get(), c, key.e.get(), key.n.get(), ctx) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return m;
}

EvpPkeyPtr LoadPrivateKey(const std::string& pem, std::string* error) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EvpPkeyPtr pkey(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!pkey || EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_RSA) {
    ERR_clear_error();
    *error = "not a PEM RSA private key";
    return nullptr;
  }
  return pkey;
}

// Raw RSA private operation on a modulus-sized big-endian input.
bool RawSign(EVP_PKEY* pkey, const std::vector<std::uint8_t>& in, BIGNUM* out,
             std::string* error) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(pkey, nullptr));
  std::size_t sig_len = 0;
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) != 1 ||
      EVP_PKEY_sign(ctx.get(), nullptr, &sig_len, in.data(), in.size()) != 1) {
    ERR_clear_error();
    *error = "RSA signing failed";
    return false;
  }
  std::vector<std::uint8_t> sig(sig_len);
  if (EVP_PKEY_sign(ctx.get(), sig.data(), &sig_len, in.data(), in.size()) != 1) {
    ERR_clear_error();
    *error = "RSA signing failed (input not below the modulus?)";
    return false;
  }
  return BN_bin2bn(sig.data(), static_cast<int>(sig_len), out) != nullptr;
}

}  // namespace

bool DecodeDsig(std::string_view dsig, BIGNUM* out) {
  if (dsig.empty()) return false;
  BN_zero(out);
  // Little-endian digits: the last character is the most significant.
  for (std::size_t i = dsig.size(); i-- > 0;) {
    const int d = DigitValue(dsig[i]);
    if (d < 0) return false;
    if (BN_lshift(out, out, 6) != 1 || BN_add_word(out, static_cast<BN_ULONG>(d)) != 1) {
      ERR_clear_error();
      return false;
    }
  }
  return true;
}

std::string EncodeDsig(const BIGNUM* v) {
  BnPtr t(BN_dup(v));
  std::string out;
  if (!t) return out;
  while (!BN_is_zero(t.get())) {
    // BN_div_word returns the remainder.
    const BN_ULONG digit = BN_div_word(t.get(), 64);
    out += kAlphabet[digit];
  }
  if (out.empty()) out = "a";
  return out;
}

DsigResult VerifyMd5Dsig(std::string_view dsig, const Md5Digest& md5, const KeyList& keys) {
  DsigResult r;
  Decoded d = Decode(dsig);
  if (!d.ok) {
    r.status = DsigStatus::kBadEncoding;
    r.detail = d.detail;
    return r;
  }
  BnCtxPtr ctx(BN_CTX_new());
  for (const auto& key : keys) {
    BnPtr m = ModExp(d.c.get(), *key, ctx.get());
    if (!m || BN_num_bytes(m.get()) > 16) continue;
    std::uint8_t buf[16];
    if (BN_bn2binpad(m.get(), buf, 16) != 16) continue;
    if (std::memcmp(buf, md5.data(), 16) != 0) continue;
    r.status = DsigStatus::kValid;
    r.key_label = key->label;
    if (BN_cmp(d.c.get(), key->n.get()) >= 0) {
      r.noncanonical = true;
      r.detail = "signature value is not below the modulus";
    } else if (d.redundant_digits) {
      r.noncanonical = true;
      r.detail = "signature has redundant trailing zero digits";
    }
    return r;
  }
  r.status = DsigStatus::kInvalid;
  r.detail = keys.empty() ? "no trusted key" : "does not verify with any trusted key";
  return r;
}

DsigResult VerifyPssDsig(std::string_view dsig, const Sha256Digest& hash, const KeyList& keys) {
  DsigResult r;
  Decoded d = Decode(dsig);
  if (!d.ok) {
    r.status = DsigStatus::kBadEncoding;
    r.detail = d.detail;
    return r;
  }
  BnCtxPtr ctx(BN_CTX_new());
  for (const auto& key : keys) {
    BnPtr m = ModExp(d.c.get(), *key, ctx.get());
    if (!m || BN_num_bytes(m.get()) > static_cast<int>(kEmLen)) continue;
    std::array<std::uint8_t, kEmLen> em{};
    if (BN_bn2binpad(m.get(), em.data(), static_cast<int>(kEmLen)) != static_cast<int>(kEmLen)) continue;
    if (em[kEmLen - 1] != 0xBC) continue;
    const std::uint8_t* h = em.data() + kDbLen;
    std::array<std::uint8_t, kDbLen> db{};
    Mgf1(h, kHLen, db.data(), kDbLen);
    for (std::size_t i = 0; i < kDbLen; ++i) db[i] ^= em[i];
    db[0] &= 0x7F;
    const auto one = std::find(db.begin(), db.end(), std::uint8_t{1});
    if (one == db.end()) continue;
    const auto one_index = static_cast<std::size_t>(one - db.begin());
    if (one_index != kOneIndex) continue;
    const Sha256Digest expect = PssHash(hash, db.data() + kOneIndex + 1);
    if (std::memcmp(expect.data(), h, kHLen) != 0) continue;
    r.status = DsigStatus::kValid;
    r.key_label = key->label;
    // A standard encoder leaves the padding string zero (bit 6 of DB[0] is
    // mask residue for a 2047-bit modulus, see FORMAT.md 3.4).
    bool padding_zero = (db[0] & 0xBF) == 0;
    for (std::size_t i = 1; i < kOneIndex && padding_zero; ++i) padding_zero = db[i] == 0;
    if (BN_cmp(d.c.get(), key->n.get()) >= 0) {
      r.noncanonical = true;
      r.detail = "signature value is not below the modulus";
    } else if (d.redundant_digits) {
      r.noncanonical = true;
      r.detail = "signature has redundant trailing zero digits";
    } else if (!padding_zero) {
      r.noncanonical = true;
      r.detail = "PSS padding string is not zero";
    }
    return r;
  }
  r.status = DsigStatus::kInvalid;
  r.detail = keys.empty() ? "no trusted key" : "does not verify with any trusted key";
  return r;
}

bool SignMd5Dsig(const Md5Digest& md5, const std::string& private_pem, std::string* dsig,
                 std::string* error) {
  EvpPkeyPtr pkey = LoadPrivateKey(private_pem, error);
  if (!pkey) return false;
  const int k = EVP_PKEY_get_size(pkey.get());
  if (k < 17) {
    *error = "key too small for an MD5 dsig";
    return false;
  }
  std::vector<std::uint8_t> in(static_cast<std::size_t>(k), 0);
  std::memcpy(in.data() + in.size() - 16, md5.data(), 16);
  BnPtr s(BN_new());
  if (!RawSign(pkey.get(), in, s.get(), error)) return false;
  *dsig = EncodeDsig(s.get());
  return true;
}

bool SignPssDsig(const Sha256Digest& hash, const std::string& private_pem, std::string* dsig,
                 std::string* error) {
  EvpPkeyPtr pkey = LoadPrivateKey(private_pem, error);
  if (!pkey) return false;
  const int k = EVP_PKEY_get_size(pkey.get());
  if (k < static_cast<int>(kEmLen)) {
    *error = "PSS-style dsig needs a modulus of at least 2041 bits (2048 recommended)";
    return false;
  }
  // With a modulus just under 2048 bits the encoded value can exceed n;
  // a fresh salt gives a new value, so retry a few times.
  for (int attempt = 0; attempt < 64; ++attempt) {
    std::uint8_t salt[kSaltLen];
    if (RAND_bytes(salt, static_cast<int>(kSaltLen)) != 1) {
      *error = "no randomness";
      return false;
    }
    const Sha256Digest h = PssHash(hash, salt);
    std::array<std::uint8_t, kDbLen> db{};
    db[kOneIndex] = 0x01;
    std::memcpy(db.data() + kOneIndex + 1, salt, kSaltLen);
    std::array<std::uint8_t, kDbLen> mask{};
    Mgf1(h.data(), kHLen, mask.data(), kDbLen);
    std::vector<std::uint8_t> in(static_cast<std::size_t>(k), 0);
    std::uint8_t* em = in.data() + (in.size() - kEmLen);
    for (std::size_t i = 0; i < kDbLen; ++i) em[i] = db[i] ^ mask[i];
    em[0] &= 0x7F;
    std::memcpy(em + kDbLen, h.data(), kHLen);
    em[kEmLen - 1] = 0xBC;
    BnPtr s(BN_new());
    std::string ignored;
    if (RawSign(pkey.get(), in, s.get(), &ignored)) {
      *dsig = EncodeDsig(s.get());
      return true;
    }
  }
  *error = "could not produce a PSS-style signature with this key";
  return false;
}

}  // namespace cvdguard::internal
