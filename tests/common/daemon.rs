//! The `emend daemon` binary under test: a local site for it to crawl, starting and stopping
//! it as a user would (SIGTERM, SIGKILL), and waiting on what it does.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::route::Route;
use super::server::TestServer;

/// Serves an allow-all robots.txt and an RSS feed at `/rss` listing `links` on `server`, and
/// writes `dir/sites.toml` with one site, `local`, reading that feed: articles are URLs
/// matching `pattern`, re-checked every second at first (at most every 2 s), at 50 req/s.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn local_site(server: &TestServer, dir: &Path, links: &[String], pattern: &str) -> PathBuf {
    serve_feed(server, links);
    // The articles may be served from other loopback hosts or ports than the feed: the
    // site names them, as a real site names its article hosts.
    let mut hosts: Vec<String> = links
        .iter()
        .filter_map(|u| url::Url::parse(u).ok())
        .filter_map(|u| {
            Some(format!(
                "\"{}:{}\"",
                u.host_str()?,
                u.port_or_known_default()?
            ))
        })
        .collect();
    hosts.sort();
    hosts.dedup();
    let config = dir.join("sites.toml");
    std::fs::write(
        &config,
        format!(
            "[[site]]\nname = \"local\"\nfeeds = [\"{}\"]\narticle_pattern = '{pattern}'\nhosts = [{}]\ninterval = \"1s\"\nmax_interval = \"2s\"\nrate = 50\n",
            server.url("/rss"),
            hosts.join(", ")
        ),
    )
    .expect("write sites.toml");
    config
}

/// Serves an allow-all robots.txt and an RSS feed at `/rss` listing `links` on `server`.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn serve_feed(server: &TestServer, links: &[String]) {
    server.set(
        "/robots.txt",
        Route::new(200, "text/plain", "User-agent: *\nAllow: /\n"),
    );
    let items: String = links
        .iter()
        .map(|u| format!("<item><link>{u}</link></item>"))
        .collect();
    server.set(
        "/rss",
        Route::new(
            200,
            "application/rss+xml",
            format!("<rss version=\"2.0\"><channel><title>t</title>{items}</channel></rss>"),
        ),
    );
}

/// A running `emend daemon`, killed when dropped so a failing test leaves nothing behind.
pub struct Daemon {
    child: Child,
    /// Reads stderr as it is written: a pipe nobody reads fills up (64 KiB) and blocks
    /// the daemon's next log line, which would wedge it.
    log: Option<std::thread::JoinHandle<String>>,
}

#[allow(dead_code, reason = "each test crate uses a different subset")]
impl Daemon {
    /// Starts `emend [global] --config CONFIG --db db daemon` in `dir` with a clean
    /// environment plus `env`. With `log` set (a `RUST_LOG` filter) stderr is kept for
    /// [`Daemon::stderr`]; otherwise logging is off.
    pub fn spawn(
        dir: &Path,
        config: &Path,
        global: &[&str],
        env: &[(&str, &str)],
        log: Option<&str>,
    ) -> Daemon {
        Daemon::spawn_on("db", dir, config, global, env, log)
    }

    /// [`Daemon::spawn`] on database `db`: a directory, or a `postgres://` URL.
    pub fn spawn_on(
        db: &str,
        dir: &Path,
        config: &Path,
        global: &[&str],
        env: &[(&str, &str)],
        log: Option<&str>,
    ) -> Daemon {
        let mut child = Command::new(env!("CARGO_BIN_EXE_emend"))
            .env_clear()
            .env("RUST_LOG", log.unwrap_or("off"))
            .envs(env.iter().copied())
            .current_dir(dir)
            .args(global)
            .arg("--config")
            .arg(config)
            .args(["--db", db, "daemon"])
            .stdout(Stdio::null())
            .stderr(if log.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("start emend daemon");
        let log = child.stderr.take().map(|mut err| {
            std::thread::spawn(move || {
                let mut out = Vec::new();
                let _ = std::io::Read::read_to_end(&mut err, &mut out);
                String::from_utf8_lossy(&out).into_owned()
            })
        });
        Daemon { child, log }
    }

    /// Sends SIGTERM, as an init system or Ctrl-C would.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// SIGKILL, and reaps the process.
    pub fn kill(&mut self) {
        self.child.kill().expect("kill -9 the daemon");
        self.child.wait().expect("reap the daemon");
    }

    /// The most resident memory it has used so far (VmHWM), in KiB; 0 when unreadable.
    pub fn peak_rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("poll the daemon").is_none()
    }

    /// Waits for the process to exit, failing the test after `within`.
    pub fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the daemon") {
                return status;
            }
            if start.elapsed() >= within {
                // Kill it so its log can be read: the log says where it was stuck.
                self.kill();
                panic!(
                    "daemon did not exit within {within:?}; it logged:\n{}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything it wrote to stderr; call after it exited (blocks until stderr closes).
    pub fn stderr(&mut self) -> String {
        self.log
            .take()
            .map(|reader| reader.join().expect("the stderr reader thread"))
            .unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `cond` every 50 ms, failing the test with `what` after `within`.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn wait_until(what: &str, within: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < within, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
