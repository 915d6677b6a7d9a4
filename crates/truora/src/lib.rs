//! Truora's Checks, Digital Identity and WhatsApp (Connect) APIs. All three share the
//! `Truora-API-Key` header and the error body, but live on different hosts, so each has its own
//! base URL in [`TruoraEndpoints`].

pub mod checks;
pub mod identity;
pub mod whatsapp;

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

    /// An authorised, retried GET of `path` under `base`, parsed as JSON.
    pub(crate) async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        base: &Url,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ApiError> {
        let url = join_url(base, path);
        execute(
            || self.authorize(self.http.get(url.clone()).query(query)),
            Idempotency::Idempotent,
            &self.retry,
            None,
            None,
        )
        .await?
        .json()
    }
}

impl TruoraClient {
    /// An authorised form POST that is never repeated after a 5xx or a lost answer (only after
    /// a 429, when nothing was done): these create things or message people.
    pub(crate) async fn post_form_once<F: serde::Serialize + ?Sized>(
        &self,
        base: &Url,
        path: &str,
        form: &F,
    ) -> Result<opsdesk_http::ApiResponse, ApiError> {
        let url = join_url(base, path);
        execute(
            || self.authorize(self.http.post(url.clone()).form(form)),
            Idempotency::NotIdempotent,
            &self.retry,
            None,
            None,
        )
        .await
    }

    /// An authorised DELETE; repeating it is harmless (a second one answers 404).
    pub(crate) async fn delete_path(&self, base: &Url, path: &str) -> Result<(), ApiError> {
        let url = join_url(base, path);
        execute(
            || self.authorize(self.http.delete(url.clone())),
            Idempotency::Idempotent,
            &self.retry,
            None,
            None,
        )
        .await
        .map(|_| ())
    }

    /// A GET whose answer is a list, bare or wrapped (see [`array_in`]); items that do not parse
    /// are skipped rather than failing the whole list.
    pub(crate) async fn get_list<T: serde::de::DeserializeOwned>(
        &self,
        base: &Url,
        path: &str,
    ) -> Result<Vec<T>, ApiError> {
        let v: serde_json::Value = self.get_json(base, path, &[]).await?;
        Ok(array_in(v)
            .into_iter()
            .filter_map(|x| serde_json::from_value(x).ok())
            .collect())
    }
}

/// The cursor in a relative `next` URL (`/v1/checks?start_key=…`), as the list endpoints give it.
pub(crate) fn cursor(next: Option<String>) -> Option<String> {
    let u = Url::parse("http://x").ok()?.join(&next?).ok()?;
    let v = u
        .query_pairs()
        .find(|(k, _)| k == "start_key")
        .map(|(_, v)| v.into_owned());
    v
}

/// The list in a response that is either a bare array or an object wrapping one under some key
/// (`checks`, `configs`, `attachments`, …): several shapes here are inferred, so accept both.
pub(crate) fn array_in(v: serde_json::Value) -> Vec<serde_json::Value> {
    match v {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(o) => o
            .into_iter()
            .find_map(|(_, x)| x.as_array().cloned())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

impl TruoraClient {
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
