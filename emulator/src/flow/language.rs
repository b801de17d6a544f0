//! The Amazon Connect Flow language (`Version` "2019-10-30"): a flow's JSON read into typed
//! actions and transitions, and every load-time check connect-local makes (the format, the
//! start action, transitions that name no action, unsupported action types, each action's
//! parameter rules and the references its parameters use). A flow that breaks any rule is
//! refused whole, with every problem named by action Identifier and rule.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::reference;

/// The event hooks UpdateContactEventHooks may set.
pub const EVENT_HOOKS: [&str; 10] = [
    "CustomerQueue",
    "CustomerRemaining",
    "DefaultAgentUI",
    "DisconnectAgentUI",
    "CustomerWhisper",
    "AgentWhisper",
    "CustomerHold",
    "AgentHold",
    "PauseContact",
    "ResumeContact",
];

/// The one Flow language version Connect publishes.
pub const VERSION: &str = "2019-10-30";
/// Most actions one flow may hold (the Flow language reference).
pub const MAX_ACTIONS: usize = 250;
/// Longest action Identifier.
const MAX_IDENTIFIER_CHARS: usize = 50;
/// Characters the Flow language does not allow in an Identifier.
const IDENTIFIER_FORBIDDEN: &str = "%:(\\/)=$,;[]{}";
/// Longest wait a Wait action may take (seven days).
pub const MAX_WAIT_SECONDS: u64 = 604_800;
/// Longest time a flow waits for a Lambda function.
pub const MAX_LAMBDA_SECONDS: u64 = 8;
/// Most iterations of a Loop action.
const MAX_LOOP_COUNT: u64 = 100;

/// The action types connect-local runs. Anything else is refused when the flow loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
pub enum ActionType {
    MessageParticipant,
    MessageParticipantIteratively,
    UpdateContactAttributes,
    Compare,
    CheckHoursOfOperation,
    UpdateContactTargetQueue,
    TransferContactToQueue,
    TransferToFlow,
    UpdateContactEventHooks,
    Wait,
    Loop,
    InvokeLambdaFunction,
    ConnectParticipantWithLexBot,
    GetParticipantInput,
    ShowView,
    DisconnectParticipant,
    EndFlowExecution,
    UpdateFlowLoggingBehavior,
    UpdateContactRecordingBehavior,
    UpdateContactRecordingAndAnalyticsBehavior,
    UpdateContactTextToSpeechVoice,
}

impl ActionType {
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// A condition's operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
pub enum Operator {
    Equals,
    TextStartsWith,
    TextEndsWith,
    TextContains,
    NumberGreaterThan,
    NumberGreaterOrEqualTo,
    NumberLessThan,
    NumberLessOrEqualTo,
}

impl Operator {
    fn numeric(self) -> bool {
        matches!(
            self,
            Self::NumberGreaterThan
                | Self::NumberGreaterOrEqualTo
                | Self::NumberLessThan
                | Self::NumberLessOrEqualTo
        )
    }

    /// Whether `value` satisfies this operator against `operand`. Text comparisons ignore
    /// case, as Check contact attributes does; number comparisons are false when either side
    /// is not a number.
    pub fn holds(self, value: &str, operand: &str) -> bool {
        if self.numeric() {
            let (Ok(v), Ok(o)) = (value.trim().parse::<f64>(), operand.trim().parse::<f64>())
            else {
                return false;
            };
            return match self {
                Self::NumberGreaterThan => v > o,
                Self::NumberGreaterOrEqualTo => v >= o,
                Self::NumberLessThan => v < o,
                _ => v <= o,
            };
        }
        let (v, o) = (value.to_lowercase(), operand.to_lowercase());
        match self {
            Self::Equals => v == o,
            Self::TextStartsWith => v.starts_with(&o),
            Self::TextEndsWith => v.ends_with(&o),
            _ => v.contains(&o),
        }
    }
}

/// One entry of `Transitions.Conditions`.
#[derive(Debug, Clone)]
pub struct Condition {
    pub next: String,
    pub operator: Operator,
    pub operands: Vec<String>,
}

/// One step of a flow.
#[derive(Debug, Clone)]
pub struct Action {
    pub id: String,
    pub kind: ActionType,
    pub parameters: Map<String, Value>,
    pub next: Option<String>,
    pub conditions: Vec<Condition>,
    /// `ErrorType` -> `NextAction`, in the order written.
    pub errors: Vec<(String, String)>,
}

impl Action {
    /// The action a condition result leads to: the first condition that holds.
    pub fn on_value(&self, value: &str) -> Option<&str> {
        self.conditions
            .iter()
            .find(|c| c.operands.iter().any(|o| c.operator.holds(value, o)))
            .map(|c| c.next.as_str())
    }

