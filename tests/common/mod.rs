//! Shared test support: an in-process HTTP server on loopback that serves canned routes and logs requests.

#![allow(dead_code)] // each test crate uses a different subset

pub mod server;

use std::path::{Path, PathBuf};

/// Path of a file under fixtures/.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
}

/// Contents of a file under fixtures/.
pub fn fixture_text(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}
