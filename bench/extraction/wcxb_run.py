"""What the wcxb-articles scripts share: the ground truth, emend's extraction of every page, and
the typographic folding emend applies (’ ‘ as ', “ ” as ", NBSP as a space)."""
import gzip, json, os, subprocess, tempfile

FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                      "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                      "\u00a0": " ", "\u00ad": None, "\u200b": None})


def truth(wcxb):
    return json.load(gzip.open(os.path.join(wcxb, "ground-truth.json.gz"), "rt", encoding="utf-8"))


def texts(emend, wcxb, ids):
    """emend's main text of each page, by id (one `emend extract --json` over all of them)."""
    with tempfile.TemporaryDirectory(prefix="wcxb-") as tmp:
        files = []
        for fid in sorted(ids):
            dst = os.path.join(tmp, fid + ".html")
            with gzip.open(os.path.join(wcxb, "html", fid + ".html.gz")) as f, open(dst, "wb") as g:
                g.write(f.read())
            files.append(dst)
        out = subprocess.run([emend, "extract", "--json", *files], capture_output=True, text=True).stdout
    return {os.path.basename(o["file"]).split(".")[0]: o.get("text") or ""
            for o in map(json.loads, out.splitlines())}
