#!/usr/bin/env bash
# Provides the mediasoup worker binary that matches the npm `mediasoup` package,
# and prints its path as the last line of output.
#
#   build-worker.sh [MEDIASOUP_PACKAGE_DIR]   (default: node_modules/mediasoup at the repo root)
#
# Order of preference:
#   1. MEDIASOUP_WORKER_BIN, when set (a worker someone else built);
#   2. the cached build for this mediasoup version (seconds);
#   3. CARE_WORKER_SOURCE=prebuilt: mediasoup's own postinstall (its prebuilt
#      download, for machines that can reach it; never tried otherwise);
#   4. a build from the package's own worker sources against Debian's libraries:
#      shim meson subprojects instead of downloads, libsrtp built from Debian's
#      source package with OpenSSL crypto (twice the SRTP consumers per core of
#      Debian's NSS-backed libsrtp2.so), an adapter for the libsrtp 3 API, and the
#      OpenSSL KTLS BIO fix (see compat/). About 6-7 minutes on 2 cores, once.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
pkg=${1:-$repo/node_modules/mediasoup}
say() { printf '[mediasoup-worker] %s\n' "$*" >&2; }
die() { printf '[mediasoup-worker] ERROR: %s\n' "$*" >&2; exit 1; }

[ -f "$pkg/package.json" ] || die "mediasoup package not found at $pkg (run npm install first)"
version=$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$pkg/package.json" | head -n 1)
[ -n "$version" ] || die "cannot read the mediasoup version from $pkg/package.json"

# A worker started without MEDIASOUP_VERSION exits with status 41: proof that it
# loads and runs on this host (the same check mediasoup's installer makes).
worker_runs() { local status=0; env -i "$1" >/dev/null 2>&1 || status=$?; [ "$status" -eq 41 ]; }

if [ -n "${MEDIASOUP_WORKER_BIN:-}" ]; then
  worker_runs "$MEDIASOUP_WORKER_BIN" || die "MEDIASOUP_WORKER_BIN=$MEDIASOUP_WORKER_BIN does not run on this host"
  say "using MEDIASOUP_WORKER_BIN"
  echo "$MEDIASOUP_WORKER_BIN"; exit 0
fi

cache_root=${CARE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/care-asn}
flavour=debian12-openssl-srtp-v1
out_dir=$cache_root/mediasoup-worker/$version-$flavour
out_bin=$out_dir/mediasoup-worker
if [ -x "$out_bin" ] && worker_runs "$out_bin"; then
  say "cached worker $version ($flavour)"
  echo "$out_bin"; exit 0
fi

if [ "${CARE_WORKER_SOURCE:-build}" = prebuilt ]; then
  say "trying mediasoup's own prebuilt download (CARE_WORKER_SOURCE=prebuilt)"
  (cd "$pkg" && node npm-scripts.mjs postinstall) >&2
  bin=$pkg/worker/out/Release/mediasoup-worker
  worker_runs "$bin" || die "mediasoup's postinstall did not produce a working worker"
  echo "$bin"; exit 0
fi

[ "$version" = 3.19.22 ] || say "warning: this build recipe was verified for 3.19.22, the package is $version"

# --- step 1: Debian build dependencies -------------------------------------
debs=(build-essential pkg-config ninja-build python3-venv dpkg-dev libuv1-dev libssl-dev
      libabsl-dev libflatbuffers-dev flatbuffers-compiler libusrsctp-dev)
