#!/usr/bin/env bash
# Times `emend extract` against trafilatura (Python) on the same pages in the same run, whole process,
# single-threaded, best of N runs each; prints pages/second, the speed ratio, and both F1 scores.
# Usage: bench/extraction/compare_trafilatura.sh [BENCH_DIR]   (RUNS=5, TRAFILATURA_VERSION=2.0.0 or unset for latest)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bench="${1:-/work/shared/bench/extraction}"
runs="${RUNS:-5}"
emend="${EMEND_BIN:-$repo/target/release/emend}"
[ -x "$emend" ] || (cd "$repo" && cargo build --release --quiet)
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/html"
for f in "$bench"/html/*.html.gz; do gzip -dc "$f" > "$tmp/html/$(basename "$f" .gz)"; done
n=$(ls "$tmp/html" | wc -l)
python3 -m venv "$tmp/venv" >/dev/null
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check "trafilatura${TRAFILATURA_VERSION:+==$TRAFILATURA_VERSION}" lxml_html_clean >/dev/null
traf_version=$("$tmp/venv/bin/python" -c 'import trafilatura; print(trafilatura.__version__)')

best() { # best wall-clock seconds of $runs runs of the command
  local b="" t0 t1 t
  for _ in $(seq "$runs"); do
    t0=$(date +%s.%N); "$@" > "$tmp/last.out"; t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
  done
  echo "$b"
}

t_traf=$(best taskset -c 0 "$tmp/venv/bin/python" "$here/traf_all.py" "$tmp"/html/*.html); cp "$tmp/last.out" "$tmp/traf.json"
t_emend=$(best taskset -c 0 "$emend" extract --json --jobs 1 "$tmp"/html/*.html); cp "$tmp/last.out" "$tmp/emend.jsonl"
python3 "$here/to_preds.py" < "$tmp/emend.jsonl" > "$tmp/emend.json"

echo "pages: $n   runs: best of $runs, whole process, wall clock"
printf 'trafilatura %s (Python, default):  %.3f s  %6.1f pages/s\n' "$traf_version" "$t_traf" "$(echo "$n / $t_traf" | bc -l)"
printf 'emend extract (1 thread):            %.3f s  %6.1f pages/s\n' "$t_emend" "$(echo "$n / $t_emend" | bc -l)"
printf 'speed ratio emend/trafilatura: %.1fx\n' "$(echo "$t_traf / $t_emend" | bc -l)"
echo "F1 trafilatura: $(python3 "$bench/score.py" "$tmp/traf.json" | tail -1)"
echo "F1 emend:       $(python3 "$bench/score.py" "$tmp/emend.json" | tail -1)"
