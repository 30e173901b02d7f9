//! `emend diff`: what changed between two versions of an article.

use clap::{Args, ValueEnum};

use super::Context;
use super::output::{print_json, print_text, use_colour};
use super::render;
use crate::api::DiffJson;
use crate::diff::word_diff;
use crate::error::Error;

/// Arguments of `emend diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Article URL
    pub url: String,
    /// Older version [default: the one before --to]
    #[arg(long, value_name = "N")]
    pub from: Option<u32>,
    /// Newer version [default: the latest]
    #[arg(long, value_name = "M")]
    pub to: Option<u32>,
    /// Print one JSON object with the word-level operations
    #[arg(long)]
    pub json: bool,
    /// How to show the text diff
    #[arg(long, value_enum, default_value_t = DiffFormat::Inline)]
    pub format: DiffFormat,
}

/// Layouts of the text diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Word-level, insertions and deletions marked in running text.
    Inline,
    /// Paragraph-level unified diff, as `diff -u` prints.
    Unified,
    /// Changed paragraphs in two columns, old left and new right.
    SideBySide,
}

/// Runs `emend diff`.
pub async fn run(ctx: &Context, args: &DiffArgs) -> anyhow::Result<()> {
    let (url, versions) = ctx.reader("emend diff").await?.versions(&args.url).await?;
    let count = u32::try_from(versions.len()).unwrap_or(u32::MAX);
    let get = |n: u32| {
        versions
            .iter()
            .find(|v| v.number == n)
            .ok_or_else(|| Error::NoSuchVersion {
                url: url.clone(),
                version: n,
                count,
            })
    };
    let to = get(args.to.unwrap_or(count))?;
    let from_n = args.from.unwrap_or(to.number.saturating_sub(1));
    let (from_text, from_n) = match from_n {
        0 => ("", 0),
        n => (get(n)?.article.text.as_str(), n),
    };
    let ops = word_diff(from_text, &to.article.text);
    if args.json {
        return print_json(&DiffJson {
            url: &url,
            from: from_n,
            to: to.number,
            ops: &ops,
        });
    }
    let colour = use_colour();
    let header = format!(
        "{url}\nversion {from_n} → {} ({})\n",
        to.number,
        to.change.as_str()
    );
    let body = match args.format {
        DiffFormat::Inline => render::inline(&ops, colour),
        DiffFormat::Unified => render::unified(from_text, &to.article.text, from_n, to.number),
        DiffFormat::SideBySide => render::side_by_side(from_text, &to.article.text, 100),
    };
    print_text(&format!("{header}\n{body}"))
}
