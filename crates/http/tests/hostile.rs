//! The plumbing against a hostile server: answers too large to hold, bodies trickled a byte at a
//! time, downloads that stall. The server is a few lines of raw HTTP/1.1 over a local socket so it
//! can misbehave in ways a well-behaved framework would not allow.

use opsdesk_http::{
    build_client, download_file, execute, ApiError, ApiResponse, DownloadOptions, DownloadProgress,
    ErrorKind, HttpConfig, Idempotency, RetryPolicy,
};
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use url::Url;

const MIB: usize = 1024 * 1024;

/// One request as the server saw it: its number (0-based, in arrival order) and its path.
#[derive(Debug, Clone)]
struct Req {
    n: usize,
    path: String,
}

struct Server {
    base: Url,
    hits: Arc<AtomicUsize>,
}

impl Server {
    fn url(&self, path: &str) -> Url {
        self.base.join(path).unwrap()
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// Starts a server on 127.0.0.1 that reads each request's head, counts it, and hands the socket
/// to `respond`, which writes whatever it likes. Write errors (the client hung up) are ignored.
async fn serve<F, Fut>(respond: F) -> Server
where
    F: Fn(Req, TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = std::io::Result<()>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let respond = Arc::new(respond);
    let counter = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let respond = respond.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let Some(path) = read_request_head(&mut sock).await else {
                    return;
                };
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let _ = respond(Req { n, path }, sock).await;
            });
        }
    });
    Server {
        base: Url::parse(&format!("http://{addr}/")).unwrap(),
        hits,
    }
}

/// Reads up to the blank line ending the request head (the tests only send GETs) and returns the
/// path from the request line.
async fn read_request_head(sock: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = sock.read(&mut byte).await.ok()?;
        if n == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.extend_from_slice(&byte[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    head.split_whitespace().nth(1).map(str::to_string)
}

async fn write_head(sock: &mut TcpStream, status: &str, headers: &[String]) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    sock.write_all(head.as_bytes()).await
}

/// A complete answer with `Content-Length`.
async fn write_full(
    sock: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<()> {
    write_head(
        sock,
        status,
        &[
            format!("Content-Type: {content_type}"),
            format!("Content-Length: {}", body.len()),
        ],
    )
    .await?;
    sock.write_all(body).await?;
    sock.flush().await
}

/// A chunked answer of `total` bytes of JSON-ish filler, with no `Content-Length`.
async fn write_chunked(sock: &mut TcpStream, status: &str, total: usize) -> std::io::Result<()> {
    write_head(
        sock,
        status,
        &[
            "Content-Type: application/json".into(),
            "Transfer-Encoding: chunked".into(),
        ],
    )
    .await?;
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0;
    while sent < total {
        let n = chunk.len().min(total - sent);
        sock.write_all(format!("{n:x}\r\n").as_bytes()).await?;
        sock.write_all(&chunk[..n]).await?;
        sock.write_all(b"\r\n").await?;
        sent += n;
    }
    sock.write_all(b"0\r\n\r\n").await?;
    sock.flush().await
}

/// Announces `len` bytes, then sends `piece` bytes every `every` until the client gives up.
async fn trickle(
    sock: &mut TcpStream,
    content_type: &str,
    len: usize,
    piece: usize,
    every: Duration,
) -> std::io::Result<()> {
    write_head(
        sock,
        "200 OK",
        &[
            format!("Content-Type: {content_type}"),
            format!("Content-Length: {len}"),
        ],
    )
    .await?;
    let bytes = vec![b'x'; piece];
    let mut sent = 0;
    while sent < len {
        tokio::time::sleep(every).await;
        sock.write_all(&bytes).await?;
        sock.flush().await?;
        sent += piece;
    }
    Ok(())
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn short_stall() -> DownloadOptions {
    DownloadOptions {
        poll_interval: Duration::from_millis(20),
        max_poll_interval: Duration::from_millis(50),
        stall_window: Duration::from_millis(300),
        stall_min_bytes: 1024,
        ..DownloadOptions::default()
    }
}

/// One JSON API call as the clients make it: a read is a GET (retried when safe), a create a
/// POST; bounded in time so a hung call fails the test instead of hanging it.
async fn call(
    url: &Url,
    idempotency: Idempotency,
    policy: &RetryPolicy,
    limit: Duration,
) -> Result<ApiResponse, ApiError> {
    let http = build_client(&HttpConfig::default()).unwrap();
    within(
        limit,
        execute(
            || match idempotency {
                Idempotency::Idempotent => http.get(url.clone()),
                Idempotency::NotIdempotent => http.post(url.clone()),
            },
            idempotency,
            policy,
            None,
            None,
        ),
    )
    .await
}

fn is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().next().is_none()
}

/// An upper bound so a regression fails the test instead of hanging it.
async fn within<T>(limit: Duration, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, f)
        .await
        .expect("the call should have ended by now")
}

// ---- JSON calls: size cap and deadline ----

#[tokio::test]
async fn a_20_mib_answer_with_content_length_is_refused_and_not_retried() {
    let srv = serve(|_, mut sock| async move {
        write_full(
            &mut sock,
            "200 OK",
            "application/json",
            &vec![b' '; 20 * MIB],
        )
        .await
    })
    .await;
    let url = srv.url("v1/checks");
    let err =     // Idempotent: a plain glitch would be retried, so this proves the cap is final.
    call(&url, Idempotency::Idempotent, &fast_retry(), Duration::from_secs(20)).await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnexpectedResponse);
    assert_eq!(err.status, Some(200));
    assert_eq!(err.detail, "the server's answer was larger than 16 MB");
    assert_eq!(srv.hits(), 1, "an oversized answer is not asked for again");
}

