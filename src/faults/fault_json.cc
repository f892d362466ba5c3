// JSON forms of fault events, decisions and the config (docs/faults.md).
// nlohmann::json stays inside this file and the journal format; parse errors
// come back as FaultStatus, never as exceptions.
#include <cmath>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "cvdguard/faults.h"
#include "faults/fault_json_util.h"

namespace cvdguard {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

bool EventKindFromName(std::string_view name, FaultEventKind* out) {
  static constexpr FaultEventKind kAll[] = {
      FaultEventKind::kConnectorStart,     FaultEventKind::kServiceStarted,
      FaultEventKind::kServiceStartFailed, FaultEventKind::kServiceCrashed,
      FaultEventKind::kDefinitionsActivated, FaultEventKind::kTick};
  for (FaultEventKind k : kAll) {
    if (FaultEventKindName(k) == name) {
      *out = k;
      return true;
    }
  }
  return false;
}

FaultStatus BadField(std::string msg) {
  return FaultStatus::Error(Code::kFaultEventBadField, std::move(msg));
}

FaultStatus ParseFiles(const Json& files, std::vector<DefinitionFile>* out) {
  if (!files.is_array() || files.empty()) {
    return BadField("\"files\" must be a non-empty array of {name, version, sha256}");
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    const Json& f = files[i];
    const std::string where = "files[" + std::to_string(i) + "]";
    if (!f.is_object()) return BadField(where + " is not an object");
    DefinitionFile file;
    const auto name = f.find("name");
    if (name == f.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
      return BadField(where + ": \"name\" must be a non-empty string");
    }
    file.name = name->get<std::string>();
    const auto version = f.find("version");
    if (version == f.end() || !version->is_number_integer() ||
        (version->is_number_unsigned() ? false : version->get<std::int64_t>() < 0)) {
      return BadField(where + ": \"version\" must be a non-negative integer");
    }
    file.version = version->is_number_unsigned()
                       ? version->get<std::uint64_t>()
                       : static_cast<std::uint64_t>(version->get<std::int64_t>());
    const auto sha = f.find("sha256");
    if (sha == f.end() || !sha->is_string()) {
      return BadField(where + ": \"sha256\" must be a string of 64 hex digits");
    }
    std::string digest = sha->get<std::string>();
    if (!internal::NormalizeSha256(&digest)) {
      return BadField(where + ": \"sha256\" must be 64 hex digits");
    }
    file.sha256 = std::move(digest);
    out->push_back(std::move(file));
  }
  return FaultStatus::Ok();
}

}  // namespace

namespace internal {

bool NormalizeSha256(std::string* digest) {
  if (digest->size() != 64) return false;
  for (char& c : *digest) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool JsonNumberToDouble(const Json& value, double* out) {
  if (value.is_number_integer() || value.is_number_unsigned() || value.is_number_float()) {
    const double d = value.get<double>();
    if (!std::isfinite(d)) return false;
    *out = d;
    return true;
  }
  return false;
}

OrderedJson SecondsToJson(double s) {
  // Integral values print as integers ("t": 5, not 5.0) so output lines look
  // like the input; 2^53 bounds the exact range.
  if (std::nearbyint(s) == s && std::fabs(s) <= 9007199254740992.0) {
    return OrderedJson(static_cast<std::int64_t>(s));
  }
  return OrderedJson(s);
}

}  // namespace internal

std::string FaultSecondsToJson(double seconds) { return internal::SecondsToJson(seconds).dump(); }

FaultStatus ParseFaultEventLine(std::string_view line, FaultEvent* out) {
  const Json j = Json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return FaultStatus::Error(Code::kFaultEventBadJson, "not valid JSON");
  }
  if (!j.is_object()) {
    return FaultStatus::Error(Code::kFaultEventBadJson, "not a JSON object");
  }
  FaultEvent event;
  const auto name = j.find("event");
  if (name == j.end()) return BadField("missing \"event\"");
  if (!name->is_string()) return BadField("\"event\" must be a string");
  if (!EventKindFromName(name->get_ref<const std::string&>(), &event.kind)) {
    return FaultStatus::Error(Code::kFaultEventUnknown,
                              "unknown event \"" + name->get<std::string>() + "\"");
  }
  const auto t = j.find("t");
  if (t == j.end()) return BadField("missing \"t\"");
  if (!internal::JsonNumberToDouble(*t, &event.t)) {
    return BadField("\"t\" must be a number of seconds");
  }
  if (std::fabs(event.t) > 9007199254740992.0) {
    return BadField("\"t\" is out of range (|t| <= 2^53)");
  }
  const char* detail_key = event.kind == FaultEventKind::kServiceStartFailed ? "reason"
                           : event.kind == FaultEventKind::kServiceCrashed   ? "status"
                                                                             : nullptr;
  if (detail_key != nullptr) {
    const auto detail = j.find(detail_key);
    if (detail != j.end() && !detail->is_null()) {
      if (!detail->is_string()) return BadField(std::string("\"") + detail_key + "\" must be a string");
      event.detail = detail->get<std::string>();
    }
  }
  if (event.kind == FaultEventKind::kDefinitionsActivated) {
    const auto files = j.find("files");
    if (files == j.end()) return BadField("missing \"files\"");
    if (FaultStatus st = ParseFiles(*files, &event.files); !st.ok()) return st;
  }
  *out = std::move(event);
  return FaultStatus::Ok();
}

