#!/usr/bin/env bash
# Runs every fuzz target in the module for a short time (default 10s each).
# Usage: .ci/fuzz.sh [duration]
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-10s}"
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "fuzz $pkg $target ($dur)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$dur" "$pkg"
  done
done
