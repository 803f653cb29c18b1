#!/usr/bin/env bash
# Provides the FerretDB binary (the embedded MongoDB-wire server on PostgreSQL)
# and prints its path as the last line of output. Cached by version outside the
# repo, so only the first run compiles (about 1.5 min cold, seconds warm).
#
# A plain `go install` of FerretDB gives a binary that panics at start: its
# release process writes build/version/version.txt. So the module source is
# taken from the Go module proxy, the version file written, and then built.
set -euo pipefail

version=v1.24.2
say() { printf '[ferretdb] %s\n' "$*" >&2; }
die() { printf '[ferretdb] ERROR: %s\n' "$*" >&2; exit 1; }

cache_root=${CARE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/care-asn}
out_dir=$cache_root/ferretdb/$version
out_bin=$out_dir/ferretdb

if [ -x "$out_bin" ] && "$out_bin" --version >/dev/null 2>&1; then
  say "cached FerretDB $version"
  echo "$out_bin"; exit 0
fi

command -v go >/dev/null 2>&1 || die "Go is not installed; FerretDB $version is built from the Go module proxy. Install Go >= 1.22 (https://go.dev/doc/install or Debian's golang package) and rerun."

say "step 1/2: fetching github.com/FerretDB/FerretDB@$version from the Go module proxy"
module_dir=$(go mod download -json "github.com/FerretDB/FerretDB@$version" | sed -n 's/^[[:space:]]*"Dir":[[:space:]]*"\(.*\)",*$/\1/p')
[ -d "$module_dir" ] || die "go mod download did not give a source folder"

say "step 2/2: compiling FerretDB $version (about 1.5 min cold)"
src=$cache_root/ferretdb/src-$version
mkdir -p "$cache_root/ferretdb"
rm -rf "$src" && cp -r "$module_dir" "$src" && chmod -R u+w "$src"
printf '%s\n' "$version" > "$src/build/version/version.txt"
mkdir -p "$out_dir"
(cd "$src" && go build -o "$out_bin.tmp" ./cmd/ferretdb)
mv "$out_bin.tmp" "$out_bin"
rm -rf "$src"
"$out_bin" --version >/dev/null 2>&1 || die "the built binary does not start"
say "built and cached: $out_bin"
echo "$out_bin"
