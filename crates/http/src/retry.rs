use crate::error::{ApiError, ErrorKind};
use crate::ratelimit::RateLimit;
use rand::Rng;
use reqwest::header::HeaderMap;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Whether repeating a request is harmless. Getting a check twice is; creating it twice is not
/// (it may create two checks or message a person twice), so non-idempotent calls are retried only
/// when the server says it did not process them (429).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    Idempotent,
    NotIdempotent,
}

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The largest body one answer may have. The JSON APIs answer in kilobytes; a body is held in
    /// memory whole, so without a cap a broken or hostile server (or a proxy's error page gone
    /// wrong) could make the app allocate hundreds of megabytes. Reading stops, and the attempt
    /// fails, as soon as the cap is passed (or at once when `Content-Length` already says so).
    /// Error bodies (non-2xx) are only read for the vendor's explanation: they are cut at
    /// 64 KiB (or this cap if smaller) instead of failing, so the status still decides.
    pub max_body_bytes: usize,
    /// The longest one attempt may take in total: connecting, the headers and the whole body.
    /// The client's read timeout only catches silence; a server that trickles one byte every few
    /// seconds would otherwise keep a request (and the screen waiting on it) busy forever.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(400),
            max_delay: Duration::from_secs(20),
            max_body_bytes: 16 * 1024 * 1024,
            deadline: Duration::from_secs(90),
        }
    }
}

/// How much of an error (non-2xx) body is kept: enough for any vendor error object.
pub(crate) const ERROR_BODY_CAP: usize = 64 * 1024;

impl RetryPolicy {
    /// Full-jitter exponential backoff, but never sooner than the server's `Retry-After`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_delay);
        let jittered = Duration::from_secs_f64(rand::rng().random_range(0.0..=exp.as_secs_f64()));
        match retry_after {
            Some(ra) => ra.max(jittered),
            None => jittered,
        }
    }
}

/// A complete response: status, headers and the whole body, read inside the retry loop so that a
/// connection dropped mid-body counts as a failed attempt rather than a half-read success.
#[derive(Debug)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl ApiResponse {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| ApiError::unexpected(format!("could not read the response ({e})")))
    }
}

/// Sends a request built by `make` (called once per attempt), honouring the rate limit, retrying
/// what is safe to retry, and turning any non-2xx status into an [`ApiError`].
pub async fn execute<F>(
    make: F,
    idempotency: Idempotency,
    policy: &RetryPolicy,
    limit: Option<&RateLimit>,
    cancel: Option<&CancellationToken>,
) -> Result<ApiResponse, ApiError>
where
    F: Fn() -> reqwest::RequestBuilder,
{
    let mut attempt = 0u32;
    loop {
        if let Some(l) = limit {
            l.wait().await;
        }
        let result = attempt_once(make(), policy).await;
        let err = match result {
            Ok(resp) if (200..300).contains(&resp.status) => return Ok(resp),
            Ok(resp) => ApiError::from_status(resp.status, &resp.headers, &resp.body),
            Err(e) => e,
        };
        let retryable = match err.kind {
            ErrorKind::RateLimited => true,
            ErrorKind::Server | ErrorKind::NoNetwork | ErrorKind::Timeout => {
                idempotency == Idempotency::Idempotent
            }
            // A 200 with an unreadable body on a GET is a glitch worth one more look. Errors that
            // carry a status (an unexpected status, or a body over `max_body_bytes`) would only
            // repeat, so they are final.
            ErrorKind::UnexpectedResponse => {
                idempotency == Idempotency::Idempotent && err.status.is_none()
            }
            _ => false,
        };
        attempt += 1;
        if !retryable || attempt >= policy.max_attempts {
            return Err(err);
        }
        let delay = policy.delay(attempt - 1, err.retry_after);
        tracing::debug!(kind = ?err.kind, attempt, delay_ms = delay.as_millis() as u64, "retrying request");
        match cancel {
            Some(c) => tokio::select! {
                _ = c.cancelled() => return Err(ApiError::cancelled()),
                _ = tokio::time::sleep(delay) => {}
            },
            None => tokio::time::sleep(delay).await,
        }
    }
}

