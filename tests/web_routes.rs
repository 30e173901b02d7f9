//! Route tests for every page and API of the web interface: status, content type and the
//! content a user relies on, against a fixture store served on 127.0.0.1, from sled and
//! (the same store copied) from PostgreSQL: each check runs on both engines.

#![allow(
    clippy::unwrap_used,
    reason = "the checks are shared by both engines' #[test]s, outside them"
)]

#[path = "common/postgres.rs"]
mod pg_cluster;
mod web_support;

use web_support::{HARBOUR, HARBOUR_ALIAS, OTHER, SITE, Server, enc, header};

const HTML: &str = "text/html; charset=utf-8";

fn feed_link(body: &str) -> bool {
    body.contains("<link rel=\"alternate\" type=\"application/atom+xml\"")
}

async fn recent_changes_are_newest_first_with_kinds_and_filters(s: Server) {
    let body = s.text("/", HTML).await;
    assert!(feed_link(&body));
    assert!(body.contains("<span class=\"kind silent_edit\">silent edit</span>"));
    assert!(body.contains("<span class=\"kind declared_update\">declared update</span>"));
    assert!(body.contains("<span class=\"kind stamp_only\">stamp only</span>"));
    // Newest first: the stamp-only change (hour 13) before the silent edit (hour 9).
    let stamp = body.find("2024-03-01 13:00 UTC").unwrap();
    let silent = body.find("2024-03-01 09:00 UTC").unwrap();
    let first = body.find("2024-03-01 01:00 UTC").unwrap();
    assert!(stamp < silent && silent < first);
    assert!(
        body.contains("<tr class=\"silent_edit\">"),
        "silent edits stand out"
    );
    assert!(body.contains("<span class=\"plus\">+20</span>"), "{body}");

    let silent_only = s.text("/?kind=silent_edit", HTML).await;
    assert_eq!(silent_only.matches("<tr class=").count(), 1);
    assert!(silent_only.contains("Recent silent edits"));

    let site = s.text(&format!("/?site={SITE}"), HTML).await;
    assert_eq!(site.matches("<tr class=").count(), 4);
    assert!(!site.contains(OTHER));
    assert!(site.contains(&format!("href=\"/feed/site.atom?name={SITE}\"")));

    // Keyset pagination: pages of two, following the "older" link.
    let mut path = "/?limit=2".to_owned();
    let mut seen = 0;
    for _ in 0..10 {
        let page = s.text(&path, HTML).await;
        seen += page.matches("<tr class=").count();
        match page.split("<a rel=\"next\" href=\"").nth(1) {
            Some(rest) => path = rest[..rest.find('"').unwrap()].replace("&#38;", "&"),
            None => break,
        }
    }
    assert_eq!(seen, 7);

    assert_eq!(s.get("/?kind=bogus").await.status(), 400);
    assert_eq!(s.get("/?before=garbage").await.status(), 400);
    s.stop().await;
}

async fn site_and_article_lists(s: Server) {
    let site = s.text(&format!("/site?name={SITE}"), HTML).await;
    assert!(feed_link(&site));
    assert!(site.contains("Harbour bridge to close to cars"));
    assert!(site.contains("<td class=\"num\">4</td>"));
    assert!(!site.contains("Cup final"));
    let all = s.text("/articles", HTML).await;
    assert!(all.contains("Harbour bridge") && all.contains("Cup final"));
    let paged = s.text("/articles?limit=1", HTML).await;
    assert!(paged.contains("rel=\"next\" href=\"/articles?after="));
    assert_eq!(s.get("/site").await.status(), 400);

    // Every site with articles, in name order, each linking its list, changes and feed.
    let sites = s.text("/sites", HTML).await;
    let (harbour, other) = (sites.find(SITE).unwrap(), sites.find(">other<").unwrap());
    assert!(harbour < other, "name order: {sites}");
    assert!(sites.contains(&format!("href=\"/site?name={SITE}\"")));
    assert!(sites.contains(&format!("href=\"/?site={SITE}\"")));
    assert!(sites.contains(&format!("href=\"/feed/site.atom?name={SITE}\"")));
    assert_eq!(
        sites.matches("<tr><td>").count(),
        3,
        "harbour-news, other, the hostile one"
    );
    s.stop().await;
}

