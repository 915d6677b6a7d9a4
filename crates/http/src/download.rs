//! The vendors' asynchronous file contract (catalogue §3.3): `202 {"file_status":"requested"}`,
//! `202 {"file_status":"in_progress"}` while the file is prepared, then `302 Location: …` to the
//! file or `200` with the file itself. An already generated file answers 302/200 at once.

use crate::error::{ApiError, ErrorKind};
use crate::retry::{read_capped, too_large, ERROR_BODY_CAP};
use futures_util::StreamExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;
use url::Url;

#[derive(Debug, Clone)]
pub struct DownloadOptions {
    /// First wait between 202 polls; grows ×1.5 up to `max_poll_interval`.
    pub poll_interval: Duration,
    pub max_poll_interval: Duration,
    /// Give up after preparing for this long (the user can also cancel at any time).
    pub max_preparing: Duration,
    pub max_redirects: u8,
    /// Stall detection while the file itself streams in. A download has no overall deadline (a
    /// large recording on a slow line legitimately takes long), and the client's read timeout only
    /// catches complete silence, so a server trickling a byte every few seconds would hold the
    /// download open forever. Instead, time is cut into consecutive windows of `stall_window`; a
    /// window in which fewer than `stall_min_bytes` arrive ends the download as stalled (so a
    /// trickle is caught within two windows). `stall_min_bytes: 0` turns the check off.
    pub stall_window: Duration,
    pub stall_min_bytes: u64,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            poll_interval: Duration::from_secs(1),
            max_poll_interval: Duration::from_secs(10),
            max_preparing: Duration::from_secs(15 * 60),
            max_redirects: 5,
            stall_window: Duration::from_secs(60),
            stall_min_bytes: 16 * 1024,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
#[serde(tag = "phase", rename_all = "snake_case")]
#[ts(export)]
pub enum DownloadProgress {
    /// The vendor is still generating the file (`file_status` as it reported it).
    Preparing {
        file_status: String,
        polls: u32,
    },
    Downloading(Transferred),
    Done(Transferred),
}

/// Byte counts as plain numbers for the UI (a file never nears 2^53 bytes). Kept in a struct
/// because ts-rs ignores type overrides on fields of internally tagged variants.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Transferred {
    #[ts(type = "number")]
    pub received: u64,
    #[ts(type = "number | null")]
    pub total: Option<u64>,
}

/// Downloads `url` to `dest`. `auth` adds credentials and is applied only to requests on the
/// origin of `url`: a redirect to a file server elsewhere (a signed storage URL) must not receive
/// our API key. The file appears at `dest` only when complete (written to `dest.part` first).
///
/// The small bodies read on the way (the 202 status JSON, an error body) are capped at 64 KiB and
/// must arrive within `opts.stall_window`, so a hostile server cannot make them unbounded either.
pub async fn download_file<A, P>(
    client: &reqwest::Client,
    url: Url,
    auth: A,
    dest: &Path,
    opts: &DownloadOptions,
    cancel: &CancellationToken,
    mut progress: P,
) -> Result<u64, ApiError>
where
    A: Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    P: FnMut(DownloadProgress),
{
    let origin = url.origin();
    let mut current = url;
    let mut redirects = 0u8;
    let mut polls = 0u32;
    let mut interval = opts.poll_interval;
    let started = Instant::now();

    loop {
        let mut req = client.get(current.clone());
        if current.origin() == origin {
            req = auth(req);
        }
        let resp = tokio::select! {
            _ = cancel.cancelled() => return Err(ApiError::cancelled()),
            r = req.send() => r.map_err(|e| ApiError::from_transport(&e.without_url()))?,
        };
        let status = resp.status().as_u16();
        match status {
            200 => return stream_to_file(resp, dest, opts, cancel, &mut progress).await,
            202 => {
                let body = read_small(resp, opts, cancel).await?;
                if body.overflowed {
                    return Err(too_large(status, SMALL_BODY_CAP));
                }
                let body = body.bytes;
                let file_status = serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| {
                        v.get("file_status")
                            .and_then(|s| s.as_str())
                            .map(str::to_string)
                    })
                    .unwrap_or_else(|| "in_progress".into());
                polls += 1;
                progress(DownloadProgress::Preparing { file_status, polls });
                if started.elapsed() + interval > opts.max_preparing {
                    return Err(ApiError::new(
                        ErrorKind::Timeout,
                        "the file was still being prepared when we gave up",
                    ));
                }
                tokio::select! {
                    _ = cancel.cancelled() => return Err(ApiError::cancelled()),
                    _ = tokio::time::sleep(interval) => {}
                }
                interval = interval.mul_f64(1.5).min(opts.max_poll_interval);
            }
            301 | 302 | 303 | 307 | 308 => {
                redirects += 1;
                if redirects > opts.max_redirects {
                    return Err(ApiError::unexpected("too many redirects"));
                }
                let location = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| ApiError::unexpected("redirect without a Location header"))?;
                let next = current
                    .join(location)
                    .map_err(|_| ApiError::unexpected("redirect to an invalid address"))?;
                // A report that started over https must not finish over plain http (personal data
                // in the clear), and only http(s) is followed at all.
                let downgrade = current.scheme() == "https" && next.scheme() != "https";
                if downgrade || !matches!(next.scheme(), "http" | "https") {
                    return Err(ApiError::unexpected(
                        "the file was redirected to an address that is not secure",
                    ));
                }
                current = next;
            }
            _ => {
                let headers = resp.headers().clone();
                // The status decides the error; the body only adds the vendor's explanation, so a
                // body that fails, stalls or is cut at the cap still yields the status's error.
                let body = match read_small(resp, opts, cancel).await {
                    Err(e) if e.kind == ErrorKind::Cancelled => return Err(e),
                    Err(_) => Vec::new(),
                    Ok(b) => b.bytes,
                };
                return Err(ApiError::from_status(status, &headers, &body));
            }
        }
    }
}

