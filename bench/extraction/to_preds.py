#!/usr/bin/env python3
"""Turns `emend extract --json` lines into score.py input ({id: text}); ids are file names without .html."""
import json, os, sys

preds = {}
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    o = json.loads(line)
    name = os.path.basename(o["file"])
    for ext in (".html", ".htm"):
        if name.endswith(ext):
            name = name[: -len(ext)]
    if name == "source":  # readability-pages: cases/<name>/source.html
        name = os.path.basename(os.path.dirname(o["file"]))
    preds[name] = o.get("text") or ""
json.dump(preds, sys.stdout)
