#!/usr/bin/env bash
# Runs every fuzz target in the module briefly. The budget is a -fuzztime:
# an execution count such as 20000x (the default) or a duration such as 30s.
# CI uses a count: with a duration, Go 1.26's fuzz coordinator can report a
# spurious "context deadline exceeded" failure when the time runs out while a
# worker is mid-input on a busy machine (golang/go#75804, fixed in Go 1.27);
# a count has no deadline to race. A real finding still fails, and writes
# its input under the package's testdata/fuzz.
# Usage: .ci/fuzz.sh [budget]
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-20000x}"
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "fuzz $pkg $target ($dur)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$dur" "$pkg"
  done
done
