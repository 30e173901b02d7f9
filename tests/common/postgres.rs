//! A throw-away PostgreSQL cluster per test: initdb into a temporary directory, a server on
//! a Unix socket in it (no TCP port), stopped and removed on drop. Uses Debian's server
//! binaries (`apt-get install postgresql`); as root, runs them as the `postgres` user, since
//! the server refuses to run as root.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running cluster. `conninfo` reaches its `postgres` database as the superuser `emend`.
pub struct Cluster {
    dir: tempfile::TempDir,
    server: Child,
    bin: PathBuf,
    /// libpq-style connection string: `host=DIR user=emend dbname=postgres`.
    pub conninfo: String,
}

/// The newest installed server's bin directory, if any.
fn server_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((major, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `program args…`, as the `postgres` user when this process is root.
fn command(bin: &Path, program: &str, root: bool) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(program));
        c
    } else {
        Command::new(bin.join(program))
    }
}

impl Cluster {
    /// The same database as a `postgres://` URL (the form `--db` takes), the socket
    /// directory percent-encoded as the host.
    #[allow(dead_code, reason = "each test crate uses a different subset")]
    pub fn url(&self) -> String {
        let host: String =
            url::form_urlencoded::byte_serialize(self.dir.path().display().to_string().as_bytes())
                .collect();
        format!("postgresql://emend@{host}/postgres")
    }

    /// Starts a cluster, or returns None (after printing SKIPPED) when no server is installed.
    pub fn start(test: &str) -> Option<Cluster> {
        let Some(bin) = server_bin() else {
            println!("SKIPPED {test}: no PostgreSQL server (install Debian's `postgresql`)");
            return None;
        };
        let root = is_root();
        let dir = tempfile::tempdir().expect("temp dir");
        if root {
            let status = Command::new("chown")
                .args(["postgres:", &dir.path().display().to_string()])
                .status()
                .expect("chown");
            assert!(status.success(), "chown of the cluster directory failed");
        }
        let data = dir.path().join("data");
        let init = command(&bin, "initdb", root)
            .args([
                "-A",
                "trust",
                "-U",
                "emend",
                "--no-sync",
                "-E",
                "UTF8",
                "-D",
            ])
            .arg(&data)
            .output()
            .expect("run initdb");
        assert!(
            init.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        let server = command(&bin, "postgres", root)
            .arg("-D")
            .arg(&data)
            .args(["-c", "listen_addresses=", "-c", "fsync=off", "-k"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start postgres");
        let conninfo = format!("host={} user=emend dbname=postgres", dir.path().display());
        let cluster = Cluster {
            dir,
            server,
            bin,
            conninfo,
        };
        cluster.wait_ready(root);
        Some(cluster)
    }

    fn wait_ready(&self, root: bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = command(&self.bin, "pg_isready", root)
                .args(["-q", "-h"])
                .arg(self.dir.path())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ready {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "PostgreSQL did not start within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Cluster {
    /// The server's main process (under runuser, not the child this harness holds).
    pub fn postmaster_pid(&self) -> Option<String> {
        let pidfile = self.dir.path().join("data").join("postmaster.pid");
        let text = std::fs::read_to_string(pidfile).ok()?;
        text.lines().next().map(str::to_string)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // SIGQUIT to the postmaster is the server's immediate shutdown (the data is thrown
        // away anyway). Its pid is the first line of postmaster.pid: under runuser, the
        // child we hold is runuser, which does not pass the signal on.
        let postmaster = self
            .postmaster_pid()
            .unwrap_or_else(|| self.server.id().to_string());
        let _ = Command::new("kill").args(["-QUIT", &postmaster]).status();
        let _ = self.server.wait();
    }
}
