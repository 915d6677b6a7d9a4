//! OpsDesk's local simulator of the Truora Checks, Digital Identity and WhatsApp APIs and the
//! Truecaller for Business API, written from shared/API-CATALOGUE.md at the wire level. It never
//! imports the clients' types, so a client that sends the wrong field or path fails here as it
//! would against the vendor.
//!
//! Each vendor API is mounted under its own path prefix (`/checks`, `/identity`, `/connect`,
//! `/account`, `/truecaller`): the real APIs live on different hosts, so a client that used the
//! wrong base URL must not work by accident. Files are served from a second listener (another
//! origin), as the vendors redirect downloads to storage hosts.

// Handlers return `Result<_, Response>` so a rule violation can answer with the vendor's error
// body directly; boxing every early return would only add noise to a test server.
#![allow(clippy::result_large_err)]

pub mod clock;
pub mod demo;
pub mod faults;
pub mod pdf;
pub mod state;
mod storage;
pub mod truecaller;
pub mod truora;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

pub use faults::Faults;
pub use state::{Stats, Vendor};

/// Credentials the practice sandbox accepts. They only work against the sandbox.
// Shaped like a real key (a JWT) so the same validation applies; the signature says "sandbox".
pub const PRACTICE_TRUORA_KEY: &str = "eyJhbGciOiJub25lIn0.eyJwcmFjdGljZSI6dHJ1ZX0.c2FuZGJveA";
pub const PRACTICE_TC_CLIENT_ID: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
pub const PRACTICE_TC_KEY_ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
pub const PRACTICE_TC_SECRET: &str = "5a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
pub use truora::whatsapp::PRACTICE_LINE as PRACTICE_WABA_LINE;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruecallerAccount {
    pub client_account_id: String,
    pub key_id: String,
    pub api_key: String,
}

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Virtual seconds per real second.
    pub time_scale: f64,
    pub truora_api_keys: Vec<String>,
    pub truecaller: TruecallerAccount,
    /// Makes injected faults repeatable.
    pub fault_seed: Option<u64>,
    /// Realistic people, processes and labels to look at (Practice mode wants them; some tests
    /// want an empty account).
    pub demo_data: bool,
    /// How long (virtual ms) a requested PDF or recording takes to prepare.
    pub file_prepare_ms: i64,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            time_scale: 1.0,
            truora_api_keys: vec![PRACTICE_TRUORA_KEY.to_string()],
            truecaller: TruecallerAccount {
                client_account_id: PRACTICE_TC_CLIENT_ID.into(),
                key_id: PRACTICE_TC_KEY_ID.into(),
                api_key: PRACTICE_TC_SECRET.into(),
            },
            fault_seed: None,
            demo_data: true,
            file_prepare_ms: 4_000,
        }
    }
}

/// Base URLs of each simulated API, to give to the clients.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SandboxUrls {
    pub checks: String,
    pub identity: String,
    pub connect: String,
    pub account: String,
    pub truecaller: String,
    pub storage: String,
    pub admin: String,
}

/// A running sandbox; stops when dropped.
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<state::Shared>,
    shutdown: Option<tokio::sync::watch::Sender<bool>>,
}

impl Sandbox {
    /// Starts on loopback ports chosen by the OS.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        Self::start_on(config, 0).await
    }

    pub async fn start_on(config: SandboxConfig, port: u16) -> std::io::Result<Sandbox> {
        let api_listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let storage_listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = api_listener.local_addr()?;
        let storage_base = format!("http://{}", storage_listener.local_addr()?);
        let shared = Arc::new(state::Shared::new(config, storage_base));
        if shared.config.demo_data {
            demo::seed(&shared);
        }

        let vendor_routes = Router::new()
            .merge(truora::router(shared.clone()))
            .nest("/truecaller", truecaller::router())
            .layer(axum::middleware::from_fn_with_state(
                shared.clone(),
                faults::inject,
            ));
        let api = Router::new()
            .merge(vendor_routes)
            .nest("/_sandbox", admin_router())
            .with_state(shared.clone());
        let storage = storage::router()
            .layer(axum::middleware::from_fn_with_state(
                shared.clone(),
                faults::inject,
            ))
            .with_state(shared.clone());

        let (tx, rx) = tokio::sync::watch::channel(false);
        for (listener, app) in [(api_listener, api), (storage_listener, storage)] {
            let mut rx = rx.clone();
            tokio::spawn(async move {
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = rx.wait_for(|stop| *stop).await;
                    })
                    .await;
            });
        }
        Ok(Sandbox {
            addr,
            shared,
            shutdown: Some(tx),
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn urls(&self) -> SandboxUrls {
        let b = self.base_url();
        SandboxUrls {
            checks: format!("{b}/checks"),
            identity: format!("{b}/identity"),
            connect: format!("{b}/connect"),
            account: format!("{b}/account"),
            truecaller: format!("{b}/truecaller"),
            storage: self.shared.storage_base.clone(),
            admin: format!("{b}/_sandbox"),
        }
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.state.lock().unwrap().faults = faults;
    }

    pub fn stats(&self) -> Stats {
        self.shared.state.lock().unwrap().stats.clone()
    }

    pub fn set_time_scale(&self, scale: f64) {
        self.shared.clock.set_scale(scale);
    }

    pub fn advance_time(&self, ms: i64) {
        self.shared.clock.advance(ms);
    }

    /// Moves one check's creation back by `ms`, so it is further along than its age says
    /// (tests arrange a finished or delayed check this way instead of waiting).
    pub fn age_check(&self, check_id: &str, ms: i64) {
        self.with_state(|s| {
            if let Some(c) = s.truora.checks.iter_mut().find(|c| c.check_id == check_id) {
                c.created_ms -= ms;
            }
        });
    }

    /// Virtual "now" in epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.shared.clock.now_ms()
    }

    /// Direct access for tests that need to arrange a situation (e.g. a process whose PDF never
    /// finishes). Tests still talk to the sandbox over HTTP for everything they assert.
    pub fn with_state<R>(&self, f: impl FnOnce(&mut state::State) -> R) -> R {
        f(&mut self.shared.state.lock().unwrap())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
    }
}

