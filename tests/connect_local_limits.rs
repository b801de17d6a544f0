//! connect-local as a server facing misbehaving clients: slow headers and idle keep-alive
//! connections are closed, a stalled upload is refused, and a websocket that stops reading is
//! disconnected once its bounded queue is full instead of growing without limit.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use integration_tests::*;

fn options() -> connect_local::Options {
    connect_local::Options {
        agent: false,
        header_read_timeout: Duration::from_millis(300),
        body_progress_timeout: Duration::from_millis(300),
        ..Default::default()
    }
}

/// Reads until the server closes the connection (or 5 s pass); returns what it sent and
/// whether it closed.
fn read_until_closed(stream: &mut std::net::TcpStream) -> (String, bool) {
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("read timeout set");
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&received).into_owned(), true),
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return (String::from_utf8_lossy(&received).into_owned(), true),
        }
    }
    (String::from_utf8_lossy(&received).into_owned(), false)
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_headers_and_idle_connections_are_closed() {
    let stack = Stack::start_with(options(), &[]).await;
    let addr = stack.server.addr;
    let (slow_closed, idle) = tokio::task::spawn_blocking(move || {
        let mut slow = std::net::TcpStream::connect(addr).expect("connects");
        slow.write_all(b"GET /_local/health HTTP/1.1\r\nHost: local\r\n")
            .expect("writes part of the headers");
        let (_, slow_closed) = read_until_closed(&mut slow);

        let mut idle = std::net::TcpStream::connect(addr).expect("connects");
        idle.write_all(b"GET /_local/health HTTP/1.1\r\nHost: local\r\n\r\n")
            .expect("writes a whole request");
        let idle = read_until_closed(&mut idle);
        (slow_closed, idle)
    })
    .await
    .expect("the client thread ends");
    assert!(
        slow_closed,
        "a connection that never finished its headers was kept open"
    );
    let (answer, idle_closed) = idle;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(idle_closed, "an idle keep-alive connection was kept open");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_upload_is_refused() {
    let stack = Stack::start_with(options(), &[]).await;
    let (_, token) = stack.chat_with_connection().await;
    let started = stack
        .participant
        .start_attachment_upload()
        .connection_token(&token)
        .content_type("text/plain")
        .attachment_size_in_bytes(20)
        .attachment_name("notes.txt")
        .client_token("stall-1")
        .send()
        .await
        .expect("StartAttachmentUpload");
    let metadata = started.upload_metadata().expect("upload metadata");
    let url: reqwest::Url = metadata.url().unwrap_or_default().parse().expect("a URL");
    let mut head = format!(
        "PUT {}?{} HTTP/1.1\r\nHost: {}\r\nContent-Length: 20\r\n",
        url.path(),
        url.query().unwrap_or_default(),
        stack.server.addr
    );
    for (name, value) in metadata.headers_to_include().expect("headers") {
        if !name.eq_ignore_ascii_case("content-length") {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("\r\n");
    let addr = stack.server.addr;
    let (answer, closed) = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connects");
        stream.write_all(head.as_bytes()).expect("headers");
        stream.write_all(b"0123456789").expect("half of the body");
        read_until_closed(&mut stream)
    })
    .await
    .expect("the client thread ends");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("<Code>RequestTimeout</Code>"), "{answer}");
    assert!(closed || !answer.is_empty());
    let attachment_id = started.attachment_id().unwrap_or_default().to_owned();
    let uploaded = stack.server.store.with(|inner| {
        inner
            .attachments
            .get(&attachment_id)
            .and_then(|a| a.bytes.clone())
    });
    assert_eq!(uploaded, None, "nothing of the stalled upload was kept");
}

#[tokio::test]
async fn a_websocket_that_stops_reading_is_disconnected_not_buffered_without_limit() {
    let stack = Stack::start_with(options(), &[]).await;
    let (chat, _) = stack.chat_with_connection().await;
    let participant_token = chat.body["data"]["startChatResult"]["ParticipantToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let contact_id = chat.body["data"]["startChatResult"]["ContactId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (_, mut socket) = stack.connect_participant(&participant_token).await;
    let subscribers = |stack: &Stack| {
        stack
            .server
            .store
            .with(|inner| inner.contacts.get(&contact_id).map(|c| c.subscribers.len()))
    };
    assert_eq!(subscribers(&stack), Some(1));

    // 2,000 pushes of 16 KB while the client reads nothing.
    let big = "x".repeat(16 * 1024);
    for _ in 0..2000 {
        stack.server.store.with(|inner| {
            if let Some(contact) = inner.contacts.get_mut(&contact_id) {
                let mut item = connect_local::chat::new_item(
                    contact,
                    None,
                    connect_local::store::ItemType::Message,
                );
                item.content = Some(big.clone());
                connect_local::chat::publish(contact, item, false);
            }
        });
    }
    assert_eq!(subscribers(&stack), Some(0), "the slow consumer was let go");

    // What it can still read ends with the socket closing, well short of 2,000 frames.
    let mut received = 0;
    while socket.item().await.is_some() {
        received += 1;
    }
    assert!(
        received < 2000,
        "{received} frames were buffered for a client that did not read"
    );
}

#[tokio::test]
async fn a_pooled_connection_the_server_closed_while_idle_costs_the_customer_nothing() {
    // connect-local closes keep-alive connections idle for 300 ms; the SDK's pooled connection
    // from the first call is closed by the time of the second.
    let stack = Stack::start_with(options(), &[]).await;
    let first = stack.start_chat(event("start-chat.json")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    tokio::time::sleep(Duration::from_millis(900)).await;
    let second = stack.start_chat(event("start-chat-minimal.json")).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(stack.contact_count(), 2);
}
