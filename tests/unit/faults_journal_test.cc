// Fault journal: atomic saves, and torn, corrupt, edited or newer-version
// journals reported as errors (never a crash, never a silent reset).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cvdguard/faults.h"
#include "faults/fault_state.h"
#include "unit/faults_timelines.h"

namespace cvdguard {
namespace {

namespace fs = std::filesystem;

class FaultJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "faults_journal.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // An engine with some history: fault 10 raised, a failed activation,
  // a learned digest.
  static FaultEngine Busy() {
    FaultEngine engine;
    for (const auto& tl : faults_testing::Timelines()) {
      if (tl.name != "TwoFailedActivationsInARowAreAnIntegrityGap") continue;
      for (const auto& terse : tl.events) {
        FaultEvent e;
        EXPECT_TRUE(ParseFaultEventLine(faults_testing::EventJson(terse), &e).ok());
        EXPECT_TRUE(engine.Apply(e, nullptr).ok());
      }
    }
    for (double t : {300.0, 301.0, 302.0}) {
      FaultEvent e;
      e.t = t;
      e.kind = FaultEventKind::kServiceCrashed;
      EXPECT_TRUE(engine.Apply(e, nullptr).ok());
    }
    EXPECT_TRUE(engine.FaultRaised(kFaultFrequentRestarts));
    EXPECT_FALSE(engine.RefusedDigests().empty());
    return engine;
  }

  std::string JournalPath() const { return dir_ + "/faults.journal"; }
  void WriteJournal(const std::string& text) const {
    std::ofstream out(JournalPath(), std::ios::binary | std::ios::trunc);
    out << text;
  }
  std::string ReadJournal() const {
    std::ifstream in(JournalPath(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string dir_;
};

TEST_F(FaultJournalTest, MissingJournalIsAFreshState) {
  FaultEngine engine = Busy();
  bool existed = true;
  ASSERT_TRUE(LoadFaultJournal(dir_ + "/not-yet", &engine, &existed).ok());
  EXPECT_FALSE(existed);
  EXPECT_EQ(engine.EventCount(), 0U);
  EXPECT_FALSE(engine.FaultRaised(kFaultFrequentRestarts));
}

TEST_F(FaultJournalTest, SaveIsAtomicAndLoadsBack) {
  const FaultEngine engine = Busy();
  const std::string nested = dir_ + "/a/b";
  ASSERT_TRUE(SaveFaultJournal(nested, engine).ok());
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(nested)) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{"faults.journal"});  // no temp file left
  FaultEngine loaded;
  bool existed = false;
  ASSERT_TRUE(LoadFaultJournal(nested, &loaded, &existed).ok());
  EXPECT_TRUE(existed);
  EXPECT_EQ(loaded.SerializeJournal(), engine.SerializeJournal());
  EXPECT_EQ(loaded.RefusedDigests(), engine.RefusedDigests());
  EXPECT_EQ(loaded.KnownGood(), engine.KnownGood());
  EXPECT_TRUE(loaded.FaultRaised(kFaultFrequentRestarts));
}

TEST_F(FaultJournalTest, LeftoverTempFileIsIgnored) {
  const FaultEngine engine = Busy();
  ASSERT_TRUE(SaveFaultJournal(dir_, engine).ok());
  { std::ofstream(dir_ + "/faults.journal.tmp.99999") << "{\"torn"; }
  FaultEngine loaded;
  ASSERT_TRUE(LoadFaultJournal(dir_, &loaded).ok());
  EXPECT_EQ(loaded.SerializeJournal(), engine.SerializeJournal());
}

TEST_F(FaultJournalTest, EveryTornPrefixIsReportedAsCorrupt) {
  const FaultEngine engine = Busy();
  ASSERT_TRUE(SaveFaultJournal(dir_, engine).ok());
  const std::string text = ReadJournal();
  ASSERT_GT(text.size(), 100U);
  ASSERT_EQ(text.back(), '\n');
  // Every strict prefix that drops more than the final newline is torn.
  for (std::size_t len = 0; len + 1 < text.size(); ++len) {
    FaultEngine loaded = Busy();
    const std::string before = loaded.SerializeJournal();
    const FaultStatus st = loaded.RestoreJournal(std::string_view(text).substr(0, len));
    ASSERT_FALSE(st.ok()) << "prefix " << len;
    EXPECT_EQ(st.code, Code::kFaultJournalCorrupt) << "prefix " << len;
    EXPECT_EQ(loaded.SerializeJournal(), before) << "state changed on a failed load";
  }
}

TEST_F(FaultJournalTest, EmptyFileIsCorruptNotFresh) {
  WriteJournal("");
  FaultEngine engine;
  const FaultStatus st = LoadFaultJournal(dir_, &engine);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code, Code::kFaultJournalCorrupt);
  EXPECT_NE(st.message.find("empty"), std::string::npos) << st.message;
  EXPECT_NE(st.message.find(JournalPath()), std::string::npos) << st.message;
}

TEST_F(FaultJournalTest, EditedValueFailsTheChecksum) {
  const FaultEngine engine = Busy();
  std::string text = engine.SerializeJournal();
  const std::string from = "\"raised\":true";
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), "\"raised\":false");
  FaultEngine loaded;
  const FaultStatus st = loaded.RestoreJournal(text);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code, Code::kFaultJournalCorrupt);
  EXPECT_NE(st.message.find("checksum"), std::string::npos) << st.message;
}

