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
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(400),
            max_delay: Duration::from_secs(20),
        }
    }
}

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
        let result = attempt_once(make()).await;
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
            // A 200 with an unreadable body on a GET is a glitch worth one more look.
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

async fn attempt_once(req: reqwest::RequestBuilder) -> Result<ApiResponse, ApiError> {
    let resp = req
        .send()
        .await
        .map_err(|e| ApiError::from_transport(&e.without_url()))?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .bytes()
        .await
        .map_err(|e| ApiError::from_transport(&e.without_url()))?;
    // A 2xx JSON endpoint that answers with a truncated or non-JSON body is caught by the caller's
    // `json()`; here only the transport is judged.
    Ok(ApiResponse {
        status,
        headers,
        body: body.to_vec(),
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
        };
        for attempt in 0..10 {
            assert!(p.delay(attempt, None) <= Duration::from_secs(1));
            assert!(p.delay(attempt, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
        }
    }
}
