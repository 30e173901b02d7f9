#!/bin/sh
# CPU per page of the emend daemon against urlwatch on the same loopback pages, same run
# (new, unchanged answered 304, 10% edited). Builds the release binary, installs urlwatch
# into a temporary venv (or uses $URLWATCH), reads pages from the wcxb article set at run
# time. Usage: bench/peers/run.sh [N_PAGES]   (env: EMEND_PEERS_PAGES, EMEND_PEERS_INTERVAL)
set -eu
cd "$(dirname "$0")/../.."
pages=${EMEND_PEERS_PAGES:-../../shared/bench/wcxb-articles/html}
[ -d "$pages" ] || pages=/work/shared/bench/wcxb-articles/html
cargo build --release --quiet --bin emend
venv=
if [ -z "${URLWATCH:-}" ]; then
    venv=$(mktemp -d /tmp/emend-urlwatch-XXXXXX)
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet urlwatch
    URLWATCH="$venv/bin/urlwatch"
fi
trap 'if [ -n "$venv" ]; then rm -rf "$venv"; fi' EXIT
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git rev-parse --short HEAD)  nproc: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "urlwatch: $("$URLWATCH" --version 2>&1 | head -1)"
python3 bench/peers/peers.py target/release/emend "$URLWATCH" "$pages" "${1:-1000}"
