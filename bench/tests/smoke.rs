//! The load command at a small, bounded size: it must finish, pass, and print its report.

use std::process::Command;

#[test]
fn a_small_run_reports_zero_lost_and_duplicated_messages() {
    let output = Command::new(env!("CARGO_BIN_EXE_chat-load"))
        .args(["--chats", "25", "--messages", "8", "--deadline-secs", "60"])
        .output()
        .expect("chat-load runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for line in [
        "setup:      25 chats, 50 websockets",
        "deliveries: 400 expected (every message to both participants), 400 received",
        "lost:       0",
        "duplicated: 0",
        "result:     PASS",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    assert!(stdout.contains("p99"), "{stdout}");
}

#[test]
fn bad_arguments_are_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_chat-load"))
        .args(["--chats", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
