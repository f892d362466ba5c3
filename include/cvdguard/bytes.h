// Text seen as the bytes the API takes (std::span<const std::uint8_t>), so an
// embedder holding a std::string needs no cast: VerifyMemory(AsBytes(s), ...).
#ifndef CVDGUARD_BYTES_H_
#define CVDGUARD_BYTES_H_

#include <cstdint>
#include <span>
#include <string_view>

namespace cvdguard {

inline std::span<const std::uint8_t> AsBytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace cvdguard

#endif  // CVDGUARD_BYTES_H_
