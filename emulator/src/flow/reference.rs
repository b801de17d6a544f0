//! References in flow parameters (`$.Attributes.name`, `$.External.key`, `$.Lex.IntentName`,
//! `$.Attributes.['a b']`): finding them in text, checking that they name something a chat
//! contact has, and replacing them with their values when the flow runs.

use serde_json::Value;

/// A reference found in a text: where it stands and the path it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub path: Vec<String>,
}

/// Every reference in `text`, in order.
pub fn find_all(text: &str) -> Vec<Found> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find("$.") {
        let start = from + offset;
        let (path, end) = read_path(text, start + 2);
        if path.is_empty() {
            from = start + 2;
            continue;
        }
        found.push(Found { start, end, path });
        from = end;
    }
    found
}

/// The path of a text that is exactly one reference.
pub fn single(text: &str) -> Option<Vec<String>> {
    match find_all(text).as_slice() {
        [one] if one.start == 0 && one.end == text.len() => Some(one.path.clone()),
        _ => None,
    }
}

/// Reads segments from `at`: names of letters, digits, `_` and `-`, or `['...']`, joined by
/// dots. A trailing dot (the end of a sentence) is not part of the reference.
fn read_path(text: &str, mut at: usize) -> (Vec<String>, usize) {
    let bytes = text.as_bytes();
    let mut path = Vec::new();
    let mut end = at;
    loop {
        if text[at..].starts_with("['") {
            let Some(close) = text[at + 2..].find("']") else {
                break;
            };
            path.push(text[at + 2..at + 2 + close].to_owned());
            at += close + 4;
        } else {
            let length = text[at..]
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
                .count();
            if length == 0 {
                break;
            }
            path.push(text[at..at + length].to_owned());
            at += length;
        }
        end = at;
        match bytes.get(at) {
            Some(b'.') if bytes.get(at + 1) == Some(&b'[') => at += 1,
            Some(b'.')
                if bytes
                    .get(at + 1)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') =>
            {
                at += 1
            }
            Some(b'[') if text[at..].starts_with("['") => {}
            _ => break,
        }
    }
    (path, end)
}

/// Top-level names a reference may start with, and how many further segments they take
/// (`None`: any number, at least one).
const ROOTS: &[(&str, Option<usize>)] = &[
    ("ContactId", Some(0)),
    ("InitialContactId", Some(0)),
    ("PreviousContactId", Some(0)),
    ("Channel", Some(0)),
    ("InstanceARN", Some(0)),
    ("InitiationMethod", Some(0)),
    ("AwsRegion", Some(0)),
    ("Attributes", Some(1)),
    ("SegmentAttributes", None),
    ("External", None),
];

/// Whether `path` names something a chat contact has.
pub fn known(path: &[String]) -> bool {
    let Some((root, rest)) = path.split_first() else {
        return false;
    };
    match root.as_str() {
        "Lex" => {
            matches!(
                rest,
                [name] if name == "IntentName"
            ) || matches!(rest, [group, _] if group == "Slots" || group == "SessionAttributes")
        }
        "Queue" => matches!(rest, [name] if name == "Name" || name == "ARN"),
        "CustomerEndpoint" => matches!(rest, [name] if name == "Address" || name == "Type"),
        _ => ROOTS.iter().any(|(name, depth)| {
            name == root
                && match depth {
                    Some(n) => rest.len() == *n,
                    None => !rest.is_empty(),
                }
        }),
    }
}

/// Checks every reference in a text; the first unknown one comes back as written.
pub fn check_all(text: &str) -> Result<(), String> {
    for found in find_all(text) {
        if !known(&found.path) {
            return Err(text[found.start..found.end].to_owned());
        }
    }
    Ok(())
}

/// The value at `path` in the contact's flow data, as text: strings as they are, numbers
/// and booleans written out, a segment attribute value by its one member; `None` when
/// nothing is there.
pub fn lookup(data: &Value, path: &[String]) -> Option<String> {
    let mut at = data;
    for segment in path {
        at = unwrap_segment_value(at);
        at = at.get(segment)?;
    }
    match unwrap_segment_value(at) {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// A SegmentAttributeValue (`{"ValueString": ...}`, `{"ValueMap": {...}}`) seen as its value.
fn unwrap_segment_value(value: &Value) -> &Value {
    if let Some(map) = value.as_object() {
        if map.len() == 1 {
            for key in [
                "ValueString",
                "ValueInteger",
                "ValueMap",
                "ValueList",
                "ValueArn",
            ] {
                if let Some(inner) = map.get(key) {
                    return inner;
                }
            }
        }
    }
    value
}

/// `text` with every reference replaced by its value (an empty string where nothing is set,
/// as Connect renders a missing attribute).
pub fn render(text: &str, data: &Value) -> String {
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for found in find_all(text) {
        out.push_str(&text[from..found.start]);
        out.push_str(&lookup(data, &found.path).unwrap_or_default());
        from = found.end;
    }
    out.push_str(&text[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_are_found_in_text_without_a_closing_dot() {
        let found = find_all("Hi $.Attributes.firstName. Your plan: $.Attributes.['plan name']!");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].path, ["Attributes", "firstName"]);
        assert_eq!(found[1].path, ["Attributes", "plan name"]);
        assert_eq!(
            single("$.External.tier"),
            Some(vec!["External".into(), "tier".into()])
        );
        assert_eq!(single("tier $.External.tier"), None);
    }

    #[test]
    fn only_what_a_chat_contact_has_is_known() {
        for ok in [
            "$.ContactId",
            "$.Attributes.x",
            "$.External.a.b",
            "$.Lex.IntentName",
            "$.Lex.Slots.size",
            "$.Queue.Name",
            "$.SegmentAttributes.['connect:Subtype']",
        ] {
            assert!(check_all(ok).is_ok(), "{ok}");
        }
        for bad in [
            "$.Nope",
            "$.Attributes",
            "$.Attributes.a.b",
            "$.Lex.Intent",
            "$.Queue.Size",
            "$.ContactId.x",
        ] {
            assert!(check_all(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rendering_fills_values_and_leaves_missing_ones_empty() {
        let data = json!({"Attributes": {"name": "Ana"}, "SegmentAttributes": {"connect:Subtype": {"ValueString": "connect:WebChat"}, "tier": {"ValueInteger": 3}}});
        assert_eq!(
            render("Hi $.Attributes.name ($.Attributes.other).", &data),
            "Hi Ana ()."
        );
        assert_eq!(
            render("$.SegmentAttributes.['connect:Subtype']", &data),
            "connect:WebChat"
        );
        assert_eq!(
            lookup(&data, &["SegmentAttributes".into(), "tier".into()]),
            Some("3".into())
        );
    }
}