    /// The action an error leads to: its own branch, else `NoMatchingError`.
    pub fn on_error(&self, error: &str) -> Option<(&str, &str)> {
        let find = |wanted: &str| {
            self.errors
                .iter()
                .find(|(kind, _)| kind == wanted)
                .map(|(kind, next)| (kind.as_str(), next.as_str()))
        };
        find(error).or_else(|| find("NoMatchingError"))
    }

    /// A string parameter (static or a reference).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.parameters.get(name).and_then(Value::as_str)
    }
}

/// A flow that passed every load-time check.
#[derive(Debug, Clone)]
pub struct Flow {
    pub start: String,
    pub actions: BTreeMap<String, Action>,
}

/// What a flow refers to outside itself, checked against what the instance has.
#[derive(Debug, Default)]
pub struct Dependencies {
    pub flows: BTreeSet<String>,
    pub queues: BTreeSet<String>,
    pub hours: BTreeSet<String>,
    pub bots: BTreeSet<String>,
}

/// The problems found in one flow, each naming the action and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<String>);

impl std::fmt::Display for Problems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("; "))
    }
}

/// The last part of an ARN's resource path (`.../queue/ID` -> `ID`), or the text itself.
pub fn resource_id(id_or_arn: &str) -> &str {
    if id_or_arn.starts_with("arn:") {
        id_or_arn.rsplit('/').next().unwrap_or(id_or_arn)
    } else {
        id_or_arn
    }
}

/// The function name (and qualifier) of a Lambda function ARN:
/// `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
pub fn lambda_function_name(arn: &str) -> Option<(String, Option<String>)> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name] if !name.is_empty() => {
            Some(((*name).to_owned(), None))
        }
        ["arn", _, "lambda", _, _, "function", name, qualifier] if !name.is_empty() => {
            Some(((*name).to_owned(), Some((*qualifier).to_owned())))
        }
        _ => None,
    }
}

