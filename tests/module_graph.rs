//! The modules of the `shared` crate and of connect-local depend on each other in one direction
//! only. This reads every module's `crate::` and `super::` paths (tests and comments excluded),
//! with each file of a directory module as its own node (`engine::run`, `config::chat`), and
//! fails on a cycle, naming it. It also checks the layers each crate keeps: in `shared`,
//! configuration and limits use nothing above them; in connect-local, nothing but the router
//! imports the API layer or the admin routes, and the protocol layer imports nothing above the
//! store.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Directory modules and the files in each.
fn layout(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut dirs = BTreeMap::new();
    for entry in std::fs::read_dir(src).expect("src is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            let files = std::fs::read_dir(&path)
                .expect("a module directory")
                .flatten()
                .filter_map(|f| {
                    let name = f.file_name().to_string_lossy().into_owned();
                    name.strip_suffix(".rs")
                        .filter(|n| *n != "mod")
                        .map(str::to_owned)
                })
                .collect();
            dirs.insert(entry.file_name().to_string_lossy().into_owned(), files);
        }
    }
    dirs
}

fn identifier(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
        .collect()
}

/// The nodes a path after `crate::` (or after `super::` inside `parent`) names.
fn targets(rest: &str, dirs: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let top = identifier(rest);
    if top.is_empty() {
        return Vec::new();
    }
    let Some(files) = dirs.get(&top) else {
        return vec![top];
    };
    let after = &rest[top.len()..];
    let Some(after) = after.strip_prefix("::") else {
        return vec![top];
    };
    let named: Vec<String> = if let Some(list) = after.strip_prefix('{') {
        let end = list.find('}').unwrap_or(list.len());
        list[..end]
            .split(',')
            .map(|item| identifier(item.trim()))
            .collect()
    } else {
        vec![identifier(after)]
    };
    named
        .into_iter()
        .map(|name| {
            if files.contains(&name) {
                format!("{top}::{name}")
            } else {
                top.clone()
            }
        })
        .collect()
}

/// The module graph of the crate whose sources are in `../CRATE/src`.
fn modules_of(krate: &str) -> Graph {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(krate)
        .join("src");
    let dirs = layout(&src);
    let mut sources: Vec<(String, Option<String>, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(&src).expect("src is readable").flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            for file in std::fs::read_dir(&path)
                .expect("a module directory")
                .flatten()
            {
                let stem = file
                    .file_name()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_owned();
                let node = if stem == "mod" {
                    name.clone()
                } else {
                    format!("{name}::{stem}")
                };
                sources.push((node, Some(name.clone()), file.path()));
            }
        } else if let Some(stem) = name.strip_suffix(".rs") {
            if stem != "lib" && stem != "main" {
                sources.push((stem.to_owned(), None, path));
            }
        }
    }
    let mut graph = Graph::new();
    for (node, parent, path) in sources {
        let text = std::fs::read_to_string(&path).expect("a source file");
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or_default()
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let used = graph.entry(node.clone()).or_default();
        for (at, _) in code.match_indices("crate::") {
            used.extend(targets(&code[at + 7..], &dirs));
        }
        // `super::` in a directory module's file names its siblings.
        if let Some(parent) = parent.as_ref().filter(|p| **p != node) {
            for (at, _) in code.match_indices("super::") {
                used.extend(targets(&format!("{parent}::{}", &code[at + 7..]), &dirs));
            }
        }
        used.remove(&node);
    }
    graph
}

fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn modules() -> Graph {
    modules_of("emulator")
}

#[test]
fn the_shared_crate_has_no_module_cycles() {
    let graph = modules_of("shared");
    for expected in ["config", "handlers", "connect::client", "chat"] {
        assert!(graph.contains_key(expected), "{expected} in {graph:?}");
    }
    assert_eq!(find_cycle(&graph), None, "module graph: {graph:#?}");
}

#[test]
fn shared_configuration_and_limits_depend_on_nothing_that_uses_them() {
    let graph = modules_of("shared");
    for leaf in ["limits", "keys", "secret", "error"] {
        let used = graph.get(leaf).cloned().unwrap_or_default();
        assert!(used.is_empty(), "{leaf} uses {used:?}");
    }
    for (node, used) in &graph {
        if node != "config" && !node.starts_with("config::") {
            continue;
        }
        for above in [
            "attachment",
            "auth",
            "chat",
            "cases",
            "connect",
            "handlers",
            "outbound",
        ] {
            assert!(
                !used
                    .iter()
                    .any(|u| u == above || u.starts_with(&format!("{above}::"))),
                "{node} uses {above}"
            );
        }
    }
}

#[test]
fn connect_local_has_no_module_cycles() {
    let graph = modules();
    for expected in [
        "engine::run",
        "flow::language",
        "api::participant",
        "chat::stream",
        "store",
    ] {
        assert!(graph.contains_key(expected), "{expected} in {graph:?}");
    }
    assert!(
        graph["engine::run"].contains("flow::language"),
        "the reader follows crate:: paths"
    );
    assert!(
        graph["engine::run"].contains("engine::lambda"),
        "and super:: paths"
    );
    assert_eq!(find_cycle(&graph), None, "module graph: {graph:#?}");
}

#[test]
fn only_the_router_imports_the_api_and_admin_layers() {
    for (node, used) in modules() {
        if node == "app" || node.starts_with("api") || node.starts_with("admin") {
            continue;
        }
        let above: Vec<_> = used
            .iter()
            .filter(|u| u.starts_with("api") || u.starts_with("admin") || *u == "app")
            .collect();
        assert!(above.is_empty(), "{node} imports {above:?}");
    }
}

#[test]
fn the_protocol_layer_depends_on_nothing_above_the_store() {
    for (node, used) in modules() {
        if !node.starts_with("wire") {
            continue;
        }
        let above: Vec<_> = used
            .iter()
            .filter(|u| !u.starts_with("wire") && *u != "store")
            .collect();
        assert!(above.is_empty(), "{node} imports {above:?}");
    }
}

#[test]
fn a_cycle_is_found_when_there_is_one() {
    let mut graph = Graph::new();
    graph.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    graph.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "a".into()])
    );
}