async fn article_timeline_follows_aliases_and_lists_every_version(s: Server) {
    let body = s
        .text(&format!("/article?url={}", enc(HARBOUR_ALIAS)), HTML)
        .await;
    assert!(feed_link(&body));
    assert!(
        body.contains(&format!("href=\"{HARBOUR}\"")),
        "original link"
    );
    for kind in ["new", "declared update", "silent edit", "stamp only"] {
        assert!(body.contains(&format!(">{kind}</span>")), "{kind}");
    }
    assert!(body.contains(&format!("href=\"/version?url={}&#38;n=4\"", enc(HARBOUR))));
    assert!(body.contains(&format!("/timemap/link/{HARBOUR}")));
    assert!(body.contains("Recent checks"));
    let v4 = body.find("n=4\">v4</a>").unwrap();
    let v1 = body.find("n=1\">v1</a>").unwrap();
    assert!(v4 < v1, "timeline newest first");
    let missing = s.get("/article?url=https%3A%2F%2Fnope.example%2F").await;
    assert_eq!(missing.status(), 404);
    assert!(header(&missing, "content-type").starts_with("text/html"));
    s.stop().await;
}

async fn version_page_shows_text_metadata_sources_and_memento_headers(s: Server) {
    let resp = s.get(&format!("/version?url={}&n=2", enc(HARBOUR))).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        header(&resp, "memento-datetime"),
        "Fri, 01 Mar 2024 05:00:00 GMT"
    );
    let link = header(&resp, "link");
    assert!(
        link.contains(&format!("<{HARBOUR}>; rel=\"original\"")),
        "{link}"
    );
    assert!(link.contains(&format!(
        "<{}/timegate/{HARBOUR}>; rel=\"timegate\"",
        s.base
    )));
    assert!(link.contains("rel=\"timemap\"; type=\"application/link-format\""));
    assert!(link.contains("&n=1>; rel=\"first prev memento\""), "{link}");
    assert!(link.contains("&n=3>; rel=\"next memento\""), "{link}");
    assert!(link.contains("&n=4>; rel=\"last memento\""), "{link}");
    let body = resp.text().await.unwrap();
    assert!(feed_link(&body));
    assert!(body.contains("two extra ferry crossings"));
    assert!(body.contains("By Ana Reyes"));
    assert!(body.contains("JSON-LD") && body.contains("&#60;time&#62; element"));
    assert!(body.contains("2024-03-01T05:00:00Z"));
    assert!(body.contains("Version 2 of 4"));
    assert_eq!(
        s.get(&format!("/version?url={}&n=9", enc(HARBOUR)))
            .await
            .status(),
        404
    );
    s.stop().await;
}

async fn diff_page_marks_words_collapses_unchanged_runs_and_links_neighbours(s: Server) {
    let path = format!("/diff?url={}&from=2&to=3", enc(HARBOUR));
    let body = s.text(&path, HTML).await;
    assert!(feed_link(&body));
    assert!(
        body.contains("<del>18</del>") && body.contains("<ins>24</ins>"),
        "{body}"
    );
    assert!(body.contains("<del>not </del>"));
    assert!(
        body.contains("<details"),
        "unchanged paragraphs are collapsible"
    );
    assert!(body.contains("unchanged paragraphs</summary>"));
    assert!(body.contains(&format!(
        "rel=\"prev\" href=\"/diff?url={}&#38;from=1&#38;to=2\"",
        enc(HARBOUR)
    )));
    assert!(body.contains(&format!(
        "rel=\"next\" href=\"/diff?url={}&#38;from=3&#38;to=4\"",
        enc(HARBOUR)
    )));
    assert!(
        body.contains("href=\"#c2\""),
        "jump to the next change in the page"
    );

    let side = s.text(&format!("{path}&view=side"), HTML).await;
    assert!(side.contains("<table class=\"sbs\">"));
    assert!(side.contains("<del>18</del>") && side.contains("<ins>24</ins>"));

    // Defaults: the last two versions (a stamp-only change).
    let last = s.text(&format!("/diff?url={}", enc(HARBOUR)), HTML).await;
    assert!(last.contains("The text is identical."));
    assert!(last.contains("stamp only"));
    // Any two versions, the first against nothing.
    let far = s
        .text(&format!("/diff?url={}&from=1&to=4", enc(HARBOUR)), HTML)
        .await;
    assert!(far.contains("<ins>\n\nUpdate:"), "{far}");
    let first = s
        .text(&format!("/diff?url={}&from=0&to=1", enc(HARBOUR)), HTML)
        .await;
    assert!(first.contains("From nothing"));
    assert_eq!(
        s.get(&format!("/diff?url={}&from=7&to=1", enc(HARBOUR)))
            .await
            .status(),
        404
    );
    s.stop().await;
}

