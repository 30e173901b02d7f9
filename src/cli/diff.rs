//! `emend diff`: what changed between two versions of an article.

use clap::{Args, ValueEnum};

use super::Context;
use super::output::{ColorChoice, print_json, print_text, terminal_width};
use super::render::{self, Paint};
use crate::api::DiffJson;
use crate::diff::{field_changes, word_counts, word_diff};
use crate::error::Error;
use crate::model::Version;
use crate::notify::ChangeMessage;

/// Arguments of `emend diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Article URL
    pub url: String,
    /// Older version, 0 for the empty text [default: the one before --to]
    #[arg(long, value_name = "N")]
    pub from: Option<u32>,
    /// Newer version [default: the latest]
    #[arg(long, value_name = "M")]
    pub to: Option<u32>,
    /// Print one JSON object with the changed fields and the word-level operations
    #[arg(long)]
    pub json: bool,
    /// How to show the text diff
    #[arg(long, value_enum, default_value_t = DiffFormat::Inline)]
    pub format: DiffFormat,
    /// When to colour the output (auto: on a terminal, unless NO_COLOR is set)
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Draw the change as a PNG card for sharing (1200×630) into FILE instead of printing it
    #[arg(long, value_name = "FILE", conflicts_with = "json")]
    pub card: Option<std::path::PathBuf>,
}

/// Layouts of the text diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Word-level marks in the changed paragraphs, unchanged ones folded.
    Inline,
    /// Paragraph-level unified diff, as `diff -u` prints with one paragraph a line.
    Unified,
    /// Changed paragraphs in two columns as wide as the terminal, changed words marked.
    SideBySide,
}

/// Runs `emend diff`.
pub async fn run(ctx: &Context, args: &DiffArgs) -> anyhow::Result<()> {
    let (url, versions) = ctx.reader("emend diff").await?.versions(&args.url).await?;
    let (from, to) = pick(&url, &versions, args.from, args.to)?;
    let from_text = from.map_or("", |v| v.article.text.as_str());
    let ops = word_diff(from_text, &to.article.text);
    if let Some(path) = &args.card {
        return write_card(path, &url, from, to);
    }
    let fields = from.map_or_else(Vec::new, |f| field_changes(&f.article, &to.article));
    if args.json {
        return print_json(&DiffJson {
            url: &url,
            from: from.map_or(0, |v| v.number),
            to: to.number,
            fields: &fields,
            ops: &ops,
        });
    }
    let paint = Paint::new(args.color.enabled());
    let width = terminal_width();
    let words = word_counts(&ops);
    let mut out = render::header(&url, from, to, &fields, words, width, paint);
    let from_label = from.map_or_else(|| "v0 (nothing)".to_owned(), |v| format!("v{}", v.number));
    let to_label = format!("v{}", to.number);
    let body = match (from, args.format) {
        (_, DiffFormat::Unified) => {
            render::unified(from_text, &to.article.text, &from_label, &to_label, paint)
        }
        // The first version is shown as its text: all of it marked inserted says nothing.
        (None, _) => format!("{}\n", to.article.text.trim_end()),
        _ if words == (0, 0) => String::new(),
        (_, DiffFormat::Inline) => render::inline(&ops, paint),
        (_, DiffFormat::SideBySide) => {
            render::side_by_side(&ops, (&from_label, &to_label), width, paint)
        }
    };
    if !body.is_empty() {
        out.push('\n');
        out.push_str(&body);
    }
    print_text(&out)
}

/// `--card FILE`: the change drawn as [`crate::card`] draws it.
fn write_card(
    path: &std::path::Path,
    url: &str,
    from: Option<&Version>,
    to: &Version,
) -> anyhow::Result<()> {
    let message = ChangeMessage::new(url, None, from, to, None);
    let png = crate::card::render(&message)?;
    std::fs::write(path, png).map_err(|e| Error::io(path, e))?;
    let from_n = from.map_or(0, |v| v.number);
    print_text(&format!(
        "wrote the card of v{from_n} → v{} to {} ({}×{} PNG)\n",
        to.number,
        path.display(),
        crate::card::WIDTH,
        crate::card::HEIGHT
    ))
}

/// The two versions `--from` and `--to` name: `--to` defaults to the latest and `--from` to
/// the one before it (`None` for version 0, the empty text). A range that is not older to
/// newer or names a version that does not exist is a usage error.
fn pick<'a>(
    url: &str,
    versions: &'a [Version],
    from: Option<u32>,
    to: Option<u32>,
) -> Result<(Option<&'a Version>, &'a Version), Error> {
    let count = u32::try_from(versions.len()).unwrap_or(u32::MAX);
    let get = |n: u32| {
        versions
            .iter()
            .find(|v| v.number == n)
            .ok_or_else(|| Error::NoSuchVersion {
                url: url.to_owned(),
                version: n,
                count,
            })
    };
    let to = get(to.unwrap_or(count))?;
    let from_n = from.unwrap_or(to.number.saturating_sub(1));
    if from_n >= to.number {
        return Err(Error::VersionRange {
            url: url.to_owned(),
            from: from_n,
            to: to.number,
            count,
        });
    }
    let from = match from_n {
        0 => None,
        n => Some(get(n)?),
    };
    Ok((from, to))
}
