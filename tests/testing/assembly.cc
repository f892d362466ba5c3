#include "testing/assembly.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "archive/inflater.h"
#include "crypto/digest.h"
#include "crypto/dsig.h"
#include "header/header.h"
#include "testing/fixtures.h"

namespace cvdguard::testing {

void WriteTarItem(const TarItem& item, std::vector<std::uint8_t>* tar) {
  std::uint8_t h[512] = {};
  std::memcpy(h, item.name.data(), std::min<std::size_t>(item.name.size(), 100));
  const std::uint64_t size = item.declared_size.value_or(item.data.size());
  std::string size_text;
  if (item.size_field) {
    size_text = *item.size_field;
  } else {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%llo", static_cast<unsigned long long>(size));
    size_text = buf;
  }
  std::memcpy(h + 124, size_text.data(), std::min<std::size_t>(size_text.size(), 12));
  h[156] = static_cast<std::uint8_t>(item.type);
  if (item.ustar_magic) {
    std::memcpy(h + 257, "ustar\0" "00", 8);
  }
  if (!item.prefix.empty()) std::memcpy(h + 345, item.prefix.data(), std::min<std::size_t>(item.prefix.size(), 155));
  unsigned sum = 0;
  for (std::size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? 0x20u : h[i];
  if (item.bad_checksum) sum += 1;
  char chk[8];
  std::snprintf(chk, sizeof(chk), "%06o", sum);
  std::memcpy(h + 148, chk, 6);
  tar->insert(tar->end(), h, h + 512);
  tar->insert(tar->end(), item.data.begin(), item.data.end());
  tar->insert(tar->end(), (512 - item.data.size() % 512) % 512, 0);
}

std::vector<std::uint8_t> Assemble(const Assembly& a) {
  using namespace cvdguard::internal;
  HeaderFields h;
  h.build_time = FormatBuildTime(a.stime, a.utc_offset_minutes);
  h.version = a.version;
  h.sigs = a.sigs;
  h.flevel = a.flevel;
  h.builder = a.builder;
  h.stime = static_cast<std::uint64_t>(a.stime);
  h.md5 = "X";
  h.dsig = "X";
  const bool signed_kind = a.kind != Kind::kCud;

  std::string info = HeaderText(h) + "\n";
  for (const auto& [name, content] : a.members) {
    info += name + ":" + std::to_string(content.size()) + ":" +
            HexLower(Sha256::Of(AsBytes(content))) + "\n";
  }
  if (a.edit_info_unsigned) a.edit_info_unsigned(info);
  if (signed_kind) {
    std::string dsig, error;
    if (!SignPssDsig(Sha256::Of(AsBytes(info)), InfoKey().private_pem, &dsig, &error)) {
      ADD_FAILURE() << error;
    }
    info += "DSIG:" + dsig + "\n";
  }
  if (a.edit_info_signed) a.edit_info_signed(info);

  std::vector<TarItem> items;
  items.push_back({"COPYING", a.copying});
  items.push_back({a.name + ".info", info});
  for (const auto& [name, content] : a.members) items.push_back({name, content});
  if (a.edit_tar_items) a.edit_tar_items(items);
  std::vector<std::uint8_t> tar;
  for (const auto& item : items) WriteTarItem(item, &tar);
  if (a.edit_tar) a.edit_tar(tar);

  std::vector<std::uint8_t> payload;
  if (a.kind == Kind::kCld && !a.compress) {
    payload = tar;
  } else if (!GzipCompress(tar, 9, &payload)) {
    ADD_FAILURE() << "gzip failed";
  }
  if (a.edit_payload) a.edit_payload(payload);

  if (a.kind != Kind::kCld) {
    Md5 md5;
    md5.Update(payload);
    const auto digest = md5.Final();
    h.md5 = HexLower(digest);
    if (a.kind == Kind::kCvd) {
      std::string error;
      if (!SignMd5Dsig(digest, CvdKey().private_pem, &h.dsig, &error)) ADD_FAILURE() << error;
    }
  }
  if (a.edit_header_fields) a.edit_header_fields(h);
  std::string text = HeaderText(h);
  if (a.edit_header_text) a.edit_header_text(text);
  if (text.size() < 512) text.resize(512, a.pad);
  std::vector<std::uint8_t> file(text.begin(), text.end());
  file.insert(file.end(), payload.begin(), payload.end());
  if (a.edit_file) a.edit_file(file);
  return file;
}

}  // namespace cvdguard::testing
