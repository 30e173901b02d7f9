#!/bin/sh
# 1, 2 and 3 emend daemons on one PostgreSQL against the same loopback pages, and one on sled,
# same run: checks per second and CPU per check (see cluster.py). Needs Debian's postgresql
# (server binaries under /usr/lib/postgresql) and root (the server runs as `postgres`).
# Usage: bench/cluster/run.sh [N_PAGES]   (default 1,000)
set -eu
cd "$(dirname "$0")/../.."
pages=${EMEND_PEERS_PAGES:-../../shared/bench/wcxb-articles/html}
[ -d "$pages" ] || pages=/work/shared/bench/wcxb-articles/html
cargo build --release --quiet --bin emend
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git rev-parse --short HEAD)  nproc: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/cluster/cluster.py "$PWD/target/release/emend" "$pages" "${1:-1000}"
