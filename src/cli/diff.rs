//! `emend diff`.

use clap::Args;

use super::Context;

/// Arguments of `emend diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {}

/// Runs `emend diff`.
pub fn run(_ctx: &Context, _args: &DiffArgs) -> anyhow::Result<()> {
    anyhow::bail!("emend diff: not implemented yet")
}
