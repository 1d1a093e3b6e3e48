#!/usr/bin/env bash
# Scans the module with govulncheck against a vulnerability database built
# here from a pinned version of golang.org/x/vulndb, the Go vulnerability
# database as published on the module proxy: the scan needs only the proxy,
# never vuln.go.dev, and gives the same answer on every run until the pin
# moves. The database is built once per pinned version and kept outside the
# repository, under $TOKENGUARD_CACHE (default $XDG_CACHE_HOME/tokenguard or
# ~/.cache/tokenguard); a fresh build takes a few minutes.
#
# Any finding fails the scan: in the standard library of the go command that
# runs it (set GOTOOLCHAIN to choose the release), in a required module, in
# code that is called or only imported, tests included.
#
# To move the pin: pick a newer golang.org/x/vulndb pseudo-version, and take
# its h1: hash from `go mod download -json golang.org/x/vulndb@<version>`
# (the go command checks it against sum.golang.org on the way).
# Usage: .ci/vulncheck.sh [packages]   (default ./...)
set -euo pipefail
cd "$(dirname "$0")/.."

vulndb_version=v0.0.0-20261105234957-e22db6528018
vulndb_sum=h1:mfngRv0Yoh0VApsXKEN82CjD99kl7mtparN3bs3JnqI=
govulncheck=golang.org/x/vuln/cmd/govulncheck@v1.10.0

cache="${TOKENGUARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tokenguard}"
db="$cache/vulndb-$vulndb_version"
tmp= out=
trap 'rm -rf "$tmp" "$out"' EXIT

# The tools below are not this module's dependencies: build them on their
# own go.mod files, whatever GOFLAGS the caller set for the module.
tool() { env GOFLAGS= go "$@"; }

if [ ! -f "$db/index/db.json" ]; then
  echo "building the vulnerability database from golang.org/x/vulndb@$vulndb_version into $db"
  info=$(tool mod download -json "golang.org/x/vulndb@$vulndb_version")
  sum=$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"Sum": "\(.*\)",\{0,1\}$/\1/p')
  dir=$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  if [ "$sum" != "$vulndb_sum" ]; then
    echo "golang.org/x/vulndb@$vulndb_version has hash ${sum:-(none)}; expected $vulndb_sum" >&2
    exit 1
  fi
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.vulndb.XXXXXX")
  if ! tool run "golang.org/x/vulndb/cmd/indexdb@$vulndb_version" \
      -vulns "$dir/data/osv" -out "$tmp/db" >"$tmp/log" 2>&1; then
    cat "$tmp/log" >&2
    exit 1
  fi
  # Another run may have finished first; either copy is the same.
  mv -T "$tmp/db" "$db" 2>/dev/null || true
fi

[ "$#" -gt 0 ] || set -- ./...
echo "govulncheck: $(go version | cut -d' ' -f3), database golang.org/x/vulndb@$vulndb_version"
out=$(mktemp)
tool run "$govulncheck" -db "file://$db" -test -format json "$@" >"$out"
if grep -q '"finding":' "$out"; then
  # Show the findings the way a person reads them, then fail.
  tool run "$govulncheck" -db "file://$db" -test -show verbose "$@" || true
  echo "govulncheck: known vulnerabilities found (above); upgrade the module or the Go toolchain named there" >&2
  exit 1
fi
echo "govulncheck: no known vulnerabilities"
