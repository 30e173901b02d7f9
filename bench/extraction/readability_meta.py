#!/usr/bin/env python3
"""Title/byline match rates of `emend extract --json` output against Readability's expected-metadata.json files.

Usage: readability_meta.py OUT.jsonl CASES_DIR
Exact = identical strings; loose = equal after emend's own normalisation (typographic quotes, NBSP,
whitespace), ignoring case and a leading "By ".
"""
import json, os, re, sys

def loose(s):
    s = (s or "").translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\xa0": " "}))
    s = re.sub(r"\s+", " ", s).strip().lower()
    return re.sub(r"^by\s+", "", s)

out = {}
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    out[os.path.basename(os.path.dirname(o["file"]))] = o
cases = sys.argv[2]
stats = {k: [0, 0, 0] for k in ("title", "byline")}  # exact, loose, total
for name in sorted(os.listdir(cases)):
    p = os.path.join(cases, name, "expected-metadata.json")
    if not os.path.exists(p) or name not in out:
        continue
    exp = json.load(open(p, encoding="utf-8"))
    for k in stats:
        want, got = exp.get(k), out[name].get(k)
        if want is None and got is None:
            ok_exact = ok_loose = True
        else:
            ok_exact = (want or "") == (got or "")
            ok_loose = loose(want) == loose(got)
        stats[k][0] += ok_exact
        stats[k][1] += ok_loose
        stats[k][2] += 1
for k, (e, l, t) in stats.items():
    print(f"{k}: exact {e}/{t} = {e / max(t, 1):.3f}   loose {l}/{t} = {l / max(t, 1):.3f}")
