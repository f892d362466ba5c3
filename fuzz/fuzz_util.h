// Shared helpers for the fuzz targets: invariant checks that abort.
#ifndef CVDGUARD_FUZZ_FUZZ_UTIL_H_
#define CVDGUARD_FUZZ_FUZZ_UTIL_H_

#include <cstdio>
#include <cstdlib>

#define CVDGUARD_FUZZ_ASSERT(cond, what)                                      \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::fprintf(stderr, "fuzz invariant violated: %s (%s:%d)\n", what,     \
                   __FILE__, __LINE__);                                       \
      std::abort();                                                           \
    }                                                                         \
  } while (0)

#endif  // CVDGUARD_FUZZ_FUZZ_UTIL_H_
