#!/usr/bin/env bash
# Every main-text set in one command: the scrapinghub dev half, the 711 wcxb article pages and
# Mozilla Readability's test pages, one figure line each (the lines each set's scorer prints).
# Usage: bench/extraction/all.sh   (EMEND_BIN to test another binary; SHARED=/work/shared/bench)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
shared="${SHARED:-/work/shared/bench}"
export EMEND_BIN="${EMEND_BIN:-$repo/target/release/emend}"
[ -x "$EMEND_BIN" ] || (cd "$repo" && cargo build --release --quiet)
echo "scrapinghub dev half:  $("$here/run.sh" "$shared/extraction" | tail -1)"
echo "wcxb-articles:         $(python3 "$shared/wcxb-articles/score.py" "$EMEND_BIN" | head -1)"
echo "wcxb snippets:"
python3 "$here/wcxb_snippets.py" "$EMEND_BIN" "$shared/wcxb-articles" | sed 's/^/  /'
echo "readability pages:"
"$here/readability_pages.sh" "$shared/readability-pages" "$shared/extraction" | sed 's/^/  /'
