//! `emend reextract`: each stored version's raw body through the current extractor, compared with what was stored.

use std::io::Write;

use clap::Args;

use super::Context;
use super::output::print_json;
use crate::api::{ReextractJson, ReextractVersionJson, rfc3339};
use crate::error::Error;
use crate::extract::EXTRACTOR_VERSION;
use crate::model::Version;
use crate::reextract::{self, Comparison};

/// Arguments of `emend reextract`.
#[derive(Debug, Args)]
pub struct ReextractArgs {
    /// Article URL (an alias such as a pre-redirect URL also works)
    pub url: String,
    /// Only this version [default: every version]
    #[arg(long, value_name = "N")]
    pub version: Option<u32>,
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
}

/// Runs `emend reextract`.
pub async fn run(ctx: &Context, args: &ReextractArgs) -> anyhow::Result<()> {
    let config = ctx.config()?;
    let mut reader = ctx.reader_for(&config, "emend reextract").await?;
    let (url, versions) = reader.versions(&args.url).await?;
    let selected: Vec<&Version> = versions
        .iter()
        .filter(|v| args.version.is_none_or(|n| v.number == n))
        .collect();
    match args.version {
        Some(n) if selected.is_empty() => {
            return Err(Error::NoSuchVersion {
                url,
                version: n,
                count: u32::try_from(versions.len()).unwrap_or(u32::MAX),
            }
            .into());
        }
        _ => {}
    }
    let mut compared: Vec<(&Version, Option<Comparison>)> = Vec::with_capacity(selected.len());
    for v in selected {
        let body = match &v.body_hash {
            Some(hash) => reader.raw_body(hash).await?,
            None => None,
        };
        let comparison = body.map(|b| reextract::compare(&config, v, &b));
        compared.push((v, comparison));
    }
    if args.json {
        return print_json(&ReextractJson {
            url: &url,
            extractor_version: EXTRACTOR_VERSION,
            versions: compared
                .iter()
                .map(|(v, c)| ReextractVersionJson::new(v, c.as_ref()))
                .collect(),
        });
    }
    // writeln! rather than println!: a closed pipe (`| head`) must be an error main can
    // recognise, not a panic.
    let mut out = std::io::stdout().lock();
    writeln!(out, "{url}")?;
    for (v, c) in &compared {
        writeln!(
            out,
            "{:>4}  {}  {}",
            v.number,
            rfc3339(v.fetched_at),
            summary(v, c.as_ref())
        )?;
    }
    out.flush()?;
    Ok(())
}

/// What re-extraction found for one version, in a few words.
fn summary(v: &Version, c: Option<&Comparison>) -> String {
    let Some(c) = c else {
        return "no stored body".to_owned();
    };
    if c.is_same() {
        return "same".to_owned();
    }
    let fields: Vec<String> = c
        .changed
        .iter()
        .map(|f| match f {
            reextract::Field::Text => format!("text +{} -{}", c.words_added, c.words_removed),
            other => other.as_str().to_owned(),
        })
        .collect();
    format!(
        "changed: {}  (stored by extractor {}, current {EXTRACTOR_VERSION})",
        fields.join(", "),
        v.extractor_version
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Article, ChangeKind};

    #[test]
    fn a_version_without_a_stored_body_says_so() {
        let v = Version {
            number: 3,
            fetched_at: chrono::Utc::now(),
            change: ChangeKind::SilentEdit,
            article: Article::default(),
            text_hash: String::new(),
            words_added: 1,
            words_removed: 1,
            extractor_version: 1,
            body_hash: None,
            encoding: None,
            fetched_url: "https://example.org/a".into(),
        };
        assert_eq!(summary(&v, None), "no stored body");
        let json = serde_json::to_value(ReextractVersionJson::new(&v, None)).unwrap();
        assert_eq!(json["result"], "no_body");
        assert!(json["words_added"].is_null() && json["words_removed"].is_null());
        assert_eq!(json["changed"], serde_json::json!([]));
    }
}