/// One attempt, bounded in time by `policy.deadline` and in memory by `policy.max_body_bytes`.
async fn attempt_once(
    req: reqwest::RequestBuilder,
    policy: &RetryPolicy,
) -> Result<ApiResponse, ApiError> {
    match tokio::time::timeout(policy.deadline, send_and_read(req, policy.max_body_bytes)).await {
        Ok(result) => result,
        Err(_) => Err(ApiError::new(
            ErrorKind::Timeout,
            format!(
                "the server did not finish answering within {} s",
                policy.deadline.as_secs_f64().ceil()
            ),
        )),
    }
}

async fn send_and_read(
    req: reqwest::RequestBuilder,
    max_body_bytes: usize,
) -> Result<ApiResponse, ApiError> {
    let resp = req
        .send()
        .await
        .map_err(|e| ApiError::from_transport(&e.without_url()))?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = if (200..300).contains(&status) {
        let body = read_capped(resp, max_body_bytes).await?;
        if body.overflowed {
            return Err(too_large(status, max_body_bytes));
        }
        body.bytes
    } else {
        // Only the vendor's explanation is wanted from an error body; a cut one simply parses as
        // no explanation, and the status still classifies the error (and decides the retry).
        read_capped(resp, max_body_bytes.min(ERROR_BODY_CAP))
            .await?
            .bytes
    };
    // A 2xx JSON endpoint that answers with a truncated or non-JSON body is caught by the caller's
    // `json()`; here only the transport and the size are judged.
    Ok(ApiResponse {
        status,
        headers,
        body,
    })
}

/// The error for an answer over the size cap. It carries the status, which also keeps it from
/// being retried: the same request would get the same oversized answer.
pub(crate) fn too_large(status: u16, cap: usize) -> ApiError {
    ApiError {
        status: Some(status),
        ..ApiError::unexpected(format!(
            "the server's answer was larger than {}",
            human_size(cap)
        ))
    }
}

fn human_size(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes >= MB {
        format!("{} MB", bytes.div_ceil(MB))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// A body read up to a cap. `overflowed` means the server had (or announced) more than `cap`
/// bytes; `bytes` then holds at most `cap` bytes and the rest was never read.
pub(crate) struct CappedBody {
    pub bytes: Vec<u8>,
    pub overflowed: bool,
}

/// Reads a body chunk by chunk, stopping as soon as it passes `cap`: memory stays within `cap`
/// plus one chunk however much the server sends. A `Content-Length` over the cap stops it before
/// reading anything. Dropping the response afterwards closes the connection.
pub(crate) async fn read_capped(
    mut resp: reqwest::Response,
    cap: usize,
) -> Result<CappedBody, ApiError> {
    if let Some(len) = resp.content_length() {
        if len > cap as u64 {
            return Ok(CappedBody {
                bytes: Vec::new(),
                overflowed: true,
            });
        }
    }
    // A claimed length sizes the buffer, but never beyond 1 MiB on the server's word alone.
    let initial = resp
        .content_length()
        .map_or(0, |l| (l as usize).min(cap).min(1024 * 1024));
    let mut bytes = Vec::with_capacity(initial);
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| ApiError::from_transport(&e.without_url()))?
    {
        let room = cap - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            return Ok(CappedBody {
                bytes,
                overflowed: true,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(CappedBody {
        bytes,
        overflowed: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_never_undercuts_retry_after_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        for attempt in 0..10 {
            assert!(p.delay(attempt, None) <= Duration::from_secs(1));
            assert!(p.delay(attempt, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
        }
    }

    #[test]
    fn sizes_read_plainly() {
        assert_eq!(human_size(16 * 1024 * 1024), "16 MB");
        assert_eq!(human_size(64 * 1024), "64 KB");
        assert_eq!(human_size(1000), "1 KB");
        let e = too_large(200, 16 * 1024 * 1024);
        assert_eq!(e.kind, ErrorKind::UnexpectedResponse);
        assert_eq!(e.status, Some(200));
        assert_eq!(e.detail, "the server's answer was larger than 16 MB");
    }
}
