// .ndb/.ndu/.sdb extended signatures: Name:Target:Offset:HexSig[:MinFL[:MaxFL]]
// (SIGNATURES.md 4).
#include <string>
#include <vector>

#include "lint/hex_pattern.h"
#include "lint/lint_internal.h"

namespace cvdguard::internal::lint {
namespace {

// split(':', 7): 4 to 6 fields are valid.
constexpr std::size_t kMaxNdbFields = 7;
// Valid targets are 0..14; 15 and above are skipped.
constexpr std::uint32_t kFirstUnsupportedTarget = 15;

class NdbChecker final : public LineChecker {
 public:
  explicit NdbChecker(Flevel fl) : fl_(fl) {}
  FormatTraits traits() const override { return FormatTraits{}; }

  void CheckLine(std::string_view line, LineResult& r) override {
    const Fields f = SplitFields(line, ':', kMaxNdbFields);
    if (f.size() < 4 || f.size() > 6) {
      r.Fail(Code::kLintFieldCount,
             "extended signature needs 4 to 6 ':'-separated fields, found " +
                 std::string(f.size() > 6 ? "more than 6" : std::to_string(f.size())));
      return;
    }
    if (f.size() >= 5) {
      if (!AllDigits(f[4])) {
        r.Fail(Code::kLintBadFlevel, "minimum flevel " + Quote(f[4]) + " is not a number");
        return;
      }
      if (fl_.Excludes(AtoiAsUnsigned(f[4]), std::nullopt)) {
        r.FlevelSkip("minimum flevel " + std::string(f[4]) + " is above " + std::to_string(*fl_.level));
        return;
      }
      if (f.size() == 6) {
        if (!AllDigits(f[5])) {
          r.Fail(Code::kLintBadFlevel, "maximum flevel " + Quote(f[5]) + " is not a number");
          return;
        }
        if (fl_.Excludes(0, AtoiAsUnsigned(f[5]))) {
          r.FlevelSkip("maximum flevel " + std::string(f[5].empty() ? "'' (= 0)" : f[5]) + " is below " +
                       std::to_string(*fl_.level));
          return;
        }
      }
    }
    std::uint32_t target = 0;
    if (f[1] != "*") {
      if (!AllDigits(f[1])) {
        r.Fail(Code::kLintBadTarget, "target type " + Quote(f[1]) + " is not a number or '*'");
        return;
      }
      target = AtoiAsUnsigned(f[1]);
    }
    if (target >= kFirstUnsupportedTarget) {
      r.Skip(Code::kLintUnsupportedTarget, "target type " + std::string(f[1]) + " is not supported (0-14)");
      return;
    }
    if (f[0].empty()) {
      r.Fail(Code::kLintEmptyName, "empty signature name");
      return;
    }
    PatternContext ctx;
    ctx.target = static_cast<int>(target);
    ctx.offset = f[2];
    CheckOffset(f[2], ctx.target, r);
    if (r.done()) return;
    CheckBodyPattern(f[3], ctx, r);
  }

 private:
  Flevel fl_;
};

}  // namespace

std::unique_ptr<LineChecker> MakeNdbChecker(Flevel fl) { return std::make_unique<NdbChecker>(fl); }

}  // namespace cvdguard::internal::lint
