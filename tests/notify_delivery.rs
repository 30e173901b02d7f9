//! Notifications end to end in-process: checks through the pipeline queue changes in the
//! outbox, the sender delivers them to loopback receivers the tests start (webhook, SMTP,
//! a command), filters hold, nothing is lost or doubled while a receiver is down, and scraped
//! text reaches a command only as data.

mod common;
mod notify_receiver;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::fetcher::fetcher;
use common::fixture_text;
use common::route::Route;
use common::server::TestServer;
use emend::config::Config;
use emend::fetch::Poster;
use emend::notify::{self, ChangeMessage, Sender};
use emend::pipeline::{CheckOptions, Pipeline};
use emend::store::Store;
use serde_json::Value;
use tokio::sync::watch;

/// Runs the sender until `done` holds (checked every 50 ms) or 20 s pass.
async fn deliver_until(store: &Store, config: &Config, mut done: impl FnMut() -> bool) {
    let poster = Poster::new("emend-test", Duration::from_secs(5)).expect("poster");
    let sender = Sender::new(store.clone(), Arc::new(config.notify.clone()), poster);
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(sender.run(stopped));
    let start = std::time::Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "deliveries did not arrive"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop.send(true);
    let _ = task.await;
}

fn pipeline(config: &Config, dir: &Path) -> Pipeline {
    let store = Store::open(&dir.join("db")).expect("open store");
    Pipeline::new(Arc::new(config.clone()), fetcher(), store)
}

fn config(text: &str, dir: &Path) -> Config {
    Config::parse(text, &dir.join("sites.toml")).expect("valid config")
}

/// Serves the seed states v1..v4 (new, declared update, silent edit, stamp only) in turn at
/// `/news/1` and checks after each.
async fn check_seed_states(p: &Pipeline, site: &TestServer) -> String {
    let url = site.parsed_url("/news/1");
    for name in [
        "v1-original",
        "v2-declared-update",
        "v3-silent-edit",
        "v4-stamp-only",
    ] {
        site.set(
            "/news/1",
            Route::html(fixture_text(&format!("seed/{name}.html"))),
        );
        p.check(&url, CheckOptions::default()).await.expect("check");
    }
    p.store()
        .resolve(url.as_str())
        .expect("resolve")
        .expect("tracked")
}