/// The 202 status JSON and error bodies are a few hundred bytes; this is far more than enough.
const SMALL_BODY_CAP: usize = ERROR_BODY_CAP;

/// Reads a small body: at most [`SMALL_BODY_CAP`] bytes, within one stall window, cancellable.
async fn read_small(
    resp: reqwest::Response,
    opts: &DownloadOptions,
    cancel: &CancellationToken,
) -> Result<crate::retry::CappedBody, ApiError> {
    tokio::select! {
        _ = cancel.cancelled() => Err(ApiError::cancelled()),
        r = tokio::time::timeout(opts.stall_window, read_capped(resp, SMALL_BODY_CAP)) => {
            r.unwrap_or_else(|_| Err(ApiError::new(ErrorKind::Timeout, "the server stalled while answering")))
        }
    }
}

async fn stream_to_file<P: FnMut(DownloadProgress)>(
    resp: reqwest::Response,
    dest: &Path,
    opts: &DownloadOptions,
    cancel: &CancellationToken,
    progress: &mut P,
) -> Result<u64, ApiError> {
    let total = resp.content_length();
    let part = part_path(dest);
    let io_err = |e: std::io::Error| {
        ApiError::new(
            ErrorKind::UnexpectedResponse,
            format!("could not write the file: {e}"),
        )
    };
    let result: Result<u64, ApiError> = async {
        // Reports hold personal data: readable by the user only from the first byte (on
        // Windows, files inherit the private permissions of the user's own folders).
        let mut open = tokio::fs::OpenOptions::new();
        open.write(true).create(true).truncate(true);
        #[cfg(unix)]
        open.mode(0o600);
        let mut file = open.open(&part).await.map_err(io_err)?;
        let mut received = 0u64;
        let mut stream = resp.bytes_stream();
        progress(DownloadProgress::Downloading(Transferred {
            received,
            total,
        }));
        // Stall detection (see `DownloadOptions::stall_window`): bytes received in the current
        // window, checked whenever the window ends, whether or not a chunk is arriving.
        let mut window_end = window_end_from_now(opts.stall_window);
        let mut window_bytes = 0u64;
        loop {
            let next = tokio::select! {
                _ = cancel.cancelled() => return Err(ApiError::cancelled()),
                _ = tokio::time::sleep_until(window_end) => None,
                c = stream.next() => Some(c),
            };
            let chunk = match next {
                None => {
                    if window_bytes < opts.stall_min_bytes {
                        return Err(ApiError::new(ErrorKind::Timeout, "the download stalled"));
                    }
                    window_end = window_end_from_now(opts.stall_window);
                    window_bytes = 0;
                    continue;
                }
                Some(None) => break,
                Some(Some(chunk)) => {
                    chunk.map_err(|e| ApiError::from_transport(&e.without_url()))?
                }
            };
            file.write_all(&chunk).await.map_err(io_err)?;
            received += chunk.len() as u64;
            window_bytes += chunk.len() as u64;
            progress(DownloadProgress::Downloading(Transferred {
                received,
                total,
            }));
        }
        if let Some(t) = total {
            if received != t {
                return Err(ApiError::new(
                    ErrorKind::NoNetwork,
                    "the connection closed before the file was complete",
                ));
            }
        }
        file.flush().await.map_err(io_err)?;
        file.sync_all().await.map_err(io_err)?;
        Ok(received)
    }
    .await;
    match result {
        Ok(bytes) => {
            tokio::fs::rename(&part, dest).await.map_err(io_err)?;
            progress(DownloadProgress::Done(Transferred {
                received: bytes,
                total: Some(bytes),
            }));
            Ok(bytes)
        }
        Err(e) => {
            let _ = tokio::fs::remove_file(&part).await;
            Err(e)
        }
    }
}

/// `now + window`, without overflowing on an absurd window (which then never ends).
fn window_end_from_now(window: Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(window)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".part");
    dest.with_file_name(name)
}