TEST_F(FaultJournalTest, SingleByteFlipsNeverLoadADifferentState) {
  const FaultEngine engine = Busy();
  const std::string text = engine.SerializeJournal();
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string bad = text;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    FaultEngine loaded;
    const FaultStatus st = loaded.RestoreJournal(bad);
    // Flipping one byte may leave an equivalent document (e.g. whitespace
    // cannot occur, but an escaped character could); it must never load a
    // different state.
    if (st.ok()) {
      EXPECT_EQ(loaded.SerializeJournal(), text) << "byte " << i;
    } else {
      EXPECT_TRUE(st.code == Code::kFaultJournalCorrupt ||
                  st.code == Code::kFaultJournalNewerVersion)
          << "byte " << i;
    }
  }
}

nlohmann::json Doc(const FaultEngine& engine) {
  return nlohmann::json::parse(engine.SerializeJournal());
}

std::string Reseal(nlohmann::json doc) {
  char crc[9];
  std::snprintf(crc, sizeof crc, "%08x", internal::JournalCrc32(doc["state"].dump()));
  doc["crc32"] = crc;
  return doc.dump();
}

TEST_F(FaultJournalTest, NewerFormatVersionIsAClearError) {
  nlohmann::json doc = Doc(Busy());
  doc["version"] = 2;
  WriteJournal(Reseal(doc));
  FaultEngine engine;
  const FaultStatus st = LoadFaultJournal(dir_, &engine);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code, Code::kFaultJournalNewerVersion);
  EXPECT_NE(st.message.find("version 2 is newer"), std::string::npos) << st.message;
}

TEST_F(FaultJournalTest, ResealedButInconsistentStatesAreCorrupt) {
  const nlohmann::json good = Doc(Busy());
  ASSERT_TRUE(FaultEngine().RestoreJournal(Reseal(good)).ok());  // the resealer works
  const auto expect_corrupt = [](const nlohmann::json& doc, const char* what) {
    FaultEngine engine;
    const FaultStatus st = engine.RestoreJournal(Reseal(doc));
    EXPECT_FALSE(st.ok()) << what;
    EXPECT_EQ(st.code, Code::kFaultJournalCorrupt) << what;
  };
  nlohmann::json doc = good;
  doc["state"]["f10"]["raised"] = false;
  doc["state"]["f10"]["escalated"] = true;
  expect_corrupt(doc, "escalated but not raised");
  doc = good;
  doc["state"]["extra"] = 1;
  expect_corrupt(doc, "unknown key");
  doc = good;
  doc["state"].erase("crash_times");
  expect_corrupt(doc, "missing key");
  doc = good;
  doc["state"]["crash_times"] = {5, 4};
  expect_corrupt(doc, "crashes out of order");
  doc = good;
  doc["state"]["crash_times"] = {1e9};
  expect_corrupt(doc, "crash after last event");
  doc = good;
  doc["state"]["refused"] = {std::string(64, 'Z')};
  expect_corrupt(doc, "bad digest");
  doc = good;
  doc["state"]["backoff_step"] = -1;
  expect_corrupt(doc, "negative step");
  doc = good;
  doc["format"] = "something-else";
  expect_corrupt(doc, "format");
  doc = good;
  doc["state"] = nlohmann::json::array();
  expect_corrupt(doc, "state not an object");
}

