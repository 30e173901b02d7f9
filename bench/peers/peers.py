#!/usr/bin/env python3
"""CPU per page of the emend daemon and of urlwatch on the same loopback pages, same run.

Serves N article pages over four loopback hosts (127.0.0.2-5) with strong ETags, then runs
three passes with each tool: every page new, every page unchanged (a conditional GET
answered 304), and 10% of the pages edited. CPU is user+sys of the tool's own process
(the emend daemon from /proc/PID/stat just before it is stopped; urlwatch from getrusage
of its finished process), so server time is never counted. Pages are read at run time
from a directory of *.html.gz (the wcxb article set) and never copied anywhere.

Usage: peers.py EMEND_BIN URLWATCH_BIN PAGES_DIR [N]
"""

import gzip
import hashlib
import html as html_lib
import http.server
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HOSTS = ["127.0.0.%d" % i for i in range(2, 6)]
MIN_SIZE, MAX_SIZE = 100_000, 180_000
INTERVAL = int(os.environ.get("EMEND_PEERS_INTERVAL", "90"))  # longer than one pass
EDIT_SHARE = 10  # one page in EDIT_SHARE is edited in the third pass
TICKS = os.sysconf("SC_CLK_TCK")
PARA = re.compile(r"<p[ >].*?</p>", re.S | re.I)
TAG = re.compile(r"<[^>]*>")


def load_templates(folder):
    """Article pages of realistic size, each with the end of the longest paragraph that the
    set's ground truth counts as article text: the unique sentence and the edit go there,
    so an edit is one a reader of the article would see."""
    truth_path = os.path.join(os.path.dirname(folder.rstrip("/")), "ground-truth.json.gz")
    with gzip.open(truth_path, "rt", encoding="utf-8") as f:
        truth = {k: " ".join(v.get("text", "").split()) for k, v in json.load(f).items()}
    out = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".html.gz"):
            continue
        with gzip.open(os.path.join(folder, name), "rb") as f:
            html = f.read().decode("utf-8", "replace")
        if not MIN_SIZE <= len(html.encode()) <= MAX_SIZE:
            continue
        text = truth.get(name.split(".")[0], "")
        body = [m for m in PARA.finditer(html) if len(m.group(0)) > 200 and in_text(m.group(0), text)]
        if body:
            longest = max(body, key=lambda m: len(m.group(0)))
            out.append((html, longest.end() - len("</p>")))
    if not out:
        sys.exit("no pages of 100-180 KB with an article paragraph in " + folder)
    return out


def in_text(para, text):
    """Whether the paragraph's words are part of the article text."""
    words = " ".join(html_lib.unescape(TAG.sub(" ", para)).split())
    return len(words) > 80 and words[:80] in text


class Site:
    """The pages, their edit state, and the request counter."""

    def __init__(self, templates, n, port):
        self.templates, self.n, self.port = templates, n, port
        self.edited = set()
        self.requests = 0
        self.lock = threading.Lock()

    def url(self, i):
        return "http://%s:%d/a/%d" % (HOSTS[i % len(HOSTS)], self.port, i)

    def page(self, i):
        html, at = self.templates[i % len(self.templates)]
        words = "Reference %d of the council's budget report." % i
        if i in self.edited:
            words += " A correction was added to this report after publication."
        return (html[:at] + " " + words + html[at:]).encode()

    def sitemap(self, host):
        locs = "".join(
            "<url><loc>%s</loc></url>" % self.url(i)
            for i in range(self.n)
            if HOSTS[i % len(HOSTS)] == host
        )
        return (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + locs
            + "</urlset>"
        ).encode()


