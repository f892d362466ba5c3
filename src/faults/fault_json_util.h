// Helpers shared by the fault JSON forms and the journal format.
#ifndef CVDGUARD_SRC_FAULTS_FAULT_JSON_UTIL_H_
#define CVDGUARD_SRC_FAULTS_FAULT_JSON_UTIL_H_

#include <string>

#include <nlohmann/json.hpp>

namespace cvdguard::internal {

// Lower-cases a 64-hex-digit digest in place; false if it is not one.
bool NormalizeSha256(std::string* digest);
// Any finite JSON number (integer or float) as a double.
bool JsonNumberToDouble(const nlohmann::json& value, double* out);
// Seconds for output: integral values print as integers.
nlohmann::ordered_json SecondsToJson(double s);

}  // namespace cvdguard::internal

#endif  // CVDGUARD_SRC_FAULTS_FAULT_JSON_UTIL_H_
