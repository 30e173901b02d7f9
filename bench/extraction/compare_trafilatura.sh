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

# best() prints "WALL CPU": the best wall-clock and the best CPU (user+sys) seconds of $runs runs.
# Both tools are pinned to one core and alternate run by run, so load from other processes hits both alike;
# CPU seconds are the steadier figure on a shared machine.
best_wall=(); best_cpu=()
measure() { # $1 = slot, rest = command
  local slot=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$tmp/time.$slot" "$@" > "$tmp/last.$slot"
  read -r w u s < "$tmp/time.$slot"
  local c; c=$(echo "$u + $s" | bc -l)
  if [ -z "${best_wall[$slot]:-}" ] || [ "$(echo "$w < ${best_wall[$slot]}" | bc -l)" = 1 ]; then best_wall[$slot]=$w; fi
  if [ -z "${best_cpu[$slot]:-}" ] || [ "$(echo "$c < ${best_cpu[$slot]}" | bc -l)" = 1 ]; then best_cpu[$slot]=$c; fi
}
for _ in $(seq "$runs"); do
  measure 0 taskset -c 0 "$tmp/venv/bin/python" "$here/traf_all.py" "$tmp"/html/*.html
  measure 1 taskset -c 0 "$emend" extract --json --jobs 1 "$tmp"/html/*.html
done
cp "$tmp/last.0" "$tmp/traf.json"
python3 "$here/to_preds.py" < "$tmp/last.1" > "$tmp/emend.json"

rate() { echo "$n / $1" | bc -l; }
echo "pages: $n   best of $runs alternating runs, whole process, one core (taskset -c 0), load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-36s wall %6.3f s (%6.1f pages/s)   cpu %6.3f s (%6.1f pages/s)\n' "trafilatura $traf_version (Python, default)" "${best_wall[0]}" "$(rate "${best_wall[0]}")" "${best_cpu[0]}" "$(rate "${best_cpu[0]}")"
printf '%-36s wall %6.3f s (%6.1f pages/s)   cpu %6.3f s (%6.1f pages/s)\n' "emend extract --jobs 1" "${best_wall[1]}" "$(rate "${best_wall[1]}")" "${best_cpu[1]}" "$(rate "${best_cpu[1]}")"
printf 'speed ratio emend/trafilatura: wall %.1fx, cpu %.1fx\n' "$(echo "${best_wall[0]} / ${best_wall[1]}" | bc -l)" "$(echo "${best_cpu[0]} / ${best_cpu[1]}" | bc -l)"
echo "F1 trafilatura: $(python3 "$bench/score.py" "$tmp/traf.json" | tail -1)"
echo "F1 emend:       $(python3 "$bench/score.py" "$tmp/emend.json" | tail -1)"
