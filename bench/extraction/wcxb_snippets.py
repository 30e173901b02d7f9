#!/usr/bin/env python3
"""The wcxb-articles snippet shares verbatim and with typographic quotes folded on both sides.

emend keeps the quotes a page prints (extractor 7 on; before, it wrote ’ ‘ as ' and “ ” as ");
the ground truth folds them on most pages and keeps them on some, and score.py looks snippets up
verbatim, so a snippet whose quotes differ only in style counts as lost. This prints both
readings side by side.
Usage: wcxb_snippets.py EMEND_BIN [WCXB_DIR]"""
import re, sys

from wcxb_run import FOLD, texts, truth as load_truth

if len(sys.argv) < 2:
    sys.exit(__doc__)
wcxb = sys.argv[2] if len(sys.argv) > 2 else "/work/shared/bench/wcxb-articles"
truth = load_truth(wcxb)
preds = texts(sys.argv[1], wcxb, truth)
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
