#!/usr/bin/env python3
"""1, 2 and 3 emend daemons on one PostgreSQL against the same loopback pages, and one
daemon on sled, same run: checks per second and CPU per check.

Serves N article pages (the wcxb set's 100-180 KB pages, read at run time, never copied)
over 12 loopback hosts (127.0.0.2-13) with strong ETags, using bench/peers' page server.
Each configuration starts from an empty database and runs until every page has had its
first check (N checks, each a new version). CPU is user+sys of the daemons' own processes
from /proc (and, reported apart, of the PostgreSQL server's processes); wall time runs
from the daemons' start, so it includes start-up, discovery and, on PostgreSQL, the 2 s
join window in which daemons started together divide the hosts.

Usage: cluster.py EMEND_BIN PAGES_DIR [N]     (as root: the server runs as `postgres`)
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))
import peers  # noqa: E402

peers.HOSTS[:] = ["127.0.0.%d" % i for i in range(2, 14)]
ROOT = os.geteuid() == 0


def pg_bin():
    base = "/usr/lib/postgresql"
    majors = sorted(int(v) for v in os.listdir(base) if v.isdigit())
    return os.path.join(base, str(majors[-1]), "bin")


def as_postgres(args):
    return (["runuser", "-u", "postgres", "--"] if ROOT else []) + args


def start_postgres(scratch):
    bin_dir, data = pg_bin(), os.path.join(scratch, "data")
    if ROOT:
        shutil.chown(scratch, "postgres")
    subprocess.run(as_postgres([os.path.join(bin_dir, "initdb"), "-A", "trust", "-U", "emend",
                                "-E", "UTF8", "-D", data]), check=True, capture_output=True)
    # fsync stays on: a version is acknowledged only once durable, as in production.
    server = subprocess.Popen(as_postgres([os.path.join(bin_dir, "postgres"), "-D", data, "-c",
                                           "listen_addresses=", "-k", scratch]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        if subprocess.run(as_postgres([os.path.join(bin_dir, "pg_isready"), "-q", "-h", scratch])).returncode == 0:
            return server
        time.sleep(0.1)
    sys.exit("PostgreSQL did not start")


def psql(scratch, db, sql):
    out = subprocess.run(["psql", "-h", scratch, "-U", "emend", "-d", db, "-tAc", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def server_cpu(data):
    """CPU of the PostgreSQL server: the postmaster with its reaped children, and its live
    backends."""
    with open(os.path.join(data, "postmaster.pid")) as f:
        postmaster = int(f.readline())
    with open("/proc/%d/stat" % postmaster) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    total = sum(int(x) for x in fields[11:15]) / peers.TICKS
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True)
    for pid in children.stdout.split():
        try:
            total += peers.proc_cpu(int(pid))
        except OSError:
            pass
    return total


def write_config(work, site, n):
    sitemaps = ", ".join('"http://%s:%d/sitemap.xml"' % (h, site.port) for h in peers.HOSTS)
    with open(os.path.join(work, "sites.toml"), "w") as f:
        f.write('[crawler]\nconcurrency = 32\n\n[[site]]\nname = "bench"\nsitemaps = [%s]\n'
                "article_pattern = '^http://127\\.0\\.0\\.[0-9]+:%d/a/[0-9]+$'\n"
                'interval = "1h"\nmax_interval = "1h"\nrate = 1000.0\nallow_private = true\n'
                % (sitemaps, site.port))


def run(emend, work, db, count_checks, k, n, postmaster):
    log = open(os.path.join(work, "daemons.log"), "ab")
    pg_before = server_cpu(postmaster) if postmaster else 0.0
    started = time.monotonic()
    daemons = [subprocess.Popen([emend, "--config", "sites.toml", "--db", db, "daemon"],
                                cwd=work, stdout=log, stderr=log) for _ in range(k)]
    try:
        while count_checks() < n:
            if any(d.poll() is not None for d in daemons):
                log.flush()
                with open(log.name, "rb") as f:
                    sys.exit("a daemon exited:\n" + f.read()[-2000:].decode("utf-8", "replace"))
            if time.monotonic() - started > 900:
                sys.exit("not done in 15 minutes")
            time.sleep(0.2)
        wall = time.monotonic() - started
        cpu = sum(peers.proc_cpu(d.pid) for d in daemons)
        pg = server_cpu(postmaster) - pg_before if postmaster else 0.0
    finally:
        for d in daemons:
            d.send_signal(signal.SIGTERM)
        for d in daemons:
            d.wait()
    return wall, cpu, pg


def main():
    emend, pages = sys.argv[1:3]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    site = peers.Site(peers.load_templates(pages), n, 0)
    peers.serve(site)
    print("pages: %d over %d hosts, port %d" % (n, len(peers.HOSTS), site.port))
    rows = []
    with tempfile.TemporaryDirectory(prefix="emend-cluster-") as scratch:
        os.chmod(scratch, 0o755)  # the server's user must reach its directory
        pgdir = os.path.join(scratch, "pg")
        os.makedirs(pgdir)
        server = start_postgres(pgdir)
        try:
            work = os.path.join(scratch, "sled")
            os.makedirs(work)
            write_config(work, site, n)
            with socket.socket() as probe:  # a free port for the sled daemon's /metrics
                probe.bind(("127.0.0.1", 0))
                listen = probe.getsockname()[1]
            os.rename(os.path.join(work, "sites.toml"), os.path.join(work, "base.toml"))
            with open(os.path.join(work, "base.toml")) as f, open(os.path.join(work, "sites.toml"), "w") as g:
                g.write(f.read().replace("[crawler]\n", "[crawler]\nlisten = \"127.0.0.1:%d\"\n" % listen))

            def sled_checks():
                return peers.metric(listen, "emend_checks_total") or 0
            rows.append(("sled, 1 daemon", 1, *run(emend, work, "db", sled_checks, 1, n, None)))
            for k in (1, 2, 3):
                db = "run%d" % k
                psql(pgdir, "postgres", "CREATE DATABASE %s" % db)
                url = "postgresql://emend@%s/%s" % (urllib.parse.quote(pgdir, safe=""), db)
                work = os.path.join(scratch, db)
                os.makedirs(work)
                write_config(work, site, n)

                def pg_checks(db=db):
                    try:
                        return int(psql(pgdir, db, "SELECT count(*) FROM checks") or 0)
                    except subprocess.CalledProcessError:
                        return 0  # the first daemon is still creating the schema
                rows.append(("PostgreSQL, %d daemon%s" % (k, "s" if k > 1 else ""), k,
                             *run(emend, work, url, pg_checks, k, n, os.path.join(pgdir, "data"))))
                print(rows[-1], flush=True)
        finally:
            server.terminate()
            server.wait()
    base_rate = n / rows[0][2]
    base_cpu = rows[0][3] * 1000 / n
    print()
    print("| %d new pages | checks/s | × sled | daemon CPU per check | × sled | PostgreSQL server CPU per check |" % n)
    print("|---|---|---|---|---|---|")
    for name, _, wall, cpu, pg in rows:
        rate, ms = n / wall, cpu * 1000 / n
        print("| %s | %.0f | %.2f× | %.2f ms | %.2f× | %s |" % (
            name, rate, rate / base_rate, ms, ms / base_cpu,
            "%.2f ms" % (pg * 1000 / n) if pg else "-"))


if __name__ == "__main__":
    main()
