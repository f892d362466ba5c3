# Warning, sanitizer and fuzzing flags, applied PRIVATE to our own targets only.
set(CVDGUARD_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wcast-qual -Wformat=2 -Wundef -Wimplicit-fallthrough -Wconversion
    -Wsign-conversion)
if(CVDGUARD_WERROR)
  list(APPEND CVDGUARD_WARNINGS -Werror)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # Known GCC 12 false positives inside libstdc++ at -O2.
    list(APPEND CVDGUARD_WARNINGS -Wno-error=array-bounds
         -Wno-error=stringop-overflow -Wno-error=stringop-overread
         -Wno-error=restrict -Wno-error=maybe-uninitialized)
  endif()
endif()

if(CVDGUARD_SANITIZE)
  add_compile_options(-fsanitize=${CVDGUARD_SANITIZE} -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${CVDGUARD_SANITIZE})
endif()

if(CVDGUARD_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CVDGUARD_BUILD_FUZZERS needs clang (CC=clang CXX=clang++)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
                      -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

function(cvdguard_apply_flags target)
  target_compile_options(${target} PRIVATE ${CVDGUARD_WARNINGS})
endfunction()