def handler(site):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            with site.lock:
                site.requests += 1
            host = self.server.server_address[0]
            m = re.fullmatch(r"/a/(\d+)", self.path)
            if self.path == "/sitemap.xml":
                body, kind = site.sitemap(host), "application/xml"
            elif m and int(m.group(1)) < site.n:
                body, kind = site.page(int(m.group(1))), "text/html; charset=utf-8"
            else:
                return self.reply(404, b"not found", "text/plain", None)
            etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
            if self.headers.get("If-None-Match") == etag:
                return self.reply(304, b"", None, etag)
            self.reply(200, body, kind, etag)

        def reply(self, status, body, kind, etag):
            self.send_response(status)
            if kind:
                self.send_header("Content-Type", kind)
            if etag:
                self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def serve(site):
    port = site.port
    for host in HOSTS:
        server = http.server.ThreadingHTTPServer((host, port), handler(site))
        server.daemon_threads = True
        port = server.server_address[1]
        site.port = port
        threading.Thread(target=server.serve_forever, daemon=True).start()


def proc_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def metric(port, name):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
            for line in r.read().decode().splitlines():
                if line.startswith(name + " "):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def emend_pass(emend, work, listen, want, name):
    """Runs the daemon until it logged `want` more checks; (cpu s, wall s, checks, versions).
    With EMEND_PEERS_PERF set (a directory), the daemon runs under `perf record -g` and each
    pass leaves its profile there (perf's own CPU is not counted: only the daemon's). With
    EMEND_PEERS_STRACE set (a directory), `strace -c -f` counts the daemon's system calls per
    pass instead (strace slows the daemon: read the counts, not that run's CPU)."""
    before = {}
    perf = None
    log = open(os.path.join(work, "daemon.log"), "ab")
    started = time.monotonic()
    d = subprocess.Popen(
        [emend, "--config", "sites.toml", "--db", "db", "daemon", "--listen", "127.0.0.1:%d" % listen],
        cwd=work, stdout=log, stderr=log,
    )
    if os.environ.get("EMEND_PEERS_STRACE"):
        out = os.path.join(os.environ["EMEND_PEERS_STRACE"], name.split()[0] + ".txt")
        perf = subprocess.Popen(
            ["strace", "-c", "-f", "-o", out, "-p", str(d.pid)], stdout=log, stderr=log,
        )
    elif os.environ.get("EMEND_PEERS_PERF"):
        out = os.path.join(os.environ["EMEND_PEERS_PERF"], name.split()[0] + ".data")
        perf = subprocess.Popen(
            ["perf", "record", "-g", "-q", "-o", out, "-p", str(d.pid)],
            stdout=log, stderr=log,
        )
    try:
        while not before:
            if d.poll() is not None:
                sys.exit("the daemon exited; see " + log.name)
            c, v = metric(listen, "emend_checks_total"), metric(listen, "emend_versions_total")
            if c is not None and v is not None:
                before = {"checks": c, "versions": v}
            else:
                time.sleep(0.05)
        while True:
            c = metric(listen, "emend_checks_total")
            if c is not None and c - before["checks"] >= want:
                break
            if time.monotonic() - started > 600:
                sys.exit("the daemon did not finish the pass in 10 minutes")
            time.sleep(0.25)
        cpu = proc_cpu(d.pid)
        wall = time.monotonic() - started
        versions = metric(listen, "emend_versions_total") - before["versions"]
    finally:
        if perf:
            perf.send_signal(signal.SIGINT)
            perf.wait()
        d.send_signal(signal.SIGTERM)
        d.wait()
    return cpu, wall, c - before["checks"], versions


