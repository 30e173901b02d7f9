//! `emend extract`: extraction of saved HTML files, no network and no store.

use std::path::PathBuf;

use clap::Args;

use super::Context;

/// Arguments of `emend extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// HTML files to extract
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// URL the pages were fetched from (resolves links; selects the site's selectors)
    #[arg(long)]
    pub url: Option<url::Url>,
    /// One JSON object per file and line
    #[arg(long)]
    pub json: bool,
}

/// Runs `emend extract`.
pub fn run(_ctx: &Context, _args: &ExtractArgs) -> anyhow::Result<()> {
    anyhow::bail!("emend extract: not implemented yet")
}