/// The error body each vendor uses (catalogue §1.1 and §1.2).
pub fn vendor_error(vendor: Vendor, status: StatusCode, message: &str) -> Response {
    let code = status.as_u16();
    let body = match vendor {
        Vendor::Truora => {
            serde_json::json!({ "code": 10000 + code as u32, "http_code": code, "message": message })
        }
        Vendor::Truecaller => {
            let slug = match code {
                400 | 422 => "invalid-input",
                401 => "authorization-error",
                403 => "forbidden-error",
                404 => "not-found",
                429 => "too-many-requests",
                _ => "internal-server-error",
            };
            serde_json::json!({ "slug": slug, "message": message })
        }
        Vendor::Storage => {
            return (
                status,
                [("content-type", "application/xml")],
                format!("<Error><Message>{message}</Message></Error>"),
            )
                .into_response()
        }
    };
    (status, Json(body)).into_response()
}

#[derive(Serialize)]
struct Info {
    urls: SandboxUrls,
    time_scale: f64,
    truora_api_keys: Vec<String>,
    truecaller: TruecallerAccount,
}

fn admin_router() -> Router<Arc<state::Shared>> {
    use axum::extract::State;
    type S = State<Arc<state::Shared>>;
    Router::new()
        .route(
            "/faults",
            get(|State(s): S| async move { Json(s.state.lock().unwrap().faults.clone()) }).put(
                |State(s): S, Json(f): Json<Faults>| async move {
                    s.state.lock().unwrap().faults = f;
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route(
            "/stats",
            get(|State(s): S| async move { Json(s.state.lock().unwrap().stats.clone()) }),
        )
        .route(
            "/time",
            axum::routing::put(|State(s): S, Json(t): Json<serde_json::Value>| async move {
                match t.get("scale").and_then(|v| v.as_f64()) {
                    Some(scale) if scale >= 0.0 => {
                        s.clock.set_scale(scale);
                        StatusCode::NO_CONTENT
                    }
                    _ => StatusCode::BAD_REQUEST,
                }
            }),
        )
        // Meta's later verdicts on a live template (FLAGGED, PAUSED, DISABLED, quality), which
        // no API call triggers: tests and demos set them here.
        .route(
            "/whatsapp/outbounds/{id}",
            axum::routing::put(
                |State(s): S,
                 axum::extract::Path(id): axum::extract::Path<String>,
                 Json(b): Json<serde_json::Value>| async move {
                    let mut st = s.state.lock().unwrap();
                    let Some(o) = st.truora.whatsapp.outbounds.iter_mut().find(|o| o.id == id)
                    else {
                        return StatusCode::NOT_FOUND;
                    };
                    if let Some(x) = b["status"].as_str() {
                        o.status = x.to_string();
                        o.review = None;
                    }
                    if let Some(x) = b["quality"].as_str() {
                        o.quality = x.to_string();
                    }
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route(
            "/info",
            get(|State(s): S, headers: axum::http::HeaderMap| async move {
                let host = headers
                    .get("host")
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or("127.0.0.1")
                    .to_string();
                let b = format!("http://{host}");
                Json(Info {
                    urls: SandboxUrls {
                        checks: format!("{b}/checks"),
                        identity: format!("{b}/identity"),
                        connect: format!("{b}/connect"),
                        account: format!("{b}/account"),
                        truecaller: format!("{b}/truecaller"),
                        storage: s.storage_base.clone(),
                        admin: format!("{b}/_sandbox"),
                    },
                    time_scale: s.clock.scale(),
                    truora_api_keys: s.config.truora_api_keys.clone(),
                    truecaller: s.config.truecaller.clone(),
                })
            }),
        )
}
