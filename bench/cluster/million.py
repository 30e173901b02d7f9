#!/usr/bin/env python3
"""Start-up and memory of an emend daemon on PostgreSQL when the frontier holds 1,000,000 URLs
over 1,000 hosts (none due). Usage: bench/cluster/million.py (after a release build; as root)."""
import os, sys, time, subprocess, tempfile, urllib.parse, signal
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))
import cluster
emend = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "target", "release", "emend"))
with tempfile.TemporaryDirectory(prefix="emend-pg1m-") as scratch:
    os.chmod(scratch, 0o755)
    pgdir = os.path.join(scratch, "pg"); os.makedirs(pgdir)
    server = cluster.start_postgres(pgdir)
    try:
        url = "postgresql://emend@%s/postgres" % urllib.parse.quote(pgdir, safe="")
        work = os.path.join(scratch, "w"); os.makedirs(work)
        with open(os.path.join(work, "sites.toml"), "w") as f:
            f.write('[[site]]\nname = "big"\nsitemaps = ["http://127.0.0.2:9/sitemap.xml"]\n'
                    "article_pattern = '^http://127\\.0\\.0\\.[0-9]+:9/a/[0-9]+$'\n"
                    'interval = "1h"\nrate = 1.0\nallow_private = true\n')
        # Schema first (a daemon run of one second), then 1,000,000 URLs over 1,000 hosts.
        d = subprocess.Popen([emend, "--config", "sites.toml", "--db", url, "daemon"], cwd=work,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(3); d.send_signal(signal.SIGTERM); d.wait()
        t = time.monotonic()
        cluster.psql(pgdir, "postgres", "INSERT INTO leases (scope, key) SELECT 'host', '10.0.' || (g/256) || '.' || (g%256) || ':9' FROM generate_series(0, 999) g ON CONFLICT DO NOTHING")
        cluster.psql(pgdir, "postgres", "INSERT INTO frontier (url, host, due_at) SELECT 'http://10.0.' || ((g%1000)/256) || '.' || ((g%1000)%256) || ':9/a/' || g, '10.0.' || ((g%1000)/256) || '.' || ((g%1000)%256) || ':9', now() + interval '1 day' FROM generate_series(1, 1000000) g")
        cluster.psql(pgdir, "postgres", "ANALYZE")
        print("filled 1,000,000 URLs in %.1f s; frontier rows: %s" % (time.monotonic() - t, cluster.psql(pgdir, "postgres", "SELECT count(*) FROM frontier")))
        log = open(os.path.join(work, "d.log"), "wb")
        t = time.monotonic()
        d = subprocess.Popen([emend, "--config", "sites.toml", "--db", url, "daemon"], cwd=work,
                             stdout=log, stderr=log, env={"RUST_LOG": "info"})
        started = None
        while time.monotonic() - t < 20:
            with open(os.path.join(work, "d.log")) as f:
                txt = f.read()
            if started is None and "cluster daemon started" in txt:
                started = time.monotonic() - t
            if "host leases" in txt:
                break
            time.sleep(0.01)
        leased = time.monotonic() - t
        time.sleep(2)
        with open("/proc/%d/status" % d.pid) as f:
            rss = [l for l in f if l.startswith("VmRSS")][0].split()[1]
        d.send_signal(signal.SIGTERM); d.wait()
        print("start-up to 'cluster daemon started': %.3f s; to its first host leases (after the 2 s join window): %.3f s; RSS 2 s later: %d MB" % (started, leased, int(rss) // 1024))
    finally:
        server.terminate(); server.wait()
