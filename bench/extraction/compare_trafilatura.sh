#!/usr/bin/env bash
# Pages per second of `emend extract` (the whole process: start-up, reading, extraction, JSON output)
# against trafilatura in its steady state (in-process, after one warm-up pass, timing only its
# extraction calls, as a service would run it), on the same pages, both pinned to one core.
# Also prints the slowest page of each (emend: one process per page, so start-up included) and both F1s.
# Usage: bench/extraction/compare_trafilatura.sh [BENCH_DIR]   (RUNS=5, TRAFILATURA_VERSION unset = latest)
# EMEND_BASE_BIN=<another build> also times that build, its runs alternating with EMEND_BIN's,
# so that two builds are compared against the same trafilatura pass and the same load.
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

# trafilatura: best pass of $runs after a warm-up, extraction calls only.
read -r _ traf_s traf_rate traf_slowest < <(RUNS="$runs" taskset -c 0 "$tmp/venv/bin/python" "$here/traf_steady.py" "$tmp"/html/*.html)
# emend: best wall time of $runs whole-process runs (bash's microsecond clock: /usr/bin/time
# reads 10 ms steps, 5% of a 0.2 s run).
wall() {
  local t0=$EPOCHREALTIME
  taskset -c 0 "$1" extract --json --jobs 1 "$tmp"/html/*.html > "$2"
  echo "$EPOCHREALTIME - $t0" | bc -l
}
best="" base_best=""
for _ in $(seq "$runs"); do
  w=$(wall "$emend" "$tmp/emend.jsonl")
  if [ -z "$best" ] || [ "$(echo "$w < $best" | bc -l)" = 1 ]; then best=$w; fi
  if [ -n "${EMEND_BASE_BIN:-}" ]; then
    w=$(wall "$EMEND_BASE_BIN" /dev/null)
    if [ -z "$base_best" ] || [ "$(echo "$w < $base_best" | bc -l)" = 1 ]; then base_best=$w; fi
  fi
done
emend_rate=$(echo "$n / $best" | bc -l)
# emend's slowest page: one whole process per page.
slowest=0
for f in "$tmp"/html/*.html; do
  s=$( { /usr/bin/time -f "%e" taskset -c 0 "$emend" extract --json "$f" > /dev/null; } 2>&1 )
  if [ "$(echo "$s > $slowest" | bc -l)" = 1 ]; then slowest=$s; fi
done
"$tmp/venv/bin/python" "$here/traf_all.py" "$tmp"/html/*.html > "$tmp/traf.json"
python3 "$here/to_preds.py" < "$tmp/emend.jsonl" > "$tmp/emend.json"

echo "pages: $n   one core (taskset -c 0), best of $runs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %7.3f s  %7.1f pages/s   slowest page %6.1f ms\n' "trafilatura $traf_version, in-process, warm" "$traf_s" "$traf_rate" "$traf_slowest"
printf '%-44s %7.3f s  %7.1f pages/s   slowest page %6.1f ms (own process)\n' "emend extract --jobs 1, whole process" "$best" "$emend_rate" "$(echo "$slowest * 1000" | bc -l)"
printf 'speed ratio emend/trafilatura (pages/s): %.1fx\n' "$(echo "$emend_rate / $traf_rate" | bc -l)"
if [ -n "$base_best" ]; then
  base_rate=$(echo "$n / $base_best" | bc -l)
  printf '%-44s %7.3f s  %7.1f pages/s\n' "base build (EMEND_BASE_BIN), whole process" "$base_best" "$base_rate"
  printf 'speed ratio base/trafilatura (pages/s): %.1fx\n' "$(echo "$base_rate / $traf_rate" | bc -l)"
fi
echo "F1 trafilatura: $(python3 "$bench/score.py" "$tmp/traf.json" | tail -1)"
echo "F1 emend:       $(python3 "$bench/score.py" "$tmp/emend.json" | tail -1)"
