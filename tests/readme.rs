//! README.md stays true: its two commands, and every subcommand it documents exists.

mod common;

use std::path::Path;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("test helper")
}

#[test]
fn readme_gives_the_two_commands_and_ci_runs_the_test_one() {
    let readme = readme();
    assert!(readme.contains("\n    cargo run --release -- daemon\n"));
    assert!(readme.contains("\n    cargo test --locked\n"));
    let ci =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == "cargo test --locked"),
        "CI runs the README's test command"
    );
}

#[test]
fn every_documented_subcommand_exists() {
    let readme = readme();
    let dir = tempfile::tempdir().unwrap();
    let out = common::emend(dir.path()).arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let mut seen = 0;
    for line in readme.lines().filter(|l| l.starts_with("| `emend ")) {
        let sub = line
            .trim_start_matches("| `emend ")
            .split([' ', '`'])
            .next()
            .unwrap();
        assert!(
            help.contains(&format!("  {sub} ")),
            "README documents `emend {sub}`, --help lacks it:\n{help}"
        );
        seen += 1;
    }
    assert!(seen >= 8, "README's command table has {seen} rows");
}