std::string FaultEventToJson(const FaultEvent& event) {
  OrderedJson j;
  j["t"] = internal::SecondsToJson(event.t);
  j["event"] = std::string(FaultEventKindName(event.kind));
  if (event.kind == FaultEventKind::kServiceStartFailed && !event.detail.empty()) {
    j["reason"] = event.detail;
  }
  if (event.kind == FaultEventKind::kServiceCrashed && !event.detail.empty()) {
    j["status"] = event.detail;
  }
  if (event.kind == FaultEventKind::kDefinitionsActivated) {
    OrderedJson files = OrderedJson::array();
    for (const auto& f : event.files) {
      files.push_back({{"name", f.name}, {"version", f.version}, {"sha256", f.sha256}});
    }
    j["files"] = std::move(files);
  }
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string FaultDecisionToJson(const FaultDecision& d) {
  OrderedJson j;
  j["t"] = internal::SecondsToJson(d.t);
  j["decision"] = std::string(FaultDecisionKindName(d.kind));
  switch (d.kind) {
    case FaultDecisionKind::kRestartService:
      j["delay_s"] = internal::SecondsToJson(d.delay_s);
      break;
    case FaultDecisionKind::kFaultRaised:
    case FaultDecisionKind::kFaultCleared:
      j["fault"] = d.fault;
      break;
    case FaultDecisionKind::kInterventionRequired:
      j["fault"] = d.fault;
      j["reason"] = d.reason;
      // Extra field: follows from the fault id alone.
      j["scanning"] = d.fault == kFaultFrequentRestarts ? "degraded" : "off";
      break;
    case FaultDecisionKind::kIntegrityGap:
      j["sha256"] = d.sha256;
      break;
    case FaultDecisionKind::kPrune:
    case FaultDecisionKind::kRollback:
      break;
  }
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

namespace {

struct DurationKey {
  const char* name;
  double FaultConfig::*field;
};
constexpr DurationKey kDurationKeys[] = {
    {"crash_window_s", &FaultConfig::crash_window_s},
    {"backoff_initial_s", &FaultConfig::backoff_initial_s},
    {"backoff_multiplier", &FaultConfig::backoff_multiplier},
    {"backoff_max_s", &FaultConfig::backoff_max_s},
    {"backoff_reset_s", &FaultConfig::backoff_reset_s},
    {"fault10_clear_s", &FaultConfig::fault10_clear_s},
    {"fault10_escalate_s", &FaultConfig::fault10_escalate_s},
};
struct CountKey {
  const char* name;
  std::uint32_t FaultConfig::*field;
};
constexpr CountKey kCountKeys[] = {
    {"crash_threshold", &FaultConfig::crash_threshold},
    {"integrity_gap_activations", &FaultConfig::integrity_gap_activations},
};

}  // namespace

FaultStatus ParseFaultConfig(std::string_view json_text, FaultConfig* out) {
  const Json j = Json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return FaultStatus::Error(Code::kFaultConfigInvalid, "config is not a JSON object");
  }
  FaultConfig config;
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const auto& k : kDurationKeys) {
      if (key != k.name) continue;
      known = true;
      if (!internal::JsonNumberToDouble(value, &(config.*k.field))) {
        return FaultStatus::Error(Code::kFaultConfigInvalid, key + " must be a number");
      }
    }
    for (const auto& k : kCountKeys) {
      if (key != k.name) continue;
      known = true;
      if (!value.is_number_integer() ||
          (!value.is_number_unsigned() && value.get<std::int64_t>() < 1) ||
          value.get<std::uint64_t>() > 1000) {
        return FaultStatus::Error(Code::kFaultConfigInvalid, key + " must be an integer in 1..1000");
      }
      config.*k.field = static_cast<std::uint32_t>(value.get<std::uint64_t>());
    }
    if (!known) {
      return FaultStatus::Error(Code::kFaultConfigInvalid, "unknown config key \"" + key + "\"");
    }
  }
  if (FaultStatus st = ValidateFaultConfig(config); !st.ok()) return st;
  *out = config;
  return FaultStatus::Ok();
}

std::string FaultConfigToJson(const FaultConfig& config) {
  OrderedJson j;
  for (const auto& k : kCountKeys) j[k.name] = config.*k.field;
  for (const auto& k : kDurationKeys) j[k.name] = internal::SecondsToJson(config.*k.field);
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace cvdguard