/// Reads and checks a flow's content. On success also returns what it depends on.
pub fn parse(content: &str) -> Result<(Flow, Dependencies), Problems> {
    let document: Value = serde_json::from_str(content)
        .map_err(|e| Problems(vec![format!("the content is not valid JSON: {e}")]))?;
    let Some(top) = document.as_object() else {
        return Err(Problems(vec!["the content must be a JSON object".into()]));
    };
    if top.contains_key("modules") {
        return Err(Problems(vec![
            "this is the legacy export format (a 'modules' array), not the Flow language: export the flow again from the current flow designer".into(),
        ]));
    }
    let mut problems = Vec::new();
    match top.get("Version").and_then(Value::as_str) {
        Some(VERSION) => {}
        Some(other) => problems.push(format!("Version must be \"{VERSION}\", not {other:?}")),
        None => problems.push(format!("Version is missing (\"{VERSION}\")")),
    }
    let raw_actions = match top.get("Actions").and_then(Value::as_array) {
        Some(actions) => actions.as_slice(),
        None => {
            problems.push("Actions must be a list of actions".into());
            &[]
        }
    };
    if raw_actions.len() > MAX_ACTIONS {
        problems.push(format!(
            "a flow holds at most {MAX_ACTIONS} actions, this one {}",
            raw_actions.len()
        ));
    }
    let mut actions = BTreeMap::new();
    let mut deps = Dependencies::default();
    for (index, raw) in raw_actions.iter().enumerate() {
        match read_action(raw, index, &mut deps) {
            Ok(action) => {
                if actions.contains_key(&action.id) {
                    problems.push(format!(
                        "action {:?}: the Identifier is used twice",
                        action.id
                    ));
                } else {
                    actions.insert(action.id.clone(), action);
                }
            }
            Err(mut found) => problems.append(&mut found),
        }
    }
    let start = top.get("StartAction").and_then(Value::as_str).unwrap_or("");
    if start.is_empty() {
        problems.push("StartAction is missing".into());
    } else if !actions.contains_key(start) && problems.is_empty() {
        problems.push(format!(
            "StartAction {start:?} names no action of this flow"
        ));
    }
    for action in actions.values() {
        let targets = action
            .next
            .iter()
            .chain(action.conditions.iter().map(|c| &c.next))
            .chain(action.errors.iter().map(|(_, next)| next));
        for target in targets {
            if !actions.contains_key(target) {
                problems.push(format!(
                    "action {:?}: NextAction {target:?} names no action of this flow",
                    action.id
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok((
            Flow {
                start: start.to_owned(),
                actions,
            },
            deps,
        ))
    } else {
        Err(Problems(problems))
    }
}

fn read_action(raw: &Value, index: usize, deps: &mut Dependencies) -> Result<Action, Vec<String>> {
    let id = raw
        .get("Identifier")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let name = if id.is_empty() {
        format!("action #{}", index + 1)
    } else {
        format!("action {id:?}")
    };
    let mut problems = Vec::new();
    if id.is_empty() {
        problems.push(format!("{name}: Identifier is missing"));
    } else if id.chars().count() > MAX_IDENTIFIER_CHARS {
        problems.push(format!(
            "{name}: an Identifier has at most {MAX_IDENTIFIER_CHARS} characters"
        ));
    } else if id.chars().any(|c| IDENTIFIER_FORBIDDEN.contains(c)) {
        problems.push(format!(
            "{name}: an Identifier may not contain any of {IDENTIFIER_FORBIDDEN}"
        ));
    }
    let type_name = raw.get("Type").and_then(Value::as_str).unwrap_or_default();
    let kind = match type_name.parse::<ActionType>() {
        Ok(kind) => Some(kind),
        Err(_) if type_name.is_empty() => {
            problems.push(format!("{name}: Type is missing"));
            None
        }
        Err(_) => {
            problems.push(format!(
                "{name}: action type {type_name} is not supported by connect-local (see its README for the supported actions)"
            ));
            None
        }
    };
    let parameters = match raw.get("Parameters") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => {
            problems.push(format!("{name}: Parameters must be an object"));
            Map::new()
        }
    };
    let transitions = raw
        .get("Transitions")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let next = transitions
        .get("NextAction")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut conditions = Vec::new();
    for condition in transitions
        .get("Conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let next = condition["NextAction"].as_str().unwrap_or_default();
        let operator = condition["Condition"]["Operator"]
            .as_str()
            .unwrap_or_default();
        let operands: Vec<String> = condition["Condition"]["Operands"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| match o {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        match operator.parse::<Operator>() {
            Ok(operator) => {
                if operands.is_empty() {
                    problems.push(format!("{name}: a condition needs at least one operand"));
                }
                if operator.numeric() && operands.iter().any(|o| o.trim().parse::<f64>().is_err()) {
                    problems.push(format!(
                        "{name}: {} compares numbers, but an operand is not a number",
                        <&str>::from(operator)
                    ));
                }
                conditions.push(Condition {
                    next: next.to_owned(),
                    operator,
                    operands,
                });
            }
            Err(_) => problems.push(format!("{name}: unknown condition operator {operator:?}")),
        }
    }
    let errors: Vec<(String, String)> = transitions
        .get("Errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["ErrorType"].as_str().unwrap_or_default().to_owned(),
                e["NextAction"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let Some(kind) = kind else {
        return Err(problems);
    };
    let action = Action {
        id,
        kind,
        parameters,
        next,
        conditions,
        errors,
    };
    problems.extend(
        check_parameters(&action, deps)
            .into_iter()
            .map(|rule| format!("{name} ({}): {rule}", kind.name())),
    );
    for text in strings(&Value::Object(action.parameters.clone())) {
        if let Err(unknown) = reference::check_all(&text) {
            problems.push(format!(
                "{name} ({}): unknown reference {unknown}",
                kind.name()
            ));
        }
    }
    if problems.is_empty() {
        Ok(action)
    } else {
        Err(problems)
    }
}

/// Every string inside a parameter value.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// Whether `value` is a whole reference (`$.Attributes.x`) rather than static text.
fn is_reference(value: &str) -> bool {
    value.starts_with("$.") && reference::single(value).is_some()
}

/// A number of seconds written statically (or a reference, checked when the flow runs).
fn check_seconds(action: &Action, name: &str, max: u64, required: bool) -> Option<String> {
    let raw = match action.parameters.get(name) {
        None if required => return Some(format!("{name} is required")),
        None => return None,
        Some(Value::String(s)) if is_reference(s) => return None,
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(Value::Number(n)) => n.as_u64(),
        Some(_) => None,
    };
    match raw {
        Some(seconds) if (1..=max).contains(&seconds) => None,
        _ => Some(format!(
            "{name} must be a whole number of seconds from 1 to {max}"
        )),
    }
}

/// The condition operands of an action that allows only Equals, each required one present.
fn check_equals_only(action: &Action, required: &[&str]) -> Vec<String> {
    let mut rules = Vec::new();
    if action
        .conditions
        .iter()
        .any(|c| c.operator != Operator::Equals)
    {
        rules.push("its conditions support only the Equals operator".into());
    }
    for operand in required {
        let present = action
            .conditions
            .iter()
            .any(|c| c.operands.iter().any(|o| o == operand));
        if !present {
            rules.push(format!(
                "a condition with the operand {operand:?} is required"
            ));
        }
    }
    rules
}

/// The documented rules of each action's Parameters; returns the broken ones.
fn check_parameters(action: &Action, deps: &mut Dependencies) -> Vec<String> {
    let p = &action.parameters;
    let mut rules = Vec::new();
    let static_id = |name: &str| {
        p.get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.starts_with("$."))
            .map(|v| resource_id(v).to_owned())
    };
    match action.kind {
        ActionType::MessageParticipant => {
            let given = ["Text", "PromptId", "SSML", "Media"]
                .iter()
                .filter(|k| p.contains_key(**k))
                .count();
            if given != 1 {
                rules.push("exactly one of Text, PromptId, SSML and Media is required".into());
            }
        }
        ActionType::UpdateContactAttributes => match p.get("Attributes").and_then(Value::as_object)
        {
            Some(attributes) if !attributes.is_empty() => {
                for (key, value) in attributes {
                    if !value.is_string() {
                        rules.push(format!(
                            "Attributes.{key} must be a string (static or a reference)"
                        ));
                    }
                }
            }
            _ => rules.push("Attributes must be an object with at least one attribute".into()),
        },
        ActionType::Compare => match p.get("ComparisonValue").and_then(Value::as_str) {
            Some(value) if is_reference(value) => {}
            _ => rules.push(
                "ComparisonValue must be a single reference such as $.Attributes.name".into(),
            ),
        },
        ActionType::CheckHoursOfOperation => {
            if let Some(id) = static_id("HoursOfOperationId") {
                deps.hours.insert(id);
            }
            rules.extend(check_equals_only(action, &["True", "False"]));
        }
        ActionType::UpdateContactTargetQueue => match (p.get("QueueId"), p.get("AgentId")) {
            (Some(_), None) => {
                if let Some(id) = static_id("QueueId") {
                    deps.queues.insert(id);
                }
            }
            (None, Some(_)) => rules.push(
                "AgentId (an agent's own queue) is not supported by connect-local yet; use QueueId"
                    .into(),
            ),
            _ => rules.push("exactly one of QueueId and AgentId is required".into()),
        },
        ActionType::TransferToFlow => match static_id("ContactFlowId") {
            Some(id) => {
                deps.flows.insert(id);
            }
            None if p.get("ContactFlowId").and_then(Value::as_str).is_some() => {}
            None => rules.push("ContactFlowId is required".into()),
        },
        ActionType::UpdateContactEventHooks => match p.get("EventHooks").and_then(Value::as_object)
        {
            Some(hooks) if hooks.len() == 1 => {
                let (hook, flow) = hooks
                    .iter()
                    .next()
                    .map(|(k, v)| (k.as_str(), v))
                    .unwrap_or_default();
                if !EVENT_HOOKS.contains(&hook) {
                    rules.push(format!(
                        "EventHooks key {hook} is not one of {}",
                        EVENT_HOOKS.join(", ")
                    ));
                }
                match flow.as_str() {
                    Some(flow) if !flow.starts_with("$.") => {
                        deps.flows.insert(resource_id(flow).to_owned());
                    }
                    Some(_) => {}
                    None => rules.push(format!("EventHooks.{hook} must name a flow")),
                }
            }
            _ => rules.push("EventHooks must hold exactly one hook".into()),
        },
        ActionType::Wait => {
            rules.extend(check_seconds(
                action,
                "TimeoutSeconds",
                MAX_WAIT_SECONDS,
                true,
            ));
            let events: Vec<&str> = p
                .get("Events")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            for event in &events {
                if !["CustomerReturned", "BotParticipantDisconnected"].contains(event) {
                    rules.push(format!(
                        "Events may hold CustomerReturned and BotParticipantDisconnected, not {event}"
                    ));
                }
            }
            let mut required = vec!["WaitCompleted"];
            required.extend(events);
            rules.extend(check_equals_only(action, &required));
        }
        ActionType::Loop => {
            let count = match p.get("LoopCount") {
                Some(Value::String(s)) if is_reference(s) => Some(0),
                Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
                Some(Value::Number(n)) => n.as_u64(),
                _ => None,
            };
            if count.is_none_or(|c| c > MAX_LOOP_COUNT) {
                rules.push(format!(
                    "LoopCount must be a whole number from 0 to {MAX_LOOP_COUNT}"
                ));
            }
            rules.extend(check_equals_only(
                action,
                &["ContinueLooping", "DoneLooping"],
            ));
        }
        ActionType::InvokeLambdaFunction => {
            match p.get("LambdaFunctionARN").and_then(Value::as_str) {
                Some(arn) if is_reference(arn) || lambda_function_name(arn).is_some() => {}
                _ => rules.push("LambdaFunctionARN must be a Lambda function ARN".into()),
            }
            rules.extend(check_seconds(
                action,
                "InvocationTimeLimitSeconds",
                MAX_LAMBDA_SECONDS,
                false,
            ));
            if let Some(attributes) = p.get("LambdaInvocationAttributes") {
                if !attributes
                    .as_object()
                    .is_some_and(|m| m.values().all(Value::is_string))
                {
                    rules.push("LambdaInvocationAttributes must map names to strings".into());
                }
            }
            if let Some(kind) = p.get("ResponseValidation").map(|v| &v["ResponseType"]) {
                if kind != "STRING_MAP" && kind != "JSON" {
                    rules.push("ResponseValidation.ResponseType must be STRING_MAP or JSON".into());
                }
            }
        }
        ActionType::ConnectParticipantWithLexBot => {
            if p.contains_key("LexBot") {
                rules.push(
                    "LexBot (Amazon Lex V1) is not supported by connect-local; use LexV2Bot".into(),
                );
            }
            match p
                .get("LexV2Bot")
                .and_then(|b| b.get("AliasArn"))
                .and_then(Value::as_str)
            {
                Some(arn) if arn.starts_with("$.") => {}
                Some(arn) => {
                    deps.bots.insert(arn.to_owned());
                }
                None if p.contains_key("LexBot") => {}
                None => rules.push("LexV2Bot.AliasArn is required".into()),
            }
            if ["Text", "PromptId", "SSML"]
                .iter()
                .filter(|k| p.contains_key(**k))
                .count()
                > 1
            {
                rules.push("at most one of Text, PromptId and SSML may be given".into());
            }
            if action
                .conditions
                .iter()
                .any(|c| c.operator != Operator::Equals)
            {
                rules.push("its conditions compare intent names with Equals only".into());
            }
        }
        ActionType::ShowView => {
            if p.get("ViewResource").and_then(|v| v.get("Id")).is_none() {
                rules.push("ViewResource.Id is required".into());
            }
            rules.extend(check_seconds(
                action,
                "InvocationTimeLimitSeconds",
                MAX_WAIT_SECONDS,
                false,
            ));
        }
        ActionType::MessageParticipantIteratively
        | ActionType::TransferContactToQueue
        | ActionType::GetParticipantInput
        | ActionType::DisconnectParticipant
        | ActionType::EndFlowExecution
        | ActionType::UpdateFlowLoggingBehavior
        | ActionType::UpdateContactRecordingBehavior
        | ActionType::UpdateContactRecordingAndAnalyticsBehavior
        | ActionType::UpdateContactTextToSpeechVoice => {}
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn flow(actions: Value) -> String {
        json!({"Version": VERSION, "StartAction": "a", "Actions": actions}).to_string()
    }

    #[test]
    fn a_small_flow_loads_and_its_branches_resolve() {
        let content = flow(json!([
            {"Identifier": "a", "Type": "Compare", "Parameters": {"ComparisonValue": "$.Attributes.plan"},
             "Transitions": {"NextAction": "b", "Conditions": [
                {"NextAction": "b", "Condition": {"Operator": "Equals", "Operands": ["gold"]}},
                {"NextAction": "c", "Condition": {"Operator": "NumberGreaterThan", "Operands": ["3"]}}],
              "Errors": [{"NextAction": "c", "ErrorType": "NoMatchingCondition"}]}},
            {"Identifier": "b", "Type": "MessageParticipant", "Parameters": {"Text": "Hi $.Attributes.name"}, "Transitions": {"NextAction": "c"}},
            {"Identifier": "c", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
        ]));
        let (flow, _) = parse(&content).expect("loads");
        let compare = &flow.actions["a"];
        assert_eq!(compare.on_value("GOLD"), Some("b"));
        assert_eq!(compare.on_value("4"), Some("c"));
        assert_eq!(compare.on_value("silver"), None);
        assert_eq!(
            compare.on_error("NoMatchingCondition"),
            Some(("NoMatchingCondition", "c"))
        );
    }

    #[test]
    fn every_problem_is_named_with_its_action() {
        let content = flow(json!([
            {"Identifier": "a", "Type": "PlayPrompt", "Parameters": {}, "Transitions": {}},
            {"Identifier": "b", "Type": "Wait", "Parameters": {"TimeoutSeconds": "900000"}, "Transitions": {"NextAction": "zzz"}},
            {"Identifier": "c", "Type": "MessageParticipant", "Parameters": {"Text": "$.Nope.x"}, "Transitions": {}}
        ]));
        let problems = parse(&content).unwrap_err().0.join("\n");
        assert!(
            problems.contains("action \"a\": action type PlayPrompt is not supported"),
            "{problems}"
        );
        assert!(
            problems.contains("action \"b\" (Wait): TimeoutSeconds must be"),
            "{problems}"
        );
        assert!(problems.contains("WaitCompleted"), "{problems}");
        assert!(
            problems.contains("action \"c\" (MessageParticipant): unknown reference $.Nope.x"),
            "{problems}"
        );
    }

    #[test]
    fn the_legacy_format_and_broken_json_are_refused_with_a_reason() {
        assert!(parse("{\"modules\": []}").unwrap_err().0[0].contains("legacy export format"));
        assert!(parse("{").unwrap_err().0[0].contains("not valid JSON"));
        let missing_start = json!({"Version": VERSION, "Actions": []}).to_string();
        assert!(parse(&missing_start).unwrap_err().0[0].contains("StartAction is missing"));
        let unknown_start = json!({"Version": VERSION, "StartAction": "x", "Actions": [
            {"Identifier": "a", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}}]})
        .to_string();
        assert!(
            parse(&unknown_start).unwrap_err().0[0].contains("StartAction \"x\" names no action")
        );
    }

    #[test]
    fn each_action_s_parameter_rules_are_checked() {
        let cases = [
            (
                "MessageParticipant",
                json!({}),
                "exactly one of Text, PromptId, SSML and Media",
            ),
            (
                "UpdateContactAttributes",
                json!({"Attributes": {}}),
                "at least one attribute",
            ),
            (
                "UpdateContactAttributes",
                json!({"Attributes": {"a": 1}}),
                "Attributes.a must be a string",
            ),
            (
                "Compare",
                json!({"ComparisonValue": "plain text"}),
                "must be a single reference",
            ),
            (
                "UpdateContactTargetQueue",
                json!({}),
                "exactly one of QueueId and AgentId",
            ),
            (
                "UpdateContactTargetQueue",
                json!({"AgentId": "a"}),
                "AgentId",
            ),
            ("TransferToFlow", json!({}), "ContactFlowId is required"),
            (
                "UpdateContactEventHooks",
                json!({"EventHooks": {"CustomerQueue": "q", "CustomerRemaining": "r"}}),
                "exactly one hook",
            ),
            (
                "UpdateContactEventHooks",
                json!({"EventHooks": {"OnSomething": "f"}}),
                "EventHooks key OnSomething",
            ),
            (
                "Wait",
                json!({"TimeoutSeconds": "0"}),
                "TimeoutSeconds must be a whole number of seconds from 1 to 604800",
            ),
            (
                "Wait",
                json!({"TimeoutSeconds": "5", "Events": ["Lunch"]}),
                "not Lunch",
            ),
            (
                "Loop",
                json!({"LoopCount": "101"}),
                "LoopCount must be a whole number from 0 to 100",
            ),
            (
                "InvokeLambdaFunction",
                json!({"LambdaFunctionARN": "my-function"}),
                "must be a Lambda function ARN",
            ),
            (
                "InvokeLambdaFunction",
                json!({"LambdaFunctionARN": "arn:aws:lambda:us-east-1:1:function:f", "InvocationTimeLimitSeconds": "9"}),
                "from 1 to 8",
            ),
            (
                "InvokeLambdaFunction",
                json!({"LambdaFunctionARN": "arn:aws:lambda:us-east-1:1:function:f", "ResponseValidation": {"ResponseType": "XML"}}),
                "STRING_MAP or JSON",
            ),
            (
                "ConnectParticipantWithLexBot",
                json!({}),
                "LexV2Bot.AliasArn is required",
            ),
            (
                "ConnectParticipantWithLexBot",
                json!({"LexBot": {"Name": "b"}}),
                "Amazon Lex V1",
            ),
            ("ShowView", json!({}), "ViewResource.Id is required"),
        ];
        for (kind, parameters, rule) in cases {
            let content = flow(json!([
                {"Identifier": "a", "Type": kind, "Parameters": parameters, "Transitions": {}}
            ]));
            let problems = parse(&content).unwrap_err().0.join("\n");
            assert!(
                problems.contains(&format!("action \"a\" ({kind}): ")) && problems.contains(rule),
                "{kind} {parameters}: {problems}"
            );
        }
        let conditions = flow(json!([
            {"Identifier": "a", "Type": "CheckHoursOfOperation", "Parameters": {},
             "Transitions": {"Conditions": [{"NextAction": "a", "Condition": {"Operator": "TextContains", "Operands": ["True"]}}]}}
        ]));
        let problems = parse(&conditions).unwrap_err().0.join("\n");
        assert!(problems.contains("only the Equals operator"), "{problems}");
        assert!(
            problems.contains("operand \"False\" is required"),
            "{problems}"
        );
        let nowhere = flow(json!([
            {"Identifier": "a", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {"NextAction": "b", "Errors": [{"NextAction": "c", "ErrorType": "NoMatchingError"}]}}
        ]));
        let problems = parse(&nowhere).unwrap_err().0;
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("NextAction \"b\" names no action"));
        let twice = flow(json!([
            {"Identifier": "a", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}},
            {"Identifier": "a", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}}
        ]));
        assert!(parse(&twice).unwrap_err().0[0].contains("used twice"));
        let bad_id = flow(json!([
            {"Identifier": "a/b", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}}
        ]));
        assert!(parse(&bad_id).unwrap_err().0[0].contains("may not contain"));
    }

    #[test]
    fn operators_compare_text_without_case_and_numbers_as_numbers() {
        assert!(Operator::TextStartsWith.holds("Hello there", "hello"));
        assert!(Operator::TextEndsWith.holds("order-42", "42"));
        assert!(Operator::TextContains.holds("my ORDER", "order"));
        assert!(Operator::NumberGreaterOrEqualTo.holds("10", "10"));
        assert!(Operator::NumberLessThan.holds("9.5", "10"));
        assert!(!Operator::NumberLessOrEqualTo.holds("ten", "10"));
        assert!(!Operator::NumberGreaterThan.holds("3", "3"));
    }

    #[test]
    fn resource_ids_come_from_arns() {
        assert_eq!(
            resource_id("arn:aws:connect:us-east-1:1:instance/i/queue/q-1"),
            "q-1"
        );
        assert_eq!(resource_id("q-2"), "q-2");
    }
}
