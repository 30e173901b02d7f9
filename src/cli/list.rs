//! `emend list`.

use clap::Args;

use super::Context;

/// Arguments of `emend list`.
#[derive(Debug, Args)]
pub struct ListArgs {}

/// Runs `emend list`.
pub fn run(_ctx: &Context, _args: &ListArgs) -> anyhow::Result<()> {
    anyhow::bail!("emend list: not implemented yet")
}
