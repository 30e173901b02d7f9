//! The `emend` binary: parses arguments, sets up logging, runs the library, maps errors to exit codes.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use emend::cli::{Cli, Command, LogFormat};
use tracing_subscriber::EnvFilter;

/// Exit status for usage and configuration errors (clap uses it for usage errors too).
const EXIT_USAGE: u8 = 2;
/// Exit status for every other failure.
const EXIT_FAILURE: u8 = 1;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Long-running commands narrate what they do; one-off commands only warn.
    let default_filter = match cli.command {
        Command::Daemon(_) | Command::Serve(_) => "warn,emend=info",
        _ => "warn",
    };
    init_logging(cli.log_format, default_filter);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("emend: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let result = runtime.block_on(emend::cli::run(cli));
    // Everything that must finish (commits, flushes) was awaited inside `run`. What may
    // remain is a blocking DNS lookup against a dead resolver, which plain drop would wait
    // for, pushing a SIGTERM exit past its 10 s promise.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("emend: {err:#}");
            let usage = err
                .downcast_ref::<emend::Error>()
                .is_some_and(emend::Error::is_usage);
            ExitCode::from(if usage { EXIT_USAGE } else { EXIT_FAILURE })
        }
    }
}

fn init_logging(format: LogFormat, default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    // Colour codes only for a person at a terminal, never in files or pipes.
    let ansi = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// `emend history URL | head` must not report an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
