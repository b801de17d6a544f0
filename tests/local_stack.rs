//! The README's local command, end to end: start `scripts/local-stack.sh` on free ports, call
//! every route through `cargo lambda watch`'s router exactly as the README's curl examples do,
//! upload an attachment through the three steps, then stop it and check nothing is left running.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Stops the whole process group (script, connect-local, watch and the functions) on drop.
struct LocalStack {
    child: Child,
}

impl Drop for LocalStack {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn port_is_closed(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_local_command_serves_every_route_and_stops_cleanly() {
    let (api_port, widget_port) = (free_port(), free_port());
    let page_origin = format!("http://127.0.0.1:{widget_port}");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/local-stack.sh");
    let mut child = Command::new(script)
        // connect-local takes a free port itself and the banner names it.
        .env("CONNECT_LOCAL_PORT", "0")
        .env("API_PORT", api_port.to_string())
        .env("WIDGET_PORT", widget_port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .process_group(0)
        .spawn()
        .expect("scripts/local-stack.sh starts");
    let stdout = child.stdout.take().unwrap();
    let stack = LocalStack { child };

    // Wait (bounded) for the ready banner; the first run may compile the functions.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(900);
    let mut banner = Vec::new();
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the local stack printed its ready banner in time");
        let ready = line.contains("Local stack ready");
        banner.push(line);
        if ready {
            break;
        }
    }
    // Collect the rest of the banner (URLs), up to its last line.
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) {
        let last = line.contains("Ctrl-C");
        banner.push(line);
        if last {
            break;
        }
    }
    let banner = banner.join("\n");
    let api = format!("http://127.0.0.1:{api_port}");
    let connect = banner
        .lines()
        .find_map(|l| {
            l.split("connect-local (Connect + Participant Service endpoint): ")
                .nth(1)
        })
        .unwrap_or_else(|| panic!("the banner names connect-local's address: {banner}"))
        .trim()
        .to_owned();
    let connect_port: u16 = connect
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("connect-local's address has a port: {connect}"));
    assert_ne!(connect_port, 0);
    assert!(banner.contains(&format!("POST {api}/chat")), "{banner}");

