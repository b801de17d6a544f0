//! A minimal stand-in for Connect and the Participant Service: canned, valid answers to the
//! operations the measured functions call (StartChatContact, StartAttachmentUpload,
//! CompleteAttachmentUpload, StartAttachedFileUpload), with no checks. Benchmarks use it to time
//! the functions' own work; connect-local (which verifies signatures and keeps state) is the
//! alternative.
//!
//! It answers from plain blocking threads, one per connection, with responses written out in
//! advance: a request wakes the thread reading its socket directly, with no async runtime, task
//! hand-off or JSON encoding between the request and its answer. What the stub costs is time the
//! benchmark would otherwise charge to the functions, so it is kept as small as it can be.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Largest request (head and body) the stub reads; the functions' requests are about 1 KB.
const MAX_REQUEST: usize = 64 * 1024;

/// A running stub; stops accepting connections when dropped (open ones end when their client
/// closes them).
pub struct Stub {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    shared: Arc<Shared>,
}

impl Stub {
    /// How many operation calls the stub has answered.
    pub fn answered(&self) -> u64 {
        self.shared.answered.load(Ordering::Relaxed)
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::Relaxed);
        // Wakes the waiting acceptor so it sees the flag.
        if let Ok(addr) = self.shared.listener.local_addr() {
            let _ = TcpStream::connect(addr);
        }
    }
}

struct Shared {
    listener: TcpListener,
    responses: Vec<Canned>,
    answered: AtomicU64,
    stopping: AtomicBool,
}

/// Starts the stub on a free loopback port.
pub fn start() -> io::Result<Stub> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let responses = OPERATIONS
        .iter()
        .map(|&(method, path, body)| Canned {
            method,
            path,
            response: ok_response(body),
        })
        .collect();
    let shared = Arc::new(Shared {
        listener,
        responses,
        answered: AtomicU64::new(0),
        stopping: AtomicBool::new(false),
    });
    spawn_acceptor(shared.clone())?;
    Ok(Stub { base_url, shared })
}

/// Starts the thread that takes the next connection and then serves it. Each thread starts its
/// successor (the next one to wait in `accept`) only after answering its connection's first
/// request, or losing the connection, so that the first request is never held up by a thread
/// being created; a connection that arrives in between waits in the listen backlog.
fn spawn_acceptor(shared: Arc<Shared>) -> io::Result<()> {
    std::thread::Builder::new()
        .name("stub-connection".into())
        .spawn(move || {
            let stream = loop {
                match shared.listener.accept() {
                    Ok((stream, _)) => break stream,
                    Err(_) if shared.stopping.load(Ordering::Relaxed) => return,
                    // E.g. out of file descriptors: wait rather than spin.
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
                }
            };
            if shared.stopping.load(Ordering::Relaxed) {
                return;
            }
            let mut successor = Some(shared.clone());
            serve(stream, &shared, || {
                if let Some(shared) = successor.take() {
                    if !shared.stopping.load(Ordering::Relaxed) {
                        let _ = spawn_acceptor(shared);
                    }
                }
            });
        })?;
    Ok(())
}

/// The operations' methods, paths (`*` stands for one path segment) and canned answers.
const OPERATIONS: [(&str, &str, &str); 4] = [
    (
        "PUT",
        "/contact/chat",
        r#"{"ContactId":"stub-contact","ParticipantId":"stub-participant","ParticipantToken":"stub-participant-token"}"#,
    ),
    (
        "POST",
        "/participant/start-attachment-upload",
        r#"{"AttachmentId":"stub-attachment","UploadMetadata":{"Url":"http://127.0.0.1:9/upload","UrlExpiry":"2030-01-01T00:00:00Z","HeadersToInclude":{"Content-Type":"application/pdf","Content-Length":"14"}}}"#,
    ),
    ("POST", "/participant/complete-attachment-upload", "{}"),
    (
        "PUT",
        "/attached-files/*",
        r#"{"FileArn":"arn:aws:connect:us-east-1:123456789012:instance/stub/file/stub-file","FileId":"stub-file","CreationTime":"2026-11-21T08:00:00.000Z","FileStatus":"PROCESSING","UploadUrlMetadata":{"Url":"http://127.0.0.1:9/upload","UrlExpiry":"2030-01-01T00:00:00Z","HeadersToInclude":{"Content-Type":"application/pdf","Content-Length":"18"}}}"#,
    ),
];

const NOT_FOUND: &[u8] = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";

/// One operation's route and its whole HTTP response.
struct Canned {
    method: &'static str,
    path: &'static str,
    response: Vec<u8>,
}

fn ok_response(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Answers the requests of one keep-alive connection until the client closes it; calls
/// `after_answer` after each answer and when the connection ends.
fn serve(mut stream: TcpStream, shared: &Shared, mut after_answer: impl FnMut()) {
    let _ = stream.set_nodelay(true);
    let mut buffer = Vec::with_capacity(4096);
    while let Some((method, path, request_len)) = read_request(&mut stream, &mut buffer) {
        buffer.drain(..request_len);
        let canned = shared
            .responses
            .iter()
            .find(|c| c.method == method && path_matches(c.path, &path));
        // Only the operations count: anything else (floor-call's GET at init) gets a 404.
        let response = match canned {
            Some(canned) => {
                shared.answered.fetch_add(1, Ordering::Relaxed);
                canned.response.as_slice()
            }
            None => NOT_FOUND,
        };
        let written = stream.write_all(response);
        after_answer();
        if written.is_err() {
            return;
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
    after_answer();
}

/// Whether `path` fits `pattern`, where a `*` segment stands for any one segment.
fn path_matches(pattern: &str, path: &str) -> bool {
    let (mut pattern, mut path) = (pattern.split('/'), path.split('/'));
    loop {
        match (pattern.next(), path.next()) {
            (None, None) => return true,
            (Some("*"), Some(segment)) if !segment.is_empty() => {}
            (Some(expected), Some(segment)) if expected == segment => {}
            _ => return false,
        }
    }
}

/// Reads until `buffer` starts with a whole request; None when the connection ends first (or
/// the request is implausibly large).
fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<(String, String, usize)> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(parsed) = parse(buffer) {
            return Some(parsed);
        }
        if buffer.len() > MAX_REQUEST {
            return None;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

/// The method, path and total length (head and body) of the complete request at the start of
/// `buffer`, or None while it is incomplete.
fn parse(buffer: &[u8]) -> Option<(String, String, usize)> {
    let head_end = buffer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buffer[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?;
    let path = target.split('?').next().unwrap_or(target).to_owned();
    let body_len = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let total = head_end + body_len;
    (buffer.len() >= total).then_some((method, path, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_segment_by_segment() {
        assert!(path_matches("/contact/chat", "/contact/chat"));
        assert!(!path_matches("/contact/chat", "/contact/chats"));
        assert!(path_matches(
            "/attached-files/*",
            "/attached-files/instance-1"
        ));
        assert!(!path_matches("/attached-files/*", "/attached-files/"));
        assert!(!path_matches(
            "/attached-files/*",
            "/attached-files/instance-1/file-1"
        ));
    }

    #[test]
    fn requests_are_read_whole_with_their_body() {
        let head = b"PUT /attached-files/i-1?associatedResourceArn=x HTTP/1.1\r\nContent-Length: 2\r\n\r\n";
        assert_eq!(parse(head), None, "the body has not arrived");
        let whole = [head.as_slice(), b"{}GET /next"].concat();
        assert_eq!(
            parse(&whole),
            Some(("PUT".into(), "/attached-files/i-1".into(), head.len() + 2))
        );
    }
}
