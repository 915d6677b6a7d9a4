//! Fault injection for reliability tests and for showing staff what a bad day looks like.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use crate::state::Shared;
use crate::vendor_error;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Faults {
    /// Added to every vendor response.
    pub latency_ms: u64,
    /// The next N vendor requests answer 429 (a burst), before any probabilistic fault.
    pub burst_429: u32,
    /// Probabilities in 0..1 per request.
    pub rate_429: f64,
    pub rate_5xx: f64,
    /// The request is processed, then the connection is dropped before the response completes:
    /// the client cannot know whether it worked.
    pub rate_drop: f64,
    /// 200 with a truncated JSON body (processed, like a real proxy mangling the answer).
    pub rate_malformed: f64,
    /// Retry-After (seconds) on injected 429s.
    pub retry_after_secs: u64,
    /// Finished checks also list hostile attachments: a Windows program named `factura.exe`
    /// and a script page named `informe.hta`, as a compromised storage host could serve them.
    pub hostile_attachments: bool,
}

#[derive(Debug)]
pub struct FaultRng(pub rand::rngs::StdRng);

impl FaultRng {
    pub fn new(seed: Option<u64>) -> Self {
        FaultRng(match seed {
            Some(s) => rand::rngs::StdRng::seed_from_u64(s),
            None => rand::rngs::StdRng::from_os_rng(),
        })
    }
}

enum Decision {
    Pass,
    TooMany,
    ServerError,
    Drop,
    Malformed,
}

pub async fn inject(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let vendor = crate::state::Vendor::from_path(&path);
    let (decision, latency, retry_after) = {
        let mut s = shared.state.lock().unwrap();
        s.stats.record(req.method().as_str(), &path);
        let f = s.faults.clone();
        let roll = |rng: &mut FaultRng, p: f64| p > 0.0 && rng.0.random::<f64>() < p;
        let d = if s.faults.burst_429 > 0 {
            s.faults.burst_429 -= 1;
            Decision::TooMany
        } else if roll(&mut s.rng, f.rate_429) {
            Decision::TooMany
        } else if roll(&mut s.rng, f.rate_5xx) {
            Decision::ServerError
        } else if roll(&mut s.rng, f.rate_drop) {
            Decision::Drop
        } else if roll(&mut s.rng, f.rate_malformed) {
            Decision::Malformed
        } else {
            Decision::Pass
        };
        (d, f.latency_ms, f.retry_after_secs)
    };
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    match decision {
        Decision::Pass => next.run(req).await,
        Decision::TooMany => {
            shared.state.lock().unwrap().stats.injected += 1;
            let mut r = vendor_error(vendor, StatusCode::TOO_MANY_REQUESTS, "Too many requests");
            r.headers_mut()
                .insert("retry-after", HeaderValue::from(retry_after));
            r
        }
        Decision::ServerError => {
            shared.state.lock().unwrap().stats.injected += 1;
            vendor_error(
                vendor,
                StatusCode::SERVICE_UNAVAILABLE,
                "Service temporarily unavailable",
            )
        }
        Decision::Drop => {
            let resp = next.run(req).await;
            shared.state.lock().unwrap().stats.injected += 1;
            let (mut parts, _) = resp.into_parts();
            // Promise a body, then fail the stream: hyper aborts the connection mid-response.
            parts
                .headers
                .insert("content-length", HeaderValue::from(64u64));
            let stream = futures_util::stream::once(async {
                Err::<bytes::Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected drop",
                ))
            });
            Response::from_parts(parts, Body::from_stream(stream))
        }
        Decision::Malformed => {
            let _ = next.run(req).await;
            shared.state.lock().unwrap().stats.injected += 1;
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                "{\"truncated\": [1, 2",
            )
                .into_response()
        }
    }
}
