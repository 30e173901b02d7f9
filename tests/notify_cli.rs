//! Notifications through the `emend` binary as a user runs it: a change stored before a
//! `kill -9` is delivered after the restart, `notify status` and `notify test`, and
//! `check-config` naming secret variables without printing them.

mod common;
mod notify_receiver;

use std::time::Duration;

use common::daemon::{Daemon, local_site, wait_until};
use common::route::Route;
use common::server::TestServer;
use common::{emend, emend_json, fixture_text};

fn hook_section(url: &str) -> String {
    format!(
        "\n[[notify]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"{url}\"\nchanges = [\"new\", \"declared_update\", \"silent_edit\", \"stamp_only\"]\n"
    )
}

#[test]
fn daemon_kill_9_between_storing_and_delivering_the_message_arrives_after_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = TestServer::start("127.0.0.2");
    let article = site.url("/news/1");
    site.set(
        "/news/1",
        Route::html(fixture_text("seed/v1-original.html")),
    );
    let config = local_site(&site, dir.path(), &[article], "/news/");
    let (hook, rx) = notify_receiver::start();
    let mut text = std::fs::read_to_string(&config).expect("read config");
    text.push_str(&hook_section(&hook.url("/in")));
    std::fs::write(&config, text).expect("write config");

    rx.set_down(true);
    let mut daemon = Daemon::spawn(dir.path(), &config, &[], &[], None);
    // A refused attempt means the version and its outbox entry were committed.
    wait_until("a delivery attempt", Duration::from_secs(20), || {
        !rx.all().is_empty()
    });
    // While the daemon holds the database, status asks it through its socket.
    let live = emend_json(dir.path(), &["--db", "db", "notify", "status", "--json"]);
    assert_eq!(live["pending"].as_array().map(Vec::len), Some(1), "{live}");
    emend(dir.path())
        .args(["--db", "db", "notify", "status"])
        .assert()
        .success()
        .stdout(predicates::str::contains("1 pending, 0 failed"));
    daemon.kill();
    assert!(rx.accepted("/in").is_empty());

    let status = emend_json(dir.path(), &["--db", "db", "notify", "status", "--json"]);
    let pending = status["pending"].as_array().expect("pending list");
    assert_eq!(pending.len(), 1, "{status}");
    assert_eq!(pending[0]["target"], "hook");
    assert_eq!(pending[0]["version"], 1);
    assert_eq!(pending[0]["id"], live["pending"][0]["id"], "the same entry");
    let id = pending[0]["id"].as_str().expect("id").to_owned();

    rx.set_down(false);
    let mut daemon = Daemon::spawn(dir.path(), &config, &[], &[], None);
    wait_until("delivery after restart", Duration::from_secs(20), || {
        !rx.accepted("/in").is_empty()
    });
    std::thread::sleep(Duration::from_millis(1500));
    daemon.terminate();
    daemon.wait_exit(Duration::from_secs(15));

    let got = rx.accepted("/in");
    assert_eq!(got.len(), 1, "delivered once");
    assert_eq!(
        got[0].json()["id"],
        id.as_str(),
        "the id survives the restart"
    );
    let status = emend_json(dir.path(), &["--db", "db", "notify", "status", "--json"]);
    assert_eq!(status["pending"], serde_json::json!([]), "{status}");
    assert_eq!(status["failed"], serde_json::json!([]), "{status}");
}

#[test]
fn notify_test_sends_a_sample_through_the_named_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (hook, rx) = notify_receiver::start();
    let config = dir.path().join("sites.toml");
    std::fs::write(&config, hook_section(&hook.url("/in"))).expect("write config");

    emend(dir.path())
        .args(["--config", "sites.toml", "notify", "test", "hook"])
        .assert()
        .success()
        .stdout(predicates::str::contains("sent a test message to \"hook\""));
    let got = rx.accepted("/in");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["schema"], "emend.change/1");

    emend(dir.path())
        .args(["--config", "sites.toml", "notify", "test", "nope"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("no [[notify]] named \"nope\""));
    rx.set_down(true);
    emend(dir.path())
        .args(["--config", "sites.toml", "notify", "test", "hook"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("HTTP 503"));
}

#[test]
fn check_config_names_secret_variables_but_never_prints_their_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("sites.toml"),
        r#"
[[notify]]
name = "chat"
kind = "webhook"
url_env = "CHAT_HOOK_URL"
format = "slack"
headers = { X-Api-Key = "literal-secret-value" }
headers_env = { Authorization = "CHAT_TOKEN" }

[[notify]]
name = "desk"
kind = "email"
smtp = "smtps://mail.example.org"
from = "emend@example.org"
to = ["desk@example.org"]
username = "emend"
password_env = "SMTP_PASSWORD"
"#,
    )
    .expect("write config");
    let out = emend(dir.path())
        .env("CHAT_HOOK_URL", "https://hooks.example/T000/secret-path")
        .env("CHAT_TOKEN", "Bearer token-value")
        .env("SMTP_PASSWORD", "hunter2")
        .args(["check-config", "sites.toml"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for var in ["CHAT_HOOK_URL", "CHAT_TOKEN", "SMTP_PASSWORD"] {
        assert!(text.contains(var), "names {var}: {text}");
    }
    for secret in [
        "secret-path",
        "token-value",
        "hunter2",
        "literal-secret-value",
    ] {
        assert!(!text.contains(secret), "printed {secret}: {text}");
    }
    assert!(
        text.contains("smtp = \"smtps://mail.example.org:465\""),
        "{text}"
    );
}

#[test]
fn a_misplaced_notify_key_is_an_error_with_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("sites.toml"),
        "[[notify]]\nname = \"cmd\"\nkind = \"command\"\ncommand = [\"true\"]\nurl = \"https://x.example/\"\n",
    )
    .expect("write config");
    emend(dir.path())
        .args(["check-config", "sites.toml"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("sites.toml:5:"))
        .stderr(predicates::str::contains(
            "url does not apply to kind = \"command\"",
        ));
}

#[test]
fn readme_notify_examples_are_a_valid_config() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README");
    let section = readme
        .split("## Notifications")
        .nth(1)
        .expect("a Notifications section");
    let block = section
        .split("```toml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a toml example");
    let text = format!(
        "[[site]]\nname = \"example\"\nfeeds = [\"https://example.org/rss\"]\narticle_pattern = '.'\n\n{block}"
    );
    let config = emend::config::Config::parse(&text, std::path::Path::new("README.md"))
        .expect("README example parses");
    let kinds: Vec<&str> = config.notify.iter().map(|n| n.kind.as_str()).collect();
    for kind in ["webhook", "email", "command"] {
        assert!(kinds.contains(&kind), "an example of {kind}");
    }
}
