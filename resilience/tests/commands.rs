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
    let (ok, text) = run(
        env!("CARGO_BIN_EXE_fuzz"),
        &["--inputs", "10000", "--seed", "7"],
    );
    assert!(ok, "{text}");
    assert_eq!(
        text.matches("| 2000 | 0 panics, 0 5xx, 0 malformed |")
            .count(),
        5,
        "{text}"
    );
    assert!(text.contains("fuzz: PASS"));
}

#[test]
fn the_commands_refuse_bad_flags() {
    assert!(!run(env!("CARGO_BIN_EXE_fault-test"), &["--rate", "0.9"]).0);
    assert!(!run(env!("CARGO_BIN_EXE_fuzz"), &["--inputs", "0"]).0);
}
