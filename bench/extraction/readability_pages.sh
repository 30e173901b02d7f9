#!/usr/bin/env bash
# Runs `emend extract` on Mozilla Readability's test pages: text F1 against expected.html (score.py)
# and title/byline match rates against expected-metadata.json.
# Usage: bench/extraction/readability_pages.sh [READABILITY_PAGES_DIR] [EXTRACTION_BENCH_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
pages="${1:-/work/shared/bench/readability-pages}"
bench="${2:-/work/shared/bench/extraction}"
emend="${EMEND_BIN:-$repo/target/release/emend}"
[ -x "$emend" ] || (cd "$repo" && cargo build --release --quiet)
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
"$emend" extract --json --url http://fakehost/test/page.html "$pages"/cases/*/source.html > "$tmp/out.jsonl"
python3 "$here/to_preds.py" < "$tmp/out.jsonl" > "$tmp/preds.json"
echo "text vs expected.html: $(python3 "$bench/score.py" "$tmp/preds.json" --gt "$pages/ground-truth.json" ${SCORE_ARGS:-} | tail -1)"
python3 "$here/readability_meta.py" "$tmp/out.jsonl" "$pages/cases"
if [ -n "${KEEP:-}" ]; then cp "$tmp/out.jsonl" "$KEEP"; fi
