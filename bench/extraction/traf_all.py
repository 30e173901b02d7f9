#!/usr/bin/env python3
"""Extracts every file given with trafilatura in one process; prints {id: text} JSON (for score.py)."""
import json, os, sys
import trafilatura

precision = os.environ.get("TRAF_PRECISION") == "1"
out = {}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8", errors="replace") as f:
        html = f.read()
    text = trafilatura.extract(html, include_comments=False, favor_precision=precision) or ""
    out[os.path.basename(path)[: -len(".html")]] = text
json.dump(out, sys.stdout)
