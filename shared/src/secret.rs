//! A configured secret (the origin-verify header value, an inline HS256 key, AWS credentials)
//! held so that `Debug` and `Display` never print it: configuration can be logged or
//! `Debug`-printed without leaking what it holds.

/// A secret string; read it with [`Secret::expose`], where it is used.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let secret = Secret::new("hunter2-value");
        assert_eq!(secret.expose(), "hunter2-value");
        assert!(!format!("{secret:?} {secret} {:?}", Some(&secret)).contains("hunter2"));
    }
}
