// Fault engine: every rule and boundary as a table of timelines, restart
// equivalence over every cut, and the engine API's error paths.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "cvdguard/faults.h"
#include "unit/faults_timelines.h"

namespace cvdguard {
namespace {

using faults_testing::Digest;
using faults_testing::EventJson;
using faults_testing::Terse;
using faults_testing::Timeline;
using faults_testing::Timelines;

std::vector<FaultEvent> ParseEvents(const Timeline& tl) {
  std::vector<FaultEvent> events;
  for (const auto& terse : tl.events) {
    FaultEvent e;
    const FaultStatus st = ParseFaultEventLine(EventJson(terse), &e);
    EXPECT_TRUE(st.ok()) << tl.name << ": " << terse << ": " << st.message;
    events.push_back(e);
  }
  return events;
}

std::vector<std::string> RunEvents(FaultEngine& engine, const std::vector<FaultEvent>& events,
                             std::size_t begin, std::size_t end) {
  std::vector<std::string> out;
  for (std::size_t i = begin; i < end; ++i) {
    std::vector<FaultDecision> decisions;
    const FaultStatus st = engine.Apply(events[i], &decisions);
    EXPECT_TRUE(st.ok()) << st.message;
    for (const auto& d : decisions) out.push_back(Terse(d));
  }
  return out;
}

class ScopedDir {
 public:
  ScopedDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "faults_test.XXXXXX").string();
    char* made = ::mkdtemp(tmpl.data());
    path_ = made != nullptr ? made : "";
  }
  ~ScopedDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScopedDir(const ScopedDir&) = delete;
  ScopedDir& operator=(const ScopedDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class FaultTimelineTest : public ::testing::TestWithParam<Timeline> {};

TEST_P(FaultTimelineTest, DecidesAsSpecified) {
  const Timeline& tl = GetParam();
  ASSERT_TRUE(ValidateFaultConfig(tl.config).ok());
  const auto events = ParseEvents(tl);
  FaultEngine engine(tl.config);
  EXPECT_EQ(RunEvents(engine, events, 0, events.size()), tl.expected);
}

// Cut the timeline before every event: the first half runs in one engine,
// which saves its journal; the second half runs in a fresh engine loaded
// from that journal. The decisions must equal the uninterrupted run's.
TEST_P(FaultTimelineTest, RestartAtEveryEventDecidesTheSame) {
  const Timeline& tl = GetParam();
  const auto events = ParseEvents(tl);
  FaultEngine whole(tl.config);
  const auto expected = RunEvents(whole, events, 0, events.size());
  for (std::size_t cut = 0; cut <= events.size(); ++cut) {
    ScopedDir dir;
    ASSERT_FALSE(dir.path().empty());
    FaultEngine first(tl.config);
    auto got = RunEvents(first, events, 0, cut);
    ASSERT_TRUE(SaveFaultJournal(dir.path(), first).ok());
    FaultEngine second(tl.config);
    bool existed = false;
    const FaultStatus st = LoadFaultJournal(dir.path(), &second, &existed);
    ASSERT_TRUE(st.ok()) << st.message;
    EXPECT_TRUE(existed);
    EXPECT_EQ(second.SerializeJournal(), first.SerializeJournal());
    const auto rest = RunEvents(second, events, cut, events.size());
    got.insert(got.end(), rest.begin(), rest.end());
    EXPECT_EQ(got, expected) << tl.name << " cut before event " << cut;
    EXPECT_EQ(second.SerializeJournal(), whole.SerializeJournal()) << "cut " << cut;
  }
}

INSTANTIATE_TEST_SUITE_P(Rules, FaultTimelineTest, ::testing::ValuesIn(Timelines()),
                         [](const ::testing::TestParamInfo<Timeline>& param_info) {
                           return param_info.param.name;
                         });

// The table must not be silently vacuous: every decision kind appears.
TEST(FaultTimelineTableTest, CoversEveryDecisionKind) {
  for (const char* kind : {" restart ", " prune", " rollback", " raise 10", " raise 12",
                           " clear 10", " clear 12", " intervene 10", " intervene 12", " gap "}) {
    bool found = false;
    for (const auto& tl : Timelines()) {
      for (const auto& d : tl.expected) found = found || d.find(kind) != std::string::npos;
    }
    EXPECT_TRUE(found) << kind;
  }
  EXPECT_GE(Timelines().size(), 30U);
}

FaultEvent Ev(double t, FaultEventKind kind) {
  FaultEvent e;
  e.t = t;
  e.kind = kind;
  return e;
}

TEST(FaultEngineTest, TimeGoingBackwardsIsAnErrorAndChangesNothing) {
  FaultEngine engine;
  std::vector<FaultDecision> out;
  ASSERT_TRUE(engine.Apply(Ev(10, FaultEventKind::kServiceCrashed), &out).ok());
  const std::string before = engine.SerializeJournal();
  out.clear();
  const FaultStatus st = engine.Apply(Ev(9.5, FaultEventKind::kServiceCrashed), &out);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code, Code::kFaultEventTimeBackwards);
  EXPECT_NE(st.message.find("9.5"), std::string::npos) << st.message;
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(engine.SerializeJournal(), before);
  // Equal time is allowed.
  EXPECT_TRUE(engine.Apply(Ev(10, FaultEventKind::kTick), &out).ok());
}

TEST(FaultEngineTest, RejectsMalformedEvents) {
  FaultEngine engine;
  std::vector<FaultDecision> out;
  FaultEvent act = Ev(1, FaultEventKind::kDefinitionsActivated);
  EXPECT_EQ(engine.Apply(act, &out).code, Code::kFaultEventBadField);  // no files
  act.files.push_back({"daily.cvd", 1, "ABC"});
  EXPECT_EQ(engine.Apply(act, &out).code, Code::kFaultEventBadField);
  act.files[0].sha256 = Digest('A');  // upper case is not canonical here
  EXPECT_EQ(engine.Apply(act, &out).code, Code::kFaultEventBadField);
  act.files[0].sha256 = Digest('a');
  EXPECT_TRUE(engine.Apply(act, &out).ok());
  FaultEvent nan = Ev(std::nan(""), FaultEventKind::kTick);
  EXPECT_FALSE(engine.Apply(nan, &out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(engine.EventCount(), 1U);
}

TEST(FaultEngineTest, InvalidConfigFailsEveryApply) {
  FaultConfig c;
  c.crash_threshold = 0;
  EXPECT_EQ(ValidateFaultConfig(c).code, Code::kFaultConfigInvalid);
  FaultEngine engine(c);
  std::vector<FaultDecision> out;
  EXPECT_EQ(engine.Apply(Ev(0, FaultEventKind::kTick), &out).code, Code::kFaultConfigInvalid);
  c = FaultConfig{};
  c.fault10_clear_s = -1;
  EXPECT_FALSE(ValidateFaultConfig(c).ok());
  c = FaultConfig{};
  c.backoff_multiplier = 0.5;
  EXPECT_FALSE(ValidateFaultConfig(c).ok());
  EXPECT_TRUE(ValidateFaultConfig(FaultConfig{}).ok());
}

TEST(FaultEngineTest, IntegrityGapDigestsAreRefusedLater) {
  const Timeline* tl = nullptr;
  for (const auto& t : Timelines()) {
    if (t.name == "TwoFailedActivationsInARowAreAnIntegrityGap") tl = &t;
  }
  ASSERT_NE(tl, nullptr);
  FaultEngine engine(tl->config);
  EXPECT_TRUE(engine.RefusedDigests().empty());
  RunEvents(engine, ParseEvents(*tl), 0, tl->events.size());
  EXPECT_EQ(engine.RefusedDigests(), (std::vector<std::string>{Digest('b'), Digest('c')}));
  EXPECT_TRUE(engine.IsDigestRefused(Digest('b')));
  EXPECT_TRUE(engine.IsDigestRefused(Digest('C')));  // case-insensitive query
  EXPECT_FALSE(engine.IsDigestRefused(Digest('e')));  // known-good, loaded fine
  EXPECT_FALSE(engine.IsDigestRefused(Digest('a')));
  // Known-good after the rollback and restart is the first set again.
  const auto good = engine.KnownGood();
  ASSERT_EQ(good.size(), 2U);
  EXPECT_EQ(good[1].sha256, Digest('a'));

  ScopedDir dir;
  ASSERT_TRUE(SaveFaultJournal(dir.path(), engine).ok());
  std::vector<std::string> refused;
  ASSERT_TRUE(LoadRefusedDigests(dir.path(), &refused).ok());
  EXPECT_EQ(refused, engine.RefusedDigests());
}

TEST(FaultEngineTest, QueriesReflectState) {
  FaultEngine engine;
  double t = -1;
  EXPECT_FALSE(engine.LastTime(&t));
  std::vector<FaultDecision> out;
  for (double at : {0.0, 1.0, 2.0}) {
    ASSERT_TRUE(engine.Apply(Ev(at, FaultEventKind::kServiceCrashed), &out).ok());
  }
  EXPECT_TRUE(engine.FaultRaised(kFaultFrequentRestarts));
  EXPECT_FALSE(engine.FaultRaised(kFaultStartFailed));
  EXPECT_TRUE(engine.LastTime(&t));
  EXPECT_EQ(t, 2.0);
  EXPECT_EQ(engine.EventCount(), 3U);
  FaultEngine copy = engine;
  EXPECT_EQ(copy.SerializeJournal(), engine.SerializeJournal());
}

TEST(FaultEngineTest, NeverClearsAFaultThatIsNotRaised) {
  // A long pseudo-random event stream: every clear follows a raise of the
  // same fault, raises never repeat within an episode, delays stay capped.
  FaultConfig c = faults_testing::Shortened();
  FaultEngine engine(c);
  unsigned seed = 12345;
  auto next = [&seed] {
    seed = seed * 1103515245U + 12345U;
    return (seed >> 16) & 0x7fffU;
  };
  bool raised[13] = {};
  double t = 0;
  for (int i = 0; i < 20000; ++i) {
    t += static_cast<double>(next() % 40) / 8.0;
    FaultEvent e = Ev(t, static_cast<FaultEventKind>(next() % 6));
    if (e.kind == FaultEventKind::kDefinitionsActivated) {
      e.files.push_back({"daily.cvd", 1, Digest("abcdef"[next() % 6])});
    }
    std::vector<FaultDecision> out;
    ASSERT_TRUE(engine.Apply(e, &out).ok());
    for (const auto& d : out) {
      EXPECT_EQ(d.t, t);
      if (d.kind == FaultDecisionKind::kFaultRaised) {
        ASSERT_FALSE(raised[d.fault]) << i;
        raised[d.fault] = true;
      }
      if (d.kind == FaultDecisionKind::kFaultCleared) {
        ASSERT_TRUE(raised[d.fault]) << i;
        raised[d.fault] = false;
      }
      if (d.kind == FaultDecisionKind::kRestartService) {
        EXPECT_GE(d.delay_s, c.backoff_initial_s);
        EXPECT_LE(d.delay_s, c.backoff_max_s);
      }
    }
    EXPECT_EQ(engine.FaultRaised(10), raised[10]);
    EXPECT_EQ(engine.FaultRaised(12), raised[12]);
  }
}

}  // namespace
}  // namespace cvdguard