def urlwatch_pass(urlwatch, work):
    """One urlwatch run over every job; (cpu s, wall s, pages it reported changed or new)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    out = subprocess.run(
        [urlwatch, "--urls", "urls.yaml", "--config", "urlwatch.yaml", "--hooks", "hooks.py",
         "--cache", "cache.db"],
        cwd=work, capture_output=True, text=True,
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        sys.exit("urlwatch failed: " + out.stderr[-2000:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(os.path.join(work, "report.txt"), "a") as f:
        f.write(out.stdout)
    changed = len(re.findall(r"^\d+\. (?:CHANGED|NEW): ", out.stdout, re.M))
    return cpu, wall, changed


def setup(work, site, n):
    emend_dir = os.path.join(work, "emend")
    uw_dir = os.path.join(work, "urlwatch")
    os.makedirs(emend_dir)
    os.makedirs(uw_dir)
    sitemaps = ", ".join('"http://%s:%d/sitemap.xml"' % (h, site.port) for h in HOSTS)
    # Limits lifted: the fastest rate the config accepts, and an interval longer than a
    # pass, so each pass checks every page once.
    with open(os.path.join(emend_dir, "sites.toml"), "w") as f:
        f.write(
            '[crawler]\nconcurrency = 32\n\n[[site]]\nname = "bench"\nsitemaps = [%s]\n'
            "article_pattern = '^http://127\\.0\\.0\\.[2-5]:%d/a/[0-9]+$'\n"
            'interval = "%ds"\nmax_interval = "%ds"\nrate = 1000.0\nallow_private = true\n'
            % (sitemaps, site.port, INTERVAL, INTERVAL)
        )
    with open(os.path.join(uw_dir, "urls.yaml"), "w") as f:
        f.write("\n---\n".join("url: %s" % site.url(i) for i in range(n)) + "\n")
    with open(os.path.join(uw_dir, "urlwatch.yaml"), "w") as f:
        f.write("display:\n  new: true\n  error: true\n  unchanged: false\n"
                "report:\n  text:\n    details: false\n    footer: false\n"
                "  stdout:\n    enabled: true\n    color: false\n")
    open(os.path.join(uw_dir, "hooks.py"), "w").close()
    return emend_dir, uw_dir


def wait_due(since, interval):
    """Sleeps until every page checked since `since` is due again."""
    time.sleep(max(0.0, since + interval * 1.25 + 2 - time.monotonic()))


def main():
    emend, urlwatch, pages = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    site = Site(load_templates(pages), n, 0)
    serve(site)
    sizes = [len(site.page(i)) for i in range(n)]
    print("pages: %d from %d templates, %.0f KB mean, hosts %s, port %d"
          % (n, len(site.templates), sum(sizes) / n / 1000, ",".join(HOSTS), site.port))
    listen = site.port + 1
    rows = []
    keep = os.environ.get("EMEND_PEERS_KEEP")  # a directory to leave the runs' files in
    with tempfile.TemporaryDirectory(prefix="emend-peers-") as scratch:
        work = tempfile.mkdtemp(prefix="emend-peers-", dir=keep) if keep else scratch
        print("work directory:", work)
        emend_dir, uw_dir = setup(work, site, n)
        for name in ("new", "unchanged (304)", "edited 10%"):
            if name.startswith("edited"):
                site.edited = set(range(0, n, EDIT_SHARE))
            e_cpu, e_wall, e_checks, e_versions = emend_pass(emend, emend_dir, listen, n, name)
            e_done = time.monotonic()
            u_cpu, u_wall, u_changed = urlwatch_pass(urlwatch, uw_dir)
            rows.append((name, e_cpu, e_wall, e_checks, e_versions, u_cpu, u_wall, u_changed))
            print("%-16s emend %6.2f s cpu %6.1f s wall %5d checks %5d versions | "
                  "urlwatch %6.2f s cpu %6.1f s wall %5d reported"
                  % (name, e_cpu, e_wall, e_checks, e_versions, u_cpu, u_wall, u_changed),
                  flush=True)
            if name.startswith("edited"):
                break
            wait_due(e_done, INTERVAL)
    print()
    print("| CPU per page | emend | urlwatch | emend / urlwatch | emend versions | urlwatch reports |")
    print("|---|---|---|---|---|---|")
    for name, e_cpu, _, e_checks, e_versions, u_cpu, _, u_changed in rows:
        e_ms, u_ms = e_cpu * 1000 / e_checks, u_cpu * 1000 / n
        print("| %s | %.2f ms | %.2f ms | **%.2f×** | %d | %d |"
              % (name, e_ms, u_ms, e_ms / u_ms, e_versions, u_changed))
    print("\nserver requests: %d" % site.requests)


if __name__ == "__main__":
    main()