fn site_config(site: &TestServer, notify: &str) -> String {
    format!(
        "[[site]]\nname = \"local\"\nfeeds = [\"{}\"]\narticle_pattern = '/news/'\n\n{notify}",
        site.url("/rss")
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn each_change_kind_reaches_matching_targets_with_documented_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = TestServer::start("127.0.0.2");
    let (hook, rx) = notify_receiver::start();
    let notify = format!(
        r#"
[[notify]]
name = "all"
kind = "webhook"
url = "{all}"
changes = ["new", "declared_update", "silent_edit", "stamp_only"]
base_url = "https://emend.example/ui"

[[notify]]
name = "silent"
kind = "webhook"
url = "{silent}"
changes = ["silent_edit"]

[[notify]]
name = "text-only"
kind = "webhook"
url = "{text}"
fields = ["text"]

[[notify]]
name = "big-edits"
kind = "webhook"
url = "{big}"
min_words = 100000

[[notify]]
name = "other-site"
kind = "webhook"
url = "{other}"
sites = ["elsewhere"]

[[site]]
name = "elsewhere"
feeds = ["https://elsewhere.example/rss"]
article_pattern = '^https://elsewhere\.example/'
"#,
        all = hook.url("/all"),
        silent = hook.url("/silent"),
        text = hook.url("/text"),
        big = hook.url("/big"),
        other = hook.url("/other"),
    );
    let config = config(&site_config(&site, &notify), dir.path());
    let p = pipeline(&config, dir.path());
    let url = check_seed_states(&p, &site).await;

    deliver_until(p.store(), &config, || rx.accepted("/all").len() == 4).await;
    let all: Vec<Value> = rx.accepted("/all").iter().map(|r| r.json()).collect();
    let kinds: Vec<&str> = all
        .iter()
        .map(|m| m["change"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        kinds,
        ["new", "declared_update", "silent_edit", "stamp_only"]
    );
    let silent = &all[2];
    assert_eq!(silent["schema"], "emend.change/1");
    assert_eq!(silent["url"], url.as_str());
    assert_eq!(silent["site"], "local");
    assert_eq!(silent["from"]["version"], 2);
    assert_eq!(silent["to"]["version"], 3);
    assert_eq!(
        silent["from"]["last_update"], silent["to"]["last_update"],
        "a silent edit keeps its stamp"
    );
    assert!(
        silent["to"]["fetched_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(silent["changed_fields"], serde_json::json!(["text"]));
    assert!(silent["title"].as_str().is_some_and(|t| !t.is_empty()));
    let ops = silent["diff"][0]["ops"].as_array().expect("diff passages");
    assert!(
        ops.iter()
            .any(|o| o["op"] == "insert" || o["op"] == "delete"),
        "{ops:?}"
    );
    let diff_link = silent["links"]["diff"]
        .as_str()
        .expect("diff link with base_url");
    assert!(
        diff_link.starts_with("https://emend.example/ui/diff?url="),
        "{diff_link}"
    );
    assert!(diff_link.ends_with("&from=2&to=3"), "{diff_link}");
    let ids: HashSet<&str> = all.iter().filter_map(|m| m["id"].as_str()).collect();
    assert_eq!(ids.len(), 4, "one stable id per change");

    let silent_only: Vec<Value> = rx.accepted("/silent").iter().map(|r| r.json()).collect();
    assert_eq!(silent_only.len(), 1);
    assert_eq!(
        silent_only[0]["id"], silent["id"],
        "the same change has the same id everywhere"
    );
    // Default changes (edits, not first sightings) that touched the text: v2 and v3.
    let text: Vec<Value> = rx.accepted("/text").iter().map(|r| r.json()).collect();
    let versions: Vec<u64> = text
        .iter()
        .filter_map(|m| m["to"]["version"].as_u64())
        .collect();
    assert_eq!(versions, [2, 3]);
    assert!(rx.accepted("/big").is_empty(), "min_words holds");
    assert!(rx.accepted("/other").is_empty(), "sites holds");
    assert!(
        p.store().deliveries(false).expect("outbox").is_empty(),
        "all delivered"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn receiver_down_then_up_every_change_arrives_once_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = TestServer::start("127.0.0.2");
    let (hook, rx) = notify_receiver::start();
    rx.set_down(true);
    let notify = format!(
        "[[notify]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"{}\"\nchanges = [\"new\", \"declared_update\", \"silent_edit\", \"stamp_only\"]\n",
        hook.url("/in")
    );
    let config = config(&site_config(&site, &notify), dir.path());
    let p = pipeline(&config, dir.path());
    check_seed_states(&p, &site).await;
    let second = site.parsed_url("/news/2");
    for text in [
        "First text of the second story.",
        "Second text of the second story.",
    ] {
        site.set("/news/2", Route::html(format!("<html><head><title>Two</title></head><body><article><h1>Two</h1><p>{text}</p></article></body></html>")));
        p.check(&second, CheckOptions::default())
            .await
            .expect("check");
    }

    let rx2 = Arc::clone(&rx);
    let poster = Poster::new("emend-test", Duration::from_secs(5)).expect("poster");
    let sender = Sender::new(p.store().clone(), Arc::new(config.notify.clone()), poster);
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(sender.run(stopped));
    // Down for a while: several refused attempts, nothing delivered, nothing lost.
    common::daemon::wait_until("refused attempts", Duration::from_secs(10), || {
        rx2.all().len() >= 2
    });
    assert_eq!(p.store().deliveries(false).expect("outbox").len(), 6);
    rx.set_down(false);
    common::daemon::wait_until("all six", Duration::from_secs(20), || {
        rx2.accepted("/in").len() >= 6
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let _ = stop.send(true);
    let _ = task.await;

    let got: Vec<Value> = rx.accepted("/in").iter().map(|r| r.json()).collect();
    let ids: Vec<&str> = got.iter().filter_map(|m| m["id"].as_str()).collect();
    let unique: HashSet<&&str> = ids.iter().collect();
    assert_eq!(
        (ids.len(), unique.len()),
        (6, 6),
        "each change once: {ids:?}"
    );
    let second_key = p
        .store()
        .resolve(second.as_str())
        .expect("resolve")
        .expect("tracked");
    let order = |of_second: bool| -> Vec<u64> {
        got.iter()
            .filter(|m| (m["url"] == second_key.as_str()) == of_second)
            .filter_map(|m| m["to"]["version"].as_u64())
            .collect()
    };
    assert_eq!(order(true), [1, 2], "in order per article");
    let first = order(false);
    assert_eq!(first, [1, 2, 3, 4], "in order per article");
    assert!(p.store().deliveries(false).expect("outbox").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn slack_discord_matrix_and_ntfy_bodies_have_the_services_shapes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (hook, rx) = notify_receiver::start();
    let mut text = String::new();
    for (name, format) in [
        ("slack", "slack"),
        ("discord", "discord"),
        ("ntfy", "ntfy"),
        ("matrix", "matrix"),
        ("tpl", "template"),
    ] {
        let url = match format {
            "matrix" => hook.url("/_matrix/client/v3/rooms/!r:x/send/m.room.message/{txn_id}"),
            "ntfy" => hook.url("/alerts"),
            _ => hook.url(&format!("/{name}")),
        };
        text.push_str(&format!("[[notify]]\nname = \"{name}\"\nkind = \"webhook\"\nformat = \"{format}\"\nurl = \"{url}\"\nheaders = {{ X-Test = \"yes\" }}\n"));
        if format == "template" {
            text.push_str(
                "template = '{\"status\": {{ summary | tojson }}, \"id\": \"{{ id }}\"}'\n",
            );
        }
    }
    let config = config(&text, dir.path());
    let poster = Poster::new("emend-test", Duration::from_secs(5)).expect("poster");
    let m = ChangeMessage::sample(None);
    for target in &config.notify {
        notify::send(&poster, target, &m).await.expect("sent");
    }
    let _ = dir;

    let slack = rx.accepted("/slack")[0].json();
    assert!(
        slack["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Silent edit: "))
    );
    let blocks = slack["blocks"].as_array().expect("blocks");
    assert_eq!(blocks[0]["type"], "section");
    assert_eq!(blocks[0]["text"]["type"], "mrkdwn");
    assert!(
        blocks[1]["text"]["text"]
            .as_str()
            .is_some_and(|t| t.contains('~') && t.contains('*'))
    );
    assert_eq!(blocks.last().expect("context")["type"], "context");

    let discord = rx.accepted("/discord")[0].json();
    assert!(
        discord["content"]
            .as_str()
            .is_some_and(|c| c.chars().count() <= 2000)
    );
    assert_eq!(discord["allowed_mentions"]["parse"], serde_json::json!([]));
    let embed = &discord["embeds"][0];
    assert!(embed["title"].is_string() && embed["url"].is_string());
    assert!(
        embed["description"]
            .as_str()
            .is_some_and(|d| d.contains("~~") && d.contains("**"))
    );

    let ntfy = rx.accepted("/")[0].json();
    assert_eq!(ntfy["topic"], "alerts");
    assert!(ntfy["title"].is_string() && ntfy["message"].is_string() && ntfy["click"].is_string());
    assert!(ntfy["tags"].is_array());

    let matrix = rx
        .all()
        .into_iter()
        .find(|r| r.path.contains("/_matrix/"))
        .expect("matrix");
    assert_eq!(
        matrix.method,
        axum::http::Method::PUT,
        "Matrix sends are PUT with a txn id"
    );
    assert!(
        matrix.path.ends_with(&format!("/{}", m.id)),
        "{}",
        matrix.path
    );
    let content = matrix.json();
    assert_eq!(content["msgtype"], "m.text");
    assert_eq!(content["format"], "org.matrix.custom.html");
    assert!(
        content["formatted_body"]
            .as_str()
            .is_some_and(|h| h.contains("<ins>") && h.contains("<del>"))
    );

    let tpl = rx.accepted("/tpl")[0].clone();
    assert_eq!(
        tpl.headers.get("x-test").and_then(|v| v.to_str().ok()),
        Some("yes")
    );
    assert_eq!(tpl.json()["id"], m.id.as_str());
    assert!(
        tpl.json()["status"]
            .as_str()
            .is_some_and(|s| s.starts_with("Silent edit"))
    );
}

/// A minimal SMTP server: accepts one message and returns its DATA.
async fn smtp_sink(listener: tokio::net::TcpListener) -> String {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (sock, _) = listener.accept().await.expect("accept");
    let (read, mut write) = sock.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink ESMTP\r\n").await.expect("greet");
    let mut data = String::new();
    let mut in_data = false;
    loop {
        let mut line = String::new();
        if lines.read_line(&mut line).await.expect("read") == 0 {
            return data;
        }
        if in_data {
            if line == ".\r\n" {
                in_data = false;
                write.write_all(b"250 queued\r\n").await.expect("write");
            } else {
                data.push_str(
                    line.strip_prefix('.')
                        .filter(|_| line.starts_with(".."))
                        .unwrap_or(&line),
                );
            }
            continue;
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
            "DATA" => {
                in_data = true;
                b"354 go ahead\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await.expect("write");
                return data;
            }
            _ => b"250 ok\r\n",
        };
        write.write_all(reply).await.expect("write");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn email_is_multipart_with_a_text_and_an_html_part() {
    let dir = tempfile::tempdir().expect("tempdir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let sink = tokio::spawn(smtp_sink(listener));
    let config = config(
        &format!(
            "[[notify]]\nname = \"mail\"\nkind = \"email\"\nsmtp = \"smtp://127.0.0.1:{port}\"\nstarttls = false\nfrom = \"emend <emend@example.org>\"\nto = [\"desk@example.org\"]\nsubject = \"{{{{ change }}}}: {{{{ title }}}}\"\n"
        ),
        dir.path(),
    );
    let poster = Poster::new("emend-test", Duration::from_secs(5)).expect("poster");
    let m = ChangeMessage::sample(None);
    notify::send(&poster, &config.notify[0], &m)
        .await
        .expect("sent");
    let raw = tokio::time::timeout(Duration::from_secs(10), sink)
        .await
        .expect("sink done")
        .expect("sink");

    let mail = mailparse::parse_mail(raw.as_bytes()).expect("parses as mail");
    let header = |name: &str| {
        mail.headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case(name))
            .map(|h| h.get_value())
    };
    assert_eq!(
        header("Subject").as_deref(),
        Some("silent_edit: Test message from emend")
    );
    assert!(
        header("Message-ID").is_some_and(|id| id.contains(&m.id)),
        "stable Message-ID"
    );
    assert_eq!(mail.ctype.mimetype, "multipart/alternative");
    let types: Vec<&str> = mail
        .subparts
        .iter()
        .map(|p| p.ctype.mimetype.as_str())
        .collect();
    assert_eq!(types, ["text/plain", "text/html"]);
    let plain = mail.subparts[0].get_body().expect("text part");
    assert!(plain.contains("[-") && plain.contains("{+"), "{plain}");
    let html = mail.subparts[1].get_body().expect("html part");
    assert!(html.contains("<ins>") && html.contains("<del>"), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn scraped_title_with_shell_syntax_reaches_the_command_as_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = TestServer::start("127.0.0.2");
    let out = dir.path().join("change.json");
    let notify = format!(
        "[[notify]]\nname = \"cmd\"\nkind = \"command\"\ncommand = [\"tee\", \"{}\"]\nchanges = [\"new\"]\n",
        out.display()
    );
    let config = config(&site_config(&site, &notify), dir.path());
    let p = pipeline(&config, dir.path());
    let pwned = dir.path().join("pwned");
    let title = format!(
        "He said \"no\" $(touch {0}) `touch {0}` ; touch {0}",
        pwned.display()
    );
    let html = format!(
        "<html><head><title>{0}</title></head><body><article><h1>{0}</h1><p>Body text of the story, long enough to be the article.</p></article></body></html>",
        title.replace('"', "&quot;").replace(" ; ", "\n; ")
    );
    site.set("/news/9", Route::html(html));
    p.check(&site.parsed_url("/news/9"), CheckOptions::default())
        .await
        .expect("check");

    deliver_until(p.store(), &config, || {
        out.exists() && std::fs::metadata(&out).is_ok_and(|m| m.len() > 0)
    })
    .await;
    let got: Value = serde_json::from_slice(&std::fs::read(&out).expect("read"))
        .expect("stdin was the change JSON");
    let got_title = got["title"].as_str().expect("title");
    assert!(
        got_title.contains("$(touch") && got_title.contains('`') && got_title.contains('"'),
        "{got_title}"
    );
    assert!(!pwned.exists(), "scraped text was executed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_past_give_up_after_is_marked_failed_with_its_last_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = TestServer::start("127.0.0.2");
    let (hook, rx) = notify_receiver::start();
    rx.set_down(true);
    let notify = format!(
        "[[notify]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"{}\"\nchanges = [\"new\"]\ngive_up_after = \"1s\"\n",
        hook.url("/in")
    );
    let config = config(&site_config(&site, &notify), dir.path());
    let p = pipeline(&config, dir.path());
    site.set(
        "/news/1",
        Route::html(fixture_text("seed/v1-original.html")),
    );
    p.check(&site.parsed_url("/news/1"), CheckOptions::default())
        .await
        .expect("check");
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let store = p.store().clone();
    deliver_until(p.store(), &config, || {
        store.deliveries(true).is_ok_and(|f| f.len() == 1)
    })
    .await;
    let failed = p.store().deliveries(true).expect("failed list");
    assert_eq!(failed[0].target, "hook");
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("HTTP 503")),
        "{failed:?}"
    );
    assert!(p.store().deliveries(false).expect("pending").is_empty());
    assert!(rx.accepted("/in").is_empty());
}
