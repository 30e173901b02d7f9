#!/usr/bin/env python3
"""trafilatura's steady state, as a service runs it: reads every file given, extracts them all once
to warm up (imports, caches, lazily built tables), then times only the extraction calls of RUNS
further passes. Prints one line: pages, best pass seconds, pages/s, and the slowest page (ms)."""
import os, sys, time
import trafilatura

runs = int(os.environ.get("RUNS", "3"))
pages = []
for path in sys.argv[1:]:
    with open(path, encoding="utf-8", errors="replace") as f:
        pages.append(f.read())
for html in pages:  # warm-up pass, not timed
    trafilatura.extract(html, include_comments=False)
best, slowest = float("inf"), 0.0
for _ in range(runs):
    total = 0.0
    for html in pages:
        t0 = time.perf_counter()
        trafilatura.extract(html, include_comments=False)
        dt = time.perf_counter() - t0
        total += dt
        slowest = max(slowest, dt)
    best = min(best, total)
print(f"{len(pages)} {best:.4f} {len(pages) / best:.1f} {slowest * 1000:.1f}")
