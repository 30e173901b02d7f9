//! `emend snapshot`.

use clap::Args;

use super::Context;

/// Arguments of `emend snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {}

/// Runs `emend snapshot`.
pub async fn run(_ctx: &Context, _args: &SnapshotArgs) -> anyhow::Result<()> {
    anyhow::bail!("emend snapshot: not implemented yet")
}
