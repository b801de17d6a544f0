//! Verification of AWS Signature Version 4 on Connect routes, written from the public
//! specification (canonical request -> string to sign -> derived key -> HMAC-SHA256). A request
//! signed with other credentials, another service name or a tampered body is refused as AWS
//! refuses it, so a misconfigured client fails locally exactly as it would in the cloud.

use axum::http::{HeaderMap, Method, Uri};
use chrono::{NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::wire::errors::AwsError;

/// The static credentials requests must be signed with.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// How far a request's `X-Amz-Date` may be from now (AWS allows 15 minutes).
const MAX_CLOCK_SKEW_SECS: i64 = 15 * 60;

/// Checks the request's `Authorization` header for `service` in `expected_region` against
/// `credentials`.
pub fn verify(
    credentials: &Credentials,
    expected_region: &str,
    service: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), AwsError> {
    let auth = header(headers, "authorization").ok_or_else(|| {
        AwsError::new(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        )
    })?;
    let parsed = parse_authorization(auth).ok_or_else(|| {
        AwsError::new(
            "IncompleteSignatureException",
            "Authorization header is malformed",
        )
    })?;
    let scope: Vec<&str> = parsed.scope.split('/').collect();
    let [date, region, scope_service, "aws4_request"] = scope.as_slice() else {
        return Err(AwsError::new(
            "IncompleteSignatureException",
            "Credential scope must be date/region/service/aws4_request",
        ));
    };
    if parsed.access_key_id != credentials.access_key_id {
        return Err(AwsError::new(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ));
    }
    if *region != expected_region {
        return Err(AwsError::new(
            "InvalidSignatureException",
            format!("Credential should be scoped to a valid region, not '{region}'."),
        ));
    }
    if *scope_service != service {
        return Err(AwsError::new(
            "InvalidSignatureException",
            format!("Credential should be scoped to correct service: '{service}'."),
        ));
    }
    let amz_date = header(headers, "x-amz-date").ok_or_else(|| {
        AwsError::new(
            "IncompleteSignatureException",
            "X-Amz-Date header is required",
        )
    })?;
    let signed_at = NaiveDateTime::parse_from_str(amz_date, "%Y%m%dT%H%M%SZ")
        .map_err(|_| AwsError::new("IncompleteSignatureException", "X-Amz-Date is malformed"))?
        .and_utc();
    if (Utc::now() - signed_at).num_seconds().abs() > MAX_CLOCK_SKEW_SECS {
        return Err(AwsError::new(
            "InvalidSignatureException",
            "Signature expired",
        ));
    }
    if !amz_date.starts_with(date) {
        return Err(AwsError::new(
            "InvalidSignatureException",
            "Credential date does not match X-Amz-Date",
        ));
    }
    if !parsed.signed_headers.iter().any(|h| h == "host") {
        return Err(AwsError::new(
            "InvalidSignatureException",
            "The host header must be signed",
        ));
    }

    let payload_hash = hex::encode(Sha256::digest(body));
    if let Some(declared) = header(headers, "x-amz-content-sha256") {
        if declared != payload_hash && declared != "UNSIGNED-PAYLOAD" {
            return Err(AwsError::new(
                "InvalidSignatureException",
                "The provided x-amz-content-sha256 header does not match the body",
            ));
        }
    }
    let canonical = canonical_request(method, uri, headers, &parsed.signed_headers, &payload_hash);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{}\n{}",
        parsed.scope,
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let key = signing_key(&credentials.secret_access_key, date, region, service);
    let expected = hex::encode(hmac(&key, string_to_sign.as_bytes()));
    if !constant_time_eq(expected.as_bytes(), parsed.signature.as_bytes()) {
        return Err(AwsError::new(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.",
        ));
    }
    Ok(())
}

struct Authorization<'a> {
    access_key_id: &'a str,
    scope: &'a str,
    signed_headers: Vec<String>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let rest = value.strip_prefix("AWS4-HMAC-SHA256")?.trim_start();
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, val) = part.trim().split_once('=')?;
        match key {
            "Credential" => credential = Some(val),
            "SignedHeaders" => signed = Some(val),
            "Signature" => signature = Some(val),
            _ => {}
        }
    }
    let (access_key_id, scope) = credential?.split_once('/')?;
    Some(Authorization {
        access_key_id,
        scope,
        signed_headers: signed?.split(';').map(str::to_owned).collect(),
        signature: signature?,
    })
}

fn canonical_request(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    signed_headers: &[String],
    payload_hash: &str,
) -> String {
    // Non-S3 services sign each path segment encoded once more on top of the wire encoding.
    let path = uri.path();
    let canonical_uri = if path.is_empty() {
        "/".to_owned()
    } else {
        path.split('/').map(encode).collect::<Vec<_>>().join("/")
    };
    let mut query: Vec<(String, String)> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (encode(&decode(k)), encode(&decode(v)))
        })
        .collect();
    query.sort();
    let canonical_query = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut canonical_headers = String::new();
    for name in signed_headers {
        let values: Vec<String> = headers
            .get_all(name.as_str())
            .iter()
            .map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    format!(
        "{method}\n{canonical_uri}\n{canonical_query}\n{canonical_headers}\n{}\n{payload_hash}",
        signed_headers.join(";")
    )
}

fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// HMAC-SHA256; also used to sign connect-local's own upload and download URLs.
pub fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Compares two byte strings without leaking where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The "get-vanilla" case of AWS's published SigV4 test suite (example credentials).
    #[test]
    fn matches_the_published_signature_of_the_vanilla_get() {
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830",
            "us-east-1",
            "service",
        );
        let mut headers = HeaderMap::new();
        headers.insert("host", "example.amazonaws.com".parse().unwrap());
        headers.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        let signed = vec!["host".to_string(), "x-amz-date".to_string()];
        let canonical = canonical_request(
            &Method::GET,
            &"/".parse().unwrap(),
            &headers,
            &signed,
            &hex::encode(Sha256::digest(b"")),
        );
        let sts = format!(
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n{}",
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        assert_eq!(
            hex::encode(hmac(&key, sts.as_bytes())),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }
}
