#!/usr/bin/env bash
# Installs what `npm run cluster` and `npm run test:cluster` need, idempotently (a no-op once done):
#   .tools/bin/temporal-server     the Temporal server (go install go.temporal.io/server/cmd/server)
#   .tools/bin/temporal-sql-tool   its schema tool (…/cmd/tools/sql)
#   .tools/temporal-schema/        the PostgreSQL schemas that ship in the server's Go module
#   .tools/bin/temporal-ui-server  the Web UI (go install github.com/temporalio/ui-server/v2/cmd/server)
#   PostgreSQL's server binaries  from Debian (apt-get) when initdb is missing; the system service is not used
# The versions are the ones docker-compose.yml runs (test/deploy/docker-compose.test.ts checks it).
set -euo pipefail

TEMPORAL_SERVER_VERSION=1.29.1
TEMPORAL_UI_SERVER_VERSION=2.41.0

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin"
mkdir -p "$bin"
log() { echo "[install-temporal-server] $*" >&2; }

# go install builds into a private GOBIN, then the binary gets a name that says what it is (both modules
# name their command `server`).
go_install() { # go_install PACKAGE@VERSION TARGET_NAME
  local stamp="$bin/.$2-${1##*@}"
  if [ -x "$bin/$2" ] && [ -f "$stamp" ]; then return; fi
  command -v go >/dev/null 2>&1 || { log "Go is needed to build $2 (go install $1)"; exit 1; }
  local gobin; gobin="$(mktemp -d)"
  log "building $2 from $1 (a few minutes the first time)…"
  GOBIN="$gobin" GOFLAGS=-mod=mod go install "$1" >&2
  mv "$gobin"/* "$bin/$2"
  rmdir "$gobin"
  touch "$stamp"
  log "$2 ready"
}

go_install "go.temporal.io/server/cmd/server@v$TEMPORAL_SERVER_VERSION" temporal-server
go_install "go.temporal.io/server/cmd/tools/sql@v$TEMPORAL_SERVER_VERSION" temporal-sql-tool

schema="$root/.tools/temporal-schema/$TEMPORAL_SERVER_VERSION"
if [ ! -d "$schema/postgresql/v12/temporal/versioned" ]; then
  module="$(GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' "go.temporal.io/server@v$TEMPORAL_SERVER_VERSION" 2>/dev/null || true)"
  if [ -z "$module" ] || [ ! -d "$module/schema/postgresql/v12" ]; then
    GOFLAGS=-mod=mod go mod download "go.temporal.io/server@v$TEMPORAL_SERVER_VERSION" >&2
    module="$(go env GOMODCACHE)/go.temporal.io/server@v$TEMPORAL_SERVER_VERSION"
  fi
  mkdir -p "$schema/postgresql"
  cp -R "$module/schema/postgresql/v12" "$schema/postgresql/"
  chmod -R u+w "$schema"
  log "schemas copied to $schema"
fi

if [ "${CLUSTER_WEB_UI:-1}" != "0" ]; then
  go_install "github.com/temporalio/ui-server/v2/cmd/server@v$TEMPORAL_UI_SERVER_VERSION" temporal-ui-server
fi

pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  log "installing PostgreSQL from Debian (apt-get)…"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  # Our cluster runs its own initdb/pg_ctl: the package must not create or start the system one.
  $sudo mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.conf >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 ||
    { $sudo apt-get update -qq >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2; }
  log "PostgreSQL installed: $(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi
