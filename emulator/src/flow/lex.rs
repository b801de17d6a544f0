//! A local stand-in for an Amazon Lex V2 bot alias, so that flows with a
//! ConnectParticipantWithLexBot action run without Lex. It is not Lex: a bot is a small JSON
//! file of intents, each recognised by sample utterances (`{Slot}` captures words), with a
//! reply, session attributes, and whether recognising it closes the conversation. Text that
//! matches no intent is Lex's `FallbackIntent`.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A bot file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct BotFile {
    /// The alias ARN flows name in `LexV2Bot.AliasArn`.
    pub alias_arn: String,
    pub name: String,
    pub intents: Vec<IntentFile>,
    /// What the bot says when nothing matches (FallbackIntent); nothing when absent.
    #[serde(default)]
    pub fallback_reply: Option<String>,
}

/// One intent of a bot file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct IntentFile {
    pub name: String,
    pub utterances: Vec<String>,
    /// Said when the intent is recognised; `{Slot}` is replaced by the slot's value.
    #[serde(default)]
    pub reply: Option<String>,
    /// Whether recognising it ends the conversation (true unless said otherwise).
    #[serde(default = "yes")]
    pub closes: bool,
    #[serde(default)]
    pub session_attributes: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

/// A loaded bot: its intents with their utterances compiled.
#[derive(Debug)]
pub struct Bot {
    pub alias_arn: String,
    pub name: String,
    intents: Vec<(IntentFile, Vec<fancy_regex::Regex>)>,
    fallback_reply: Option<String>,
}

/// What the bot made of one utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct Recognized {
    pub intent: String,
    pub slots: BTreeMap<String, String>,
    pub session_attributes: BTreeMap<String, String>,
    pub reply: Option<String>,
    pub closes: bool,
}

/// Lex's name for the intent of text that matches no other.
pub const FALLBACK_INTENT: &str = "FallbackIntent";

impl Bot {
    /// Reads a bot file's JSON.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: BotFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if !file.alias_arn.starts_with("arn:aws:lex:") || !file.alias_arn.contains(":bot-alias/") {
            return Err(format!(
                "AliasArn {:?} is not a Lex V2 bot alias ARN (arn:aws:lex:REGION:ACCOUNT:bot-alias/BOT_ID/ALIAS_ID)",
                file.alias_arn
            ));
        }
        let mut intents = Vec::new();
        for intent in file.intents {
            if intent.utterances.is_empty() {
                return Err(format!("intent {} has no Utterances", intent.name));
            }
            let compiled = intent
                .utterances
                .iter()
                .map(|u| {
                    compile(u).map_err(|e| format!("intent {}: utterance {u:?}: {e}", intent.name))
                })
                .collect::<Result<Vec<_>, _>>()?;
            intents.push((intent, compiled));
        }
        Ok(Self {
            alias_arn: file.alias_arn,
            name: file.name,
            intents,
            fallback_reply: file.fallback_reply,
        })
    }

    /// The first intent one of whose utterances matches `text`, or the fallback intent.
    pub fn recognize(&self, text: &str) -> Recognized {
        let text = text.trim();
        for (intent, patterns) in &self.intents {
            for pattern in patterns {
                let Ok(Some(captures)) = pattern.captures(text) else {
                    continue;
                };
                let slots: BTreeMap<String, String> = pattern
                    .capture_names()
                    .flatten()
                    .filter_map(|name| {
                        captures
                            .name(name)
                            .map(|m| (name.to_owned(), m.as_str().trim().to_owned()))
                    })
                    .collect();
                let reply = intent.reply.as_ref().map(|r| fill(r, &slots));
                return Recognized {
                    intent: intent.name.clone(),
                    slots,
                    session_attributes: intent.session_attributes.clone(),
                    reply,
                    closes: intent.closes,
                };
            }
        }
        Recognized {
            intent: FALLBACK_INTENT.into(),
            slots: BTreeMap::new(),
            session_attributes: BTreeMap::new(),
            reply: self.fallback_reply.clone(),
            closes: true,
        }
    }
}

