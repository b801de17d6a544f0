//! Typed reads of JSON request fields. Every failure is an [`ApiError::InvalidField`] naming the
//! field by its dotted path (`ParticipantDetails.DisplayName`), so clients learn exactly what to fix.

use serde_json::{Map, Value};

use crate::error::ApiError;

/// A JSON object together with the path that leads to it, for error messages.
pub struct Fields<'a> {
    object: &'a Map<String, Value>,
    prefix: String,
}

impl<'a> Fields<'a> {
    /// Wraps the top-level request object.
    pub fn root(object: &'a Map<String, Value>) -> Self {
        Self {
            object,
            prefix: String::new(),
        }
    }

    /// The dotted path of `name` inside this object.
    pub fn path(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    /// The raw value of a field; JSON `null` counts as absent.
    pub fn value(&self, name: &str) -> Option<&'a Value> {
        self.object.get(name).filter(|v| !v.is_null())
    }

    /// An optional string field.
    pub fn opt_str(&self, name: &str) -> Result<Option<&'a str>, ApiError> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ApiError::field(self.path(name), "must be a string")),
        }
    }

    /// A required string field.
    pub fn str(&self, name: &str) -> Result<&'a str, ApiError> {
        self.opt_str(name)?
            .ok_or_else(|| ApiError::field(self.path(name), "is required"))
    }

    /// An optional whole-number field.
    pub fn opt_u64(&self, name: &str) -> Result<Option<u64>, ApiError> {
        match self.value(name) {
            None => Ok(None),
            // JSON has one number type: `60.0` is the whole number 60, as JSON Schema says.
            Some(Value::Number(n)) => n
                .as_u64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 9.0e15)
                        .map(|f| f as u64)
                })
                .map(Some)
                .ok_or_else(|| {
                    ApiError::field(self.path(name), "must be a non-negative whole number")
                }),
            Some(_) => Err(ApiError::field(self.path(name), "must be a number")),
        }
    }

    /// An optional nested object.
    pub fn opt_object(&self, name: &str) -> Result<Option<Fields<'a>>, ApiError> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::Object(object)) => Ok(Some(Fields {
                object,
                prefix: self.path(name),
            })),
            Some(_) => Err(ApiError::field(self.path(name), "must be an object")),
        }
    }

    /// A required nested object.
    pub fn object(&self, name: &str) -> Result<Fields<'a>, ApiError> {
        self.opt_object(name)?
            .ok_or_else(|| ApiError::field(self.path(name), "is required"))
    }

    /// An optional array of strings.
    pub fn opt_str_list(&self, name: &str) -> Result<Option<Vec<&'a str>>, ApiError> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    item.as_str().ok_or_else(|| {
                        ApiError::field(format!("{}[{i}]", self.path(name)), "must be a string")
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(ApiError::field(
                self.path(name),
                "must be an array of strings",
            )),
        }
    }

    /// The object's entries, for maps such as `Attributes`.
    pub fn entries(&self) -> impl Iterator<Item = (&'a String, &'a Value)> {
        self.object.iter()
    }
}

/// Checks a string's length in characters (Smithy counts characters, not bytes).
pub fn check_len(field: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let len = value.chars().count();
    if len < min || len > max {
        let rule = if min == max {
            format!("must be exactly {min} characters")
        } else {
            format!("must be {min} to {max} characters")
        };
        return Err(ApiError::field(field, rule));
    }
    Ok(())
}

