//! lambda-bench end to end at a tiny size, on debug builds of the floor and the functions: it must
//! run every bootstrap under its Runtime API with both upstreams (every answer HTTP 200, the
//! stub's self-check passing) and print the full tables. The targets are not asserted here:
//! debug builds say nothing about them; `scripts/bench.sh` measures release builds.

use std::path::{Path, PathBuf};
use std::process::Command;

const DEPLOYABLES: [&str; 6] = [
    "floor-hello",
    "floor-call",
    "start-chat",
    "start-attachment",
    "complete-attachment",
    "case-files",
];

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The laid-out bootstraps, removed when the test ends: six debug binaries and their zips are
/// hundreds of megabytes that nothing else reads.
struct LambdaDir(PathBuf);

impl Drop for LambdaDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Builds the bootstraps (with --bin, so the test build's dependencies are reused) and lays
/// them out as `DIR/<name>/bootstrap` plus `bootstrap.zip`, as cargo-lambda does.
fn lambda_dir() -> LambdaDir {
    let root = workspace();
    let mut build = Command::new(env!("CARGO"));
    build.current_dir(&root).arg("build").arg("--quiet");
    for name in DEPLOYABLES {
        build.args(["--bin", name]);
    }
    assert!(
        build.status().expect("cargo runs").success(),
        "the deployables build"
    );
    let dir = root.join("target/lambda-bench-test");
    for name in DEPLOYABLES {
        let target = dir.join(name);
        std::fs::create_dir_all(&target).unwrap();
        std::fs::copy(
            root.join("target/debug").join(name),
            target.join("bootstrap"),
        )
        .unwrap();
        let zipped = Command::new("python3")
            .args(["-m", "zipfile", "-c"])
            .arg(target.join("bootstrap.zip"))
            .arg(target.join("bootstrap"))
            .status()
            .expect("python3 runs");
        assert!(zipped.success());
    }
    LambdaDir(dir)
}

fn run(dir: &Path, upstream: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_lambda-bench"))
        .arg("--lambda-dir")
        .arg(dir)
        .arg("--events-dir")
        .arg(workspace().join("events"))
        .args(["--rounds", "2", "--warm", "5", "--upstream", upstream])
        .output()
        .expect("lambda-bench runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Exit 1 means "a target was missed", which debug builds may do; anything else is an error.
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("result:"),
        "the run completed:\n{stdout}\n{stderr}"
    );
    stdout
}

/// The cells of `name`'s row in the `table`-th table lambda-bench printed (0 is the first).
fn row<'a>(stdout: &'a str, name: &str, table: usize) -> Vec<&'a str> {
    stdout
        .lines()
        .filter(|line| line.starts_with(&format!("| {name} | ")))
        .nth(table)
        .unwrap_or_else(|| panic!("row {table} for {name}:\n{stdout}"))
        .split('|')
        .map(str::trim)
        .collect()
}

#[test]
fn measures_every_deployable_with_both_upstreams() {
    let laid_out = lambda_dir();
    let dir = laid_out.0.as_path();
    for (upstream, label) in [
        ("stub", "a minimal stub"),
        ("connect-local", "connect-local"),
    ] {
        let stdout = run(dir, upstream);
        assert!(
            stdout.contains(&format!("calls went to {label} on loopback")),
            "{stdout}"
        );
        for name in DEPLOYABLES {
            assert!(
                stdout.contains(&format!("| {name} | ")),
                "row for {name}:\n{stdout}"
            );
        }
        // The targets are checked for the functions, not for the floor or the reference.
        for name in &DEPLOYABLES[2..] {
            assert!(
                stdout.contains(&format!(" {name}: init ")),
                "checks for {name}:\n{stdout}"
            );
        }
        for name in &DEPLOYABLES[..2] {
            assert!(
                !stdout.contains(&format!(" {name}: init ")),
                "no checks for {name}:\n{stdout}"
            );
        }
        // The cold-start table: init + first invoke, and the page faults counted in /proc, which
        // every process takes while it starts.
        assert!(stdout.contains("| Init + first invoke (ms) |"), "{stdout}");
        for name in DEPLOYABLES {
            let cells = row(&stdout, name, 1);
            let init_faults: u64 = cells[4].parse().expect("a page-fault count");
            assert!(
                init_faults > 0,
                "page faults during init of {name}:\n{stdout}"
            );
            assert!(
                cells[5].parse::<u64>().is_ok(),
                "first-invoke faults of {name}:\n{stdout}"
            );
        }
        // The CPU-time table, from /proc/PID/task/*/schedstat: every process spends CPU time in
        // init, in its first invoke and in each warm one. Kernels without schedstat get "n/a".
        assert!(stdout.contains("| CPU, init (ms) |"), "{stdout}");
        let kernel_reports_cpu = Path::new("/proc/self/schedstat").exists();
        for name in DEPLOYABLES {
            let cells = row(&stdout, name, 2);
            for (column, what) in [(2, "init"), (4, "first invoke"), (6, "warm invoke")] {
                if kernel_reports_cpu {
                    let value: f64 = cells[column]
                        .parse()
                        .unwrap_or_else(|_| panic!("CPU time of {name}'s {what}:\n{stdout}"));
                    assert!(value > 0.0, "CPU time of {name}'s {what}:\n{stdout}");
                } else {
                    assert_eq!(cells[column], "n/a", "{stdout}");
                }
            }
        }
        // CPU per warm invoke is also given against floor-call, which is 1.00 against itself;
        // without the peers laid out, the checks against them fail rather than pass unmeasured.
        if kernel_reports_cpu {
            assert_eq!(row(&stdout, "floor-call", 2)[8], "1.00", "{stdout}");
        }
        for name in &DEPLOYABLES[2..] {
            for peer in ["node-start-chat", "python-start-chat"] {
                assert!(
                    stdout.contains(&format!("FAIL {name}: {peer}: not measured")),
                    "{stdout}"
                );
            }
        }
        // The warm-latency spread: "value (difference from the floor)" at p50, p90, p95, p99
        // and p99.9, rising from column to column, and the floor's differences all zero.
        assert!(
            stdout.contains("| Warm latency (µs), and − floor |"),
            "{stdout}"
        );
        for name in DEPLOYABLES {
            let cells = row(&stdout, name, 3);
            let values: Vec<f64> = cells[2..7]
                .iter()
                .map(|cell| {
                    let (value, difference) = cell
                        .split_once(" (")
                        .unwrap_or_else(|| panic!("{name}'s cell {cell:?}:\n{stdout}"));
                    if name == "floor-hello" {
                        assert_eq!(difference, "+0)", "{stdout}");
                    }
                    value.parse().expect("a latency in µs")
                })
                .collect();
            assert!(values[0] > 0.0, "{stdout}");
            assert!(values.windows(2).all(|w| w[0] <= w[1]), "{stdout}");
        }
    }
}
