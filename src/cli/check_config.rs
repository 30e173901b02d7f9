//! `emend check-config`: validate a config file and print the effective settings.

use std::path::PathBuf;

use clap::Args;

use super::Context;
use super::output::print_text;
use crate::config::Config;

/// Arguments of `emend check-config`.
#[derive(Debug, Args)]
pub struct CheckConfigArgs {
    /// Config file [default: --config, else ./sites.toml]
    pub file: Option<PathBuf>,
}

/// Runs `emend check-config`.
pub fn run(ctx: &Context, args: &CheckConfigArgs) -> anyhow::Result<()> {
    let config = match &args.file {
        Some(path) => Config::load(path)?,
        None => ctx.config()?,
    };
    // The empty config stands in for a missing ./sites.toml; it is not a valid file.
    if config.path.is_none() {
        return Err(super::daemon::no_config().into());
    }
    print_text(&config.effective_toml())
}