/// An utterance as a case-insensitive pattern: words match with any spacing, `{Slot}` takes
/// one or more words, and the whole text must match (trailing `.`, `!` or `?` aside).
fn compile(utterance: &str) -> Result<fancy_regex::Regex, String> {
    let mut pattern = String::from("(?i)^\\s*");
    let mut rest = utterance.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('{') {
            let close = after.find('}').ok_or("a { without }")?;
            let name = &after[..close];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("slot name {name:?} must be letters, digits and _"));
            }
            pattern.push_str(&format!("(?P<{name}>.+?)"));
            rest = &after[close + 1..];
        } else {
            let end = rest.find('{').unwrap_or(rest.len());
            let literal = &rest[..end];
            let words: Vec<String> = literal
                .split_whitespace()
                .map(fancy_regex::escape)
                .map(|w| w.into_owned())
                .collect();
            if literal.starts_with(char::is_whitespace) {
                pattern.push_str("\\s+");
            }
            pattern.push_str(&words.join("\\s+"));
            if literal.ends_with(char::is_whitespace) && end < rest.len() {
                pattern.push_str("\\s+");
            }
            rest = &rest[end..];
        }
    }
    pattern.push_str("\\s*[.!?]*\\s*$");
    fancy_regex::Regex::new(&pattern).map_err(|e| e.to_string())
}

/// A reply with `{Slot}` replaced by the slot's value.
fn fill(reply: &str, slots: &BTreeMap<String, String>) -> String {
    slots.iter().fold(reply.to_owned(), |text, (name, value)| {
        text.replace(&format!("{{{name}}}"), value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bot() -> Bot {
        Bot::parse(
            r#"{"AliasArn": "arn:aws:lex:us-east-1:123456789012:bot-alias/B1/A1", "Name": "Orders",
                "Intents": [
                  {"Name": "TrackOrder", "Utterances": ["where is my order", "track order {OrderId}"],
                   "Reply": "Looking up {OrderId}.", "SessionAttributes": {"topic": "orders"}},
                  {"Name": "Greet", "Utterances": ["hello", "hi"], "Reply": "Hello! What can I do?", "Closes": false}
                ],
                "FallbackReply": "Sorry?"}"#,
        )
        .expect("bot loads")
    }

    #[test]
    fn utterances_match_whole_text_without_case_and_capture_slots() {
        let bot = bot();
        let r = bot.recognize("Track order  A-42!");
        assert_eq!(r.intent, "TrackOrder");
        assert_eq!(r.slots["OrderId"], "A-42");
        assert_eq!(r.reply.as_deref(), Some("Looking up A-42."));
        assert_eq!(r.session_attributes["topic"], "orders");
        assert!(r.closes);
        assert_eq!(bot.recognize("WHERE is my order?").intent, "TrackOrder");
        let greet = bot.recognize("hi");
        assert_eq!((greet.intent.as_str(), greet.closes), ("Greet", false));
    }

    #[test]
    fn anything_else_is_the_fallback_intent() {
        let r = bot().recognize("I want a refund");
        assert_eq!(r.intent, FALLBACK_INTENT);
        assert_eq!(r.reply.as_deref(), Some("Sorry?"));
    }

    #[test]
    fn a_bad_bot_file_says_what_is_wrong() {
        let err = Bot::parse(r#"{"AliasArn": "bot", "Name": "x", "Intents": []}"#).unwrap_err();
        assert!(err.contains("not a Lex V2 bot alias ARN"), "{err}");
        let err = Bot::parse(r#"{"AliasArn": "arn:aws:lex:us-east-1:1:bot-alias/B/A", "Name": "x", "Intents": [], "Extra": 1}"#).unwrap_err();
        assert!(err.contains("unknown field"), "{err}");
    }
}