async fn search_by_url_alias_or_title(s: Server) {
    let by_title = s.text("/search?q=cup+FINAL", HTML).await;
    assert!(by_title.contains("Cup final ends in a draw"));
    assert!(!by_title.contains("Harbour bridge"));
    let by_alias = s
        .text(&format!("/search?q={}", enc(HARBOUR_ALIAS)), HTML)
        .await;
    assert!(by_alias.contains("Harbour bridge to close to cars"));
    let by_part = s.text("/search?q=news.example%2Fcity", HTML).await;
    assert!(by_part.contains("Harbour bridge"));
    let none = s.text("/search?q=zzzz", HTML).await;
    assert!(none.contains("No tracked article matches."));
    assert!(s.text("/search", HTML).await.contains("URL or title"));
    s.stop().await;
}

async fn json_api_uses_the_cli_shapes(s: Server) {
    let json = |body: String| serde_json::from_str::<serde_json::Value>(&body).unwrap();

    let h = json(
        s.text(
            &format!("/api/history?url={}", enc(HARBOUR_ALIAS)),
            "application/json",
        )
        .await,
    );
    assert_eq!(h["url"], HARBOUR);
    let changes: Vec<&str> = h["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["change"].as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        ["new", "declared_update", "silent_edit", "stamp_only"]
    );
    let v2 = &h["versions"][1];
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["fetched_at"], "2024-03-01T05:00:00Z");
    assert_eq!(v2["last_update"], "2024-03-01T05:00:00Z");
    assert_eq!(v2["title"], "Harbour bridge to close to cars");
    assert!(v2["text"].as_str().unwrap().contains("ferry"));
    assert_eq!(v2["words_added"], 20);
    assert_eq!(v2["words_removed"], 0);

    let d = json(
        s.text(
            &format!("/api/diff?url={}&from=2&to=3", enc(HARBOUR)),
            "application/json",
        )
        .await,
    );
    assert_eq!(
        (d["url"].as_str(), d["from"].as_u64(), d["to"].as_u64()),
        (Some(HARBOUR), Some(2), Some(3))
    );
    let ops = d["ops"].as_array().unwrap();
    assert!(ops.iter().any(|o| o["op"] == "delete" && o["text"] == "18"));
    assert!(ops.iter().any(|o| o["op"] == "insert" && o["text"] == "24"));
    let rebuilt: String = ops
        .iter()
        .filter(|o| o["op"] != "delete")
        .map(|o| o["text"].as_str().unwrap())
        .collect();
    assert_eq!(rebuilt, web_support::fixture("harbour-v3.txt").trim());
    let default = json(
        s.text(
            &format!("/api/diff?url={}", enc(HARBOUR)),
            "application/json",
        )
        .await,
    );
    assert_eq!(
        (default["from"].as_u64(), default["to"].as_u64()),
        (Some(3), Some(4))
    );

    let l = json(s.text("/api/list", "application/json").await);
    let arts = l["articles"].as_array().unwrap();
    assert_eq!(arts.len(), 3);
    let harbour = arts.iter().find(|a| a["url"] == HARBOUR).unwrap();
    assert_eq!(harbour["versions"], 4);
    assert_eq!(harbour["site"], SITE);
    assert_eq!(harbour["last_changed"], "2024-03-01T13:00:00Z");
    let page = s.get("/api/list?limit=1").await;
    assert!(header(&page, "link").contains("rel=\"next\""));
    let site = json(
        s.text(&format!("/api/list?site={SITE}"), "application/json")
            .await,
    );
    assert_eq!(site["articles"].as_array().unwrap().len(), 1);

    let r = json(s.text("/api/recent?limit=3", "application/json").await);
    let rc = r["changes"].as_array().unwrap();
    assert_eq!(rc.len(), 3);
    assert_eq!(rc[0]["url"], HARBOUR);
    assert_eq!(rc[0]["version"], 4);
    assert_eq!(rc[0]["change"], "stamp_only");
    assert_eq!(rc[0]["site"], SITE);
    let next = r["next"].as_str().unwrap();
    let r2 = json(
        s.text(
            &format!("/api/recent?limit=10&before={}", enc(next)),
            "application/json",
        )
        .await,
    );
    assert_eq!(r2["changes"].as_array().unwrap().len(), 4);
    assert!(r2["next"].is_null());
    let silent = json(
        s.text("/api/recent?kind=silent_edit", "application/json")
            .await,
    );
    assert_eq!(silent["changes"].as_array().unwrap().len(), 1);

    let missing = s
        .get("/api/history?url=https%3A%2F%2Fnope.example%2F")
        .await;
    assert_eq!(missing.status(), 404);
    assert_eq!(header(&missing, "content-type"), "application/json");
    assert!(
        json(missing.text().await.unwrap())["error"]
            .as_str()
            .unwrap()
            .contains("not tracked")
    );
    assert_eq!(s.get("/api/recent?kind=nope").await.status(), 400);
    s.stop().await;
}

