#include "testing/corruption_cases.h"

#include <gtest/gtest.h>

#include <cctype>

#include "archive/inflater.h"
#include "crypto/digest.h"

namespace cvdguard::testing {
namespace {

void Replace(std::string& s, const std::string& from, const std::string& to) {
  const auto pos = s.find(from);
  ASSERT_NE(pos, std::string::npos) << from;
  s.replace(pos, from.size(), to);
}

std::vector<std::uint8_t> SecondGzipMember() {
  std::vector<std::uint8_t> gz;
  const std::string extra = "more data";
  internal::GzipCompress(cvdguard::AsBytes(extra), 9, &gz);
  return gz;
}

}  // namespace

const std::vector<Case>& CorruptionCases() {
  static const std::vector<Case> cases = {
    // Header (rows 1-7, H1-H10)
    {"Row01_TruncatedHeader", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_file = [](auto& f) { f.resize(300); };
     }, Code::kHeaderTruncated, false},
    {"Row01_HeaderOnlyPlusSixBytes", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_file = [](auto& f) { f.resize(518); };
     }, Code::kHeaderTruncated, false},
    {"Row02_WrongMagic", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_header_text = [](std::string& t) { Replace(t, "ClamAV-VDB", "ClamAV-VDX"); };
     }, Code::kHeaderBadMagic, false},
    {"Row03_MissingField", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_header_text = [](std::string& t) { Replace(t, ":tester", ""); };
     }, Code::kHeaderFieldCount, false},
    {"Row03_NonNumericVersion", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_header_text = [](std::string& t) { Replace(t, ":7:4:", ":7x:4:"); };
     }, Code::kHeaderBadNumber, false},
    {"Row03_PlusSignedVersion", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_header_text = [](std::string& t) { Replace(t, ":7:4:", ":+7:4:"); };
     }, Code::kHeaderNonCanonicalNumber, false},
    {"Row03_VersionOverflow", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_header_text = [](std::string& t) { Replace(t, ":7:4:", ":4294967296:4:"); };
     }, Code::kHeaderBadNumber, false},
    {"Row04_NulPadding", [](Assembly& a, VerifyOptions&, std::string&) { a.pad = '\0'; },
     Code::kHeaderBadPadding, false},
    {"Row04_LfInPadding", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_header_text = [](std::string& t) { t += "\n"; };
     }, Code::kHeaderBadPadding, false},
    {"H3_NonPrintableInBuilder", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_header_text = [](std::string& t) { Replace(t, "tester", "te\x01ster"); };
     }, Code::kHeaderNotPrintable, false},
    {"Row05_UppercaseMd5", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_header_fields = [](HeaderFields& h) {
         for (char& c : h.md5) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
         if (h.md5.find_first_of("ABCDEF") == std::string::npos) h.md5[0] = 'A';
       };
     }, Code::kHeaderBadMd5Field, false},
    {"Row05_WrongMd5", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_header_fields = [](HeaderFields& h) { h.md5[5] = h.md5[5] == '0' ? '1' : '0'; };
     }, Code::kMd5Mismatch, false},
    {"Row06_DsigAltered", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_header_fields = [](HeaderFields& h) { h.dsig[10] = h.dsig[10] == 'b' ? 'c' : 'b'; };
     }, Code::kDsigInvalid, false},
    {"Row06_DsigBadCharacter", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_header_fields = [](HeaderFields& h) { h.dsig[10] = '!'; };
     }, Code::kHeaderBadDsigField, false},
    {"S6_DsigRedundantDigit", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_header_fields = [](HeaderFields& h) { h.dsig += "a"; };
     }, Code::kDsigNonCanonical, false},
    {"S6_DsigRedundantDigitAllowedAsWarning", [](Assembly& a, VerifyOptions& o, std::string&) {
       a.edit_header_fields = [](HeaderFields& h) { h.dsig += "a"; };
       o.strict_signature_encoding = false;
     }, Code::kDsigNonCanonical, true},
    {"Row07_Md5FieldNot32Chars", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_header_fields = [](HeaderFields& h) { h.md5.pop_back(); };
     }, Code::kHeaderBadMd5Field, false},
    {"H7_BuildTimeMalformed", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_header_fields = [](HeaderFields& h) { h.build_time = "yesterday"; };
     }, Code::kHeaderBadBuildTime, false},
    {"H7_BuildTimeDisagreesWithStime", [](Assembly& a, VerifyOptions&, std::string&) {
       // Same (wrong) build time in the header and the signed .info.
       a.edit_header_fields = [](HeaderFields& h) { Replace(h.build_time, "22 Jun", "12 Jun"); };
       a.edit_info_unsigned = [](std::string& info) { Replace(info, "22 Jun", "12 Jun"); };
     }, Code::kHeaderBuildTimeMismatch, true},
    // Payload (rows 8-15)
    {"Row08_PayloadTruncated", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_file = [](auto& f) { f.resize(f.size() - 100); };
     }, Code::kMd5Mismatch, false},
    {"Row09_TrailingGarbageCvd", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_file = [](auto& f) { f.push_back('j'); f.push_back('k'); };
     }, Code::kMd5Mismatch, false},
    {"Row10_TrailingGarbageAfterGzipCud", [](Assembly& a, VerifyOptions&, std::string& fn) {
       a.kind = Kind::kCud;
       fn = "test.cud";
       a.edit_payload = [](auto& p) { p.push_back('j'); };
     }, Code::kGzipTrailingData, false},
    {"Row10_TrailingGarbageAfterGzipCld", [](Assembly& a, VerifyOptions&, std::string& fn) {
       a.kind = Kind::kCld;
       fn = "test.cld";
       a.edit_payload = [](auto& p) { p.push_back('j'); };
     }, Code::kGzipTrailingData, false},
    {"Row11_TrailingGarbageAfterRawTar", [](Assembly& a, VerifyOptions&, std::string& fn) {
       a.kind = Kind::kCld;
       a.compress = false;
       fn = "test.cld";
       a.edit_tar = [](auto& t) { t.insert(t.end(), 100, 'x'); };
     }, Code::kTarTruncated, false},
    {"Row12_SecondGzipMember", [](Assembly& a, VerifyOptions&, std::string& fn) {
       a.kind = Kind::kCud;
       fn = "test.cud";
       a.edit_payload = [](auto& p) { auto g = SecondGzipMember(); p.insert(p.end(), g.begin(), g.end()); };
     }, Code::kGzipMultipleMembers, false},
    {"Row13_GzipTruncated", [](Assembly& a, VerifyOptions&, std::string& fn) {
       a.kind = Kind::kCud;
       fn = "test.cud";
       a.edit_payload = [](auto& p) { p.resize(p.size() - 20); };
     }, Code::kGzipTruncated, false},
    {"Row14_GzipCrcWrong", [](Assembly& a, VerifyOptions&, std::string& fn) {
       a.kind = Kind::kCud;
       fn = "test.cud";
       a.edit_payload = [](auto& p) { p[p.size() - 8] ^= 0x01; };
     }, Code::kGzipCrcMismatch, false},
    {"Row14_GzipIsizeWrong", [](Assembly& a, VerifyOptions&, std::string& fn) {
       a.kind = Kind::kCud;
       fn = "test.cud";
       a.edit_payload = [](auto& p) { p[p.size() - 3] ^= 0x01; };
     }, Code::kGzipLengthMismatch, false},
    {"Row15_RawTarNotStartingWithCopying", [](Assembly& a, VerifyOptions&, std::string& fn) {
       a.kind = Kind::kCld;
       a.compress = false;
       fn = "test.cld";
       a.edit_tar_items = [](auto& items) { std::swap(items[0], items[1]); };
     }, Code::kPayloadUnknownFormat, false},
    {"A1_RawTarInCvd", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_payload = [](auto& p) {
         std::vector<std::uint8_t> tar;
         WriteTarItem({"COPYING", "x"}, &tar);
         p = tar;
       };
     }, Code::kPayloadRawTarNotCld, false},
    // Tar (rows 16-24)
    {"Row16_TarChecksumWrong", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items[2].bad_checksum = true; };
     }, Code::kTarBadChecksum, false},
    {"Row17_NameWithSlashTraversal", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.push_back({"../evil.hdb", "x\n"}); };
     }, Code::kTarBadName, false},
    {"Row17_AbsoluteName", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.push_back({"/etc/evil.hdb", "x\n"}); };
     }, Code::kTarBadName, false},
    {"Row18_NameWithBackslash", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.push_back({"a\\b.hdb", "x\n"}); };
     }, Code::kTarBadName, false},
    {"Row18_NameDotDot", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.push_back({"..", "x\n"}); };
     }, Code::kTarBadName, false},
    {"Row18_NameWithControlChar", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.push_back({"a\x07.hdb", "x\n"}); };
     }, Code::kTarBadName, false},
    {"Row19_Symlink", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.push_back({"link.hdb", "", '2'}); };
     }, Code::kTarBadType, false},
    {"Row19_Hardlink", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.push_back({"link.hdb", "", '1'}); };
     }, Code::kTarBadType, false},
    {"Row19_Device", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.push_back({"dev.hdb", "", '3'}); };
     }, Code::kTarBadType, false},
    {"Row19_Fifo", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.push_back({"fifo.hdb", "", '6'}); };
     }, Code::kTarBadType, false},
    {"Row20_Directory", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.push_back({"dir", "", '5'}); };
     }, Code::kTarDirectory, false},
    {"Row21_PaxHeader", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) {
         items.insert(items.begin() + 2, TarItem{"PaxHeader", "20 path=test.hdb\n", 'x'});
       };
     }, Code::kTarExtendedHeader, false},
    {"Row21_GnuLongName", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) {
         items.insert(items.begin() + 2, TarItem{"././@LongLink", std::string(120, 'x') + ".ndb", 'L'});
       };
     }, Code::kTarExtendedHeader, false},
    {"A7_UstarPrefix", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) {
         items[2].ustar_magic = true;
         items[2].prefix = "sub";
       };
     }, Code::kTarUstarPrefix, false},
    {"Row22_DuplicateIdentical", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.push_back(items[2]); };
     }, Code::kTarDuplicateMember, false},
    {"Row23_DuplicateDifferent", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { auto x = items[2]; x.data += "#\n"; items.push_back(x); };
     }, Code::kTarDuplicateMember, false},
    {"A10_DuplicateDifferingInCase", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { auto x = items[2]; x.name = "TEST.hdb"; items.push_back(x); };
     }, Code::kTarDuplicateMember, false},
    {"Row24_DataAfterZeroBlock", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar = [](auto& t) {
         t.insert(t.end(), 1024, 0);
         WriteTarItem({"evil.hdb", "x\n"}, &t);
       };
     }, Code::kTarDataAfterEnd, false},
    {"A9_ZeroBlocksAtEndAreFine", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar = [](auto& t) { t.insert(t.end(), 10240, 0); };
     }, Code::kInternalError, true},
    {"A8_SizeNotOctal", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items[2].size_field = "12x"; };
     }, Code::kTarBadSize, false},
    {"A8_SizeEmpty", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items[2].size_field = ""; };
     }, Code::kTarBadSize, false},
    {"A11_CopyingNotFirst", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { std::swap(items[0], items[2]); };
     }, Code::kTarCopyingNotFirst, false},
    {"A11_InfoNotSecond", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { std::swap(items[1], items[2]); };
     }, Code::kTarInfoNotSecond, false},
    // Manifest (rows 25-34)
    {"Row25_InfoMissing", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.erase(items.begin() + 1); };
     }, Code::kTarInfoMissing, false},
    {"Row26_TwoInfos", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { auto x = items[1]; x.name = "other.info"; items.push_back(x); };
     }, Code::kTarMultipleInfo, false},
    {"A12_InfoNamedForAnotherDatabase", [](Assembly& a, VerifyOptions&, std::string& fn) {
       fn = "daily.cvd";
     }, Code::kNameMismatch, true},
    {"Row27_InfoEditedAfterSigning", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_info_signed = [](std::string& info) { Replace(info, "test.hdb:", "test.hdb:1"); };
     }, Code::kInfoDsigInvalid, false},
    {"Row27_InfoDsigAltered", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_info_signed = [](std::string& info) {
         const auto pos = info.find("DSIG:") + 10;
         info[pos] = info[pos] == 'b' ? 'c' : 'b';
       };
     }, Code::kInfoDsigInvalid, false},
    {"S9_InfoDsigRedundantDigit", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_info_signed = [](std::string& info) { info.insert(info.size() - 1, "a"); };
     }, Code::kInfoDsigNonCanonical, false},
    {"Row28_InfoWithoutFinalNewline", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_info_signed = [](std::string& info) { info.pop_back(); };
     }, Code::kInfoNoFinalNewline, false},
    {"Row29_TextAfterDsig", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_info_signed = [](std::string& info) { info += "extra:1:00\n"; };
     }, Code::kInfoDataAfterDsig, false},
    {"Row30_InfoVersionDiffers", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_info_unsigned = [](std::string& info) { Replace(info, ":7:4:", ":8:4:"); };
     }, Code::kInfoHeaderMismatch, false},
    {"Row30_InfoSigsDiffers", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_info_unsigned = [](std::string& info) { Replace(info, ":7:4:", ":7:5:"); };
     }, Code::kInfoHeaderMismatch, false},
    {"Row31_InfoBuilderDiffers", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_info_unsigned = [](std::string& info) { Replace(info, ":tester:", ":someone:"); };
     }, Code::kInfoHeaderTextMismatch, false},
    {"Row31_HeaderBuildTimeDiffersFromInfo", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_header_fields = [](HeaderFields& h) { Replace(h.build_time, "Jun", "Jul"); };
     }, Code::kInfoHeaderTextMismatch, false},
    {"Row32_MemberNotListed", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_info_unsigned = [](std::string& info) {
         const auto pos = info.find("test.ldb:");
         info.erase(pos, info.find('\n', pos) - pos + 1);
       };
     }, Code::kInfoMemberNotListed, false},
    {"I9_ListedOnlyInOtherCase", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_info_unsigned = [](std::string& info) { Replace(info, "test.ldb:", "TEST.ldb:"); };
     }, Code::kInfoNameCaseMismatch, false},
    {"Row33_ListedMemberAbsent", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.pop_back(); };
     }, Code::kInfoMemberMissing, false},
    {"Row34_MemberContentChanged", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items[3].data[0] ^= 1; };
     }, Code::kInfoHashMismatch, false},
    {"Row34_MemberSizeChanged", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items[3].data += "x"; };
     }, Code::kInfoSizeMismatch, false},
    {"I3_EntryWithoutHash", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_info_unsigned = [](std::string& info) { info += "test.fp:12\n"; };
     }, Code::kInfoBadEntry, false},
    {"I8_BlankLine", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_info_unsigned = [](std::string& info) { info += "\n"; };
     }, Code::kInfoBlankLine, false},
    {"I8_DuplicateEntry", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_info_unsigned = [](std::string& info) {
         const auto pos = info.find("test.ldb:");
         info += info.substr(pos, info.find('\n', pos) - pos + 1);
       };
     }, Code::kInfoDuplicateEntry, false},
    {"I8_CrInEntry", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_info_unsigned = [](std::string& info) { Replace(info, "\ntest.hdb", "\r\ntest.hdb"); };
     }, Code::kInfoBadBytes, false},
    {"I7_DsigMissing", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_info_signed = [](std::string& info) { info.erase(info.find("DSIG:")); };
     }, Code::kInfoDsigMissing, false},
    // Non-DB and nested members (rows 35-36)
    {"Row35_ExtraTextMember", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.push_back({"README.txt", "hello\n"}); };
     }, Code::kTarUnexpectedMember, false},
    {"Row35_StrayCdiffInCldIsAWarning", [](Assembly& a, VerifyOptions&, std::string& fn) {
       a.kind = Kind::kCld;
       fn = "test.cld";
       a.edit_tar_items = [](auto& items) { items.push_back({"test-8.cdiff", "ClamAV-Diff:8:0:"}); };
     }, Code::kTarStrayCdiffMember, true},
    {"Row35_CdiffInCvdIsAnError", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.push_back({"test-8.cdiff", "ClamAV-Diff:8:0:"}); };
     }, Code::kTarUnexpectedMember, false},
    {"Row36_NestedCvdMember", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.push_back({"evil.cvd", "x"}); };
     }, Code::kTarForbiddenExtension, false},
    {"Row36_IocMember", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items.push_back({"evil.ioc", "x"}); };
     }, Code::kTarForbiddenExtension, false},
    // Limits (row 37)
    {"Row37_MemberOverLimit", [](Assembly& a, VerifyOptions& o, std::string&) {
       a.members.push_back({"test.fp", std::string(5000, 'a')});
       o.limits.max_member_bytes = 4096;
     }, Code::kTarMemberTooLarge, false},
    {"Row37_MemberDeclares8GB", [](Assembly& a, VerifyOptions&, std::string&) {
       a.edit_tar_items = [](auto& items) { items[2].declared_size = std::uint64_t{8} << 30; };
     }, Code::kTarMemberTooLarge, false},
    {"Row37_DecompressionBomb", [](Assembly& a, VerifyOptions&, std::string&) {
       a.members.push_back({"test.fp", std::string(std::size_t{8} << 20, '\n')});
     }, Code::kPayloadRatioExceeded, false},
    {"Row37_TotalOverLimit", [](Assembly& a, VerifyOptions& o, std::string&) {
       o.limits.max_total_bytes = 2048;
     }, Code::kPayloadTooLarge, false},
    {"Limits_InfoTooLarge", [](Assembly& a, VerifyOptions& o, std::string&) {
       o.limits.max_info_bytes = 64;
     }, Code::kInfoTooLarge, false},
    // Policy (rows 38-41)
    {"Row38_FlevelAboveEngineWarns", [](Assembly& a, VerifyOptions& o, std::string&) {
       o.engine_flevel = 50;
     }, Code::kHeaderFlevelTooHigh, true},
    {"Row39_DowngradeRefused", [](Assembly& a, VerifyOptions& o, std::string&) {
       o.installed_version = 8;
     }, Code::kHeaderVersionDowngrade, false},
    {"H13_EqualVersionIsNoted", [](Assembly& a, VerifyOptions& o, std::string&) {
       o.installed_version = 7;
     }, Code::kHeaderVersionNotNewer, true},
    {"Row40_StimeInFutureWarns", [](Assembly& a, VerifyOptions& o, std::string&) {
       o.at_time = a.stime - 7200;
     }, Code::kHeaderStimeInFuture, true},
    {"Row40_OldDailyWarns", [](Assembly& a, VerifyOptions& o, std::string& fn) {
       a.name = "daily";
       a.members = {{"daily.hdb", "44d88612fea8a8f36de82e1278abb02f:68:Eicar\n"}};
       a.sigs = 1;
       fn = "daily.cvd";
       o.at_time = a.stime + 8 * 86400;
     }, Code::kHeaderStimeTooOld, true},
    // Kinds (FORMAT.md 1.5)
    {"Kind_CldRenamedCvd", [](Assembly& a, VerifyOptions&, std::string& fn) {
       a.kind = Kind::kCld;
       fn = "test.cvd";
     }, Code::kKindExtensionMismatch, false},
    // The .cld loader skips the header signature and reads gzip: it loads.
    {"Kind_CvdRenamedCldLoads", [](Assembly& a, VerifyOptions&, std::string& fn) { fn = "test.cld"; },
     Code::kKindCvdNamedCld, true},
    {"Kind_CudRenamedCld", [](Assembly& a, VerifyOptions&, std::string& fn) {
       a.kind = Kind::kCud;
       fn = "test.cld";
     }, Code::kKindExtensionMismatch, false},
    {"Kind_CvdRenamedCud", [](Assembly& a, VerifyOptions&, std::string& fn) { fn = "test.cud"; },
     Code::kKindExtensionMismatch, false},
    {"Kind_CudIsValidButUnsigned", [](Assembly& a, VerifyOptions&, std::string& fn) {
       a.kind = Kind::kCud;
       fn = "test.cud";
     }, Code::kUnsignedKind, true},
    {"Kind_CudRefusedWhenSignedRequired", [](Assembly& a, VerifyOptions& o, std::string& fn) {
       a.kind = Kind::kCud;
       fn = "test.cud";
       o.require_signed = true;
     }, Code::kUnsignedNotAllowed, false},
    {"Kind_CudWithDsigLine", [](Assembly& a, VerifyOptions&, std::string& fn) {
       a.kind = Kind::kCud;
       fn = "test.cud";
       a.edit_info_signed = [](std::string& info) { info += "DSIG:abc\n"; };
     }, Code::kInfoDsigUnexpected, false},
    {"Kind_CldGzipIsValid", [](Assembly& a, VerifyOptions&, std::string& fn) {
       a.kind = Kind::kCld;
       fn = "test.cld";
     }, Code::kInternalError, true},
    {"Kind_CldRawTarIsValid", [](Assembly& a, VerifyOptions&, std::string& fn) {
       a.kind = Kind::kCld;
       a.compress = false;
       fn = "test.cld";
     }, Code::kInternalError, true},
    {"Kind_UnknownExtensionNoted", [](Assembly&, VerifyOptions&, std::string& fn) { fn = "download.bin"; },
     Code::kKindUnknownExtension, true},
    {"Keys_UntrustedSignerRefused", [](Assembly&, VerifyOptions& o, std::string&) {
       o = VerifyOptions{};  // official keys only
       o.at_time = 1624412045;
     }, Code::kDsigInvalid, false},
    {"Keys_NoKeysAtAll", [](Assembly&, VerifyOptions& o, std::string&) {
       o.use_official_keys = false;
       o.keys.clear();
     }, Code::kNoTrustedKey, false},
};
  return cases;
}

}  // namespace cvdguard::testing
