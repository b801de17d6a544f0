//! template.yaml's security settings, read from the template itself: the API's access log
//! (what it records and that it expires), case-files' IAM scope, the case routes' optional JWT
//! scopes, and the front door's TLS floor and logging.

use serde_json::Value;

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    let text = std::fs::read_to_string(path).expect("template.yaml is readable");
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
    serde_json::to_value(untag(yaml)).expect("YAML maps to JSON")
}

/// Short-form tags (!Ref, !If …) become `{"Ref": …}` / `{"If": …}`, so their targets stay visible.
fn untag(value: serde_yaml::Value) -> serde_yaml::Value {
    use serde_yaml::Value as Y;
    match value {
        Y::Tagged(tagged) => {
            let mut map = serde_yaml::Mapping::new();
            let name = tagged.tag.to_string().trim_start_matches('!').to_owned();
            map.insert(Y::String(name), untag(tagged.value));
            Y::Mapping(map)
        }
        Y::Sequence(items) => Y::Sequence(items.into_iter().map(untag).collect()),
        Y::Mapping(map) => Y::Mapping(map.into_iter().map(|(k, v)| (k, untag(v))).collect()),
        other => other,
    }
}

#[test]
fn the_api_writes_an_access_log_without_headers_or_bodies_and_keeps_it_for_the_retention() {
    let t = template();
    let settings = &t["Resources"]["HttpApi"]["Properties"]["AccessLogSettings"];
    assert_eq!(
        settings["DestinationArn"]["GetAtt"],
        "ApiAccessLogGroup.Arn"
    );
    let format = settings["Format"].as_str().expect("a format");
    let line: Value = serde_json::from_str(format).expect("the format is one JSON object");
    for (field, source) in [
        ("requestId", "$context.requestId"),
        ("route", "$context.routeKey"),
        ("status", "$context.status"),
        ("latencyMs", "$context.responseLatency"),
        ("sourceIp", "$context.identity.sourceIp"),
    ] {
        assert_eq!(line[field], source, "{field}");
    }
    for forbidden in ["header", "body", "authorizer", "requestOverride"] {
        assert!(
            !format.contains(forbidden),
            "the access log must not record {forbidden}"
        );
    }
    let group = &t["Resources"]["ApiAccessLogGroup"]["Properties"];
    assert_eq!(group["RetentionInDays"]["Ref"], "LogRetentionInDays");
}

#[test]
fn case_files_may_touch_only_attached_files_of_the_configured_instance() {
    let t = template();
    let statements = t["Resources"]["CaseFilesFunction"]["Properties"]["Policies"][0]["Statement"]
        .as_array()
        .expect("statements")
        .clone();
    let connect = statements
        .iter()
        .find(|s| s["Sid"] == "AttachedFilesOfTheConfiguredInstanceOnly")
        .expect("the attached-file statement");
    for resource in connect["Resource"].as_array().expect("resources") {
        let arn = resource["Sub"].as_str().expect("an ARN");
        assert!(
            arn.ends_with("instance/${ConnectInstanceId}")
                || arn.ends_with("instance/${ConnectInstanceId}/file/*"),
            "{arn} is wider than the instance's attached files"
        );
    }
    let cases = statements
        .iter()
        .find(|s| s["Sid"] == "RelateFilesToCasesOfTheConfiguredDomainOnly")
        .expect("the Cases statement");
    assert_eq!(
        cases["Action"],
        serde_json::json!(["cases:CreateRelatedItem", "cases:SearchRelatedItems"])
    );
    for resource in cases["Resource"].as_array().expect("resources") {
        let arn = resource["Sub"].as_str().expect("an ARN");
        assert!(
            arn.ends_with("domain/${CasesDomainId}")
                || arn.ends_with("domain/${CasesDomainId}/case/*"),
            "{arn} is wider than the domain's cases"
        );
    }
}

#[test]
fn the_case_routes_jwt_authorizer_can_require_scopes() {
    let t = template();
    assert_eq!(
        t["Parameters"]["CaseJwtScopes"]["Type"],
        "CommaDelimitedList"
    );
    for route in ["CaseStartRouteJwt", "CaseCompleteRouteJwt"] {
        let scopes = &t["Resources"][route]["Properties"]["AuthorizationScopes"]["If"];
        assert_eq!(scopes[0], "CaseJwtScoped", "{route}");
        assert_eq!(scopes[1]["Ref"], "CaseJwtScopes", "{route}");
    }
}

#[test]
fn the_front_door_can_serve_a_custom_domain_with_tls_1_2_and_logs_what_it_and_waf_see() {
    let t = template();
    let config = &t["Resources"]["FrontDoor"]["Properties"]["DistributionConfig"];
    let certificate = &config["ViewerCertificate"]["If"];
    assert_eq!(certificate[0], "FrontDoorCustomDomain");
    assert_eq!(certificate[1]["MinimumProtocolVersion"], "TLSv1.2_2021");
    assert_eq!(certificate[1]["SslSupportMethod"], "sni-only");
    assert_eq!(
        config["Logging"]["Bucket"]["GetAtt"],
        "FrontDoorLogBucket.DomainName"
    );
    let waf = &t["Resources"]["WafLogging"]["Properties"];
    assert_eq!(waf["ResourceArn"]["GetAtt"], "WebAcl.Arn");
    let redacted: Vec<String> = waf["RedactedFields"]
        .as_array()
        .expect("redacted fields")
        .iter()
        .filter_map(|f| f["SingleHeader"]["Name"].as_str().map(str::to_owned))
        .collect();
    for header in ["authorization", "x-amz-bearer", "x-origin-verify"] {
        assert!(
            redacted.iter().any(|h| h == header),
            "WAF logs would keep {header}"
        );
    }
}
