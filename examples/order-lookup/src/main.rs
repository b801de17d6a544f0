//! An example of the Lambda function a contact flow calls with InvokeLambdaFunction. Amazon
//! Connect sends a `ContactFlowEvent` (the contact's data and the block's parameters); the
//! function answers a flat map of strings, which the flow reads as `$.External.*`. This one
//! looks up the order in `Details.Parameters.orderId` in a small fixed table.
//!
//! Locally it runs under `cargo lambda watch`, and connect-local's `--lambda-endpoint` points
//! at watch, so a flow in `examples/flows/` calls it exactly as Connect would call the
//! deployed function.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

/// What the example knows: order id, status, shipping date.
const ORDERS: [(&str, &str, &str); 2] = [
    ("A-100", "shipped", "2026-12-01"),
    ("A-200", "processing", ""),
];

/// The flow's answer for one event.
fn lookup(event: &Value) -> Value {
    let order = event["Details"]["Parameters"]["orderId"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_uppercase();
    match ORDERS.iter().find(|(id, _, _)| *id == order) {
        Some((id, status, shipped_on)) => {
            json!({"orderId": id, "status": status, "shippedOn": shipped_on})
        }
        None => json!({"orderId": order, "status": "unknown", "shippedOn": ""}),
    }
}

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(lookup(&event.payload))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_orders_are_found_and_others_are_unknown() {
        let event = |id: &str| json!({"Name": "ContactFlowEvent", "Details": {"Parameters": {"orderId": id}}});
        assert_eq!(lookup(&event("a-100"))["status"], "shipped");
        assert_eq!(lookup(&event("A-100"))["shippedOn"], "2026-12-01");
        assert_eq!(lookup(&event("Z-9"))["status"], "unknown");
        assert!(lookup(&json!({}))
            .as_object()
            .unwrap()
            .values()
            .all(Value::is_string));
    }
}