#[tokio::test]
async fn a_20_mib_chunked_answer_is_cut_off_and_not_retried() {
    let srv =
        serve(|_, mut sock| async move { write_chunked(&mut sock, "200 OK", 20 * MIB).await })
            .await;
    let url = srv.url("v1/checks");
    let err = call(
        &url,
        Idempotency::Idempotent,
        &fast_retry(),
        Duration::from_secs(20),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnexpectedResponse);
    assert_eq!(err.status, Some(200));
    assert!(err.detail.contains("larger than 16 MB"), "{}", err.detail);
    assert_eq!(srv.hits(), 1);
}

#[tokio::test]
async fn a_smaller_cap_applies_too() {
    let srv =
        serve(|_, mut sock| async move { write_chunked(&mut sock, "200 OK", 300 * 1024).await })
            .await;
    let url = srv.url("x");
    let policy = RetryPolicy {
        max_body_bytes: 256 * 1024,
        ..fast_retry()
    };
    let err = call(
        &url,
        Idempotency::Idempotent,
        &policy,
        Duration::from_secs(20),
    )
    .await
    .unwrap_err();
    assert_eq!(err.detail, "the server's answer was larger than 256 KB");
    assert_eq!(srv.hits(), 1);
}

#[tokio::test]
async fn a_huge_error_body_keeps_its_status_and_retry_rule() {
    let srv = serve(|_, mut sock| async move {
        write_chunked(&mut sock, "503 Service Unavailable", 20 * MIB).await
    })
    .await;
    let url = srv.url("v1/checks");
    let err = call(
        &url,
        Idempotency::Idempotent,
        &fast_retry(),
        Duration::from_secs(20),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Server);
    assert_eq!(err.status, Some(503));
    assert!(err.vendor.is_none());
    assert_eq!(srv.hits(), 4, "a 5xx on a read is still retried");
}

#[tokio::test]
async fn a_trickled_body_hits_the_deadline() {
    let srv = serve(|_, mut sock| async move {
        trickle(
            &mut sock,
            "application/json",
            10_000,
            1,
            Duration::from_millis(100),
        )
        .await
    })
    .await;
    let url = srv.url("v1/checks");
    let policy = RetryPolicy {
        deadline: Duration::from_secs(1),
        ..fast_retry()
    };
    let started = Instant::now();
    let err = call(
        &url,
        Idempotency::NotIdempotent,
        &policy,
        Duration::from_secs(10),
    )
    .await
    .unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.kind, ErrorKind::Timeout);
    assert_eq!(err.detail, "the server did not finish answering within 1 s");
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert_eq!(srv.hits(), 1, "a create is not repeated after a timeout");
}

