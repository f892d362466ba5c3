// The fault journal document: the engine state as JSON with a format name, a
// version and a CRC-32 over the canonical state text (docs/faults.md).
// Loading is strict: any torn, edited or inconsistent document is reported
// as corrupt, never repaired and never reset silently.
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "faults/fault_json_util.h"
#include "faults/fault_state.h"

namespace cvdguard::internal {
namespace {

using Json = nlohmann::json;

constexpr const char* kFormatName = "cvdguard-fault-journal";
constexpr std::int64_t kFormatVersion = 1;
constexpr double kMaxAbsTime = 9007199254740992.0;

// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320): catches edits and
// bit flips that still leave valid JSON.
std::uint32_t Crc32(std::string_view data) { return JournalCrc32(data); }

}  // namespace

std::uint32_t JournalCrc32(std::string_view data) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xFFFFFFFFU;
  for (char ch : data) {
    crc = table[(crc ^ static_cast<std::uint8_t>(ch)) & 0xFFU] ^ (crc >> 8);
  }
  return crc ^ 0xFFFFFFFFU;
}

namespace {

std::string Hex32(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

// Invalid UTF-8 (possible only through the C++ API) is replaced, never thrown.
std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json OptionalTime(bool has, double t) { return has ? Json(t) : Json(nullptr); }

Json FilesToJson(const std::vector<DefinitionFile>& files) {
  Json a = Json::array();
  for (const auto& f : files) {
    a.push_back({{"name", f.name}, {"version", f.version}, {"sha256", f.sha256}});
  }
  return a;
}

const char* OutcomeName(ActivationRecord::Outcome o) {
  switch (o) {
    case ActivationRecord::Outcome::kPending: return "pending";
    case ActivationRecord::Outcome::kStarted: return "started";
    case ActivationRecord::Outcome::kFailed: return "failed";
  }
  return "pending";
}

Json StateToJson(const FaultState& s) {
  Json j;
  j["event_count"] = s.event_count;
  j["last_t"] = OptionalTime(s.has_time, s.last_t);
  j["connector_start_t"] = OptionalTime(s.has_connector_start, s.connector_start_t);
  j["running"] = s.running;
  j["running_since"] = s.running_since;
  j["last_failure_t"] = OptionalTime(s.has_last_failure, s.last_failure_t);
  j["backoff_step"] = s.backoff_step;
  j["crash_times"] = s.crash_times;
  j["f10"] = {{"raised", s.f10_raised}, {"raised_t", s.f10_raised_t}, {"escalated", s.f10_escalated}};
  j["f12"] = {{"raised", s.f12_raised}, {"escalated", s.f12_escalated}};
  j["activated_since_good_start"] = s.activated_since_good_start;
  j["activated_since_last_failure"] = s.activated_since_last_failure;
  j["activation_count"] = s.activation_count;
  j["current_set"] = FilesToJson(s.current_set);
  j["known_good"] = FilesToJson(s.known_good);
  Json acts = Json::array();
  for (const auto& a : s.activations) {
    acts.push_back({{"seq", a.seq},
                    {"files", FilesToJson(a.files)},
                    {"outcome", OutcomeName(a.outcome)},
                    {"offending", a.offending}});
  }
  j["activations"] = std::move(acts);
  j["refused"] = Json(std::vector<std::string>(s.refused.begin(), s.refused.end()));
  return j;
}

// Strict field reader: every key must be present with the right type, and an
// object must have no other keys. The first problem is kept.
class Reader {
 public:
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  void Fail(const std::string& what) {
    if (error_.empty()) error_ = what;
  }

  const Json* Get(const Json& obj, const char* key) {
    if (!ok()) return nullptr;
    const auto it = obj.find(key);
    if (it == obj.end()) {
      Fail(std::string("missing \"") + key + "\"");
      return nullptr;
    }
    return &*it;
  }
  void ExpectKeys(const Json& obj, std::size_t n, const char* what) {
    if (ok() && obj.size() != n) Fail(std::string("unexpected keys in ") + what);
  }
  bool Bool(const Json& obj, const char* key) {
    const Json* v = Get(obj, key);
    if (v == nullptr) return false;
    if (!v->is_boolean()) {
      Fail(std::string("\"") + key + "\" is not a boolean");
      return false;
    }
    return v->get<bool>();
  }
  std::uint64_t U64(const Json& obj, const char* key, std::uint64_t max) {
    const Json* v = Get(obj, key);
    if (v == nullptr) return 0;
    if (!v->is_number_unsigned() || v->get<std::uint64_t>() > max) {
      Fail(std::string("\"") + key + "\" is not an integer in range");
      return 0;
    }
    return v->get<std::uint64_t>();
  }
  double TimeValue(const Json& v, const char* key) {
    double d = 0;
    if (!JsonNumberToDouble(v, &d) || std::fabs(d) > kMaxAbsTime) {
      Fail(std::string("\"") + key + "\" is not a time");
      return 0;
    }
    return d;
  }
  double Time(const Json& obj, const char* key) {
    const Json* v = Get(obj, key);
    return v == nullptr ? 0 : TimeValue(*v, key);
  }
  // null means "none": *has = false and the time is 0, as in a fresh state.
  double OptionalTime(const Json& obj, const char* key, bool* has) {
    *has = false;
    const Json* v = Get(obj, key);
    if (v == nullptr || v->is_null()) return 0;
    *has = true;
    return TimeValue(*v, key);
  }
  std::string Digest(const Json& v) {
    std::string d;
    if (!v.is_string()) {
      Fail("digest is not a string");
      return d;
    }
    d = v.get<std::string>();
    std::string normalized = d;
    if (!NormalizeSha256(&normalized) || normalized != d) Fail("bad digest");
    return d;
  }
  std::vector<std::string> Digests(const Json& obj, const char* key, std::size_t max) {
    std::vector<std::string> out;
    const Json* v = Get(obj, key);
    if (v == nullptr) return out;
    if (!v->is_array() || v->size() > max) {
      Fail(std::string("\"") + key + "\" is not a digest list");
      return out;
    }
    for (const auto& e : *v) {
      out.push_back(Digest(e));
      // Canonical form: strictly ascending, so no duplicates.
      if (out.size() > 1 && !(out[out.size() - 2] < out.back())) Fail("digests not sorted");
    }
    return out;
  }
  std::vector<DefinitionFile> Files(const Json& obj, const char* key) {
    std::vector<DefinitionFile> out;
    const Json* v = Get(obj, key);
    if (v == nullptr) return out;
    if (!v->is_array() || v->size() > kMaxSetFiles) {
      Fail(std::string("\"") + key + "\" is not a file list");
      return out;
    }
    for (const auto& f : *v) {
      if (!f.is_object()) {
        Fail("file is not an object");
        return out;
      }
      DefinitionFile file;
      const Json* name = Get(f, "name");
      if (name == nullptr || !name->is_string() || name->get_ref<const std::string&>().empty()) {
        Fail("bad file name");
        return out;
      }
      file.name = name->get<std::string>();
      file.version = U64(f, "version", UINT64_MAX);
      const Json* sha = Get(f, "sha256");
      if (sha != nullptr) file.sha256 = Digest(*sha);
      ExpectKeys(f, 3, "a file");
      out.push_back(std::move(file));
    }
    return out;
  }

 private:
  std::string error_;
};

FaultStatus Corrupt(const std::string& what) {
  return FaultStatus::Error(Code::kFaultJournalCorrupt, "fault journal is corrupt: " + what);
}

bool StateFromJson(const Json& j, FaultState* s, std::string* error) {
  Reader r;
  if (!j.is_object()) {
    *error = "state is not an object";
    return false;
  }
  s->event_count = r.U64(j, "event_count", UINT64_MAX);
  s->last_t = r.OptionalTime(j, "last_t", &s->has_time);
  s->connector_start_t = r.OptionalTime(j, "connector_start_t", &s->has_connector_start);
  s->running = r.Bool(j, "running");
  s->running_since = r.Time(j, "running_since");
  s->last_failure_t = r.OptionalTime(j, "last_failure_t", &s->has_last_failure);
  s->backoff_step = static_cast<std::uint32_t>(r.U64(j, "backoff_step", kMaxBackoffStep));
  if (const Json* crashes = r.Get(j, "crash_times"); crashes != nullptr) {
    if (!crashes->is_array() || crashes->size() > kMaxListEntries) {
      r.Fail("\"crash_times\" is not a list");
    } else {
      for (const auto& c : *crashes) {
        s->crash_times.push_back(r.TimeValue(c, "crash_times"));
        if (s->crash_times.size() > 1 && s->crash_times.back() < s->crash_times[s->crash_times.size() - 2]) {
          r.Fail("\"crash_times\" not ascending");
        }
      }
    }
  }
  if (const Json* f10 = r.Get(j, "f10"); f10 != nullptr) {
    if (!f10->is_object()) {
      r.Fail("\"f10\" is not an object");
    } else {
      s->f10_raised = r.Bool(*f10, "raised");
      s->f10_raised_t = r.Time(*f10, "raised_t");
      s->f10_escalated = r.Bool(*f10, "escalated");
      r.ExpectKeys(*f10, 3, "f10");
    }
  }
  if (const Json* f12 = r.Get(j, "f12"); f12 != nullptr) {
    if (!f12->is_object()) {
      r.Fail("\"f12\" is not an object");
    } else {
      s->f12_raised = r.Bool(*f12, "raised");
      s->f12_escalated = r.Bool(*f12, "escalated");
      r.ExpectKeys(*f12, 2, "f12");
    }
  }
  s->activated_since_good_start = r.Bool(j, "activated_since_good_start");
  s->activated_since_last_failure = r.Bool(j, "activated_since_last_failure");
  s->activation_count = r.U64(j, "activation_count", UINT64_MAX);
  s->current_set = r.Files(j, "current_set");
  s->known_good = r.Files(j, "known_good");
  if (const Json* acts = r.Get(j, "activations"); acts != nullptr) {
    if (!acts->is_array() || acts->size() > kMaxListEntries) {
      r.Fail("\"activations\" is not a list");
    } else {
      for (const auto& a : *acts) {
        if (!a.is_object()) {
          r.Fail("activation is not an object");
          break;
        }
        ActivationRecord rec;
        rec.seq = r.U64(a, "seq", s->activation_count);
        rec.files = r.Files(a, "files");
        if (const Json* o = r.Get(a, "outcome"); o != nullptr) {
          const std::string name = o->is_string() ? o->get<std::string>() : "";
          if (name == "pending") {
            rec.outcome = ActivationRecord::Outcome::kPending;
          } else if (name == "started") {
            rec.outcome = ActivationRecord::Outcome::kStarted;
          } else if (name == "failed") {
            rec.outcome = ActivationRecord::Outcome::kFailed;
          } else {
            r.Fail("bad activation outcome");
          }
        }
        rec.offending = r.Digests(a, "offending", kMaxSetFiles);
        r.ExpectKeys(a, 4, "an activation");
        if (!s->activations.empty() && s->activations.back().seq >= rec.seq) {
          r.Fail("activations out of order");
        }
        if (!s->activations.empty() &&
            s->activations.back().outcome == ActivationRecord::Outcome::kPending) {
          r.Fail("only the latest activation may be pending");
        }
        if (rec.seq == 0 || rec.files.empty()) r.Fail("bad activation record");
        s->activations.push_back(std::move(rec));
      }
    }
  }
  for (auto& d : r.Digests(j, "refused", SIZE_MAX)) s->refused.insert(std::move(d));
  r.ExpectKeys(j, StateToJson(FaultState{}).size(), "the state");

  // Cross-field consistency: what the engine can never produce.
  if (r.ok()) {
    if ((s->event_count == 0) != !s->has_time) r.Fail("event count and last time disagree");
    for (double c : s->crash_times) {
      if (c > s->last_t) r.Fail("a crash lies after the last event");
    }
    if (s->has_last_failure && s->last_failure_t > s->last_t) r.Fail("failure after the last event");
    if (s->has_connector_start && s->connector_start_t > s->last_t) r.Fail("connector start after the last event");
    // Both are set from the event being applied, never later than it; a
    // later one would hold the fault 10 clear or escalation back. Only the
    // live ones count: a stale value (0 if never set) decides nothing.
    if (s->running && s->running_since > s->last_t)
      r.Fail("\"running_since\" lies after the last event");
    if (s->f10_raised && s->f10_raised_t > s->last_t)
      r.Fail("\"raised_t\" lies after the last event");
    if (s->f10_escalated && !s->f10_raised) r.Fail("fault 10 escalated but not raised");
    if (s->f12_escalated && !s->f12_raised) r.Fail("fault 12 escalated but not raised");
    if (s->activation_count == 0 && !s->activations.empty()) r.Fail("activations without a count");
  }
  if (!r.ok()) {
    *error = r.error();
    return false;
  }
  return true;
}

}  // namespace

std::string SerializeState(const FaultState& state) {
  const Json body = StateToJson(state);
  const std::string body_text = Dump(body);
  Json doc;
  doc["format"] = kFormatName;
  doc["version"] = kFormatVersion;
  doc["crc32"] = Hex32(Crc32(body_text));
  doc["state"] = body;
  return Dump(doc);
}

FaultStatus DeserializeState(std::string_view text, FaultState* out) {
  if (text.empty()) return Corrupt("the file is empty (a torn write?)");
  const Json doc = Json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) {
    return Corrupt("not valid JSON (" + std::to_string(text.size()) + " bytes; a torn write?)");
  }
  if (!doc.is_object()) return Corrupt("not a JSON object");
  const auto format = doc.find("format");
  if (format == doc.end() || !format->is_string() || format->get<std::string>() != kFormatName) {
    return Corrupt("not a cvdguard fault journal (bad \"format\")");
  }
  const auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer()) {
    return Corrupt("missing format version");
  }
  if (version->is_number_unsigned() && version->get<std::uint64_t>() > kFormatVersion) {
    return FaultStatus::Error(
        Code::kFaultJournalNewerVersion,
        "fault journal format version " + version->dump() + " is newer than this cvdguard supports (" +
            std::to_string(kFormatVersion) + "); upgrade cvdguard or use a matching state dir");
  }
  if (version->get<std::int64_t>() != kFormatVersion) {
    return Corrupt("unsupported format version " + version->dump());
  }
  const auto crc = doc.find("crc32");
  const auto state = doc.find("state");
  if (crc == doc.end() || !crc->is_string() || state == doc.end() || doc.size() != 4) {
    return Corrupt("missing \"crc32\" or \"state\", or unexpected keys");
  }
  if (Hex32(Crc32(Dump(*state))) != crc->get<std::string>()) {
    return Corrupt("checksum mismatch (the state was changed or damaged)");
  }
  FaultState loaded;
  std::string error;
  if (!StateFromJson(*state, &loaded, &error)) return Corrupt(error);
  *out = std::move(loaded);
  return FaultStatus::Ok();
}

}  // namespace cvdguard::internal
