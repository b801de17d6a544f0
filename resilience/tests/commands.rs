//! Runs the resilience commands at a CI-sized scale and checks their verdicts and tables.

use std::process::Command;

fn run(bin: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(bin).args(args).output().expect("command runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn fault_test_reports_zero_duplicates_unmapped_answers_and_lost_attachments() {
    let (ok, text) = run(
        env!("CARGO_BIN_EXE_fault-test"),
        &["--chats", "300", "--attachments", "80", "--rate", "0.2"],
    );
    assert!(ok, "{text}");
    for line in [
        "| **duplicate contacts** | **0** |",
        "| **attachments lost or half-completed** | **0** |",
        "| attachment flows completed | 80 of 80 |",
        "| **start-chat requests that gave up after 6 retries** | **0** |",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    assert!(
        text.contains("answers not correct and mapped within 12 s** | **0**"),
        "{text}"
    );
    // The faults really happened.
    let faults = text
        .lines()
        .find(|l| l.starts_with("| faults injected"))
        .expect("faults line");
    assert!(
        !faults.contains("throttle 0") && !faults.contains("dropped 0"),
        "{faults}"
    );
}

#[test]
fn fuzz_finds_no_panic_and_no_5xx() {
    // A new seed each run, printed so that a failure can be repeated with --seed.
    let (ok, text) = run(env!("CARGO_BIN_EXE_fuzz"), &["--inputs", "10000"]);
    assert!(ok, "{text}");
    assert!(text.contains("(repeat with --seed "), "{text}");
    assert_eq!(
        text.matches("| 2000 | 0 panics, 0 5xx, 0 malformed |")
            .count(),
        5,
        "{text}"
    );
    assert!(text.contains("fuzz: PASS"));
}

#[test]
fn a_fuzz_seed_repeats_its_run_and_runs_differ_without_one() {
    let statuses = |args: &[&str]| {
        let (ok, text) = run(env!("CARGO_BIN_EXE_fuzz"), args);
        assert!(ok, "{text}");
        let line = text
            .lines()
            .find(|l| l.starts_with("statuses:"))
            .map(str::to_owned);
        line.unwrap_or_else(|| panic!("no statuses line in:\n{text}"))
    };
    let seeded = ["--inputs", "2000", "--seed", "12345"];
    assert_eq!(statuses(&seeded), statuses(&seeded));
    let seeds: std::collections::HashSet<String> = (0..2)
        .map(|_| {
            let (_, text) = run(env!("CARGO_BIN_EXE_fuzz"), &["--inputs", "500"]);
            text.lines().next().unwrap_or_default().to_owned()
        })
        .collect();
    assert_eq!(
        seeds.len(),
        2,
        "two runs without --seed drew the same seed: {seeds:?}"
    );
}

#[test]
fn the_commands_refuse_bad_flags() {
    assert!(!run(env!("CARGO_BIN_EXE_fault-test"), &["--rate", "0.9"]).0);
    assert!(!run(env!("CARGO_BIN_EXE_fuzz"), &["--inputs", "0"]).0);
}
