// The 512-byte container header (FORMAT.md 1, checklist H1-H10) and the
// sniffing of inputs that are clearly not containers. Pure functions.
#ifndef CVDGUARD_HEADER_HEADER_H_
#define CVDGUARD_HEADER_HEADER_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cvdguard/finding.h"
#include "cvdguard/report.h"

namespace cvdguard::internal {

inline constexpr std::size_t kHeaderSize = 512;
inline constexpr std::string_view kHeaderMagic = "ClamAV-VDB:";

struct SniffResult {
  Code code;
  std::string message;
};

// Looks at the first bytes of an input (up to 512; fewer if the input is
// shorter, `complete` then true) and names what it clearly is if it is not a
// container: empty, HTML/XML, JSON, bare gzip, bare tar, a .cdiff, a .sign.
// Returns nullopt when the input starts like a container header.
std::optional<SniffResult> SniffNotContainer(std::span<const std::uint8_t> head, bool complete);

struct HeaderParse {
  HeaderFields fields;
  Kind content_kind = Kind::kUnknown;  // from the md5/dsig fields
  std::vector<Finding> findings;       // offsets are file offsets (0-511)
  bool fatal = false;                  // fields could not be split
};

// Parses and checks the 512-byte header (H2-H10). The kind-specific md5 and
// dsig rules use `kind_hint` when the content kind is ambiguous.
HeaderParse ParseHeader(std::span<const std::uint8_t> header512, Kind kind_hint);

// Parses a header *line* (the first line of .info: no padding, md5/dsig "X").
// Returns false with *why on a malformed line.
bool ParseHeaderLine(std::string_view line, HeaderFields* out, std::string* why);

// "22 Jun 2021 21-34 -0400" -> Unix seconds of that minute. nullopt if the
// text does not have exactly that shape or is not a real date.
std::optional<std::int64_t> ParseBuildTime(std::string_view text);
// The inverse, for the builder: stime rendered at the given UTC offset.
std::string FormatBuildTime(std::int64_t stime, int utc_offset_minutes);

// Renders header fields as the header text (without padding).
std::string HeaderText(const HeaderFields& h);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_HEADER_HEADER_H_
