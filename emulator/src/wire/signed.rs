//! What every SigV4-signed operation (Connect, Cases) does before its own work: verify the
//! signature for the configured region and the service's signing name, consume an armed fault,
//! then parse the body and check the whole request (labels, query, body) against the model.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::{HeaderMap, Method, Uri};

use crate::store::Store;
use crate::wire::errors::AwsError;
use crate::wire::model::{RequestParts, Service};
use crate::wire::sigv4;
use crate::wire::validate::{self, Input};

/// A signed request as an axum handler receives it: what SigV4 and the model checks read.
pub struct Received {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: axum::body::Bytes,
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for Received {
    type Rejection = axum::extract::rejection::BytesRejection;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let (method, uri, headers) = (
            request.method().clone(),
            request.uri().clone(),
            request.headers().clone(),
        );
        let body = axum::body::Bytes::from_request(request, state).await?;
        Ok(Self {
            method,
            uri,
            headers,
            body,
        })
    }
}

impl Received {
    /// The request as a call of `operation`.
    pub fn call(&self, operation: &'static str) -> SignedCall<'_> {
        SignedCall {
            operation,
            method: &self.method,
            uri: &self.uri,
            headers: &self.headers,
            body: &self.body,
        }
    }
}

/// One signed call, as received.
pub struct SignedCall<'r> {
    pub operation: &'static str,
    pub method: &'r Method,
    pub uri: &'r Uri,
    pub headers: &'r HeaderMap,
    pub body: &'r [u8],
}

/// The service a signed call is for.
pub struct Api {
    pub signing_name: &'static str,
    pub model: &'static LazyLock<Service>,
    /// The error shape the service's operations model for invalid input.
    pub invalid_input: &'static str,
}

impl SignedCall<'_> {
    /// Runs the shared steps; returns the parsed body, checked against the model.
    pub fn admit(
        &self,
        store: &Store,
        api: &Api,
        labels: &[(&str, &str)],
        query: Option<&HashMap<String, String>>,
    ) -> Result<Input, AwsError> {
        sigv4::verify(
            &store.settings.credentials,
            &store.settings.region,
            api.signing_name,
            self.method,
            self.uri,
            self.headers,
            self.body,
        )?;
        if let Some(error) = store.take_fault(self.operation) {
            return Err(AwsError::new(error, "Injected fault"));
        }
        let invalid_input = invalid_input_error(api, self.operation);
        let input = Input::parse(self.body, invalid_input)?;
        validate::against_model(
            api.model,
            self.operation,
            &RequestParts {
                body: Some(&input.body),
                labels,
                query,
                headers: Some(self.headers),
            },
            invalid_input,
        )?;
        Ok(input)
    }
}

/// The error an operation's model gives for invalid input: the service's usual one when the
/// operation lists it, else the first of the other invalid-input errors it lists (CreateParticipant
/// and TransferContact model InvalidRequestException only).
fn invalid_input_error(api: &Api, operation: &str) -> &'static str {
    let modelled = api.model.errors_of(operation);
    [
        api.invalid_input,
        "InvalidParameterException",
        "InvalidRequestException",
        "ValidationException",
    ]
    .into_iter()
    .find(|error| modelled.contains(error))
    .unwrap_or(api.invalid_input)
}

/// Amazon Connect's signed API, for the operations whose model answers invalid input with
/// InvalidParameterException.
pub const CONNECT: Api = Api {
    signing_name: "connect",
    model: &crate::wire::model::CONNECT,
    invalid_input: "InvalidParameterException",
};

impl SignedCall<'_> {
    /// [`SignedCall::admit`], then the `InstanceId` path label (the first label) must be this
    /// server's instance.
    pub fn admit_on_instance(
        &self,
        store: &Store,
        api: &Api,
        labels: &[(&str, &str)],
        query: &HashMap<String, String>,
    ) -> Result<Input, AwsError> {
        let input = self.admit(store, api, labels, Some(query))?;
        let instance_id = labels.first().map(|(_, v)| *v).unwrap_or_default();
        if instance_id != store.settings.instance_id {
            return Err(AwsError::new(
                "ResourceNotFoundException",
                format!("Instance not found: {instance_id}"),
            ));
        }
        Ok(input)
    }
}

/// Where one page of a List operation starts and how long it is, from its `maxResults` and
/// `nextToken` query members (connect-local's tokens are the offset of the page's first item).
pub struct Page {
    pub start: usize,
    pub size: usize,
}

impl Page {
    /// A page of at most `default` items unless `maxResults` says otherwise.
    pub fn from_query(query: &HashMap<String, String>, default: usize) -> Result<Self, AwsError> {
        let size = query
            .get("maxResults")
            .and_then(|m| m.parse::<usize>().ok())
            .unwrap_or(default);
        let start = match query.get("nextToken") {
            None => 0,
            Some(token) => token.parse::<usize>().map_err(|_| {
                AwsError::new("InvalidParameterException", "The nextToken is not valid")
            })?,
        };
        Ok(Self { start, size })
    }

    /// The `NextToken` after this page, when `total` items leave more.
    pub fn next_token(&self, total: usize) -> Option<String> {
        (self.start + self.size < total).then(|| (self.start + self.size).to_string())
    }
}
