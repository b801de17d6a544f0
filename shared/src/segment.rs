//! Segment attributes: the typed routing data a chat carries in StartChatContact's
//! `SegmentAttributes` (flows read them as `$.SegmentAttributes`). The value forms and lengths
//! follow the service model's SegmentAttributeValue; which keys a browser may set is the
//! deployment's allow-list.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::ApiError;
use crate::fields::{check_len, check_no_control};

/// The body field.
pub const FIELD: &str = "SegmentAttributes";
/// The system key that turns a chat into a guided (step-by-step) experience.
pub const SUBTYPE_KEY: &str = "connect:Subtype";
/// The `connect:Subtype` value for guides, which render as interactive messages.
pub const GUIDE_SUBTYPE: &str = "connect:Guide";
/// SegmentAttributeName: 1-128 characters.
pub const MAX_KEY_CHARS: usize = 128;
/// SegmentAttributeValueString: at most 1,024 characters.
const MAX_STRING_CHARS: usize = 1024;
/// How deep values may nest (a map of maps of values). The service sets no depth; a browser
/// has no need for more, and a bound keeps every value cheap to check and to describe.
pub const MAX_DEPTH: usize = 3;

/// One SegmentAttributeValue, exactly one of the forms a browser may send.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub enum SegmentValue {
    #[serde(rename = "ValueString")]
    String(String),
    #[serde(rename = "ValueInteger")]
    Integer(i32),
    #[serde(rename = "ValueMap")]
    Map(BTreeMap<String, SegmentValue>),
    #[serde(rename = "ValueList")]
    List(Vec<SegmentValue>),
}

/// Shows the form and the nested keys, never a value.
impl std::fmt::Debug for SegmentValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::String(_) => f.write_str("ValueString(..)"),
            Self::Integer(_) => f.write_str("ValueInteger(..)"),
            Self::Map(map) => f.debug_tuple("ValueMap").field(map).finish(),
            Self::List(items) => f.debug_tuple("ValueList").field(items).finish(),
        }
    }
}

/// Whether `key` may name a segment attribute: letters, digits, `_` and `-`, optionally after
/// Connect's `connect:` system prefix.
pub fn is_segment_key(key: &str) -> bool {
    let name = key.strip_prefix("connect:").unwrap_or(key);
    !name.is_empty()
        && key.chars().count() <= MAX_KEY_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Reads the value of the segment attribute `key` at `path`: an object with exactly one of
/// `ValueString`, `ValueInteger`, `ValueMap` and `ValueList` (lists only under Connect's
/// `connect:` system keys, as the service requires).
pub fn parse_value(key: &str, path: &str, value: &Value) -> Result<SegmentValue, ApiError> {
    read_value(key.starts_with("connect:"), 1, path, value)
}

fn read_value(
    system: bool,
    depth: usize,
    path: &str,
    value: &Value,
) -> Result<SegmentValue, ApiError> {
    let Value::Object(object) = value else {
        return Err(ApiError::field(
            path,
            "must be an object with one of ValueString, ValueInteger, ValueMap or ValueList",
        ));
    };
    let mut members = object.iter();
    let (Some((form, inner)), None) = (members.next(), members.next()) else {
        return Err(ApiError::field(
            path,
            "must have exactly one of ValueString, ValueInteger, ValueMap or ValueList",
        ));
    };
    let inner_path = format!("{path}.{form}");
    if matches!(form.as_str(), "ValueMap" | "ValueList") && depth >= MAX_DEPTH {
        return Err(ApiError::field(
            inner_path,
            format!("values may nest at most {MAX_DEPTH} levels deep"),
        ));
    }
    match (form.as_str(), inner) {
        ("ValueString", Value::String(s)) => {
            check_len(&inner_path, s, 0, MAX_STRING_CHARS)?;
            Ok(SegmentValue::String(s.clone()))
        }
        // JSON has one number type: 3.0 is the whole number 3.
        ("ValueInteger", Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e12)
                    .map(|f| f as i64)
            })
            .and_then(|n| i32::try_from(n).ok())
            .map(SegmentValue::Integer)
            .ok_or_else(|| ApiError::field(inner_path, "must be a whole number of 32 bits")),
        ("ValueMap", Value::Object(map)) => {
            let mut out = BTreeMap::new();
            for (key, item) in map {
                let item_path = format!("{inner_path}.{key}");
                check_len(&item_path, key, 1, MAX_KEY_CHARS)?;
                check_no_control(&item_path, key)?;
                out.insert(key.clone(), read_value(system, depth + 1, &item_path, item)?);
            }
            Ok(SegmentValue::Map(out))
        }
        ("ValueList", _) if !system => Err(ApiError::field(
            inner_path,
            "is allowed only in Amazon Connect's own connect: attributes",
        )),
        ("ValueList", Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| read_value(system, depth + 1, &format!("{inner_path}[{i}]"), item))
            .collect::<Result<_, _>>()
            .map(SegmentValue::List),
        ("ValueArn", _) => Err(ApiError::field(
            inner_path,
            "is set by Amazon Connect for its own keys only",
        )),
        ("ValueString" | "ValueInteger" | "ValueMap" | "ValueList", _) => {
            Err(ApiError::field(inner_path, "has the wrong type"))
        }
        _ => Err(ApiError::field(
            inner_path,
            "is not a segment attribute value; use ValueString, ValueInteger, ValueMap or ValueList",
        )),
    }
}

