#!/usr/bin/env bash
# Scores `emend extract` on the article-extraction benchmark (dev half) with its score.py.
# Usage: bench/extraction/run.sh [BENCH_DIR]   (default ../shared/bench/extraction relative to the repo)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bench="${1:-${EMEND_BENCH:-$repo/../../shared/bench/extraction}}"
[ -d "$bench" ] || bench=/work/shared/bench/extraction
emend="${EMEND_BIN:-$repo/target/release/emend}"
[ -x "$emend" ] || (cd "$repo" && cargo build --release --quiet)
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/html"
for f in "$bench"/html/*.html.gz; do gzip -dc "$f" > "$tmp/html/$(basename "$f" .gz)"; done
"$emend" extract --json "$tmp"/html/*.html > "$tmp/out.jsonl"
python3 "$here/to_preds.py" < "$tmp/out.jsonl" > "$tmp/preds.json"
python3 "$bench/score.py" "$tmp/preds.json" ${SCORE_ARGS:-}
if [ -n "${KEEP:-}" ]; then cp "$tmp/preds.json" "$KEEP"; fi
