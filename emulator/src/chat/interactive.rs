//! Interactive messages the simulated agent sends (the templates Amazon Connect documents and
//! chatjs-based widgets render: ListPicker, TimePicker, QuickReply, Carousel, Panel,
//! ViewResource) and how it reads a customer's `interactive.response`.

use chrono::{Duration, Utc};
use serde_json::{json, Value};

/// The content type of interactive messages.
pub const INTERACTIVE: &str = "application/vnd.amazonaws.connect.message.interactive";
/// The content type of a customer's answer to one.
pub const INTERACTIVE_RESPONSE: &str =
    "application/vnd.amazonaws.connect.message.interactive.response";

/// Every template, by the name tests and customers use (`/listpicker` in a message).
pub const TEMPLATES: [&str; 6] = [
    "ListPicker",
    "TimePicker",
    "QuickReply",
    "Carousel",
    "Panel",
    "ViewResource",
];

/// The template named `name` (any case, with or without a leading `/`), as message content.
pub fn template(name: &str) -> Option<Value> {
    let wanted = name.trim().trim_start_matches('/');
    let template_type = TEMPLATES.iter().find(|t| t.eq_ignore_ascii_case(wanted))?;
    let content = match *template_type {
        "ListPicker" => json!({
            "title": "Which department do you need?",
            "subtitle": "Tap to select an option",
            "elements": [
                {"title": "Billing", "subtitle": "Invoices and payments"},
                {"title": "Orders", "subtitle": "Delivery and returns"},
                {"title": "Technical support", "subtitle": "Something is not working"}
            ]
        }),
        "TimePicker" => {
            let tomorrow = (Utc::now() + Duration::days(1))
                .format("%Y-%m-%d")
                .to_string();
            json!({
                "title": "When should we call you back?",
                "subtitle": "Tap to select a time",
                "timeZoneOffset": 0,
                "timeslots": [
                    {"date": format!("{tomorrow}T09:00+00:00"), "duration": 30},
                    {"date": format!("{tomorrow}T11:00+00:00"), "duration": 30},
                    {"date": format!("{tomorrow}T15:00+00:00"), "duration": 30}
                ]
            })
        }
        "QuickReply" => json!({
            "title": "How was your experience so far?",
            "elements": [{"title": "Great"}, {"title": "Good"}, {"title": "Could be better"}]
        }),
        "Carousel" => {
            let panels: Vec<Value> = ["Basic", "Plus", "Premium"]
                .iter()
                .map(|plan| {
                    json!({
                        "templateType": "Panel",
                        "version": "1.0",
                        "data": {"content": {
                            "title": plan,
                            "subtitle": format!("The {plan} plan"),
                            "elements": [{"title": format!("Choose {plan}")}]
                        }}
                    })
                })
                .collect();
            json!({"title": "Pick a plan", "elements": panels})
        }
        "Panel" => json!({
            "title": "How can I help you?",
            "subtitle": "Tap to select an option",
            "elements": [{"title": "Track my order"}, {"title": "Talk to an agent"}]
        }),
        _ => json!({
            "viewToken": "connect-local-confirm",
            "title": "Please confirm"
        }),
    };
    Some(json!({"templateType": template_type, "version": "1.0", "data": {"content": content}}))
}

/// What the customer chose in an `interactive.response`: the selected element's title, a
/// selected time slot, or the response's own title.
pub fn chosen(response: &str) -> Option<String> {
    let value: Value = serde_json::from_str(response).ok()?;
    let content = &value["data"]["content"];
    let selected = content["elements"]
        .as_array()
        .and_then(|elements| elements.first())
        .and_then(|element| element["title"].as_str())
        .or_else(|| content["selectedTimeslots"][0]["date"].as_str())
        .or_else(|| content["title"].as_str())
        .or_else(|| value["title"].as_str())?;
    Some(selected.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_named_and_versioned() {
        for name in TEMPLATES {
            let message = template(&format!("/{}", name.to_lowercase())).expect("a template");
            assert_eq!(message["templateType"], name);
            assert_eq!(message["version"], "1.0");
            assert!(message["data"]["content"].is_object());
        }
        assert_eq!(template("/nothing"), None);
    }

    #[test]
    fn the_choice_is_read_from_the_response() {
        let pick = r#"{"templateType":"ListPicker","data":{"content":{"title":"Which department do you need?","elements":[{"title":"Orders"}]}}}"#;
        assert_eq!(chosen(pick).as_deref(), Some("Orders"));
        let time = r#"{"templateType":"TimePicker","data":{"content":{"selectedTimeslots":[{"date":"2026-12-01T09:00+00:00"}]}}}"#;
        assert_eq!(chosen(time).as_deref(), Some("2026-12-01T09:00+00:00"));
        assert_eq!(chosen("not json"), None);
    }
}
