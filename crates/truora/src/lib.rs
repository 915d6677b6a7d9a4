//! Truora's Checks, Digital Identity and WhatsApp (Connect) APIs. All three share the
//! `Truora-API-Key` header and the error body, but live on different hosts, so each has its own
//! base URL in [`TruoraEndpoints`].

pub mod checks;
pub mod identity;

use opsdesk_http::{execute, join_url, ApiError, Idempotency, RetryPolicy, Secret};
use url::Url;

#[derive(Debug, Clone)]
pub struct TruoraEndpoints {
    pub checks: Url,
    pub identity: Url,
    pub connect: Url,
    pub account: Url,
}

impl TruoraEndpoints {
    pub fn production() -> Self {
        TruoraEndpoints {
            checks: Url::parse("https://api.checks.truora.com").unwrap(),
            identity: Url::parse("https://api.identity.truora.com").unwrap(),
            connect: Url::parse("https://api.connect.truora.com").unwrap(),
            account: Url::parse("https://api.account.truora.com").unwrap(),
        }
    }
}

#[derive(Clone)]
pub struct TruoraClient {
    http: reqwest::Client,
    key: std::sync::Arc<Secret>,
    pub endpoints: TruoraEndpoints,
    pub retry: RetryPolicy,
}

impl TruoraClient {
    pub fn new(http: reqwest::Client, key: Secret, endpoints: TruoraEndpoints) -> Self {
        TruoraClient {
            http,
            key: std::sync::Arc::new(key),
            endpoints,
            retry: RetryPolicy::default(),
        }
    }

    pub fn authorize(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        rb.header("Truora-API-Key", self.key.expose())
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Proves the key works with the cheapest authenticated read there is: the first page of
    /// the checks list (catalogue C2). A key without Checks access answers 401/403 here.
    #[tracing::instrument(skip(self), err(Display))]
    pub async fn verify_key(&self) -> Result<(), ApiError> {
        let url = join_url(&self.endpoints.checks, "v1/checks");
        let resp = execute(
            || self.authorize(self.http.get(url.clone())),
            Idempotency::Idempotent,
            &self.retry,
            None,
            None,
        )
        .await?;
        // Anything but a JSON object means we reached something that is not Truora (a captive
        // portal, a proxy error page).
        resp.json::<serde_json::Map<String, serde_json::Value>>()
            .map(|_| ())
    }
}
