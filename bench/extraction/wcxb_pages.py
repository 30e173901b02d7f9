#!/usr/bin/env python3
"""Per-page view of the wcxb-articles scores, to find what to fix: word F1, precision, recall,
the `with` snippets lost and the `without` snippets kept, worst pages first.

Usage: wcxb_pages.py EMEND_BIN [WCXB_DIR] [--save OUT.json] [--diff OLD.json] [--top N]
  --save writes {id: {"f1":..,"p":..,"r":..}} so a later run can --diff against it and list
  the pages that moved (by more than 0.005), which is how a rule's gains and losses are read."""
import json, re, sys
from collections import Counter

from wcxb_run import FOLD, texts, truth as load_truth

args = sys.argv[1:]
opt = {}
for k in ("--save", "--diff", "--top"):
    if k in args:
        i = args.index(k); opt[k] = args[i + 1]; del args[i:i + 2]
if not args:
    sys.exit(__doc__)
wcxb = args[1] if len(args) > 1 else "/work/shared/bench/wcxb-articles"
truth = load_truth(wcxb)
words = lambda s: Counter(re.findall(r"\w+", (s or "").lower()))
norm = lambda s: re.sub(r"\s+", " ", (s or "").translate(FOLD)).strip().lower()


def prf(pred, ref):
    p, r = words(pred), words(ref)
    if not r:  # as score.py: an empty truth is matched only by an empty text
        return (1.0, 1.0, 1.0) if not p else (0.0, 0.0, 0.0)
    o = sum((p & r).values())
    if not o:
        return 0.0, 0.0, 0.0
    pr, rc = o / sum(p.values()), o / sum(r.values())
    return pr, rc, 2 * pr * rc / (pr + rc)


preds = texts(args[0], wcxb, truth)
rows = {}
for fid, t in truth.items():
    text = preds.get(fid, "")
    p, r, f = prf(text, t["text"])
    flat = norm(text)
    lost = [s for s in t["with"] if norm(s) not in flat]
    kept = [s for s in t["without"] if norm(s) in flat]
    rows[fid] = {"f1": f, "p": p, "r": r, "lost": lost, "kept": kept}
n = len(rows)
print(f"F1={sum(r['f1'] for r in rows.values()) / n:.4f} "
      f"empty={sum(1 for r in rows.values() if r['f1'] == 0)}")
if "--diff" in opt:
    old = json.load(open(opt["--diff"]))
    moved = [(rows[k]["f1"] - old[k]["f1"], k) for k in rows if k in old]
    for d, k in sorted(moved):
        if abs(d) > 0.005:
            print(f"  {k} {old[k]['f1']:.3f} -> {rows[k]['f1']:.3f} ({d:+.3f})")
else:
    top = int(opt.get("--top", 30))
    for fid, r in sorted(rows.items(), key=lambda kv: kv[1]["f1"])[:top]:
        print(f"{fid} F1={r['f1']:.3f} P={r['p']:.3f} R={r['r']:.3f} {truth[fid]['url'][:90]}")
        for s in r["lost"][:3]:
            print(f"    lost: {s[:100]!r}")
        for s in r["kept"][:3]:
            print(f"    kept: {s[:100]!r}")
if "--save" in opt:
    json.dump({k: {"f1": v["f1"], "p": v["p"], "r": v["r"]} for k, v in rows.items()},
              open(opt["--save"], "w"))
