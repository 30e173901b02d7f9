#!/usr/bin/env python3
"""The wcxb-articles snippet shares with typographic quotes folded on both sides, as emend folds them.

emend writes ’ ‘ as ' and “ ” as " (and NBSP as a space) so that a publisher switching quote
style is not an edit; score.py looks snippets up verbatim, so every snippet holding a curly quote
counts as lost. This prints both readings side by side.
Usage: wcxb_snippets.py EMEND_BIN [WCXB_DIR]"""
import glob, gzip, json, os, re, subprocess, sys, tempfile

if len(sys.argv) < 2:
    sys.exit(__doc__)
wcxb = sys.argv[2] if len(sys.argv) > 2 else "/work/shared/bench/wcxb-articles"
truth = json.load(gzip.open(os.path.join(wcxb, "ground-truth.json.gz"), "rt", encoding="utf-8"))
FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                      "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                      "\u00a0": " ", "\u00ad": None, "\u200b": None})
with tempfile.TemporaryDirectory(prefix="wcxb-") as tmp:
    files = []
    for fid in sorted(truth):
        dst = os.path.join(tmp, fid + ".html")
        with gzip.open(os.path.join(wcxb, "html", fid + ".html.gz")) as f, open(dst, "wb") as g:
            g.write(f.read())
        files.append(dst)
    out = subprocess.run([sys.argv[1], "extract", "--json", *files], capture_output=True, text=True).stdout
preds = {os.path.basename(o["file"]).split(".")[0]: o.get("text") or ""
         for o in map(json.loads, out.splitlines())}
for name, fold in (("verbatim", False), ("quotes folded", True)):
    norm = lambda s: re.sub(r"\s+", " ", (s or "").translate(FOLD) if fold else (s or "")).strip().lower()
    w = [0, 0]; wo = [0, 0]
    for fid, t in truth.items():
        flat = norm(preds.get(fid))
        for s in t["with"]:
            w[0] += norm(s) in flat; w[1] += 1
        for s in t["without"]:
            wo[0] += norm(s) not in flat; wo[1] += 1
    print(f"{name:14} with={w[0] / w[1]:.3f} without={wo[0] / wo[1]:.3f}")
