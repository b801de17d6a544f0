//! The documents cite files that exist: every repository path in backticks or as a link target
//! in README.md, SECURITY.md, BENCHMARKS.md, docs/, emulator/README.md and widget/README.md is
//! looked up, relative to the repository root or to the document's own folder.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn documents() -> Vec<PathBuf> {
    let root = root();
    let mut docs: Vec<PathBuf> = [
        "README.md",
        "SECURITY.md",
        "BENCHMARKS.md",
        "emulator/README.md",
        "widget/README.md",
    ]
    .iter()
    .map(|d| root.join(d))
    .collect();
    for entry in std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .flatten()
    {
        if entry.path().extension().is_some_and(|e| e == "md") {
            docs.push(entry.path());
        }
    }
    docs
}

/// Whether a cited text is meant as a path in this repository.
fn looks_like_path(text: &str) -> bool {
    let known_top = [
        "shared/",
        "functions/",
        "emulator/",
        "widget/",
        "tests/",
        "bench/",
        "resilience/",
        "scripts/",
        "docs/",
        "examples/",
        "events/",
        ".ci/",
        "src/",
        "models/",
        "flows/",
        "console/",
    ];
    !text.contains("://")
        && !text.contains(['{', '*', '<', ' ', '…', '$', '='])
        && (known_top.iter().any(|t| text.starts_with(t))
            || [
                "README.md",
                "SECURITY.md",
                "BENCHMARKS.md",
                "openapi.yaml",
                "template.yaml",
                "samconfig.toml",
                "Cargo.toml",
            ]
            .contains(&text))
}

/// Backticked spans and link targets of a document.
fn citations(text: &str) -> Vec<String> {
    let mut cited = Vec::new();
    for (i, span) in text.split('`').enumerate() {
        if i % 2 == 1 {
            cited.push(span.to_owned());
        }
    }
    for (at, _) in text.match_indices("](") {
        let rest = &text[at + 2..];
        if let Some(end) = rest.find(')') {
            let target = rest[..end].split('#').next().unwrap_or_default();
            cited.push(target.trim_start_matches("./").to_owned());
        }
    }
    cited
}

fn exists(doc: &Path, cited: &str) -> bool {
    let cited = cited.trim_end_matches([',', '.', ':']);
    let cited = cited.split(':').next().unwrap_or(cited);
    let from_doc = doc.parent().map(|d| d.join(cited));
    root().join(cited).exists() || from_doc.is_some_and(|p| p.exists())
}

#[test]
fn every_cited_path_exists() {
    let mut missing = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).expect("a document");
        for cited in citations(&text) {
            let cited = cited.trim();
            let link = cited.starts_with("../") && !cited.contains("://");
            if !(looks_like_path(cited) || link) {
                continue;
            }
            checked += 1;
            if !exists(&doc, cited) {
                missing.push(format!(
                    "{}: {cited}",
                    doc.strip_prefix(root()).unwrap_or(&doc).display()
                ));
            }
        }
    }
    assert!(checked > 100, "only {checked} paths cited?");
    assert!(
        missing.is_empty(),
        "cited but missing:\n{}",
        missing.join("\n")
    );
}

#[test]
fn a_missing_path_is_noticed() {
    let doc = root().join("README.md");
    assert!(exists(&doc, "scripts/test.sh"));
    assert!(!exists(&doc, "scripts/no-such-script.sh"));
    assert!(looks_like_path("emulator/src/flow/"));
    assert!(!looks_like_path("/_local/contacts/{id}"));
    assert_eq!(
        citations("see `a/b.rs` and [x](docs/y.md#z)"),
        ["a/b.rs", "docs/y.md"]
    );
}
