#!/usr/bin/env bash
# The install-consumer test: `cmake --install` into a temporary prefix, move
# the tree elsewhere (the install must not depend on where it was put), then
# run the installed CLI and build tiny consumers against the *installed*
# package with CMake (find_package) and with pkg-config, and run them on a
# real file.
# Usage: run.sh BUILD_DIR SOURCE_DIR REALDATA_DIR CMAKE CC CXX
set -euo pipefail
build=$1 src=$2 realdata=$3 cmake=$4 cc=$5 cxx=$6
version=${CVDGUARD_VERSION:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/cvdguard-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
valid=$realdata/test-1.cvd
printf '<html><body>503</body></html>\n' >"$work/daily.cvd"
invalid=$work/daily.cvd
# loads BINARY PATTERN: the binary's ldd output matches (no grep -q in a
# pipe: its early exit would SIGPIPE ldd under pipefail).
loads() { local out; out=$(ldd "$1"); grep -E -- "$2" >/dev/null <<<"$out"; }
fail() { echo "install.consumer: FAIL: $*" >&2; exit 1; }
step() { echo; echo "== $*"; }
# expect CODE CMD...: runs CMD, shows its output, checks its exit code.
expect() {
  local want=$1 got=0; shift
  "$@" || got=$?
  ((got == want)) || fail "exit $got, expected $want: $*"
}

step "cmake --install $build --prefix $work/stage"
"$cmake" --install "$build" --prefix "$work/stage" >"$work/install.log" ||
  { cat "$work/install.log"; fail "cmake --install failed"; }
mv "$work/stage" "$work/prefix"
prefix=$work/prefix
pc=$(find "$prefix" -name cvdguard.pc)
[[ -n $pc ]] || fail "no cvdguard.pc installed"
libdir=$(dirname "$(dirname "$pc")")
echo "installed to $work/stage, moved to $prefix; libdir $libdir"
(cd "$prefix" && find . -type f -o -type l | sort | sed 's/^/  /')

step "installed files"
for f in "$libdir/libcvdguard.a" "$libdir/libcvdguard.so.$version" \
         "$libdir/cmake/cvdguard/cvdguardConfig.cmake" \
         "$libdir/cmake/cvdguard/cvdguardConfigVersion.cmake" \
         "$libdir/cmake/cvdguard/cvdguardTargets.cmake" \
         "$prefix/include/cvdguard/cvdguard.h" "$prefix/include/cvdguard/validator.h" \
         "$prefix/include/cvdguard/codes.def" "$prefix/bin/cvdguard" \
         "$prefix/share/man/man1/cvdguard.1"; do
  [[ -f $f ]] || fail "missing $f"
done
[[ -f $libdir/pkgconfig/cvdguard-static.pc ]] || fail "missing cvdguard-static.pc"
[[ $(readlink "$libdir/libcvdguard.so") == libcvdguard.so.${version%%.*} ]] || fail "bad libcvdguard.so link"
[[ $(readlink "$libdir/libcvdguard.so.${version%%.*}") == libcvdguard.so.$version ]] || fail "bad soname link"
# Only the public headers: exactly include/cvdguard/*.h and *.def.
diff <(cd "$src/include" && find . -type f \( -name '*.h' -o -name '*.def' \) | sort) \
     <(cd "$prefix/include" && find . -type f | sort) || fail "installed headers differ from include/cvdguard"
[[ $(readelf -d "$prefix/bin/cvdguard") =~ R(UN)?PATH[^$'\n']*'$ORIGIN' ]] || fail "CLI has no \$ORIGIN rpath"
echo "ok"

step "the installed CLI"
[[ $("$prefix/bin/cvdguard" --version) == "$version" ]] || fail "--version"
expect 0 "$prefix/bin/cvdguard" verify "$valid"
expect 1 "$prefix/bin/cvdguard" verify "$invalid"
expect 3 "$prefix/bin/cvdguard" verify "$work/no-such.cvd"

step "CMake consumer: find_package(cvdguard) from $prefix"
"$cmake" -S "$src/tests/install/consumer" -B "$work/cmake-consumer" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE=Release >"$work/consumer-configure.log" ||
  { cat "$work/consumer-configure.log"; fail "consumer configure"; }
grep -q "cvdguard_DIR:PATH=$libdir/cmake/cvdguard" "$work/cmake-consumer/CMakeCache.txt" ||
  fail "find_package did not use the installed package"
"$cmake" --build "$work/cmake-consumer" -j2 || fail "consumer build"
c=$work/cmake-consumer/consumer_c cxxbin=$work/cmake-consumer/consumer_cxx
loads "$c" "$libdir/libcvdguard.so.${version%%.*}" || fail "consumer_c does not load the installed libcvdguard"
! loads "$cxxbin" libcvdguard || fail "consumer_cxx should link the static library"
expect 0 "$c" "$valid"
expect 1 "$c" "$invalid"
expect 3 "$c" "$work/no-such.cvd"
expect 0 "$cxxbin" "$valid"
expect 1 "$cxxbin" "$invalid"

step "pkg-config consumer"
export PKG_CONFIG_PATH=$libdir/pkgconfig
[[ $(pkg-config --modversion cvdguard) == "$version" ]] || fail "pkg-config --modversion"
echo "cflags: $(pkg-config --cflags cvdguard)"
echo "libs:   $(pkg-config --libs cvdguard)"
# shellcheck disable=SC2046
"$cc" -std=c99 -Wall -Wextra -Werror -o "$work/pc_c" "$src/tests/install/consumer/main.c" \
  $(pkg-config --cflags --libs cvdguard) -Wl,-rpath,"$libdir" || fail "pkg-config C build"
loads "$work/pc_c" "$libdir/libcvdguard.so" || fail "pc_c does not load the installed libcvdguard"
expect 0 "$work/pc_c" "$valid"
expect 1 "$work/pc_c" "$invalid"
# The static library through cvdguard-static.pc.
echo "static: $(pkg-config --libs cvdguard-static)"
# shellcheck disable=SC2046
"$cxx" -std=c++20 -o "$work/pc_cxx_static" "$src/tests/install/consumer/main.cc" \
  $(pkg-config --cflags --libs cvdguard-static) || fail "pkg-config cvdguard-static C++ build"
# shellcheck disable=SC2046
"$cc" -std=c99 -o "$work/pc_c_static" "$src/tests/install/consumer/main.c" \
  $(pkg-config --cflags --libs cvdguard-static) || fail "pkg-config cvdguard-static C build"
! loads "$work/pc_c_static" libcvdguard || fail "pc_c_static should not need libcvdguard.so"
expect 0 "$work/pc_c_static" "$valid"
! loads "$work/pc_cxx_static" libcvdguard || fail "pc_cxx_static should not need libcvdguard.so"
expect 0 "$work/pc_cxx_static" "$valid"

step "man page"
MANWIDTH=80 man -l "$prefix/share/man/man1/cvdguard.1" 2>/dev/null | col -b | sed -n 1,5p
echo
echo "install.consumer: ok"
