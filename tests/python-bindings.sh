#!/bin/sh
# python-bindings.sh - libshmipc from Python through GObject Introspection
# (tests/python/test_bindings.py), with the built typelib and library.
# Skipped only when the build has no introspection (--disable-introspection,
# or gobject-introspection missing) or is a sanitizer build (Python cannot
# load a library built with AddressSanitizer); with introspection, a
# missing Python with PyGObject is a failure, not a skip.
set -u
builddir=${abs_top_builddir:?run through make check}
srcdir=${abs_top_srcdir:?run through make check}
if [ "${SHMIPC_INTROSPECTION:-no}" != yes ]; then
  echo "built without GObject Introspection: skipped" >&2
  exit 77
fi
if readelf -d "$builddir/lib/.libs/libshmipc.so" 2>/dev/null | grep -q 'NEEDED.*libasan'; then
  echo "sanitizer build: Python cannot load this libshmipc: skipped" >&2
  exit 77
fi
if [ -z "${PYTHON_GI:-}" ]; then
  echo "FAIL: configure found no Python 3 with PyGObject (Debian: python3-gi); set PYTHON_GI" >&2
  exit 1
fi
GI_TYPELIB_PATH="$builddir${GI_TYPELIB_PATH:+:$GI_TYPELIB_PATH}"
LD_LIBRARY_PATH="$builddir/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
SHMIPC_BINDIR="$builddir/src"
export GI_TYPELIB_PATH LD_LIBRARY_PATH SHMIPC_BINDIR
exec "$PYTHON_GI" "$srcdir/tests/python/test_bindings.py"
