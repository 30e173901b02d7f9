//! The real WARC tools (warcio, cdxj-indexer, pywb) in a Python virtual environment, made on first
//! use from `.ci/warc-tools.txt` (`.ci/run` makes it before the tests).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The venv's `bin` directory, or `None` (test skipped) when Python or the package index is
/// out of reach on a developer's machine. Under CI a missing tool fails the test.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn tools() -> Option<PathBuf> {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let venv = std::env::var_os("EMEND_PYVENV")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target/pyvenv"));
        let bin = venv.join("bin");
        let missing = ["warcio", "cdxj-indexer", "wayback"]
            .iter()
            .any(|tool| !bin.join(tool).is_file());
        if missing {
            let made = Command::new("python3")
                .arg("-m")
                .arg("venv")
                .arg(&venv)
                .status()
                .is_ok_and(|s| s.success())
                && Command::new(bin.join("pip"))
                    .args(["install", "-q", "-r"])
                    .arg(root.join(".ci/warc-tools.txt"))
                    .status()
                    .is_ok_and(|s| s.success());
            if !made {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "cannot make the WARC tools venv at {}",
                    venv.display()
                );
                eprintln!("SKIPPED: no WARC tools (python3 -m venv / pip install failed)");
                return None;
            }
        }
        Some(bin)
    })
    .clone()
}

/// Runs `bin/program args` and returns its stdout; panics with its output on failure.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn run(bin: &Path, program: &str, args: &[&str]) -> String {
    let out = Command::new(bin.join(program))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every record of a WARC file as warcio reads it: one JSON object per record with its
/// type, target, date, IDs, HTTP status and headers, and the sha256 (hex) of its payload.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn records(bin: &Path, warc: &Path) -> Vec<serde_json::Value> {
    const SCRIPT: &str = r#"
import hashlib, json, sys
from warcio.archiveiterator import ArchiveIterator
with open(sys.argv[1], 'rb') as f:
    for r in ArchiveIterator(f):
        h = r.rec_headers
        http = r.http_headers
        payload = r.content_stream().read()
        print(json.dumps({
            'type': r.rec_type,
            'uri': h.get_header('WARC-Target-URI'),
            'date': h.get_header('WARC-Date'),
            'id': h.get_header('WARC-Record-ID'),
            'concurrent_to': h.get_header('WARC-Concurrent-To'),
            'refers_to': h.get_header('WARC-Refers-To'),
            'profile': h.get_header('WARC-Profile'),
            'content_type': h.get_header('Content-Type'),
            'status': http.get_statuscode() if http and r.rec_type != 'request' else None,
            'http_headers': http.headers if http else [],
            'payload_sha256': hashlib.sha256(payload).hexdigest(),
            'payload': payload.decode('utf-8', 'replace') if r.rec_type in ('metadata', 'warcinfo') else None,
        }))
"#;
    let file = warc.to_str().expect("utf-8 path");
    run(bin, "python", &["-c", SCRIPT, file])
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

/// pywb's `wayback` serving `warc` as collection `c` on a loopback port, until dropped.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub struct Wayback {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT/c/`.
    pub base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Wayback {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[allow(dead_code, reason = "each test crate uses a different subset")]
impl Wayback {
    /// Indexes `warc` into a fresh collection and starts pywb on it; waits until it answers.
    pub fn start(bin: &Path, warc: &Path) -> Wayback {
        let dir = tempfile::tempdir().expect("tempdir");
        for args in [
            vec!["init", "c"],
            vec!["add", "c", warc.to_str().expect("utf-8")],
        ] {
            let ok = Command::new(bin.join("wb-manager"))
                .args(&args)
                .current_dir(dir.path())
                .output()
                .expect("wb-manager");
            assert!(ok.status.success(), "wb-manager {args:?}: {ok:?}");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(bin.join("wayback"))
            .args(["-b", "127.0.0.1", "-p", &port.to_string()])
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("wayback");
        let wayback = Wayback {
            child,
            base: format!("http://127.0.0.1:{port}/c/"),
            _dir: dir,
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "pywb did not start");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        wayback
    }

    /// The sha256 (hex) of what pywb replays for `url` at `timestamp` (14 digits), unrewritten
    /// (`id_` mode), with the HTTP status.
    pub fn replay(&self, bin: &Path, timestamp: &str, url: &str) -> (u16, String) {
        const SCRIPT: &str = r#"
import hashlib, sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1])
    print(r.status, hashlib.sha256(r.read()).hexdigest())
except urllib.error.HTTPError as e:
    print(e.code, '-')
"#;
        let target = format!("{}{timestamp}id_/{url}", self.base);
        let out = run(bin, "python", &["-c", SCRIPT, &target]);
        let (status, hash) = out.trim().split_once(' ').expect("status and hash");
        (status.parse().expect("status"), hash.to_owned())
    }
}