// The engine sets running_since and the raise time from the event being
// applied, so neither can lie after the last event; a journal that says so
// would freeze the fault 10 clear or escalation clock.
TEST_F(FaultJournalTest, TimesAfterTheLastEventAreCorrupt) {
  const nlohmann::json good = Doc(Busy());
  const double last = good["state"]["last_t"].get<double>();
  const auto expect_corrupt = [](const nlohmann::json& doc, const char* what) {
    FaultEngine engine;
    const FaultStatus st = engine.RestoreJournal(Reseal(doc));
    EXPECT_FALSE(st.ok()) << what;
    EXPECT_EQ(st.code, Code::kFaultJournalCorrupt) << what;
    EXPECT_NE(st.message.find(what), std::string::npos) << st.message;
  };
  ASSERT_TRUE(good["state"]["f10"]["raised"].get<bool>());
  nlohmann::json doc = good;
  doc["state"]["running"] = true;
  doc["state"]["running_since"] = last + 1e6;
  expect_corrupt(doc, "\"running_since\" lies after the last event");
  doc = good;
  doc["state"]["f10"]["raised_t"] = last + 1e6;
  expect_corrupt(doc, "\"raised_t\" lies after the last event");
  // At the last event is fine (both are set by the event that is last).
  doc = good;
  doc["state"]["running"] = true;
  doc["state"]["running_since"] = last;
  doc["state"]["f10"]["raised_t"] = last;
  EXPECT_TRUE(FaultEngine().RestoreJournal(Reseal(doc)).ok());
}

// After a clock step back the supervisor moves the state's later times back
// to now; decisions then count from now, and fault 10 still escalates.
TEST(FaultClockTest, ClampedStateEscalatesFault10FromNow) {
  FaultEngine engine;  // fault10_escalate_s 600
  for (double t : {1e9, 1e9 + 1, 1e9 + 2}) {
    FaultEvent e;
    e.t = t;
    e.kind = FaultEventKind::kServiceCrashed;
    ASSERT_TRUE(engine.Apply(e, nullptr).ok());
  }
  ASSERT_TRUE(engine.FaultRaised(kFaultFrequentRestarts));
  internal::FaultState state;
  ASSERT_TRUE(internal::DeserializeState(engine.SerializeJournal(), &state).ok());
  ASSERT_TRUE(internal::ClampTimesTo(&state, 1000));
  EXPECT_EQ(state.last_t, 1000);
  EXPECT_EQ(state.f10_raised_t, 1000);
  EXPECT_EQ(state.last_failure_t, 1000);
  EXPECT_EQ(state.crash_times, (std::vector<double>{1000, 1000, 1000}));
  EXPECT_FALSE(internal::ClampTimesTo(&state, 2000)) << "nothing lies after 2000";
  ASSERT_TRUE(engine.RestoreJournal(internal::SerializeState(state)).ok());

  std::vector<FaultDecision> out;
  FaultEvent tick;
  tick.kind = FaultEventKind::kTick;
  tick.t = 1599;
  ASSERT_TRUE(engine.Apply(tick, &out).ok());
  EXPECT_TRUE(out.empty());
  tick.t = 1600;
  ASSERT_TRUE(engine.Apply(tick, &out).ok());
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].kind, FaultDecisionKind::kInterventionRequired);
  EXPECT_EQ(out[0].fault, kFaultFrequentRestarts);
}

TEST_F(FaultJournalTest, UnwritableStateDirIsAnIoError) {
  { std::ofstream(dir_ + "/file") << "x"; }
  const FaultStatus st = SaveFaultJournal(dir_ + "/file", FaultEngine());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code, Code::kFaultJournalIo);
}

TEST_F(FaultJournalTest, CorruptJournalIsNotOverwrittenByLoad) {
  WriteJournal("{\"format\":\"cvdguard-fault-journal\",\"vers");
  FaultEngine engine;
  EXPECT_FALSE(LoadFaultJournal(dir_, &engine).ok());
  EXPECT_EQ(ReadJournal(), "{\"format\":\"cvdguard-fault-journal\",\"vers");
  std::vector<std::string> refused;
  EXPECT_EQ(LoadRefusedDigests(dir_, &refused).code, Code::kFaultJournalCorrupt);
}

TEST(FaultJournalCodesTest, CodesArePinned) {
  EXPECT_EQ(CodeNumber(Code::kFaultJournalCorrupt), 1100);
  EXPECT_EQ(CodeNumber(Code::kFaultJournalNewerVersion), 1101);
  EXPECT_EQ(CodeNumber(Code::kFaultJournalIo), 1102);
  EXPECT_EQ(CodeNumber(Code::kFaultEventTimeBackwards), 1123);
  EXPECT_EQ(CodeName(Code::kFaultEventTimeBackwards), "FAULT_EVENT_TIME_BACKWARDS");
}

}  // namespace
}  // namespace cvdguard
