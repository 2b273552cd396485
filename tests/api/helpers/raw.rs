//! Requests written byte by byte on a connection of their own, for what a
//! well-behaved HTTP client would not send.

use super::TestClient;

/// An answer read off the wire: the status and the whole text (head and body).
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    pub text: String,
}

impl TestClient {
    /// Sends `method path` with `headers` and `body` in chunked transfer
    /// encoding (no `Content-Length`, as a client streaming its upload does)
    /// over a connection of its own (without this client's cookies).
    pub async fn send_chunked(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> RawAnswer {
        use std::io::{Read as _, Write as _};
        let host = self.address.trim_start_matches("http://").to_owned();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n"
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let label = format!("{method} {path}");
        tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(&host).expect("connecting");
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(20)))
                .expect("read timeout");
            let mut request = head.into_bytes();
            for chunk in body.chunks(4096) {
                request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                request.extend_from_slice(chunk);
                request.extend_from_slice(b"\r\n");
            }
            request.extend_from_slice(b"0\r\n\r\n");
            // The server may answer (and close) before it has read everything.
            let _ = stream.write_all(&request);
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
            let text = String::from_utf8_lossy(&answer).into_owned();
            let status = text
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("no HTTP answer to {label}: {text:?}"));
            RawAnswer { status, text }
        })
        .await
        .expect("the chunked request")
    }
}
