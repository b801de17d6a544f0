//! The `connect-local` binary: it prints its ready line, serves, and exits cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Starts the binary on a free port and returns it with its ready line.
fn start(args: &[&str]) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_connect-local"))
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("connect-local starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line)
}

#[test]
fn prints_its_url_serves_and_stops_on_sigterm() {
    let (mut child, line) = start(&["--instance-id", "my-instance"]);
    let url = line
        .trim()
        .strip_prefix("connect-local ready at ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"));

    let addr = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("it listens");
    use std::io::{Read, Write};
    write!(
        stream,
        "GET /_local/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    // Deliver SIGTERM the way a process manager would.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "clean exit on SIGTERM, got {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "connect-local did not stop within 10 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_signal_right_after_the_ready_line_stops_it_cleanly() {
    // The handlers are installed before the ready line: a process manager that signals as soon
    // as it reads the line gets a clean exit, never a death by signal.
    for _ in 0..10 {
        let (mut child, line) = start(&[]);
        assert!(
            line.starts_with("connect-local ready at http://127.0.0.1:"),
            "{line:?}"
        );
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let status = child.wait().unwrap();
        assert!(
            status.success(),
            "clean exit on an early SIGTERM, got {status}"
        );
    }
}

#[test]
fn rejects_unknown_flags_with_usage() {
    let output = Command::new(env!("CARGO_BIN_EXE_connect-local"))
        .arg("--nope")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("USAGE"));
}
