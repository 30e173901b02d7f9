//! The estimated nesting depth of every `.html`, `.htm` and `.html.gz` file under the given
//! directories, deepest first: how far real pages are from the extractor's cap.
//!
//!     cargo run --release --example nesting_depth -- /work/shared/bench
use std::io::Read;
fn main() {
    let mut all = vec![];
    for dir in std::env::args().skip(1) {
        for e in walk(std::path::Path::new(&dir)) {
            let Ok(mut bytes) = std::fs::read(&e) else {
                continue;
            };
            if e.extension().is_some_and(|x| x == "gz") {
                let mut out = vec![];
                if flate2::read::GzDecoder::new(&bytes[..])
                    .read_to_end(&mut out)
                    .is_err()
                {
                    continue;
                }
                bytes = out;
            }
            let text = String::from_utf8_lossy(&bytes);
            all.push((
                emend::extract::depth::deepest(&text),
                e.display().to_string(),
            ));
        }
    }
    all.sort();
    println!("{} pages; deepest estimates:", all.len());
    for (d, p) in all.iter().rev().take(5) {
        println!("{d} {p}");
    }
}
fn walk(p: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    if p.is_dir() {
        for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
            out.extend(walk(&e.path()));
        }
    } else if p.to_string_lossy().ends_with(".html")
        || p.to_string_lossy().ends_with(".html.gz")
        || p.to_string_lossy().ends_with(".htm")
    {
        out.push(p.to_owned());
    }
    out
}