/// Rejects control characters (newlines, NUL, escape codes...).
pub fn check_no_control(field: &str, value: &str) -> Result<(), ApiError> {
    if value.chars().any(char::is_control) {
        return Err(ApiError::field(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// Whether a character reorders how the text around it displays (Unicode bidirectional
/// formatting characters): `invoice\u{202E}fdp.docx` shows as `invoicexcod.pdf`.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Refuses text with bidirectional formatting characters, which can make a name display as
/// something it is not.
pub fn check_no_bidi(field: &str, value: &str) -> Result<(), ApiError> {
    if value.chars().any(is_bidi_control) {
        return Err(ApiError::field(
            field,
            "must not contain right-to-left or left-to-right override characters",
        ));
    }
    Ok(())
}

/// Whether a character shows nothing: white space, controls, zero-width and joining
/// characters, bidirectional and other format characters, variation selectors, and the blank
/// "filler" letters (Hangul fillers, the blank Braille pattern). The same set is excluded in
/// openapi.yaml's DisplayName pattern.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || is_bidi_control(c)
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200D}'
                | '\u{2060}'..='\u{2064}'
                | '\u{206A}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
        )
}

/// Refuses text in which no character would be seen (a name made only of zero-width or
/// filler characters renders as nothing).
pub fn check_visible(field: &str, value: &str) -> Result<(), ApiError> {
    if !value.chars().any(|c| !is_invisible(c)) {
        return Err(ApiError::field(field, "must contain a visible character"));
    }
    Ok(())
}

/// Reads a wire enum value (`T` derives strum's `EnumString` and `VariantNames`): anything but
/// one of its values is refused, naming them.
pub fn wire_enum<T: std::str::FromStr + strum::VariantNames>(
    field: &str,
    value: &str,
) -> Result<T, ApiError> {
    value
        .parse()
        .map_err(|_| ApiError::field(field, format!("must be {}", alternatives(T::VARIANTS))))
}

/// `A or B`, `A, B or C`.
pub fn alternatives(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// An idempotency token as Connect accepts it: 1 to 500 characters, no control characters.
pub fn check_client_token(field: &str, token: &str) -> Result<(), ApiError> {
    check_len(field, token, 1, 500)?;
    check_no_control(field, token)
}

#[cfg(test)]
mod tests {
    #[test]
    fn wire_enums_name_every_value_they_accept() {
        use crate::chat::ConnectionType;
        assert_eq!(
            wire_enum::<ConnectionType>("T", "CONNECTION_CREDENTIALS"),
            Ok(ConnectionType::ConnectionCredentials)
        );
        let refused = wire_enum::<ConnectionType>("T", "websocket").unwrap_err();
        assert_eq!(
            refused.to_string(),
            ApiError::field("T", "must be WEBSOCKET or CONNECTION_CREDENTIALS").to_string()
        );
        assert_eq!(alternatives(&["A", "B", "C"]), "A, B or C");
        assert_eq!(alternatives(&["A"]), "A");
    }

    #[test]
    fn names_that_show_nothing_are_refused() {
        for name in [
            "\u{200D}",
            "\u{2060}\u{2060}",
            "\u{FEFF}",
            "\u{3164}\u{3164}",
            " \u{200B} ",
            "\u{202E}",
        ] {
            assert!(check_visible("DisplayName", name).is_err(), "{name:?}");
        }
        for name in ["Ana", "\u{200D}A", "\u{D55C}\u{AE00}", "\u{1F600}"] {
            assert_eq!(check_visible("DisplayName", name), Ok(()), "{name:?}");
        }
    }

    #[test]
    fn bidi_overrides_are_refused_in_names() {
        let err = check_no_bidi("AttachmentName", "invoice\u{202E}fdp.docx").unwrap_err();
        assert_eq!(
            err,
            ApiError::field(
                "AttachmentName",
                "must not contain right-to-left or left-to-right override characters"
            )
        );
        assert!(check_no_bidi("AttachmentName", "a\u{2067}b.pdf").is_err());
        assert_eq!(
            check_no_bidi("AttachmentName", "\u{5D3}\u{5D5}\u{5D7}.pdf"),
            Ok(())
        );
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn errors_name_the_nested_path() {
        let body = json!({"A": {"B": 3, "L": ["x", 1]}});
        let root = Fields::root(body.as_object().unwrap());
        let a = root.object("A").unwrap();
        assert_eq!(
            a.str("B").unwrap_err(),
            ApiError::field("A.B", "must be a string")
        );
        assert_eq!(
            a.str("C").unwrap_err(),
            ApiError::field("A.C", "is required")
        );
        assert_eq!(
            a.opt_str_list("L").unwrap_err(),
            ApiError::field("A.L[1]", "must be a string")
        );
        assert!(root.opt_object("Missing").unwrap().is_none());
    }

    #[test]
    fn null_counts_as_absent_and_numbers_must_be_whole() {
        let body = json!({"N": null, "F": 1.5, "I": 7, "S": "7"});
        let root = Fields::root(body.as_object().unwrap());
        assert_eq!(root.opt_str("N").unwrap(), None);
        assert!(root.opt_u64("F").is_err());
        assert!(root.opt_u64("S").is_err());
        assert_eq!(root.opt_u64("I").unwrap(), Some(7));
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        assert!(check_len("X", &"é".repeat(256), 1, 256).is_ok());
        assert!(check_len("X", &"é".repeat(257), 1, 256).is_err());
        assert!(check_len("X", "", 1, 256).is_err());
        assert!(check_no_control("X", "a\nb").is_err());
        assert!(check_no_control("X", "Zoë").is_ok());
    }
}
