//! The vendors' asynchronous file contract (catalogue §3.3): `202 {"file_status":"requested"}`,
//! `202 {"file_status":"in_progress"}` while the file is prepared, then `302 Location: …` to the
//! file or `200` with the file itself. An already generated file answers 302/200 at once.

use crate::error::{ApiError, ErrorKind};
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
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            poll_interval: Duration::from_secs(1),
            max_poll_interval: Duration::from_secs(10),
            max_preparing: Duration::from_secs(15 * 60),
            max_redirects: 5,
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
            200 => return stream_to_file(resp, dest, cancel, &mut progress).await,
            202 => {
                let body = resp
                    .bytes()
                    .await
                    .map_err(|e| ApiError::from_transport(&e.without_url()))?;
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
                current = current
                    .join(location)
                    .map_err(|_| ApiError::unexpected("redirect to an invalid address"))?;
            }
            _ => {
                let headers = resp.headers().clone();
                let body = resp.bytes().await.unwrap_or_default();
                return Err(ApiError::from_status(status, &headers, &body));
            }
        }
    }
}

async fn stream_to_file<P: FnMut(DownloadProgress)>(
    resp: reqwest::Response,
    dest: &Path,
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
        let mut file = tokio::fs::File::create(&part).await.map_err(io_err)?;
        let mut received = 0u64;
        let mut stream = resp.bytes_stream();
        progress(DownloadProgress::Downloading(Transferred {
            received,
            total,
        }));
        loop {
            let chunk = tokio::select! {
                _ = cancel.cancelled() => return Err(ApiError::cancelled()),
                c = stream.next() => c,
            };
            let Some(chunk) = chunk else { break };
            let chunk = chunk.map_err(|e| ApiError::from_transport(&e.without_url()))?;
            file.write_all(&chunk).await.map_err(io_err)?;
            received += chunk.len() as u64;
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

fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".part");
    dest.with_file_name(name)
}
