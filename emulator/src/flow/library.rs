//! The flows, queues, hours and Lex stand-in bots an instance has: the defaults shipped with
//! connect-local (an inbound flow that sets the post-chat survey as its disconnect flow and
//! queues the chat, and that survey), and a team's own from `--flows DIR`. Every flow is
//! checked on its own and against what it refers to (flows, queues, hours, bots); a directory
//! with any problem loads nothing.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::language::{self, Dependencies, Flow};
use super::lex::Bot;
use crate::routing::config::{AgentConfig, Hours, Queue, BASIC_HOURS_ID, BASIC_QUEUE_ID};

/// The shipped disconnect flow (the one-question post-chat survey).
pub const SURVEY_FLOW_ID: &str = "44444444-4444-4444-8444-444444444444";
const DEFAULT_INBOUND: &str = include_str!("../../flows/default-inbound.json");
const SURVEY_FLOW: &str = include_str!("../../flows/post-chat-survey.json");
const SURVEY_BOT: &str = include_str!("../../flows/bots/survey.json");
/// The file in a flows directory that names flows and holds queues and hours.
pub const MANIFEST: &str = "manifest.json";

/// A flow as the Connect API shows it, with its checked content.
#[derive(Debug, Clone)]
pub struct FlowRecord {
    pub id: String,
    pub name: String,
    /// A ContactFlowType value.
    pub kind: String,
    /// PUBLISHED or SAVED.
    pub status: String,
    pub description: Option<String>,
    pub content: String,
    pub tags: Option<serde_json::Value>,
    /// Seconds since the epoch, as restJson1 writes timestamps in a body.
    pub last_modified: f64,
    pub flow: Arc<Flow>,
}

impl FlowRecord {
    /// A checked flow.
    pub fn new(id: &str, name: &str, kind: &str, content: &str, flow: Flow) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            kind: kind.to_owned(),
            status: "PUBLISHED".into(),
            description: None,
            content: content.to_owned(),
            tags: None,
            last_modified: epoch_seconds(),
            flow: Arc::new(flow),
        }
    }
}

/// Everything routing and flows refer to.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    pub flows: BTreeMap<String, FlowRecord>,
    pub queues: Vec<Queue>,
    pub hours: Vec<Hours>,
    pub bots: Vec<Arc<Bot>>,
    /// People configured to take chats in the console.
    pub agents: Vec<AgentConfig>,
}

impl Setup {
    /// The bot whose alias ARN is given.
    pub fn bot(&self, alias_arn: &str) -> Option<Arc<Bot>> {
        self.bots.iter().find(|b| b.alias_arn == alias_arn).cloned()
    }

    /// The problems of a flow's references to flows, queues, hours and bots (`also`: flows
    /// being created along with it).
    pub fn unresolved(&self, deps: &Dependencies, also: &[&str]) -> Vec<String> {
        let mut problems = Vec::new();
        for id in &deps.flows {
            if !self.flows.contains_key(id) && !also.contains(&id.as_str()) {
                problems.push(format!(
                    "it names flow {id}, which this instance does not have"
                ));
            }
        }
        for id in &deps.queues {
            if !self.queues.iter().any(|q| &q.id == id) {
                problems.push(format!(
                    "it names queue {id}, which this instance does not have"
                ));
            }
        }
        for id in &deps.hours {
            if !self.hours.iter().any(|h| &h.id == id) {
                problems.push(format!(
                    "it names hours of operation {id}, which this instance does not have"
                ));
            }
        }
        for arn in &deps.bots {
            if self.bot(arn).is_none() {
                problems.push(format!(
                    "it names Lex bot alias {arn}, which no bot file defines"
                ));
            }
        }
        problems
    }
}

/// A flow's content before it is checked, and where it came from.
struct FlowFile {
    file: String,
    id: String,
    name: String,
    kind: String,
    description: Option<String>,
    content: String,
}

/// A flows directory's `manifest.json`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Manifest {
    #[serde(default)]
    flows: Vec<ManifestFlow>,
    #[serde(default)]
    queues: Vec<Queue>,
    #[serde(default)]
    hours_of_operations: Vec<Hours>,
    #[serde(default)]
    agents: Vec<AgentConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ManifestFlow {
    file: String,
    id: Option<String>,
    name: Option<String>,
    #[serde(rename = "Type")]
    kind: Option<String>,
    description: Option<String>,
}