async fn atom_feeds_parse_with_stable_ids_kinds_and_diff_summaries(s: Server) {
    let parse = |xml: String| feed_rs::parser::parse(xml.as_bytes()).unwrap();

    let all_xml = s.text("/feed.atom", "application/atom+xml").await;
    let all = parse(all_xml.clone());
    assert_eq!(all.feed_type, feed_rs::model::FeedType::Atom);
    assert_eq!(all.entries.len(), 7);
    let ids: std::collections::HashSet<&str> = all.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 7);
    assert!(
        ids.iter()
            .all(|id| id.starts_with("tag:emend,2024:version:"))
    );
    let silent = all
        .entries
        .iter()
        .find(|e| {
            e.title
                .as_ref()
                .unwrap()
                .content
                .starts_with("[silent edit]")
        })
        .unwrap();
    assert!(silent.categories.iter().any(|c| c.term == "silent_edit"));
    let content = silent.content.as_ref().unwrap().body.as_deref().unwrap();
    assert!(
        content.contains("<del>18</del>") && content.contains("<ins>24</ins>"),
        "{content}"
    );
    assert!(content.contains("silent edit"));
    let alt = &silent.links[0].href;
    assert!(
        alt.starts_with(&s.base) && alt.contains("/diff?url="),
        "{alt}"
    );
    assert_eq!(
        silent.updated.unwrap().to_rfc3339(),
        "2024-03-01T09:00:00+00:00"
    );
    assert_eq!(
        s.text("/feed.atom", "application/atom+xml").await,
        all_xml,
        "feeds are stable"
    );

    let site = parse(
        s.text(
            &format!("/feed/site.atom?name={SITE}"),
            "application/atom+xml",
        )
        .await,
    );
    assert_eq!(site.entries.len(), 4);
    let article = parse(
        s.text(
            &format!("/feed/article.atom?url={}", enc(HARBOUR_ALIAS)),
            "application/atom+xml",
        )
        .await,
    );
    assert_eq!(article.entries.len(), 4);
    assert!(article.title.unwrap().content.contains("Harbour bridge"));
    let article_ids: Vec<&str> = article.entries.iter().map(|e| e.id.as_str()).collect();
    assert!(
        article_ids.iter().all(|id| ids.contains(id)),
        "an entry keeps its id in every feed"
    );
    assert_eq!(s.get("/feed/article.atom?url=nope").await.status(), 404);
    s.stop().await;
}

