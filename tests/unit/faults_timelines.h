// Table of fault-engine timelines shared by the engine, restart-equivalence
// and CLI tests. Events and decisions use a terse notation:
//   events:    "<t> conn|up|tick", "<t> fail [reason]", "<t> crash [status]",
//              "<t> act name=X[,name=Y...]" (X: a digest of 64 X characters,
//              version = index + 1)
//   decisions: "<t> restart <delay>", "<t> prune", "<t> rollback",
//              "<t> raise <id>", "<t> clear <id>", "<t> intervene <id>",
//              "<t> gap XY..." (digests of 64 X, 64 Y, ... characters)
#ifndef CVDGUARD_TESTS_UNIT_FAULTS_TIMELINES_H_
#define CVDGUARD_TESTS_UNIT_FAULTS_TIMELINES_H_

#include <cstdio>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "cvdguard/faults.h"

namespace cvdguard::faults_testing {

struct Timeline {
  std::string name;
  FaultConfig config;
  std::vector<std::string> events;
  std::vector<std::string> expected;
};

inline void PrintTo(const Timeline& tl, std::ostream* os) { *os << tl.name; }

inline std::string Digest(char c) { return std::string(64, c); }

inline std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Terse event -> the JSON line `faults replay` reads.
inline std::string EventJson(const std::string& terse) {
  std::istringstream in(terse);
  std::string t, kind, arg;
  in >> t >> kind;
  std::getline(in, arg);
  if (!arg.empty() && arg[0] == ' ') arg.erase(0, 1);
  std::string head = "{\"t\": " + t + ", \"event\": ";
  if (kind == "conn") return head + "\"connector_start\"}";
  if (kind == "up") return head + "\"service_started\"}";
  if (kind == "tick") return head + "\"tick\"}";
  if (kind == "fail") {
    return head + "\"service_start_failed\"" + (arg.empty() ? "" : ", \"reason\": \"" + arg + "\"") + "}";
  }
  if (kind == "crash") {
    return head + "\"service_crashed\"" + (arg.empty() ? "" : ", \"status\": \"" + arg + "\"") + "}";
  }
  if (kind == "act") {
    std::string files;
    std::istringstream list(arg);
    std::string item;
    int version = 0;
    while (std::getline(list, item, ',')) {
      const auto eq = item.find('=');
      if (!files.empty()) files += ", ";
      files += "{\"name\": \"" + item.substr(0, eq) + "\", \"version\": " + std::to_string(++version) +
               ", \"sha256\": \"" + Digest(item[eq + 1]) + "\"}";
    }
    return head + "\"definitions_activated\", \"files\": [" + files + "]}";
  }
  return "{\"bad terse event\": \"" + terse + "\"}";
}

// Decision -> terse form.
inline std::string Terse(const FaultDecision& d) {
  std::string out = Num(d.t) + " ";
  switch (d.kind) {
    case FaultDecisionKind::kRestartService: return out + "restart " + Num(d.delay_s);
    case FaultDecisionKind::kPrune: return out + "prune";
    case FaultDecisionKind::kRollback: return out + "rollback";
    case FaultDecisionKind::kFaultRaised: return out + "raise " + std::to_string(d.fault);
    case FaultDecisionKind::kFaultCleared: return out + "clear " + std::to_string(d.fault);
    case FaultDecisionKind::kInterventionRequired: return out + "intervene " + std::to_string(d.fault);
    case FaultDecisionKind::kIntegrityGap: {
      out += "gap ";
      for (const auto& s : d.sha256) {
        out += (s == Digest(s[0])) ? std::string(1, s[0]) : "?";
      }
      return out;
    }
  }
  return out + "?";
}

inline FaultConfig Shortened() {
  // The "timings shortened by config" shape used by integration tests.
  FaultConfig c;
  c.crash_window_s = 10;
  c.backoff_initial_s = 0.5;
  c.backoff_max_s = 2;
  c.backoff_reset_s = 10;
  c.fault10_clear_s = 5;
  c.fault10_escalate_s = 8;
  return c;
}

inline FaultConfig GapAfter(std::uint32_t n) {
  FaultConfig c;
  c.integrity_gap_activations = n;
  return c;
}

inline const std::vector<Timeline>& Timelines() {
  static const std::vector<Timeline> kAll = {
      // ---- fault 10: raising, and the window boundary ------------------------
      {"ThirdCrashAt299sRaises", {},
       {"0 conn", "0 up", "10 crash", "11 up", "100 crash", "101 up", "309 crash"},
       {"10 restart 1", "100 restart 2", "309 raise 10", "309 restart 4"}},
      {"ThirdCrashAtExactly300sRaises", {},
       {"0 conn", "0 up", "10 crash", "11 up", "100 crash", "101 up", "310 crash"},
       {"10 restart 1", "100 restart 2", "310 raise 10", "310 restart 4"}},
      {"ThirdCrashAt301sDoesNotRaise", {},
       {"0 conn", "0 up", "10 crash", "11 up", "100 crash", "101 up", "311 crash", "312 tick"},
       {"10 restart 1", "100 restart 2", "311 restart 4"}},
      {"OldCrashesLeaveTheWindow", {},
       {"0 crash", "200 crash", "400 crash", "500 crash"},
       // 400: window holds 200, 400. 500: holds 200, 400, 500 -> raise.
       {"0 restart 1", "200 restart 2", "400 restart 4", "500 raise 10", "500 restart 8"}},
      {"TwoCrashesNeverRaise", {},
       {"0 conn", "1 crash", "2 crash", "1000 tick"},
       {"1 restart 1", "2 restart 2"}},
      {"ThresholdIsConfigurable",
       [] {
         FaultConfig c;
         c.crash_threshold = 2;
         return c;
       }(),
       {"0 crash", "5 crash"},
       {"0 restart 1", "5 raise 10", "5 restart 2"}},
      // ---- back-off -------------------------------------------------------------
      {"BackoffDoublesAndCapsAt60", {},
       {"0 crash", "1 crash", "2 crash", "3 crash", "4 crash", "5 crash", "6 crash", "7 crash",
        "8 crash"},
       {"0 restart 1", "1 restart 2", "2 raise 10", "2 restart 4", "3 restart 8", "4 restart 16",
        "5 restart 32", "6 restart 60", "7 restart 60", "8 restart 60"}},
      {"BackoffResetsAfterExactly300sWithoutCrash", {},
       {"0 crash", "10 crash", "310 crash"},
       {"0 restart 1", "10 restart 2", "310 restart 1"}},
      {"BackoffKeepsGrowingAt299sWithoutCrash", {},
       {"0 crash", "10 crash", "309 crash"},
       {"0 restart 1", "10 restart 2", "309 restart 4"}},
      // ---- clearing ------------------------------------------------------------
      {"ClearsAfterExactly300sRunning", {},
       {"0 conn", "0 crash", "1 crash", "2 crash", "3 up", "302 tick", "303 tick", "400 tick"},
       {"0 restart 1", "1 restart 2", "2 raise 10", "2 restart 4", "303 clear 10"}},
      {"ClearIsEmittedOnTheNextEventAfterItIsDue", {},
       {"0 conn", "0 crash", "1 crash", "2 crash", "3 up", "400 crash"},
       // Due at 303, emitted at 400 with t=400; the crash then starts a new
       // window (one crash) and the back-off reset (398 s since the last).
       {"0 restart 1", "1 restart 2", "2 raise 10", "2 restart 4", "400 clear 10", "400 restart 1"}},
      {"CrashExactlyAtClearTimeClearsFirst", {},
       {"0 conn", "0 crash", "1 crash", "2 crash", "3 up", "303 crash"},
       {"0 restart 1", "1 restart 2", "2 raise 10", "2 restart 4", "303 clear 10", "303 restart 1"}},
      {"CrashBeforeClearRestartsTheClearClock", {},
       {"0 conn", "0 crash", "1 crash", "2 crash", "3 up", "250 crash", "251 up", "550 tick",
        "551 tick"},
       {"0 restart 1", "1 restart 2", "2 raise 10", "2 restart 4", "250 restart 8", "551 clear 10"}},
      {"NoClearWhileNotRunning", {},
       {"0 conn", "0 crash", "1 crash", "2 crash", "302 tick", "590 tick"},
       {"0 restart 1", "1 restart 2", "2 raise 10", "2 restart 4"}},
      // ---- escalation ----------------------------------------------------------
      {"EscalatesExactly600sAfterRaise", {},
       {"0 conn", "0 crash", "1 crash", "2 crash", "601 tick", "602 tick", "700 tick", "2000 tick"},
       {"0 restart 1", "1 restart 2", "2 raise 10", "2 restart 4", "602 intervene 10"}},
      {"EscalationCountsFromALaterConnectorStart", {},
       {"0 conn", "0 crash", "1 crash", "2 crash", "100 conn", "602 tick", "699 tick", "700 tick"},
       {"0 restart 1", "1 restart 2", "2 raise 10", "2 restart 4", "700 intervene 10"}},
      {"EscalationCountsFromTheRaiseWhenConnectorStartedEarlier", {},
       {"0 conn", "400 crash", "401 crash", "402 crash", "601 tick", "1001 tick", "1002 tick"},
       {"400 restart 1", "401 restart 2", "402 raise 10", "402 restart 4", "1002 intervene 10"}},
      {"ClearAndEscalationDueTogetherClearWins", {},
       {"0 conn", "0 crash", "1 crash", "2 crash", "302 up", "602 tick"},
       {"0 restart 1", "1 restart 2", "2 raise 10", "2 restart 4", "602 clear 10"}},
      {"EscalationDueBeforeClearBothOnOneLateEvent", {},
       {"0 conn", "0 crash", "1 crash", "2 crash", "303 up", "700 tick"},
       {"0 restart 1", "1 restart 2", "2 raise 10", "2 restart 4", "700 intervene 10",
        "700 clear 10"}},
      {"RestartsGoOnAfterEscalation", {},
       {"0 conn", "0 crash", "1 crash", "2 crash", "602 tick", "603 crash", "604 crash"},
       // 603: 601 s since the last crash -> back-off reset.
       {"0 restart 1", "1 restart 2", "2 raise 10", "2 restart 4", "602 intervene 10",
        "603 restart 1", "604 restart 2"}},
      {"NewEpisodeRaisesAndEscalatesAgain", {},
       {"0 conn", "0 crash", "1 crash", "2 crash", "3 up", "303 tick", "400 crash", "401 crash",
        "402 crash", "1002 tick"},
       {"0 restart 1", "1 restart 2", "2 raise 10", "2 restart 4", "303 clear 10", "400 restart 1",
        "401 restart 2", "402 raise 10", "402 restart 4", "1002 intervene 10"}},
      {"ShortenedTimingsEscalate", Shortened(),
       {"0 conn", "0 crash", "0.5 crash", "1.5 crash", "9.5 tick", "10 tick"},
       {"0 restart 0.5", "0.5 restart 1", "1.5 raise 10", "1.5 restart 2", "9.5 intervene 10"}},
      // ---- fault 12 ------------------------------------------------------------
      {"StartFailureRaisesPrunesRestarts", {},
       {"0 conn", "1 fail missing file", "3 up"},
       {"1 raise 12", "1 prune", "1 restart 1", "3 clear 12"}},
      {"StartFailureAfterActivationRollsBack", {},
       {"0 conn", "0 act daily.cvd=a", "1 up", "100 act daily.cvd=b", "101 fail", "103 up"},
       {"101 raise 12", "101 prune", "101 rollback", "101 restart 1", "103 clear 12"}},
      {"RepeatedFailureWithoutActivationNeedsIntervention", {},
       {"0 act daily.cvd=a", "1 up", "100 act daily.cvd=b", "101 fail", "103 fail", "106 fail",
        "111 fail", "200 up"},
       {"101 raise 12", "101 prune", "101 rollback", "101 restart 1", "103 intervene 12",
        "103 restart 2", "106 restart 4", "111 restart 8", "200 clear 12"}},
      {"NewActivationRearmsPruneAndRollback", GapAfter(3),
       {"0 act daily.cvd=a", "1 up", "100 act daily.cvd=b", "101 fail", "103 fail",
        "110 act daily.cvd=c", "111 fail", "113 fail", "120 up"},
       {"101 raise 12", "101 prune", "101 rollback", "101 restart 1", "103 intervene 12",
        "103 restart 2", "111 prune", "111 rollback", "111 restart 4", "113 restart 8",
        "120 clear 12"}},
      {"InterventionOncePerEpisodeAndAgainInTheNext", {},
       {"0 up", "10 fail", "11 fail", "12 fail", "13 up", "400 fail", "401 fail"},
       {"10 raise 12", "10 prune", "10 restart 1", "11 intervene 12", "11 restart 2",
        "12 restart 4", "13 clear 12", "400 raise 12", "400 prune", "400 restart 1",
        "401 intervene 12", "401 restart 2"}},
      {"FailureBeforeAnyGoodStartRollsBack", {},
       {"0 conn", "0 act daily.cvd=a", "1 fail", "2 up"},
       {"1 raise 12", "1 prune", "1 rollback", "1 restart 1", "2 clear 12"}},
      // ---- integrity gap ----------------------------------------------------------
      {"TwoFailedActivationsInARowAreAnIntegrityGap", {},
       {"0 act main.cvd=e,daily.cvd=a", "1 up", "100 act main.cvd=e,daily.cvd=b", "101 fail",
        "102 up", "200 act main.cvd=e,daily.cvd=c", "201 fail", "202 up"},
       {"101 raise 12", "101 prune", "101 rollback", "101 restart 1", "102 clear 12",
        "201 raise 12", "201 gap bc", "201 prune", "201 rollback", "201 restart 2", "202 clear 12"}},
      {"IntegrityGapWithinOneEpisode", {},
       {"0 act daily.cvd=a", "1 up", "100 act daily.cvd=b", "101 fail", "103 fail",
        "110 act daily.cvd=c", "111 fail", "120 up"},
       {"101 raise 12", "101 prune", "101 rollback", "101 restart 1", "103 intervene 12",
        "103 restart 2", "111 gap bc", "111 prune", "111 rollback", "111 restart 4",
        "120 clear 12"}},
      {"IntegrityGapWindowIsConfigurable", GapAfter(3),
       {"0 act daily.cvd=a", "1 up", "100 act daily.cvd=b", "101 fail", "102 up",
        "200 act daily.cvd=c", "201 fail", "202 up", "300 act daily.cvd=d", "301 fail", "302 up"},
       {"101 raise 12", "101 prune", "101 rollback", "101 restart 1", "102 clear 12",
        "201 raise 12", "201 prune", "201 rollback", "201 restart 2", "202 clear 12",
        "301 raise 12", "301 gap bcd", "301 prune", "301 rollback", "301 restart 4",
        "302 clear 12"}},
      {"ASuccessfulActivationBreaksTheStreak", {},
       {"0 act daily.cvd=a", "1 up", "100 act daily.cvd=b", "101 fail", "102 up",
        "200 act daily.cvd=c", "201 up", "300 act daily.cvd=d", "301 fail", "302 up"},
       {"101 raise 12", "101 prune", "101 rollback", "101 restart 1", "102 clear 12",
        "301 raise 12", "301 prune", "301 rollback", "301 restart 2", "302 clear 12"}},
      {"EveryFurtherFailedActivationReportsTheLastTwo", {},
       {"0 act daily.cvd=a", "1 up", "100 act daily.cvd=b", "101 fail", "102 up",
        "200 act daily.cvd=c", "201 fail", "202 up", "300 act daily.cvd=d", "301 fail", "302 up"},
       {"101 raise 12", "101 prune", "101 rollback", "101 restart 1", "102 clear 12",
        "201 raise 12", "201 gap bc", "201 prune", "201 rollback", "201 restart 2", "202 clear 12",
        "301 raise 12", "301 gap cd", "301 prune", "301 rollback", "301 restart 4",
        "302 clear 12"}},
      {"SupersededActivationIsNotBlamed", {},
       {"0 act daily.cvd=a", "1 up", "100 act daily.cvd=b", "101 fail", "102 up",
        "200 act daily.cvd=9", "200 act daily.cvd=c", "201 fail", "202 up"},
       {"101 raise 12", "101 prune", "101 rollback", "101 restart 1", "102 clear 12",
        "201 raise 12", "201 gap bc", "201 prune", "201 rollback", "201 restart 2", "202 clear 12"}},
      {"ReactivatedKnownGoodFilesAreNotBlamed", {},
       {"0 act daily.cvd=a", "1 up", "100 act daily.cvd=b", "101 fail", "102 up",
        "200 act daily.cvd=a", "201 fail", "202 up"},
       // The second activation re-installed known-good files only: they
       // loaded before, so only b (from the first failed activation) is named.
       {"101 raise 12", "101 prune", "101 rollback", "101 restart 1", "102 clear 12",
        "201 raise 12", "201 gap b", "201 prune", "201 rollback", "201 restart 2", "202 clear 12"}},
      // ---- both faults ---------------------------------------------------------------
      {"CrashesAndStartFailuresShareTheBackoff", {},
       {"0 conn", "0 up", "10 crash", "11 fail", "12 up", "13 crash"},
       {"10 restart 1", "11 raise 12", "11 prune", "11 restart 2", "12 clear 12", "13 restart 4"}},
      {"Fault10ClockNeedsARunningService", {},
       {"0 conn", "0 crash", "1 crash", "2 crash", "3 fail", "310 tick", "311 up", "610 tick",
        "611 tick"},
       {"0 restart 1", "1 restart 2", "2 raise 10", "2 restart 4", "3 raise 12", "3 prune",
        "3 restart 8", "311 clear 12", "610 intervene 10", "611 clear 10"}},
  };
  return kAll;
}

}  // namespace cvdguard::faults_testing

#endif  // CVDGUARD_TESTS_UNIT_FAULTS_TIMELINES_H_
