//! Shared test support: fixtures, the `emend` binary, a loopback HTTP test server, a test fetcher.

pub mod daemon;
pub mod fetcher;
#[allow(dead_code, reason = "only the PostgreSQL tests use it")]
pub mod postgres;
pub mod route;
pub mod server;
pub mod tracked;

use std::path::{Path, PathBuf};

/// Path of a file under fixtures/.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// Contents of a file under fixtures/.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn fixture_text(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// Bytes of a file under fixtures/.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn fixture_bytes(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// An RFC 3339 time as UTC, for expected dates.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn utc(rfc3339: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap_or_else(|e| panic!("{rfc3339}: {e}"))
        .with_timezone(&chrono::Utc)
}

/// The `emend` binary with a clean environment, run in `dir` so no ./sites.toml is picked up.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn emend(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_emend"));
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "off")
        .current_dir(dir);
    cmd
}

/// Runs `emend` with `args` in `dir` and parses its stdout as one JSON object; panics with stderr on failure.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn emend_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = emend(dir).args(args).output().expect("run emend");
    assert!(
        out.status.success(),
        "emend {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "emend {args:?}: stdout is not one JSON object ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}