/// Loads the defaults (the inbound flow under `default_flow_id`) and, when given, a team's
/// directory: `*.json` flows (the file name is the flow id unless the manifest says
/// otherwise), `manifest.json`, and `bots/*.json` Lex stand-ins. Each problem names its file.
pub fn load(default_flow_id: &str, dir: Option<&Path>) -> Result<Setup, Vec<String>> {
    let mut problems = Vec::new();
    let mut setup = Setup {
        queues: vec![Queue {
            id: BASIC_QUEUE_ID.into(),
            name: "BasicQueue".into(),
            capacity: None,
            hours_of_operation_id: Some(BASIC_HOURS_ID.into()),
        }],
        hours: vec![Hours::basic()],
        bots: vec![Arc::new(
            Bot::parse(SURVEY_BOT).map_err(|e| vec![format!("shipped survey bot: {e}")])?,
        )],
        ..Setup::default()
    };
    let mut pending = vec![
        FlowFile {
            file: "default-inbound.json (shipped)".into(),
            id: default_flow_id.to_owned(),
            name: "Default inbound flow".into(),
            kind: "CONTACT_FLOW".into(),
            description: None,
            content: DEFAULT_INBOUND.to_owned(),
        },
        FlowFile {
            file: "post-chat-survey.json (shipped)".into(),
            id: SURVEY_FLOW_ID.into(),
            name: "Post-chat survey".into(),
            kind: "CONTACT_FLOW".into(),
            description: None,
            content: SURVEY_FLOW.to_owned(),
        },
    ];
    if let Some(dir) = dir {
        read_dir(dir, &mut setup, &mut pending, &mut problems);
    }
    let types = crate::wire::model::CONNECT.enum_values("ContactFlowType");
    let mut parsed = Vec::new();
    for FlowFile {
        file,
        id,
        name,
        kind,
        description,
        content,
    } in pending
    {
        if !types.contains(&kind.as_str()) {
            problems.push(format!(
                "{file}: Type {kind} is not one of {}",
                types.join(", ")
            ));
            continue;
        }
        if parsed
            .iter()
            .any(|(_, r, _): &(String, FlowRecord, Dependencies)| r.id == id)
        {
            problems.push(format!("{file}: flow id {id} is used by another flow"));
            continue;
        }
        match language::parse(&content) {
            Ok((flow, deps)) => {
                let mut record = FlowRecord::new(&id, &name, &kind, &content, flow);
                record.description = description;
                parsed.push((file, record, deps));
            }
            Err(found) => problems.extend(found.0.into_iter().map(|p| format!("{file}: {p}"))),
        }
    }
    let ids: Vec<String> = parsed.iter().map(|(_, r, _)| r.id.clone()).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    for (file, _, deps) in &parsed {
        problems.extend(
            setup
                .unresolved(deps, &ids)
                .into_iter()
                .map(|p| format!("{file}: {p}")),
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    setup.flows = parsed
        .into_iter()
        .map(|(_, record, _)| (record.id.clone(), record))
        .collect();
    Ok(setup)
}

fn read_dir(
    dir: &Path,
    setup: &mut Setup,
    pending: &mut Vec<FlowFile>,
    problems: &mut Vec<String>,
) {
    let manifest_path = dir.join(MANIFEST);
    let manifest: Manifest = match std::fs::read_to_string(&manifest_path) {
        Ok(text) => match serde_json::from_str(&text) {
            Ok(manifest) => manifest,
            Err(e) => {
                problems.push(format!("{}: {e}", manifest_path.display()));
                Manifest::default()
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
        Err(e) => {
            problems.push(format!("{}: {e}", manifest_path.display()));
            Manifest::default()
        }
    };
    for hours in &manifest.hours_of_operations {
        if let Some(problem) = hours.problem() {
            problems.push(format!("{}: {problem}", manifest_path.display()));
        }
    }
    for agent in &manifest.agents {
        if let Some(queue) = agent
            .queues
            .iter()
            .find(|q| !manifest.queues.iter().any(|known| &known.id == *q) && *q != BASIC_QUEUE_ID)
        {
            problems.push(format!(
                "{}: agent {}: no queue {queue}",
                manifest_path.display(),
                agent.name
            ));
        }
    }
    setup.agents.extend(manifest.agents);
    setup.queues.extend(manifest.queues);
    setup.hours.extend(manifest.hours_of_operations);
    let files = match sorted_json_files(dir) {
        Ok(files) => files,
        Err(e) => {
            problems.push(format!("{}: {e}", dir.display()));
            return;
        }
    };
    for path in files {
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if file_name == MANIFEST {
            continue;
        }
        let stem = file_name.trim_end_matches(".json").to_owned();
        let entry = manifest.flows.iter().find(|f| f.file == file_name);
        match std::fs::read_to_string(&path) {
            Ok(content) => pending.push(FlowFile {
                file: path.display().to_string(),
                id: entry
                    .and_then(|e| e.id.clone())
                    .unwrap_or_else(|| stem.clone()),
                name: entry.and_then(|e| e.name.clone()).unwrap_or(stem),
                kind: entry
                    .and_then(|e| e.kind.clone())
                    .unwrap_or_else(|| "CONTACT_FLOW".into()),
                description: entry.and_then(|e| e.description.clone()),
                content,
            }),
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
    for entry in &manifest.flows {
        if !dir.join(&entry.file).is_file() {
            problems.push(format!(
                "{}: flow file {} does not exist",
                manifest_path.display(),
                entry.file
            ));
        }
    }
    let bots_dir = dir.join("bots");
    if bots_dir.is_dir() {
        match sorted_json_files(&bots_dir) {
            Ok(files) => {
                for path in files {
                    match std::fs::read_to_string(&path)
                        .map_err(|e| e.to_string())
                        .and_then(|t| Bot::parse(&t))
                    {
                        Ok(bot) => setup.bots.push(Arc::new(bot)),
                        Err(e) => problems.push(format!("{}: {e}", path.display())),
                    }
                }
            }
            Err(e) => problems.push(format!("{}: {e}", bots_dir.display())),
        }
    }
}

fn sorted_json_files(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// Now, in seconds since the epoch with milliseconds.
pub fn epoch_seconds() -> f64 {
    Utc::now().timestamp_millis() as f64 / 1000.0
}

/// A flow's ARN.
pub fn flow_arn(region: &str, instance_id: &str, flow_id: &str) -> String {
    format!(
        "arn:aws:connect:{region}:{}:instance/{instance_id}/contact-flow/{flow_id}",
        crate::LOCAL_ACCOUNT_ID
    )
}

/// A queue's ARN.
pub fn queue_arn(region: &str, instance_id: &str, queue_id: &str) -> String {
    format!(
        "arn:aws:connect:{region}:{}:instance/{instance_id}/queue/{queue_id}",
        crate::LOCAL_ACCOUNT_ID
    )
}

/// The ContactFlow member DescribeContactFlow answers with.
pub fn describe(record: &FlowRecord, region: &str, instance_id: &str) -> serde_json::Value {
    let mut out = json!({
        "Arn": flow_arn(region, instance_id, &record.id),
        "Id": record.id,
        "Name": record.name,
        "Type": record.kind,
        "State": "ACTIVE",
        "Status": record.status,
        "Content": record.content,
        "LastModifiedRegion": region,
        "LastModifiedTime": record.last_modified,
    });
    if let Some(description) = &record.description {
        out["Description"] = json!(description);
    }
    if let Some(tags) = &record.tags {
        out["Tags"] = tags.clone();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_flows_load_and_refer_to_what_ships() {
        let setup = load("inbound", None).expect("defaults load");
        assert_eq!(setup.flows.len(), 2);
        assert!(setup.flows.contains_key("inbound"));
        assert!(setup.flows.contains_key(SURVEY_FLOW_ID));
    }

    #[test]
    fn a_directory_with_a_broken_flow_loads_nothing_and_names_the_file() {
        let dir =
            std::env::temp_dir().join(format!("connect-local-flows-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("good.json"),
            r#"{"Version":"2019-10-30","StartAction":"a","Actions":[{"Identifier":"a","Type":"TransferToFlow","Parameters":{"ContactFlowId":"bad"},"Transitions":{}}]}"#,
        )
        .unwrap();
        std::fs::write(dir.join("bad.json"), r#"{"modules": []}"#).unwrap();
        let problems = load("inbound", Some(&dir)).unwrap_err().join("\n");
        std::fs::remove_dir_all(&dir).ok();
        assert!(
            problems.contains("bad.json: this is the legacy export format"),
            "{problems}"
        );
        assert!(
            problems.contains("good.json: it names flow bad"),
            "{problems}"
        );
    }
}