    let http = reqwest::Client::new();
    // 0. The chat page is served, with its configuration pointing at this run's ports.
    assert!(
        banner.contains(&format!("Chat page (open it in a browser): {page_origin}")),
        "{banner}"
    );
    let page = http
        .get(format!("{page_origin}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("amazon-connect-chat.js") && page.contains("chat.js"));
    let config = http
        .get(format!("{page_origin}/config.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        config.contains(&format!("\"apiBaseUrl\": \"{api}\"")),
        "{config}"
    );
    assert!(
        config.contains(&format!("\"participantEndpoint\": \"{connect}\"")),
        "{config}"
    );
    let chatjs = http
        .get(format!(
            "{page_origin}/node_modules/amazon-connect-chatjs/dist/amazon-connect-chat.js"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(chatjs.status(), 200, "the page's chatjs bundle is served");

    // 1. Start a chat the way amazon-connect-chat-interface does (JSON string as text/plain).
    let resp = http
        .post(format!("{api}/chat"))
        .header("content-type", "text/plain;charset=UTF-8")
        .header("origin", &page_origin)
        .body(json!({"ParticipantDetails": {"DisplayName": "Ana"}, "Attributes": {"customerId": "C-7"}}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        page_origin.as_str()
    );
    let chat: Value = resp.json().await.unwrap();
    let participant_token = chat["data"]["startChatResult"]["ParticipantToken"]
        .as_str()
        .unwrap();

    // A refused request through the router still gets our JSON error.
    let resp = http
        .post(format!("{api}/chat"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let err: Value = resp.json().await.unwrap();
    assert_eq!(err["error"]["field"], "ParticipantDetails");

    // Preflight answered by our function.
    let resp = http
        .request(reqwest::Method::OPTIONS, format!("{api}/attachments/start"))
        .header("origin", &page_origin)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(resp.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("x-amz-bearer"));

    // 2. The customer's connection, straight from connect-local as chatjs does it.
    let resp = http
        .post(format!("{connect}/participant/connection"))
        .header("x-amz-bearer", participant_token)
        .json(&json!({"Type": ["WEBSOCKET", "CONNECTION_CREDENTIALS"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let connection: Value = resp.json().await.unwrap();
    let token = connection["ConnectionCredentials"]["ConnectionToken"]
        .as_str()
        .unwrap();

    // 3. Attachment: start through our function, PUT the bytes, complete through our function.
    let bytes = b"hello from the local stack";
    let resp = http
        .post(format!("{api}/attachments/start"))
        .header("x-amz-bearer", token)
        .json(&json!({"AttachmentName": "hello.txt", "AttachmentSizeInBytes": bytes.len(), "ContentType": "text/plain"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let started: Value = resp.json().await.unwrap();
    let mut put = http
        .put(started["UploadMetadata"]["Url"].as_str().unwrap())
        .body(bytes.to_vec());
    for (k, v) in started["UploadMetadata"]["HeadersToInclude"]
        .as_object()
        .unwrap()
    {
        if k != "Content-Length" {
            put = put.header(k, v.as_str().unwrap());
        }
    }
    assert_eq!(put.send().await.unwrap().status(), 200);
    let resp = http
        .post(format!("{api}/attachments/complete"))
        .header("x-amz-bearer", token)
        .json(&json!({"AttachmentIds": [started["AttachmentId"]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // connect-local saw the contact with its attribute.
    let seen = contacts(&http, &connect).await;
    assert_eq!(seen[0]["Attributes"]["customerId"], "C-7");

    // The README's "Try it" block, run as written (only the ports differ). The two address
    // lines are replaced whole: replacing bare addresses in turn could rewrite the first one's
    // new port again (API on port 40105 contains "127.0.0.1:4010").
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let block = readme
        .split("<!-- local-walkthrough:start -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- local-walkthrough:end -->").next())
        .expect("README has the walkthrough block")
        .trim()
        .trim_start_matches("```bash")
        .trim_end_matches("```");
    let mut lines: Vec<String> = block.lines().map(str::to_owned).collect();
    for (line, this_run) in [
        ("API=http://127.0.0.1:9000", format!("API={api}")),
        (
            "CONNECT=http://127.0.0.1:4010",
            format!("CONNECT={connect}"),
        ),
    ] {
        let at = lines
            .iter()
            .position(|l| l == line)
            .unwrap_or_else(|| panic!("the walkthrough sets {line}"));
        lines[at] = this_run;
    }
    let block = lines.join("\n");
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &block])
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "README walkthrough failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "\"startChatResult\"",
        "\"AttachmentId\"",
        "\"HeadersToInclude\"",
        "\"field\":\"ParticipantDetails.DisplayName\"",
        "\"customerId\":\"C-1001\"",
    ] {
        assert!(
            stdout.contains(expected),
            "README walkthrough output lacks {expected}:\n{stdout}"
        );
    }
    let attachments: usize = contacts(&http, &connect)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["AttachmentIds"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(attachments, 2, "both attachments reached connect-local");

    // 5. The demo flow (examples/flows): its InvokeLambdaFunction reaches the order-lookup
    // function of this workspace through cargo lambda watch's Invoke API.
    demo_flow_calls_the_workspace_lambda(&connect).await;

    drop(stack);
    assert!(port_is_closed(connect_port), "connect-local stopped");
    assert!(port_is_closed(api_port), "cargo lambda watch stopped");
    assert!(port_is_closed(widget_port), "the chat page server stopped");
}

/// A chat on the demo flow, straight against connect-local with the Rust SDK: the bot takes
/// the question, the Lambda answers, and the flow says what it answered.
async fn demo_flow_calls_the_workspace_lambda(connect: &str) {
    use aws_sdk_connect::types::{ConnectionType, ParticipantDetails};
    let aws = integration_tests::sdk_config(
        connect,
        connect_local::DEFAULT_ACCESS_KEY_ID,
        connect_local::DEFAULT_SECRET_ACCESS_KEY,
    )
    .await;
    let started = aws_sdk_connect::Client::new(&aws)
        .start_chat_contact()
        .instance_id(connect_local::DEFAULT_INSTANCE_ID)
        .contact_flow_id("77777777-7777-4777-8777-777777777777")
        .participant_details(
            ParticipantDetails::builder()
                .display_name("Ana")
                .build()
                .unwrap(),
        )
        .connection_types(ConnectionType::Websocket)
        .connection_types(ConnectionType::ConnectionCredentials)
        .send()
        .await
        .expect("StartChatContact on the demo flow");
    let token = started
        .connection_credentials()
        .and_then(|c| c.connection_token())
        .unwrap()
        .to_owned();
    let mut socket =
        integration_tests::ChatSocket::open(started.websocket().and_then(|w| w.url()).unwrap())
            .await;
    socket
        .until(|i| i["Content"] == "What can I do for you?")
        .await;
    aws_sdk_connectparticipant::Client::new(&aws)
        .send_message()
        .connection_token(&token)
        .content_type("text/plain")
        .content("track order A-100")
        .send()
        .await
        .expect("SendMessage");
    // The first invoke makes watch start the function, which can take a few seconds.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let item = socket.item().await.expect("the chat stays open");
        if item["Content"] == "Order A-100 shipped on 2026-12-01." {
            break;
        }
        assert_ne!(
            item["Content"], "The order service did not answer.",
            "the Lambda call failed"
        );
        assert!(Instant::now() < deadline, "no answer from the Lambda");
    }
    socket
        .until(|i| {
            integration_tests::is_event(i, "participant.joined") && i["ParticipantRole"] == "AGENT"
        })
        .await;
}

/// connect-local's contacts, from its admin API.
async fn contacts(http: &reqwest::Client, connect: &str) -> Value {
    http.get(format!("{connect}/_local/contacts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
