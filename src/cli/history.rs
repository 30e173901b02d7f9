//! `emend history`.

use clap::Args;

use super::Context;

/// Arguments of `emend history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {}

/// Runs `emend history`.
pub fn run(_ctx: &Context, _args: &HistoryArgs) -> anyhow::Result<()> {
    anyhow::bail!("emend history: not implemented yet")
}
