// Symbol visibility for the public API of libcvdguard.
#ifndef CVDGUARD_EXPORT_H_
#define CVDGUARD_EXPORT_H_

#if defined(CVDGUARD_BUILDING_LIBRARY)
#define CVDGUARD_EXPORT __attribute__((visibility("default")))
#else
#define CVDGUARD_EXPORT
#endif

#endif  // CVDGUARD_EXPORT_H_