/// Whether the attributes make the chat a guide (`connect:Subtype` = `connect:Guide`).
pub fn is_guide(attributes: &BTreeMap<String, SegmentValue>) -> bool {
    matches!(
        attributes.get(SUBTYPE_KEY),
        Some(SegmentValue::String(s)) if s == GUIDE_SUBTYPE
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(value: Value) -> String {
        parse_value("k", "SegmentAttributes.k", &value)
            .unwrap_err()
            .field_name()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn every_form_is_read_and_serialised_in_the_wire_shape() {
        let raw = json!({"ValueMap": {
            "tier": {"ValueString": "gold"},
            "visits": {"ValueInteger": -3},
            "tags": {"ValueList": [{"ValueString": "a"}, {"ValueInteger": 2}]}
        }});
        let value = parse_value("connect:k", "k", &raw).unwrap();
        assert_eq!(serde_json::to_value(&value).unwrap(), raw);
        let printed = format!("{value:?}");
        assert!(
            printed.contains("tier") && !printed.contains("gold"),
            "{printed}"
        );
    }

    #[test]
    fn keys_follow_the_model_and_the_system_prefix() {
        assert!(is_segment_key("connect:Subtype"));
        assert!(is_segment_key("routing_tier-2"));
        assert!(!is_segment_key("connect:"));
        assert!(!is_segment_key("a b"));
        assert!(!is_segment_key("other:key"));
        assert!(!is_segment_key(&"k".repeat(129)));
        assert!(is_segment_key(&"k".repeat(128)));
    }

    #[test]
    fn each_broken_value_names_where_it_is_broken() {
        let k = "SegmentAttributes.k";
        assert_eq!(field_of(json!("gold")), k);
        assert_eq!(field_of(json!({})), k);
        assert_eq!(field_of(json!({"ValueString": "a", "ValueInteger": 1})), k);
        assert_eq!(
            field_of(json!({"ValueString": "x".repeat(1025)})),
            "SegmentAttributes.k.ValueString"
        );
        assert_eq!(
            field_of(json!({"ValueInteger": 2_147_483_648_i64})),
            "SegmentAttributes.k.ValueInteger"
        );
        assert_eq!(
            field_of(json!({"ValueInteger": 1.5})),
            "SegmentAttributes.k.ValueInteger"
        );
        assert_eq!(
            field_of(json!({"ValueArn": "arn:aws:connect:::x"})),
            "SegmentAttributes.k.ValueArn"
        );
        assert_eq!(
            field_of(json!({"ValueBlob": "x"})),
            "SegmentAttributes.k.ValueBlob"
        );
        assert_eq!(
            field_of(json!({"ValueList": [{"ValueString": "a"}]})),
            "SegmentAttributes.k.ValueList"
        );
        assert_eq!(
            parse_value(
                "connect:k",
                "p",
                &json!({"ValueList": [{"ValueString": 1}]})
            )
            .unwrap_err()
            .field_name(),
            Some("p.ValueList[0].ValueString")
        );
        assert_eq!(
            field_of(json!({"ValueMap": {"": {"ValueString": "a"}}})),
            "SegmentAttributes.k.ValueMap."
        );
        assert!(parse_value("k", "k", &json!({"ValueString": ""})).is_ok());
        assert_eq!(
            field_of(json!({"ValueString": "a", "ValueInteger": null})),
            "SegmentAttributes.k"
        );
        assert_eq!(
            field_of(json!({"ValueString": null})),
            "SegmentAttributes.k.ValueString"
        );
        assert!(matches!(
            parse_value("k", "k", &json!({"ValueInteger": 3.0})),
            Ok(SegmentValue::Integer(3))
        ));
    }

    #[test]
    fn values_nest_at_most_three_levels() {
        let leaf = json!({"ValueString": "x"});
        let two = json!({"ValueMap": {"b": {"ValueMap": {"c": leaf}}}});
        assert!(parse_value("k", "k", &two).is_ok());
        let three = json!({"ValueMap": {"b": {"ValueMap": {"c": {"ValueMap": {"d": leaf}}}}}});
        assert_eq!(
            field_of(three),
            "SegmentAttributes.k.ValueMap.b.ValueMap.c.ValueMap"
        );
    }

    #[test]
    fn a_guide_is_recognised_by_its_subtype() {
        let mut attributes = BTreeMap::new();
        assert!(!is_guide(&attributes));
        attributes.insert(
            SUBTYPE_KEY.to_owned(),
            SegmentValue::String(GUIDE_SUBTYPE.into()),
        );
        assert!(is_guide(&attributes));
    }
}