#[tokio::test]
async fn a_trickled_read_is_retried_within_the_deadline_each_time() {
    let srv = serve(|_, mut sock| async move {
        trickle(
            &mut sock,
            "application/json",
            10_000,
            1,
            Duration::from_millis(100),
        )
        .await
    })
    .await;
    let url = srv.url("v1/checks");
    let policy = RetryPolicy {
        max_attempts: 2,
        deadline: Duration::from_millis(500),
        ..fast_retry()
    };
    let err = call(
        &url,
        Idempotency::Idempotent,
        &policy,
        Duration::from_secs(10),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout);
    assert_eq!(srv.hits(), 2);
}

#[tokio::test]
async fn a_normal_json_answer_still_works() {
    let srv = serve(|_, mut sock| async move {
        write_full(
            &mut sock,
            "200 OK",
            "application/json",
            br#"{"check_id":"CHK1","status":"completed"}"#,
        )
        .await
    })
    .await;
    let url = srv.url("v1/checks/CHK1");
    let resp = call(
        &url,
        Idempotency::Idempotent,
        &fast_retry(),
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(resp.status, 200);
    let v: serde_json::Value = resp.json().unwrap();
    assert_eq!(v["check_id"], "CHK1");
    assert_eq!(srv.hits(), 1);
}

// ---- downloads: stall detection and capped small bodies ----

#[tokio::test]
async fn a_trickled_download_stalls_and_leaves_nothing_behind() {
    // 100 bytes every 100 ms is about 300 bytes per 300 ms window, under the 1 KiB minimum.
    let srv = serve(|_, mut sock| async move {
        trickle(
            &mut sock,
            "application/pdf",
            1_000_000,
            100,
            Duration::from_millis(100),
        )
        .await
    })
    .await;
    let http = build_client(&HttpConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("slow.pdf");
    let mut saw_bytes = false;
    let started = Instant::now();
    let err = within(
        Duration::from_secs(10),
        download_file(
            &http,
            srv.url("v1/processes/IDP1/pdf"),
            |rb| rb,
            &dest,
            &short_stall(),
            &CancellationToken::new(),
            |p| {
                if let DownloadProgress::Downloading(t) = p {
                    saw_bytes |= t.received > 0;
                }
            },
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout);
    assert_eq!(err.detail, "the download stalled");
    assert!(saw_bytes, "bytes were arriving, just too slowly");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(is_empty(dir.path()), "no file and no .part are left behind");
}

#[tokio::test]
async fn a_silent_download_stalls_too() {
    let srv = serve(|_, mut sock| async move {
        write_head(
            &mut sock,
            "200 OK",
            &[
                "Content-Length: 5000".into(),
                "Content-Type: video/mp4".into(),
            ],
        )
        .await?;
        // Say nothing more until the client hangs up.
        let mut b = [0u8; 1];
        while sock.read(&mut b).await? > 0 {}
        Ok(())
    })
    .await;
    let http = build_client(&HttpConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = within(
        Duration::from_secs(10),
        download_file(
            &http,
            srv.url("rec.mp4"),
            |rb| rb,
            &dir.path().join("rec.mp4"),
            &short_stall(),
            &CancellationToken::new(),
            |_| {},
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout);
    assert!(is_empty(dir.path()));
}

#[tokio::test]
async fn a_huge_202_body_is_refused() {
    let srv =
        serve(
            |_, mut sock| async move { write_chunked(&mut sock, "202 Accepted", 20 * MIB).await },
        )
        .await;
    let http = build_client(&HttpConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = within(
        Duration::from_secs(10),
        download_file(
            &http,
            srv.url("v1/processes/IDP1/pdf"),
            |rb| rb,
            &dir.path().join("p.pdf"),
            &short_stall(),
            &CancellationToken::new(),
            |_| {},
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnexpectedResponse);
    assert_eq!(err.detail, "the server's answer was larger than 64 KB");
    assert_eq!(srv.hits(), 1);
    assert!(is_empty(dir.path()));
}

#[tokio::test]
async fn a_huge_or_trickled_error_body_still_gives_the_status() {
    let srv = serve(|req, mut sock| async move {
        if req.path.ends_with("huge") {
            write_chunked(&mut sock, "404 Not Found", 20 * MIB).await
        } else {
            write_head(
                &mut sock,
                "500 Internal Server Error",
                &["Content-Length: 5000".into()],
            )
            .await?;
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                sock.write_all(b" ").await?;
            }
        }
    })
    .await;
    let http = build_client(&HttpConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (path, kind) in [("huge", ErrorKind::NotFound), ("slow", ErrorKind::Server)] {
        let err = within(
            Duration::from_secs(10),
            download_file(
                &http,
                srv.url(path),
                |rb| rb,
                &dir.path().join("p.pdf"),
                &short_stall(),
                &CancellationToken::new(),
                |_| {},
            ),
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind, kind, "{path}");
    }
    assert!(is_empty(dir.path()));
}

#[tokio::test]
async fn a_normal_download_still_works() {
    let file: Vec<u8> = (0..200 * 1024).map(|i| (i % 251) as u8).collect();
    let served = file.clone();
    let srv = serve(move |req, mut sock| {
        let served = served.clone();
        async move {
            match (req.n, req.path.as_str()) {
                (0, _) => {
                    write_full(
                        &mut sock,
                        "202 Accepted",
                        "application/json",
                        br#"{"file_status":"in_progress"}"#,
                    )
                    .await
                }
                (_, "/v1/processes/IDP1/pdf") => {
                    write_head(
                        &mut sock,
                        "302 Found",
                        &[
                            "Location: /storage/p.pdf".into(),
                            "Content-Length: 0".into(),
                        ],
                    )
                    .await
                }
                _ => write_full(&mut sock, "200 OK", "application/pdf", &served).await,
            }
        }
    })
    .await;
    let http = build_client(&HttpConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("p.pdf");
    let mut phases = Vec::new();
    // The short stall settings must not flag a healthy transfer; the defaults neither.
    for opts in [short_stall(), DownloadOptions::default()] {
        let _ = std::fs::remove_file(&dest);
        let bytes = within(
            Duration::from_secs(10),
            download_file(
                &http,
                srv.url("v1/processes/IDP1/pdf"),
                |rb| rb,
                &dest,
                &opts,
                &CancellationToken::new(),
                |p| phases.push(p),
            ),
        )
        .await
        .unwrap();
        assert_eq!(bytes, file.len() as u64);
        assert_eq!(std::fs::read(&dest).unwrap(), file);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["p.pdf"], "no .part is left behind");
    }
    assert!(matches!(
        &phases[0],
        DownloadProgress::Preparing { file_status, .. } if file_status == "in_progress"
    ));
    assert!(matches!(phases.last(), Some(DownloadProgress::Done(_))));
    // 202, 302, file; then 302, file.
    assert_eq!(srv.hits(), 5);
}

#[tokio::test]
async fn a_redirect_to_something_other_than_http_is_not_followed() {
    // (https → http is refused the same way; a TLS server is out of reach of this test.)
    let srv = serve(|_req, mut sock| async move {
        write_head(
            &mut sock,
            "302 Found",
            &[
                "Location: file:///etc/passwd".into(),
                "Content-Length: 0".into(),
            ],
        )
        .await
    })
    .await;
    let http = build_client(&HttpConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let e = within(
        Duration::from_secs(10),
        download_file(
            &http,
            srv.url("v1/checks/CHK1/pdf"),
            |rb| rb,
            &dir.path().join("r.pdf"),
            &DownloadOptions::default(),
            &CancellationToken::new(),
            |_| {},
        ),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("not secure"), "{e}");
    assert_eq!(srv.hits(), 1);
    assert!(is_empty(dir.path()));
}
