# Packaging (issue 9): symbol visibility, the C API test, the man page,
# install/export (CMake package + pkg-config), the install-consumer test and
# cpack (.deb). Included last by the top-level CMakeLists.txt. docs/install.md
# describes the result.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# --- symbol visibility ------------------------------------------------------
# Everything is hidden except what carries CVDGUARD_EXPORT (include/cvdguard/
# export.h): the C API and the public C++ API. Hidden only affects the dynamic
# symbol table, so the static library (and the tests that reach internals
# through it) link as before.
set_target_properties(cvdguard_objects PROPERTIES
  CXX_VISIBILITY_PRESET hidden
  C_VISIBILITY_PRESET hidden
  VISIBILITY_INLINES_HIDDEN ON)
target_compile_definitions(cvdguard_objects PRIVATE CVDGUARD_BUILDING_LIBRARY)
# Never re-export symbols of static archives pulled into the shared library,
# and fail the link on an undefined symbol rather than at the user's runtime.
# (--no-undefined is skipped with sanitizers: clang leaves their runtime out of
# shared libraries.)
# The version script (cmake/cvdguard.map.in) also drops the standard
# library's default-visibility template instantiations.
configure_file(${PROJECT_SOURCE_DIR}/cmake/cvdguard.map.in
               ${PROJECT_BINARY_DIR}/cvdguard.map @ONLY)
target_link_options(cvdguard_shared PRIVATE "LINKER:--exclude-libs,ALL"
                    "LINKER:--version-script=${PROJECT_BINARY_DIR}/cvdguard.map")
set_property(TARGET cvdguard_shared APPEND PROPERTY
             LINK_DEPENDS ${PROJECT_BINARY_DIR}/cvdguard.map)
if(NOT CVDGUARD_SANITIZE AND NOT CVDGUARD_BUILD_FUZZERS)
  target_link_options(cvdguard_shared PRIVATE "LINKER:--no-undefined")
endif()
set_target_properties(cvdguard_shared PROPERTIES EXPORT_NAME cvdguard_shared)

# --- man page: generated from the built CLI's own --help --------------------
# cmake/gen_manpage.py runs `cvdguard --help`, `cvdguard SUB --help` for every
# sub-command it lists, and `cvdguard codes --markdown`, and adds
# docs/exit-codes.md and docs/json-schema.md. One source, so no drift.
find_package(Python3 3.7 COMPONENTS Interpreter)
set(CVDGUARD_MAN_PAGE ${PROJECT_BINARY_DIR}/man/cvdguard.1)
if(Python3_Interpreter_FOUND AND NOT CMAKE_CROSSCOMPILING)
  add_custom_command(
    OUTPUT ${CVDGUARD_MAN_PAGE}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    COMMAND Python3::Interpreter ${PROJECT_SOURCE_DIR}/cmake/gen_manpage.py
            --cli $<TARGET_FILE:cvdguard_cli>
            --version ${PROJECT_VERSION}
            --exit-codes ${PROJECT_SOURCE_DIR}/docs/exit-codes.md
            --json-schema ${PROJECT_SOURCE_DIR}/docs/json-schema.md
            --output ${CVDGUARD_MAN_PAGE}
    DEPENDS cvdguard_cli ${PROJECT_SOURCE_DIR}/cmake/gen_manpage.py
            ${PROJECT_SOURCE_DIR}/docs/exit-codes.md
            ${PROJECT_SOURCE_DIR}/docs/json-schema.md
    COMMENT "Generating man page cvdguard(1) from cvdguard --help"
    VERBATIM)
  add_custom_target(cvdguard_man ALL DEPENDS ${CVDGUARD_MAN_PAGE})
  install(FILES ${CVDGUARD_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "cvdguard: no Python 3 (or cross-compiling): man page not generated")
endif()

# --- install ----------------------------------------------------------------
# The CLI links the static library today; the RPATH makes it find a shared
# libcvdguard beside it too, wherever the tree is installed.
file(RELATIVE_PATH _cvdguard_bin_to_lib
     ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_LIBDIR})
# Built with it too: otherwise CMake pads the build tree's (empty) RPATH with
# ':' to make room, and empty entries make the loader search the current
# directory (tests/install/check_runpath.sh).
set_target_properties(cvdguard_cli PROPERTIES
  INSTALL_RPATH "$ORIGIN/${_cvdguard_bin_to_lib}"
  BUILD_WITH_INSTALL_RPATH ON)

