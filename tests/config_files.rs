//! Config files as users write them: the shipped sites.toml loads, and every invalid
//! fixture is rejected with file:line:column, the site, and exit status 2.

mod common;

use std::path::Path;

use common::{emend, fixture, fixture_text};

#[test]
fn shipped_sites_toml_is_valid_and_watches_real_sites() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sites.toml");
    let config = emend::config::Config::load(&path).unwrap();
    assert!(config.sites.len() >= 4, "a handful of real sites");
    for site in &config.sites {
        assert!(
            !(site.feeds.is_empty() && site.sitemaps.is_empty() && site.start_urls.is_empty()),
            "{} has nothing to read",
            site.name
        );
        assert!(site.rate <= 1.0, "{} is polite", site.name);
    }
    let dir = tempfile::tempdir().unwrap();
    emend(dir.path())
        .args(["check-config", path.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicates::str::contains("[[site]]"));
}

#[test]
fn invalid_configs_point_at_the_mistake() {
    let dir = tempfile::tempdir().unwrap();
    let expected = fixture_text("configs/expected.txt");
    let mut checked = 0;
    for line in expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut parts = line.split('|');
        let file = parts.next().unwrap();
        let position = parts.next().unwrap();
        let needle = parts.next().unwrap_or("");
        let path = fixture(&format!("configs/{file}"));
        let out = emend(dir.path())
            .args(["check-config", path.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        assert!(
            stderr.contains(&format!("{file}:{position}")),
            "{file}: expected position {position} in: {stderr}"
        );
        assert!(
            stderr.contains(needle),
            "{file}: expected {needle:?} in: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        checked += 1;
    }
    assert_eq!(checked, 10);
}

#[test]
fn check_config_hides_the_password_of_a_feed_url() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sites.toml");
    std::fs::write(
        &path,
        "[[site]]\nname = \"members\"\nfeeds = [\"https://reader:s3cret-token@example.org/feed\"]\n\
         sitemaps = [\"https://reader:s3cret-token@example.org/sitemap.xml\"]\narticle_pattern = '/news/'\n",
    )
    .unwrap();
    let out = emend(dir.path())
        .args(["check-config", path.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(!stdout.contains("s3cret-token"), "{stdout}");
    // The user name stays, so the user sees the credentials are set.
    assert!(
        stdout.contains("https://reader:***@example.org/feed"),
        "{stdout}"
    );
}