async fn timemap_and_timegate_follow_rfc_7089(s: Server) {
    let tm = s
        .text(
            &format!("/timemap/link/{HARBOUR}"),
            "application/link-format",
        )
        .await;
    assert!(tm.starts_with(&format!("<{HARBOUR}>; rel=\"original\"")));
    assert_eq!(tm.matches("memento\"; datetime=").count(), 4, "{tm}");
    assert!(tm.contains("rel=\"first memento\"; datetime=\"Fri, 01 Mar 2024 01:00:00 GMT\""));
    assert!(tm.contains("rel=\"last memento\"; datetime=\"Fri, 01 Mar 2024 13:00:00 GMT\""));
    assert!(tm.contains("rel=\"self\"; type=\"application/link-format\""));
    let via_alias = s
        .text(
            &format!("/timemap/link/{HARBOUR_ALIAS}"),
            "application/link-format",
        )
        .await;
    assert_eq!(
        via_alias, tm,
        "an alias's TimeMap is the canonical article's"
    );

    let version = |n: u32| format!("{}/version?url={}&n={n}", s.base, enc(HARBOUR));
    let latest = s.get(&format!("/timegate/{HARBOUR}")).await;
    assert_eq!(latest.status(), 302);
    assert_eq!(header(&latest, "location"), version(4));
    assert_eq!(header(&latest, "vary"), "accept-datetime");
    assert!(header(&latest, "link").contains("rel=\"timemap\""));
    for (when, n) in [
        ("Fri, 01 Mar 2024 06:30:00 GMT", 2),
        ("Fri, 01 Mar 2024 09:00:00 GMT", 3),
        ("Thu, 01 Feb 2024 00:00:00 GMT", 1),
        ("Sat, 01 Mar 2025 00:00:00 GMT", 4),
    ] {
        let r = s
            .get_with(
                &format!("/timegate/{HARBOUR}"),
                &[("accept-datetime", when)],
            )
            .await;
        assert_eq!(r.status(), 302, "{when}");
        assert_eq!(header(&r, "location"), version(n), "{when}");
        assert_eq!(header(&r, "vary"), "accept-datetime");
    }
    let bad = s
        .get_with(
            &format!("/timegate/{HARBOUR}"),
            &[("accept-datetime", "last tuesday")],
        )
        .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(s.get("/timegate/https://nope.example/").await.status(), 404);
    assert_eq!(
        s.get("/timemap/link/https://nope.example/").await.status(),
        404
    );
    s.stop().await;
}