set(CVDGUARD_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/cvdguard)
install(TARGETS cvdguard cvdguard_shared EXPORT cvdguardTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS cvdguard_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Public headers only: include/cvdguard/*.h and the *.def tables they include.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/cvdguard
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.def")
install(EXPORT cvdguardTargets NAMESPACE cvdguard::
  FILE cvdguardTargets.cmake DESTINATION ${CVDGUARD_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/cvdguardConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cvdguardConfig.cmake
  INSTALL_DESTINATION ${CVDGUARD_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cvdguardConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cvdguardConfig.cmake
              ${PROJECT_BINARY_DIR}/cvdguardConfigVersion.cmake
        DESTINATION ${CVDGUARD_INSTALL_CMAKEDIR})

# pkg-config: relocatable (paths relative to the .pc file), so it is right
# for `cmake --install --prefix ANY` and for the .deb alike.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  message(FATAL_ERROR "cvdguard: CMAKE_INSTALL_LIBDIR must be relative")
endif()
file(RELATIVE_PATH _cvdguard_pc_to_prefix
     /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
set(CVDGUARD_PC_PREFIX "\${pcfiledir}/${_cvdguard_pc_to_prefix}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/cvdguard.pc.in
               ${PROJECT_BINARY_DIR}/cvdguard.pc @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/cmake/cvdguard-static.pc.in
               ${PROJECT_BINARY_DIR}/cvdguard-static.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cvdguard.pc ${PROJECT_BINARY_DIR}/cvdguard-static.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# --- tests ------------------------------------------------------------------
if(CVDGUARD_BUILD_TESTS)
  # tests/capi is meant to be added by tests/CMakeLists.txt
  # (`add_subdirectory(capi)`); until it is, add it from here.
  if(NOT TARGET cvdguard_capi_test)
    add_subdirectory(tests/capi ${PROJECT_BINARY_DIR}/tests/capi)
  endif()
  # Only the public API leaves the shared library, and all of the C API does.
  if(Python3_Interpreter_FOUND)
    add_test(NAME capi.exports
      COMMAND Python3::Interpreter ${PROJECT_SOURCE_DIR}/tests/capi/check_exports.py
              --library $<TARGET_FILE:cvdguard_shared>
              --header ${PROJECT_SOURCE_DIR}/include/cvdguard/cvdguard.h
              --soname libcvdguard.so.${PROJECT_VERSION_MAJOR})
  endif()
  # Installs into a temporary prefix and builds consumers against the
  # *installed* package with CMake and with pkg-config.
  add_test(NAME install.consumer
    COMMAND ${PROJECT_SOURCE_DIR}/tests/install/run.sh
            ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR}
            ${PROJECT_SOURCE_DIR}/../shared/realdata ${CMAKE_COMMAND}
            ${CMAKE_C_COMPILER} ${CMAKE_CXX_COMPILER})
  set_tests_properties(install.consumer PROPERTIES TIMEOUT 900
    ENVIRONMENT "CVDGUARD_VERSION=${PROJECT_VERSION}")
  # Builds the .deb and runs what it contains (unpacked, not installed).
  find_program(CVDGUARD_DPKG_DEB dpkg-deb)
  if(CVDGUARD_DPKG_DEB)
    add_test(NAME package.deb
      COMMAND ${PROJECT_SOURCE_DIR}/tests/install/check_deb.sh ${PROJECT_BINARY_DIR}
              ${PROJECT_SOURCE_DIR}/../shared/realdata ${CMAKE_CPACK_COMMAND} ${CMAKE_C_COMPILER})
    set_tests_properties(package.deb PROPERTIES TIMEOUT 900 RUN_SERIAL ON)
  endif()
  # No binary may search the current directory for shared libraries.
  add_test(NAME build.library_search_path
    COMMAND ${PROJECT_SOURCE_DIR}/tests/install/check_runpath.sh
            $<TARGET_FILE:cvdguard_cli> $<TARGET_FILE:cvdguard_shared>)
  if(TARGET cvdguard_man)
    add_test(NAME man.renders
      COMMAND ${PROJECT_SOURCE_DIR}/tests/install/check_man.sh ${CVDGUARD_MAN_PAGE}
              $<TARGET_FILE:cvdguard_cli>)
  endif()
endif()

# --- cpack: a .deb ----------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cvdguard)
set(CPACK_PACKAGE_VENDOR "cvdguard")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "validator for ClamAV definition files (.cvd/.cld/.cud/.cdiff/.sign)")
set(CPACK_PACKAGE_DESCRIPTION
    "cvdguard checks ClamAV definition files before they go live: header, signatures, gzip, tar, manifest and signature lint, and activates them atomically. Includes the cvdguard command, libcvdguard (shared and static, C and C++ API), headers, CMake and pkg-config files.")
set(CPACK_PACKAGE_CONTACT "cvdguard maintainers <cvdguard@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Debian 12 (bookworm) runtime names. The static library's link dependencies
# (-dev packages) are only recommended: the CLI and the shared library need
# just these.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6 (>= 2.34), libstdc++6 (>= 12), libgcc-s1, libssl3 (>= 3.0.0), zlib1g (>= 1:1.2.11), libarchive13 (>= 3.6.0)")
if(CVDGUARD_HAVE_ISAL)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", libisal2 (>= 2.30)")
endif()
if(CVDGUARD_HAVE_LIBCLAMAV)
  # The CLI's --engine-test links libclamav (1.4: libclamav12).
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", libclamav12 (>= 1.4.0)")
endif()
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "clamav, clamav-freshclam, libssl-dev, zlib1g-dev, libarchive-dev")
# shlibs file and the ldconfig trigger for libcvdguard.so.N.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
# Strip the CLI and the shared library (RelWithDebInfo builds carry debug info).
set(CPACK_STRIP_FILES ON)
include(CPack)
