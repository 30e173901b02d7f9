#!/usr/bin/env bash
# Wall time of `emend snapshot` on the seed fixture, served from 127.0.0.1, against
# `curl` fetching the same two URLs (robots.txt and the page) in the same run.
# Usage: bench/snapshot.sh [RUNS]   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
cargo build --release --quiet
work=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/site/news"
cp fixtures/seed/v1-original.html "$work/site/news/lachin.html"
printf 'User-agent: *\nAllow: /\n' > "$work/site/robots.txt"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/site" >/dev/null 2>&1 &
server=$!
url="http://127.0.0.1:$port/news/lachin.html"
for _ in $(seq 50); do curl -sf "$url" >/dev/null && break; sleep 0.1; done

ms() { python3 -c 'import time; print(int(time.time()*1000))'; }
total=0; first=0
for i in $(seq "$runs"); do
    rm -rf "$work/db"
    t0=$(ms); target/release/emend --db "$work/db" snapshot "$url" >/dev/null; t1=$(ms)
    total=$((total + t1 - t0))
done
new_ms=$((total / runs))
# A re-check of a stored article (unchanged, conditional GET).
total=0
for i in $(seq "$runs"); do
    t0=$(ms); target/release/emend --db "$work/db" snapshot "$url" >/dev/null; t1=$(ms)
    total=$((total + t1 - t0))
done
again_ms=$((total / runs))
total=0
for i in $(seq "$runs"); do
    t0=$(ms); curl -sf "http://127.0.0.1:$port/robots.txt" "$url" >/dev/null; t1=$(ms)
    total=$((total + t1 - t0))
done
curl_ms=$((total / runs))
echo "snapshot, new article:       ${new_ms} ms (mean of $runs)"
echo "snapshot, unchanged re-check: ${again_ms} ms"
echo "curl robots.txt + page:       ${curl_ms} ms"
echo "The default politeness (1 request/s per host, burst of one) puts ~1 s between robots.txt and the page."