async fn metrics_health_and_stylesheet(s: Server) {
    let m = s.text("/metrics", "text/plain; version=0.0.4").await;
    assert!(
        m.contains("# TYPE emend_versions_total counter\nemend_versions_total 7\n"),
        "{m}"
    );
    assert!(m.contains("emend_articles 3\n"));
    assert!(m.contains("emend_checks_total 7\n"));
    assert!(m.contains("emend_host_queue{host=\"news.example\"} 4\n"));
    assert!(m.contains("emend_errors_total 1\n"));
    s.metrics.set_queue("news.example", 9);
    assert!(
        s.text("/metrics", "text/plain")
            .await
            .contains("emend_host_queue{host=\"news.example\"} 9\n")
    );
    assert_eq!(s.text("/healthz", "text/plain").await, "ok\n");
    let css = s.text("/style.css", "text/css").await;
    assert!(css.contains("ins {") && css.contains("@media"));
    let missing = s.get("/nope").await;
    assert_eq!(missing.status(), 404);
    let head = reqwest::Client::new()
        .head(format!("{}/", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    s.stop().await;
}

async fn every_html_page_advertises_its_feed_and_needs_no_script(s: Server) {
    let u = enc(HARBOUR);
    for path in [
        "/".to_owned(),
        "/?kind=stamp_only".to_owned(),
        "/articles".to_owned(),
        "/sites".to_owned(),
        format!("/site?name={SITE}"),
        "/search?q=harbour".to_owned(),
        format!("/article?url={u}"),
        format!("/version?url={u}&n=1"),
        format!("/diff?url={u}"),
        format!("/diff?url={u}&view=side"),
        "/no/such/page".to_owned(),
    ] {
        let resp = s.get(&path).await;
        assert!(header(&resp, "content-type").starts_with(HTML), "{path}");
        let body = resp.text().await.unwrap();
        assert!(feed_link(&body), "{path}: no Atom alternate link");
        assert!(
            body.contains("<link rel=\"stylesheet\" href=\"/style.css\">"),
            "{path}"
        );
        assert!(!body.contains("<script"), "{path}");
        assert!(body.contains("<meta name=\"viewport\""), "{path}");
    }
    s.stop().await;
}

async fn stats_count_changes_per_week_silent_share_and_time_to_first_edit(s: Server) {
    let stats: serde_json::Value =
        serde_json::from_str(&s.text("/api/stats", "application/json").await).unwrap();
    // HARBOUR: new, declared update (+4 h), silent edit, stamp only; the hostile article:
    // new, declared update (+4 h); OTHER: new only.
    let all = &stats["all"];
    assert_eq!(
        (all["articles"].as_u64(), all["versions"].as_u64()),
        (Some(3), Some(7))
    );
    assert_eq!(all["edited_articles"], 2);
    assert_eq!(all["silently_edited_articles"], 1);
    assert_eq!(all["silent_share"], 0.5);
    assert_eq!(all["median_secs_to_first_edit"], 4 * 3600);
    let week = &all["weeks"].as_array().unwrap()[..];
    assert_eq!(week.len(), 1, "{all}");
    assert_eq!(week[0]["week"], "2024-02-26", "the Monday of 2024-03-01");
    let kinds: Vec<u64> = ["new", "declared_update", "silent_edit", "stamp_only"]
        .iter()
        .map(|k| week[0][k].as_u64().unwrap())
        .collect();
    assert_eq!(kinds, [3, 2, 1, 1]);
    let harbour = stats["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["site"] == SITE)
        .unwrap();
    assert_eq!(harbour["silent_share"], 1.0);
    let other = stats["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["site"] == "other")
        .unwrap();
    assert!(other["silent_share"].is_null() && other["median_secs_to_first_edit"].is_null());

    let page = s.text("/stats", HTML).await;
    assert!(page.contains("<svg class=\"chart\""), "{page}");
    assert!(
        !page.contains("<script"),
        "no script, and hostile site names escaped"
    );
    assert!(page.contains("50%") && page.contains("4 h 0 min"), "{page}");
    assert!(
        page.contains(&format!("href=\"/site?name={SITE}\"")),
        "{page}"
    );
    s.stop().await;
}

on_both_engines!(
    recent_changes_are_newest_first_with_kinds_and_filters,
    site_and_article_lists,
    article_timeline_follows_aliases_and_lists_every_version,
    version_page_shows_text_metadata_sources_and_memento_headers,
    diff_page_marks_words_collapses_unchanged_runs_and_links_neighbours,
    search_by_url_alias_or_title,
    json_api_uses_the_cli_shapes,
    atom_feeds_parse_with_stable_ids_kinds_and_diff_summaries,
    timemap_and_timegate_follow_rfc_7089,
    metrics_health_and_stylesheet,
    every_html_page_advertises_its_feed_and_needs_no_script,
    stats_count_changes_per_week_silent_share_and_time_to_first_edit,
);

/// Beyond the same assertions: every API, feed and page answers the very same bytes from
/// either engine (links made absolute with each server's own base aside).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_engines_answer_the_same_bytes() {
    let Some(cluster) = pg_cluster::Cluster::start("same bytes on both engines") else {
        return;
    };
    let conninfo = cluster.conninfo.clone();
    let pg = Server::start_postgres(&conninfo, Box::new(cluster)).await;
    let sled = Server::start().await;
    let u = enc(HARBOUR);
    for path in [
        "/api/list".to_owned(),
        "/api/list?limit=1".to_owned(),
        "/api/recent".to_owned(),
        "/api/recent?limit=2".to_owned(),
        format!("/api/recent?site={SITE}&kind=silent_edit"),
        format!("/api/history?url={u}"),
        format!("/api/history?url={}", enc(HARBOUR_ALIAS)),
        format!("/api/diff?url={u}&from=1&to=3"),
        "/api/stats".to_owned(),
        "/feed.atom".to_owned(),
        format!("/feed/site.atom?name={SITE}"),
        format!("/feed/article.atom?url={u}"),
        format!("/timemap/link/{HARBOUR}"),
        "/".to_owned(),
        "/articles".to_owned(),
        "/sites".to_owned(),
        "/search?q=harbour".to_owned(),
        format!("/article?url={u}"),
        format!("/version?url={u}&n=2"),
        format!("/diff?url={u}"),
        "/stats".to_owned(),
    ] {
        let (a, b) = (sled.get(&path).await, pg.get(&path).await);
        assert_eq!(a.status(), b.status(), "{path}");
        let a = a.text().await.unwrap().replace(&sled.base, "BASE");
        let b = b.text().await.unwrap().replace(&pg.base, "BASE");
        assert_eq!(a, b, "{path}: sled and PostgreSQL differ");
    }
    sled.stop().await;
    pg.stop().await;
}
