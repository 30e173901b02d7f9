#!/usr/bin/env bash
# Scores `emend extract`'s `published` on the publication-date benchmark (501 pages, day precision).
# Usage: bench/dates/run.sh [--misses] [BENCH_DIR]   (default ../shared/bench/dates relative to the repo)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
misses=""
if [ "${1:-}" = "--misses" ]; then misses="--misses"; shift; fi
bench="${1:-${EMEND_DATES_BENCH:-$repo/../../shared/bench/dates}}"
[ -d "$bench" ] || bench=/work/shared/bench/dates
(cd "$repo" && cargo build --release --quiet)
python3 "$bench/score.py" "${EMEND_BIN:-$repo/target/release/emend}" $misses