missing=()
for d in "${debs[@]}"; do dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q 'ok installed' || missing+=("$d"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    say "step 1/5: installing Debian build dependencies: ${missing[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    die "missing Debian packages: ${missing[*]} - install them with: sudo apt-get install -y ${missing[*]}"
  fi
else
  say "step 1/5: Debian build dependencies present"
fi

work=$cache_root/mediasoup-worker/build-$version-$flavour
mkdir -p "$work" "$out_dir"

# --- step 2: meson (Debian's 1.0 is older than the 1.1 mediasoup needs) -----
venv=$cache_root/meson-venv-1.12.1
if [ ! -x "$venv/bin/meson" ]; then
  say "step 2/5: installing meson 1.12.1 from PyPI into $venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q meson==1.12.1 >&2
else
  say "step 2/5: meson present"
fi

# --- step 3: libsrtp 2.5 from Debian's source package, OpenSSL crypto -------
srtp_prefix=$work/libsrtp-prefix
if [ ! -f "$srtp_prefix/lib/libsrtp2.a" ]; then
  say "step 3/5: building libsrtp from Debian's source package with OpenSSL crypto (~1 min)"
  if ! apt-get source --print-uris libsrtp2 >/dev/null 2>&1 || [ -z "$(apt-get source --print-uris libsrtp2 2>/dev/null | grep -F .dsc)" ]; then
    [ "$(id -u)" -eq 0 ] || die "no deb-src entry for Debian's archive; add one (a 'Types: deb-src' copy of /etc/apt/sources.list.d/debian.sources) and run apt-get update"
    # The same archive, suites and keyring as the machine's own entries, for sources.
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > /etc/apt/sources.list.d/care-asn-deb-src.sources
    apt-get update -qq >&2
  fi
  rm -rf "$work/libsrtp-src" && mkdir -p "$work/libsrtp-src"
  (cd "$work/libsrtp-src" && apt-get source -qq libsrtp2 >&2)
  src=$(find "$work/libsrtp-src" -mindepth 1 -maxdepth 1 -type d -name 'libsrtp2-*' | head -n 1)
  [ -n "$src" ] || die "apt-get source libsrtp2 produced no source tree"
  (
    cd "$src"
    ./configure -q --prefix="$srtp_prefix" --enable-openssl CFLAGS="-fPIC -O2" >&2
    grep -q '^#define OPENSSL 1' crypto/include/config.h || { echo "libsrtp configure did not select OpenSSL" >&2; exit 1; }
    make -s -j"$(nproc)" libsrtp2.a >&2
    make -s -j"$(nproc)" test >&2
    chmod +x test/rtpw_test.sh
    make runtest > "$work/libsrtp-runtest.log" 2>&1 || { echo "libsrtp self-test failed: $work/libsrtp-runtest.log" >&2; exit 1; }
    rm -rf "$srtp_prefix"
    make -s install >&2
  )
  if nm "$srtp_prefix/lib/libsrtp2.a" | grep -qE ' U (NSS_|PK11_)'; then die "libsrtp2.a still references NSS"; fi
  say "step 3/5: libsrtp self-test passed"
else
  say "step 3/5: libsrtp (OpenSSL) present"
fi

# --- step 4: worker sources with shim subprojects ---------------------------
say "step 4/5: preparing worker sources with Debian shim subprojects"
tree=$work/worker
rm -rf "$tree" && cp -r "$pkg/worker" "$tree" && chmod -R u+w "$tree"
for shim in "$here"/shims/*/; do
  name=$(basename "$shim")
  wrap=$tree/subprojects/$name.wrap
  [ -f "$wrap" ] || die "mediasoup $version has no subprojects/$name.wrap: the shims need updating"
  dir=$(sed -n 's/^directory[[:space:]]*=[[:space:]]*//p' "$wrap")
  rm -rf "$tree/subprojects/$dir" && cp -r "$shim" "$tree/subprojects/$dir"
  case $name in
    openssl) cp "$here/compat/bio_ctrl_passthrough.c" "$tree/subprojects/$dir/" ;;
    libsrtp3) mkdir -p "$tree/subprojects/$dir/include"
              cp "$here/compat/srtp.h" "$tree/subprojects/$dir/include/srtp.h"
              cp -r "$srtp_prefix" "$tree/subprojects/$dir/prefix" ;;
  esac
done

# --- step 5: compile ---------------------------------------------------------
say "step 5/5: compiling mediasoup-worker $version (about 5 min on 2 cores; ninja shows [done/total])"
build=$tree/out/Release/build
"$venv/bin/meson" setup --buildtype release --wrap-mode=nodownload -Db_ndebug=true \
  -Dms_disable_liburing=true "$build" "$tree" >&2
"$venv/bin/meson" compile -C "$build" flatbuffers-generator >&2
ninja -C "$build" -j"$(nproc)" mediasoup-worker >&2

if ldd "$build/mediasoup-worker" | grep -qE 'libsrtp2\.so|libnss3'; then
  die "the worker links libsrtp2.so or NSS: the OpenSSL libsrtp was not used"
fi
worker_runs "$build/mediasoup-worker" || die "the built worker does not start"
cp "$build/mediasoup-worker" "$out_bin.tmp" && mv "$out_bin.tmp" "$out_bin"
rm -rf "$tree"
say "built and cached: $out_bin"
echo "$out_bin"
