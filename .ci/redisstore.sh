#!/usr/bin/env bash
# CI for the nested module introspect/redisstore (the Redis-backed stores):
# installs redis-server when it is missing, since its tests start a real one
# on loopback (and fail under CI without it), then runs the module's own
# checks in its directory.
set -euo pipefail
cd "$(dirname "$0")/../introspect/redisstore"

if ! command -v redis-server >/dev/null 2>&1; then
  echo "-- installing redis-server (Debian package)"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi
redis-server --version

export GOFLAGS="${GOFLAGS:--mod=readonly}"
export PATH="$(go env GOPATH)/bin:$PATH"
go mod download
go mod verify

unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
CI="${CI:-true}" go test -count=1 ./...
CI="${CI:-true}" go test -race -count=1 ./...
# .ci/run passes the staticcheck version it pins.
go run "${STATICCHECK:-honnef.co/go/tools/cmd/staticcheck@v0.8.2}" ./...
