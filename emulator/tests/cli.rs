//! The `connect-local` binary: it prints its ready line, serves, and exits cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Starts the binary on a free port and returns it with its ready line.
fn start(args: &[&str]) -> (std::process::Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_connect-local"));
    command.args(["--listen", "127.0.0.1:0"]).args(args);
    spawn(command)
}

/// Spawns a command that starts connect-local and reads its ready line.
fn spawn(mut command: Command) -> (std::process::Child, String) {
    let mut child = command
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
fn a_flows_directory_with_a_problem_stops_it_before_it_listens_and_names_the_file() {
    let dir = std::env::temp_dir().join(format!("connect-local-cli-flows-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("inbound.json"),
        r#"{"Version": "2019-10-30", "StartAction": "hi", "Actions": [
            {"Identifier": "hi", "Type": "MessageParticipant", "Parameters": {"Text": "Hi $.Attributes.name"}, "Transitions": {"NextAction": "bye"}},
            {"Identifier": "bye", "Type": "PlayPrompt", "Parameters": {}, "Transitions": {}}]}"#,
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_connect-local"))
        .args(["--listen", "127.0.0.1:0", "--flows"])
        .arg(&dir)
        .output()
        .expect("connect-local runs");
    std::fs::remove_dir_all(&dir).ok();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "no ready line");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("inbound.json: action \"bye\": action type PlayPrompt is not supported"),
        "{stderr}"
    );
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
    assert!(String::from_utf8_lossy(&output.stderr).contains("Usage: connect-local"));
}

/// CPU time (user + system, in clock ticks) a process has used so far.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc is readable");
    // Fields after the command name (which is in parentheses): utime is the 14th field of the
    // line, stime the 15th.
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap_or(0) + fields[12].parse::<u64>().unwrap_or(0)
}

#[test]
fn out_of_file_descriptors_it_pauses_instead_of_spinning_and_recovers() {
    // A low descriptor limit, so that a few dozen waiting connections exhaust it.
    let mut command = Command::new("bash");
    command.args([
        "-c",
        &format!(
            "ulimit -n 40 && exec {} --listen 127.0.0.1:0 --agent off",
            env!("CARGO_BIN_EXE_connect-local")
        ),
    ]);
    let (mut child, line) = spawn(command);
    let addr = line
        .trim()
        .strip_prefix("connect-local ready at http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    let held: Vec<std::net::TcpStream> = (0..80)
        .filter_map(|_| std::net::TcpStream::connect(&addr).ok())
        .collect();
    assert!(
        held.len() > 40,
        "enough connections to exhaust its descriptors"
    );
    std::thread::sleep(Duration::from_millis(300));
    let before = cpu_ticks(child.id());
    std::thread::sleep(Duration::from_millis(1500));
    let used = cpu_ticks(child.id()) - before;
    // Spinning on the failed accept would use the whole 1.5 s (about 150 ticks).
    assert!(
        used < 40,
        "it used {used} ticks of CPU in 1.5 s while out of descriptors"
    );
    drop(held);

    // Once descriptors are free again it answers.
    let deadline = Instant::now() + Duration::from_secs(10);
    let answered = loop {
        use std::io::{Read, Write};
        let attempt = std::net::TcpStream::connect(&addr).and_then(|mut stream| {
            stream.set_read_timeout(Some(Duration::from_secs(2)))?;
            write!(
                stream,
                "GET /_local/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
            )?;
            let mut response = String::new();
            stream.read_to_string(&mut response)?;
            Ok(response)
        });
        match attempt {
            Ok(response) if response.starts_with("HTTP/1.1 200") => break true,
            _ if Instant::now() > deadline => break false,
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(answered, "it answers again once descriptors are free");
}

/// A GET over a fresh connection; the answer's body.
fn get(base_url: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let addr = base_url
        .trim()
        .trim_start_matches("connect-local ready at http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("it listens");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default()
}

/// A directory holding `connect-local.toml` with `settings`, and a flows directory beside it.
fn config_dir(name: &str, settings: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("connect-local-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("team-flows")).unwrap();
    std::fs::write(
        dir.join("team-flows/goodbye.json"),
        r#"{"Version": "2019-10-30", "StartAction": "bye", "Actions": [
            {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}"#,
    )
    .unwrap();
    std::fs::write(dir.join("connect-local.toml"), settings).unwrap();
    dir
}

#[test]
fn a_config_file_holds_the_settings_and_flags_override_it() {
    let dir = config_dir(
        "config",
        "listen = \"127.0.0.1:0\"\nagent = \"echo\"\nagent-name = \"From the file\"\nflows = \"team-flows\"\noffer-timeout-ms = 5000\n",
    );
    let config = dir.join("connect-local.toml");
    let stop = |mut child: std::process::Child| {
        child.kill().ok();
        child.wait().ok();
    };

    // From another working directory: the flows path is relative to the file.
    let mut command = Command::new(env!("CARGO_BIN_EXE_connect-local"));
    command
        .current_dir(std::env::temp_dir())
        .arg("--config")
        .arg(&config);
    let (child, line) = spawn(command);
    assert!(
        line.starts_with("connect-local ready at http://127.0.0.1:"),
        "{line:?}"
    );
    let setup = get(&line, "/_local/setup");
    stop(child);
    assert!(setup.contains("\"Name\":\"From the file\""), "{setup}");
    assert!(
        setup.contains("goodbye"),
        "the file's flows directory is loaded: {setup}"
    );

    let mut command = Command::new(env!("CARGO_BIN_EXE_connect-local"));
    command
        .arg("--config")
        .arg(&config)
        .args(["--agent-name", "From the flag"]);
    let (child, line) = spawn(command);
    let setup = get(&line, "/_local/setup");
    stop(child);
    std::fs::remove_dir_all(&dir).ok();
    assert!(setup.contains("\"Name\":\"From the flag\""), "{setup}");
    assert!(
        setup.contains("goodbye"),
        "the other settings still come from the file: {setup}"
    );
}

#[test]
fn an_unknown_key_or_a_wrong_type_in_the_config_file_is_an_error_naming_key_and_file() {
    for (name, settings, expected) in [
        (
            "unknown",
            "listen = \"127.0.0.1:0\"\nagent-nme = \"typo\"\n",
            "agent-nme",
        ),
        (
            "type",
            "listen = \"127.0.0.1:0\"\nurl-ttl-seconds = \"soon\"\n",
            "url-ttl-seconds",
        ),
        ("enum", "agent = \"robot\"\n", "agent = \"robot\""),
    ] {
        let dir = config_dir(name, settings);
        let config = dir.join("connect-local.toml");
        let output = Command::new(env!("CARGO_BIN_EXE_connect-local"))
            .arg("--config")
            .arg(&config)
            .output()
            .expect("connect-local runs");
        std::fs::remove_dir_all(&dir).ok();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(output.stdout.is_empty(), "no ready line");
        assert!(stderr.contains(&config.display().to_string()), "{stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
    }
}
