#!/bin/sh
# Runs emend's crawler benchmarks and keeps their output with the machine's description,
# for pasting into BENCHMARKS.md. Usage: bench/crawl/run.sh [OUT_FILE]
set -eu
cd "$(dirname "$0")/../.."
out=${1:-target/bench-crawl-$(date -u +%Y%m%dT%H%M%SZ).txt}
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit: $(git rev-parse --short HEAD)"
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "wrk: $(command -v wrk || echo 'not installed')"
    echo
    cargo bench --bench crawl_throughput 2>&1
    echo
    cargo bench --bench store_scale 2>&1
} | tee "$out"
echo "written to $out"
