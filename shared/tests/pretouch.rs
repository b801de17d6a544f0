//! `memory::pretouch` against the kernel's own page-fault count. Each case runs in a fresh child
//! process on its main thread, where a function's `main` runs and whose heap it allocates from,
//! so the memory is as new as at a cold start: a test-harness thread would reuse stacks and
//! heaps that earlier tests already wrote. Hence `harness = false` (see Cargo.toml).

use std::process::{Command, ExitCode};

/// Minor page faults of this process so far (`minflt`, the tenth field of /proc/self/stat,
/// counted after the command name's closing parenthesis).
fn faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("procfs");
    let after_name = &stat[stat.rfind(')').expect("stat has a command name") + 2..];
    after_name
        .split_whitespace()
        .nth(7)
        .and_then(|field| field.parse().ok())
        .expect("minflt")
}

/// Roughly what a first request does to memory: a deeper stack and a few heap blocks.
#[inline(never)]
fn request_like_work() {
    let mut frame = [0u8; 48 * 1024];
    std::hint::black_box(&mut frame);
    let blocks: Vec<Vec<u8>> = (0..4).map(|_| vec![2u8; 16 * 1024]).collect();
    std::hint::black_box(&blocks);
}

/// In a child: prints the faults `request_like_work` takes, after `pretouch` or not.
fn child(pretouch: bool) -> ExitCode {
    if pretouch {
        shared::memory::pretouch();
    }
    let before = faults();
    request_like_work();
    println!("{}", faults() - before);
    ExitCode::SUCCESS
}

fn faults_in_child(case: &str) -> u64 {
    let output = Command::new(std::env::current_exe().expect("test binary path"))
        .arg(case)
        .output()
        .expect("child runs");
    assert!(output.status.success(), "{case}: {output:?}");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{case} printed {output:?}"))
}

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        Some("pretouched") => return child(true),
        Some("fresh") => return child(false),
        _ => {}
    }
    let fresh = faults_in_child("fresh");
    let pretouched = faults_in_child("pretouched");
    print!("test pretouched_memory_does_not_fault_again ... ");
    // A fresh 48 KiB frame alone is 12 pages; if they do not fault, this test shows nothing.
    if fresh < 8 {
        println!("FAILED: only {fresh} faults on fresh memory");
        return ExitCode::FAILURE;
    }
    if pretouched > 2 {
        println!("FAILED: {pretouched} faults after pretouch, {fresh} without");
        return ExitCode::FAILURE;
    }
    println!("ok ({fresh} faults on fresh memory, {pretouched} after pretouch)");
    ExitCode::SUCCESS
}
