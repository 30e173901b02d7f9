//! `emend serve` as a process: prints its address, answers, stops on SIGTERM, and a second
//! `serve` on the same database serves through the first.

mod web_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `emend serve` on `db`, returning the child and its base URL.
pub fn spawn_serve(db: &std::path::Path, cwd: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_emend"))
        .arg("--db")
        .arg(db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("test helper");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("test helper"))
        .read_line(&mut line)
        .expect("test helper");
    let addr = line
        .strip_prefix("listening on ")
        .and_then(|r| r.split('/').nth(2))
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    (child, format!("http://{addr}"))
}

fn wait(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait().expect("test helper") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[test]
fn serve_answers_serves_a_second_serve_through_itself_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    {
        let store = emend::store::Store::open(&db).unwrap();
        web_support::build(&store);
        store.flush().unwrap();
    }
    let (mut child, base) = spawn_serve(&db, dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let health = rt.block_on(async {
        reqwest::get(format!("{base}/healthz"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert_eq!(health, "ok\n");

    // A second serve on the same database serves through the first, which holds it.
    let (mut second, second_base) = spawn_serve(&db, dir.path());
    let second_health = rt.block_on(async {
        reqwest::get(format!("{second_base}/healthz"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert_eq!(second_health, "ok\n");
    let second_pid = second.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &second_pid])
            .status()
            .unwrap()
            .success()
    );
    let status = wait(&mut second, Duration::from_secs(10)).expect("second serve stops");
    assert!(status.success(), "{status:?}");
    let gone = std::net::TcpStream::connect(second_base.trim_start_matches("http://"));
    assert!(gone.is_err(), "its web UI stops with it");

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = wait(&mut child, Duration::from_secs(10)).expect("serve stops on SIGTERM");
    assert!(status.success(), "{status:?}");
}
