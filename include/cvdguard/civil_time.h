// Calendar dates as Unix time, for front ends that take a date from a person
// (`--at 2026-11-25T06:00:00Z`) and for the container header's build time.
#ifndef CVDGUARD_CIVIL_TIME_H_
#define CVDGUARD_CIVIL_TIME_H_

#include <cstdint>

#include "cvdguard/export.h"

namespace cvdguard {

// Seconds since 1970-01-01T00:00:00Z for a UTC date and time in the
// proleptic Gregorian calendar. False, and *out untouched, for a date or time
// that does not exist (February 31, month 13, hour 24): a typo is refused,
// never rolled over into the next month. Second 60 (a leap second) counts as
// the first second of the next minute.
CVDGUARD_EXPORT bool UnixTimeFromUtc(std::int64_t year, unsigned month, unsigned day, unsigned hour,
                                     unsigned minute, unsigned second, std::int64_t* out);

}  // namespace cvdguard

#endif  // CVDGUARD_CIVIL_TIME_H_
