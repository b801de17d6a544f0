//! What the resilience commands share beyond the test support crate (`integration_tests`,
//! whose `Stack` runs connect-local and the functions' handlers with their real SDK clients):
//! the stack they run against and the definition of a correct error answer.

use integration_tests::{Answer, Stack, ALLOWED_ORIGIN};

/// The standard test stack with connect-local's simulated agent off: nothing runs but the calls
/// under test.
pub async fn stack_without_agent() -> Stack {
    let options = connect_local::Options {
        agent: false,
        ..connect_local::Options::default()
    };
    Stack::start_with(
        options,
        &[
            ("ALLOWED_SEGMENT_ATTRIBUTES", "connect:*,routing_*"),
            ("DISCONNECT_ON_CUSTOMER_EXIT", "AGENT"),
        ],
    )
    .await
}

/// The statuses a handler may answer with: every status [`shared::ApiError`] maps to, plus 200
/// and 204 (preflight).
pub fn documented_statuses() -> Vec<u16> {
    let mut statuses: Vec<u16> = shared::ApiError::every_kind()
        .iter()
        .map(|e| e.status().as_u16())
        .collect();
    statuses.extend([200, 204]);
    statuses.sort_unstable();
    statuses.dedup();
    statuses
}

/// Whether an answer is a well-formed error of ours: a documented status, a JSON body with a
/// known `error.code`, and the CORS header for the allowed origin.
pub fn is_mapped_error(answer: &Answer) -> bool {
    let known_codes: Vec<&str> = shared::ApiError::every_kind()
        .iter()
        .map(|e| e.code())
        .collect();
    let code_known = answer.body["error"]["code"]
        .as_str()
        .is_some_and(|c| known_codes.contains(&c));
    let cors = answer.header("access-control-allow-origin") == Some(ALLOWED_ORIGIN);
    documented_statuses().contains(&answer.status) && code_known && cors
}
